import type { JSONSchemaType } from "ajv";
import { BranchPatternError } from "../constants/errors";
import { parseBranchPattern } from "../constants/github-refs";

/**
 * The settings of `secure-mlops:github` that make the stacks manage GitHub: the repository and
 * its branch rules (one stack, prod by default) and each stack's deployment environment. They
 * extend the same key that names the repository for the OIDC deployer (owner, repository); with
 * no `teams`, the stacks manage nothing in GitHub.
 */

/** The branch table's columns, as team slugs. */
export interface GithubTeamsConfig {
  readonly developers: string;
  readonly admins: string;
}

/** One row of the branch table (components/github/protected-repository/args.ts `BranchRule`). */
export interface GithubBranchRuleConfig {
  readonly pattern: string;
  readonly protected: boolean;
  readonly requiredApprovals?: number;
  readonly sourceBranches?: string[];
  readonly requiredDeployments?: string[];
  readonly deploysTo?: string;
  readonly developers: "read" | "write";
}

/** This stack's GitHub environment (its name is `identity.deployEnvironment`, the one the deployer trusts). */
export interface GithubEnvironmentConfig {
  /** Team slugs that approve deployments; the profile's team (developers in dev, admins elsewhere) by default. */
  readonly reviewerTeams?: string[];
  readonly waitTimerMinutes?: number;
  /** Branches that may deploy; the branch table's "deploys" column (or the profile's) by default. */
  readonly deploymentBranches?: string[];
}

export interface GithubManagementConfig {
  /** Team slugs of the branch table; without them no GitHub resource is managed. */
  readonly teams?: GithubTeamsConfig;
  /** The stack that owns the repository and its branch rules. @default "prod" */
  readonly repositoryStack?: "dev" | "staging" | "prod";
  readonly visibility?: "private" | "internal";
  readonly protectionMode?: "rulesets" | "branchProtection";
  /** Status checks every protected branch requires; the policy preview by default. */
  readonly requiredStatusChecks?: string[];
  /** The branch table; the issue's table (feat/*, main, production) by default. */
  readonly branches?: GithubBranchRuleConfig[];
  readonly environment?: GithubEnvironmentConfig;
}

const slug = "^[a-z0-9][a-z0-9_-]{0,99}$";
const environmentName = "^[A-Za-z0-9._-](?:[A-Za-z0-9._ -]{0,253}[A-Za-z0-9._-])?$";

/** The schema of these settings, spread into `github.properties` of the platform schema. */
export const githubManagementSchemaProperties: JSONSchemaType<GithubManagementConfig>["properties"] = {
  teams: {
    type: "object",
    nullable: true,
    additionalProperties: false,
    required: ["developers", "admins"],
    properties: {
      developers: { type: "string", pattern: slug },
      admins: { type: "string", pattern: slug },
    },
  },
  repositoryStack: { type: "string", enum: ["dev", "staging", "prod"], nullable: true },
  visibility: { type: "string", enum: ["private", "internal"], nullable: true },
  protectionMode: { type: "string", enum: ["rulesets", "branchProtection"], nullable: true },
  requiredStatusChecks: { type: "array", items: { type: "string", minLength: 1 }, nullable: true },
  branches: {
    type: "array",
    nullable: true,
    minItems: 1,
    items: {
      type: "object",
      additionalProperties: false,
      required: ["pattern", "protected", "developers"],
      properties: {
        pattern: { type: "string" },
        protected: { type: "boolean" },
        requiredApprovals: { type: "integer", minimum: 1, maximum: 6, nullable: true },
        sourceBranches: { type: "array", items: { type: "string" }, nullable: true },
        requiredDeployments: { type: "array", items: { type: "string", pattern: environmentName }, nullable: true },
        deploysTo: { type: "string", pattern: environmentName, nullable: true },
        developers: { type: "string", enum: ["read", "write"] },
      },
    },
  },
  environment: {
    type: "object",
    nullable: true,
    additionalProperties: false,
    required: [],
    properties: {
      reviewerTeams: { type: "array", items: { type: "string", pattern: slug }, minItems: 1, maxItems: 6, nullable: true },
      waitTimerMinutes: { type: "integer", minimum: 0, maximum: 43200, nullable: true },
      deploymentBranches: { type: "array", items: { type: "string" }, nullable: true },
    },
  },
};

/**
 * What the schema cannot say: branch patterns that git would refuse, and management settings
 * without the teams they need. Returns the path under `github` and a one-line reason.
 */
export function githubManagementProblem(config: GithubManagementConfig): { path: string; detail: string } | undefined {
  const patternProblem = (pattern: string): string | undefined => {
    try {
      parseBranchPattern(pattern);
      return undefined;
    } catch (err) {
      if (err instanceof BranchPatternError) return `is not a valid branch pattern: ${err.message}`;
      throw err;
    }
  };
  if (config.teams === undefined) {
    const needsTeams = (["repositoryStack", "visibility", "protectionMode", "requiredStatusChecks", "branches", "environment"] as const).find(
      (k) => config[k] !== undefined,
    );
    if (needsTeams !== undefined) {
      return { path: "teams", detail: `is required with github.${needsTeams}: the slugs of the developers and admins teams of the branch table` };
    }
    return undefined;
  }
  if (config.teams.developers === config.teams.admins) {
    return { path: "teams.admins", detail: `must differ from teams.developers ("${config.teams.admins}")` };
  }
  for (const [i, rule] of (config.branches ?? []).entries()) {
    const problem = patternProblem(rule.pattern);
    if (problem) return { path: `branches[${i}].pattern`, detail: problem };
    for (const [j, source] of (rule.sourceBranches ?? []).entries()) {
      const p = patternProblem(source);
      if (p) return { path: `branches[${i}].sourceBranches[${j}]`, detail: p };
    }
  }
  for (const [i, branch] of (config.environment?.deploymentBranches ?? []).entries()) {
    const problem = patternProblem(branch);
    if (problem) return { path: `environment.deploymentBranches[${i}]`, detail: problem };
  }
  return undefined;
}
