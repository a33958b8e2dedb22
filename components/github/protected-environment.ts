import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { checker } from "../lib/errors";
import {
  branchPatternProblem,
  patternKey,
  environmentNameProblem,
  repositoryNameProblem,
  teamProblem,
  variableNameProblem,
} from "./validation";

export const protectedEnvironmentType = "secure-mlops:github:ProtectedEnvironment";

/** GitHub's limits: at most 6 reviewers per environment, a wait timer of at most 30 days. */
export const maxEnvironmentReviewers = 6;
export const maxWaitTimerMinutes = 43_200;

export interface ProtectedEnvironmentArgs {
  /** The repository's name (not `owner/name`); the provider's `owner` is the organization. */
  readonly repository: pulumi.Input<string>;
  /** The GitHub environment, e.g. `production`. */
  readonly environment: string;
  /** Slugs of the teams whose members approve each deployment (1 to 6). */
  readonly reviewerTeams: readonly string[];
  /** Minutes a deployment waits after approval before it runs. @default 0 */
  readonly waitTimerMinutes?: number;
  /** Branches (names or patterns) that may deploy to the environment. @default [] (none until listed) */
  readonly deploymentBranches?: readonly string[];
  /**
   * Plain Actions variables of the environment, e.g. the OIDC principal's AZURE_CLIENT_ID,
   * AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID (none of which is secret). Keyed by variable name.
   * @default {}
   */
  readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The person who started a deployment may not approve it. @default true */
  readonly preventSelfReview?: boolean;
  /** Repository admins may skip the reviewers and the wait timer. @default false */
  readonly canAdminsBypass?: boolean;
}

/** The component's secure defaults, in one place; each has an argument that overrides it. */
export const protectedEnvironmentDefaults = {
  waitTimerMinutes: 0,
  deploymentBranches: [] as readonly string[],
  preventSelfReview: true,
  canAdminsBypass: false,
} as const;

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming
 * the first bad one. `at` prefixes argument names when the environment is part of a larger
 * component (`environments[1]`).
 */
export function validateProtectedEnvironmentArgs(args: ProtectedEnvironmentArgs, at = "", component = protectedEnvironmentType): void {
  const check = checker(component);
  const name = (arg: string): string => (at ? `${at}.${arg}` : arg);
  if (typeof args.repository === "string") {
    const problem = repositoryNameProblem(args.repository);
    check(problem === undefined, name("repository"), problem ?? "");
  }
  const envProblem = environmentNameProblem(args.environment);
  check(envProblem === undefined, name("environment"), envProblem ?? "");
  const teams = args.reviewerTeams as readonly string[] | undefined;
  check(
    Array.isArray(teams) && teams.length > 0,
    name("reviewerTeams"),
    "is required: at least one team (its slug) whose members approve deployments",
  );
  check((teams ?? []).length <= maxEnvironmentReviewers, name("reviewerTeams"), `may list at most ${maxEnvironmentReviewers} teams (GitHub's limit), got ${teams?.length}`);
  const seen = new Set<string>();
  (teams ?? []).forEach((slug, i) => {
    const problem = teamProblem(slug, "reviewer");
    check(problem === undefined, name(`reviewerTeams[${i}]`), problem ?? "");
    check(!seen.has(slug), name(`reviewerTeams[${i}]`), `"${slug}" is listed twice`);
    seen.add(slug);
  });
  const wait = args.waitTimerMinutes ?? protectedEnvironmentDefaults.waitTimerMinutes;
  check(
    Number.isInteger(wait) && wait >= 0 && wait <= maxWaitTimerMinutes,
    name("waitTimerMinutes"),
    `must be an integer from 0 to ${maxWaitTimerMinutes} (30 days), got ${wait}`,
  );
  const branchKeys = new Map<string, string>();
  (args.deploymentBranches ?? []).forEach((branch, i) => {
    const { problem } = branchPatternProblem(branch);
    check(problem === undefined, name(`deploymentBranches[${i}]`), problem ?? "");
    const key = patternKey(branch);
    const other = branchKeys.get(key);
    check(other === undefined, name(`deploymentBranches[${i}]`), other === branch ? `"${branch}" is listed twice` : `"${branch}" and "${other}" name the same child resource; list one`);
    branchKeys.set(key, branch);
  });
  const keys = new Set<string>();
  for (const variable of Object.keys(args.variables ?? {})) {
    const problem = variableNameProblem(variable);
    check(problem === undefined, name(`variables.${variable}`), problem ?? "");
    // GitHub compares variable names case-insensitively.
    check(!keys.has(variable.toUpperCase()), name(`variables.${variable}`), "is given twice (names are case-insensitive)");
    keys.add(variable.toUpperCase());
  }
}

function childKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * A GitHub deployment environment that guards its cloud credentials: reviewer teams approve each
 * deployment, nobody approves their own, admins cannot skip it, only the listed branches deploy,
 * and the variables its deployer needs (plain, since OIDC needs no secret) are set on it.
 */
export class ProtectedEnvironment extends pulumi.ComponentResource {
  readonly environment: github.RepositoryEnvironment;
  readonly environmentName: pulumi.Output<string>;
  /** The numeric ids of the reviewer teams, as GitHub resolved their slugs. */
  readonly reviewerTeamIds: pulumi.Output<number[]>;
  readonly variableNames: pulumi.Output<string[]>;

  constructor(name: string, args: ProtectedEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(protectedEnvironmentType, name, {}, opts);
    validateProtectedEnvironmentArgs(args);
    const d = protectedEnvironmentDefaults;
    const parent = { parent: this };

    // Environment reviewers are team ids; the slug is what people write, so resolve it.
    this.reviewerTeamIds = pulumi.all(
      args.reviewerTeams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, parent).id.apply((id) => Number(id))),
    );
    const branches = args.deploymentBranches ?? d.deploymentBranches;

    this.environment = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository: args.repository,
        environment: args.environment,
        reviewers: [{ teams: this.reviewerTeamIds }],
        waitTimer: args.waitTimerMinutes ?? d.waitTimerMinutes,
        preventSelfReview: args.preventSelfReview ?? d.preventSelfReview,
        canAdminsBypass: args.canAdminsBypass ?? d.canAdminsBypass,
        // Only the listed branches: "protected branches" would let any protected branch deploy.
        deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false },
      },
      parent,
    );
    this.environmentName = this.environment.environment;

    for (const branch of branches) {
      new github.RepositoryEnvironmentDeploymentPolicy(
        `${name}-deploy-from-${patternKey(branch)}`,
        { repository: args.repository, environment: this.environment.environment, branchPattern: branch },
        parent,
      );
    }

    const variables = Object.entries(args.variables ?? {});
    for (const [variableName, value] of variables) {
      new github.ActionsEnvironmentVariable(
        `${name}-var-${childKey(variableName)}`,
        { repository: args.repository, environment: this.environment.environment, variableName, value },
        parent,
      );
    }
    this.variableNames = pulumi.output(variables.map(([n]) => n));

    this.registerOutputs({
      environmentName: this.environmentName,
      reviewerTeamIds: this.reviewerTeamIds,
      variableNames: this.variableNames,
    });
  }
}
