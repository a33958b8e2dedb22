import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { rulesetRefName } from "../../constants/github-refs";
import { checker } from "../lib/errors";
import {
  codeOwnersFile,
  codeqlWorkflow,
  defaultCodeOwners,
  defaultPreCommitConfig,
  dependabotConfig,
  githubActionsAppId,
  managedCheckNames,
  previewWorkflow,
  sourceBranchWorkflow,
  type CodeOwnerRule,
} from "./files";
import { ProtectedEnvironment, validateProtectedEnvironmentArgs } from "./protected-environment";
import {
  branchPatternProblem,
  environmentNameProblem,
  ownerProblem,
  patternKey,
  repositoryNameProblem,
  shellSafeBranchPattern,
  teamProblem,
} from "./validation";

export const protectedRepositoryType = "secure-mlops:github:ProtectedRepository";

/** How branch rules are written: repository rulesets (preferred) or classic branch protection rules. */
export const ProtectionMode = {
  /** Rulesets for every rule they can express; a classic rule only to restrict who may push. */
  Rulesets: "rulesets",
  /** Classic branch protection rules only (for GitHub Enterprise Server without rulesets). */
  BranchProtection: "branchProtection",
} as const;
export type ProtectionMode = (typeof ProtectionMode)[keyof typeof ProtectionMode];

/** One row of the branch table. */
export interface BranchRule {
  /** A branch name or fnmatch pattern (`main`, `feat/*`), without `refs/heads/`. */
  readonly pattern: string;
  /**
   * Changes only through pull requests that are reviewed (code owners, stale approvals dismissed,
   * last push approved), with strict green checks, signed commits, linear history, resolved
   * conversations, no force push or deletion, and nobody (admins included) bypassing.
   */
  readonly protected: boolean;
  /** Approving reviews a pull request needs (protected branches only). @default 2 */
  readonly requiredApprovals?: number;
  /** Branches a pull request into this one may come from, enforced by a managed check. @default any */
  readonly sourceBranches?: readonly string[];
  /** Environments a commit must have been deployed to before it merges here. @default [] */
  readonly requiredDeployments?: readonly string[];
  /** The environment this branch deploys to; that environment's deployment branches include it. */
  readonly deploysTo?: string;
  /**
   * The table's "developers" column: `write` lets the developers team push (and merge), `read`
   * lets only the admins team merge approved pull requests (a push restriction). Admins always
   * merge through the same reviewed pull requests: the rules apply to them too.
   */
  readonly developers: "read" | "write";
}

/** The branch table of issue 5: feature branches free, main reviewed and deployed to staging, production from main only. */
export const defaultBranchRules: readonly BranchRule[] = [
  { pattern: "feat/*", protected: false, developers: "write" },
  { pattern: "main", protected: true, requiredApprovals: 2, deploysTo: "staging", developers: "read" },
  {
    pattern: "production",
    protected: true,
    requiredApprovals: 2,
    sourceBranches: ["main"],
    requiredDeployments: ["staging"],
    deploysTo: "production",
    developers: "read",
  },
];

/** A deployment environment of the repository. */
export interface RepositoryEnvironmentSpec {
  readonly name: string;
  /** Slugs of the teams that approve deployments (1 to 6). */
  readonly reviewerTeams: readonly string[];
  /** @default 0 */
  readonly waitTimerMinutes?: number;
  /** @default the patterns of the branch rules whose `deploysTo` is this environment */
  readonly deploymentBranches?: readonly string[];
  /** Plain Actions variables, e.g. the OIDC principal's AZURE_CLIENT_ID. @default {} */
  readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
}

export interface ProtectedRepositoryArgs {
  /** The organization that owns the repository (for CODEOWNERS handles and push allowances). */
  readonly owner: string;
  /** @default the component name */
  readonly repositoryName?: string;
  readonly description?: pulumi.Input<string>;
  /** @default "private" */
  readonly visibility?: "private" | "internal" | "public";
  /** Team slugs for the table's columns: developers write code, admins maintain the repository. */
  readonly teams: { readonly developers: string; readonly admins: string };
  /** Repository role of the admins team; `maintain` merges and manages without changing protections. @default "maintain" */
  readonly adminsPermission?: "maintain" | "admin";
  /** @default "main" */
  readonly defaultBranch?: string;
  /** @default defaultBranchRules */
  readonly branches?: readonly BranchRule[];
  /** @default "rulesets" */
  readonly protectionMode?: ProtectionMode;
  /** Status checks every protected branch requires. @default ["secure-mlops preview"] */
  readonly requiredStatusChecks?: readonly string[];
  /** The app the required checks must come from; 0 accepts any source. @default 15368 (GitHub Actions) */
  readonly statusCheckIntegrationId?: number;
  /**
   * Block merges on CodeQL alerts (ruleset `requiredCodeScanning`). Off by default: it blocks every
   * merge until CodeQL has analysed the base branch once. @default false
   */
  readonly requireCodeScanningResults?: boolean;
  /** @default staging (from main) and production (from production), both reviewed by the admins team */
  readonly environments?: readonly RepositoryEnvironmentSpec[];
  /** GitHub Advanced Security on a private or internal repository (licence needed). @default true */
  readonly advancedSecurity?: boolean;
  /** @default true */
  readonly secretScanning?: boolean;
  /** @default true */
  readonly secretScanningPushProtection?: boolean;
  /** @default true */
  readonly vulnerabilityAlerts?: boolean;
  /** @default true */
  readonly dependabotSecurityUpdates?: boolean;
  /** CodeQL languages analysed by the managed workflow (interpreted ones); [] writes no workflow. @default ["actions", "python"] */
  readonly codeqlLanguages?: readonly string[];
  /** Action patterns allowed besides GitHub's own, e.g. `azure/login@*`. @default ["azure/login@*", "pulumi/actions@*"] */
  readonly allowedActions?: readonly string[];
  /** @default true */
  readonly shaPinningRequired?: boolean;
  /** @default "read" */
  readonly defaultWorkflowPermissions?: "read" | "write";
  /** @default false */
  readonly actionsCanApprovePullRequests?: boolean;
  /** @default false */
  readonly allowForking?: boolean;
  /** @default false */
  readonly allowMergeCommit?: boolean;
  /** Rebase merges re-create commits GitHub cannot sign, which signed-commit rules refuse. @default false */
  readonly allowRebaseMerge?: boolean;
  /** @default true */
  readonly deleteBranchOnMerge?: boolean;
  /** @default developers own `*`; the admins team owns .github/, the pre-commit config, stacks/ and policies/ */
  readonly codeOwners?: readonly CodeOwnerRule[];
  /** Contents of .pre-commit-config.yaml. @default formatting (pre-commit-hooks, ruff) and secret detection (gitleaks, detect-private-key) */
  readonly preCommitConfig?: string;
  /** Manage .github/workflows/secure-mlops-preview.yml, the required policy preview. @default true */
  readonly previewWorkflow?: boolean;
  /** Manage .github/dependabot.yml (version updates for the pinned actions and pip). @default true */
  readonly dependabotVersionUpdates?: boolean;
  /**
   * Managed files are committed to `<prefix>-<content hash>` and proposed to the default branch in
   * a pull request, which the branch rules (and code owners) review like any change. @default "secure-mlops/managed-files"
   */
  readonly managedFilesBranchPrefix?: string;
  /** Archive instead of deleting the repository when the stack is destroyed. @default true */
  readonly archiveOnDestroy?: boolean;
}

/** The component's defaults, in one place; each has an argument that overrides it. */
export const protectedRepositoryDefaults = {
  visibility: "private",
  adminsPermission: "maintain",
  defaultBranch: "main",
  protectionMode: ProtectionMode.Rulesets,
  requiredStatusChecks: [managedCheckNames.preview] as readonly string[],
  statusCheckIntegrationId: githubActionsAppId,
  requireCodeScanningResults: false,
  advancedSecurity: true,
  secretScanning: true,
  secretScanningPushProtection: true,
  vulnerabilityAlerts: true,
  dependabotSecurityUpdates: true,
  codeqlLanguages: ["actions", "python"] as readonly string[],
  allowedActions: ["azure/login@*", "pulumi/actions@*"] as readonly string[],
  shaPinningRequired: true,
  defaultWorkflowPermissions: "read",
  actionsCanApprovePullRequests: false,
  allowForking: false,
  allowMergeCommit: false,
  allowRebaseMerge: false,
  deleteBranchOnMerge: true,
  previewWorkflow: true,
  dependabotVersionUpdates: true,
  managedFilesBranchPrefix: "secure-mlops/managed-files",
  archiveOnDestroy: true,
} as const;

/** GitHub's classic API accepts 0-6 required approvals; 1 is the least a protected branch may ask. */
const maxApprovals = 6;
/** Languages CodeQL analyses without a build step (the managed workflow has none). */
export const codeqlInterpretedLanguages = ["actions", "javascript-typescript", "python", "ruby"] as const;
const actionPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.*/-]*(@[A-Za-z0-9_.*/-]+)?$/;
const codeOwnerHandle = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** The environments the component creates when none are given: the table's "deploys" column. */
export function defaultEnvironments(teams: ProtectedRepositoryArgs["teams"], rules: readonly BranchRule[]): RepositoryEnvironmentSpec[] {
  const names = [...new Set(rules.map((r) => r.deploysTo).filter((e): e is string => e !== undefined))];
  return names.map((name) => ({ name, reviewerTeams: [teams.admins] }));
}

/** The branches of the table that deploy to `environment` (its "deploys" column). */
export function branchesDeployingTo(environment: string, rules: readonly BranchRule[] = defaultBranchRules): string[] {
  return rules.filter((r) => r.deploysTo?.toLowerCase() === environment.toLowerCase()).map((r) => r.pattern);
}

function deploymentBranchesOf(env: RepositoryEnvironmentSpec, rules: readonly BranchRule[]): readonly string[] {
  return env.deploymentBranches ?? branchesDeployingTo(env.name, rules);
}

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming
 * the first bad one. Exported so a stack can validate its config before building anything.
 */
export function validateProtectedRepositoryArgs(name: string, args: ProtectedRepositoryArgs): void {
  const check = checker(protectedRepositoryType);
  const d = protectedRepositoryDefaults;
  const owner = ownerProblem(args.owner);
  check(owner === undefined, "owner", owner ?? "");
  const repo = repositoryNameProblem(args.repositoryName ?? name);
  check(repo === undefined, "repositoryName", repo ?? "");
  check(args.teams !== undefined && args.teams !== null, "teams", "is required: { developers, admins } team slugs (the branch table's columns)");
  const developers = teamProblem(args.teams.developers, "developers");
  check(developers === undefined, "teams.developers", developers ?? "");
  const admins = teamProblem(args.teams.admins, "admins");
  check(admins === undefined, "teams.admins", admins ?? "");
  check(args.teams.developers !== args.teams.admins, "teams.admins", `must differ from teams.developers ("${args.teams.admins}"), or "developers: read" restricts nobody`);

  const defaultBranch = args.defaultBranch ?? d.defaultBranch;
  const def = branchPatternProblem(defaultBranch);
  check(def.problem === undefined && def.pattern?.isGlob === false, "defaultBranch", def.problem ?? `must be a branch name, not a pattern, got "${defaultBranch}"`);

  const rules = args.branches ?? defaultBranchRules;
  const keys = new Map<string, string>();
  rules.forEach((rule, i) => {
    const at = `branches[${i}]`;
    const { problem } = branchPatternProblem(rule.pattern);
    check(problem === undefined, `${at}.pattern`, problem ?? "");
    const key = patternKey(rule.pattern);
    const other = keys.get(key);
    check(key.length > 0, `${at}.pattern`, `"${rule.pattern}" needs at least one letter or digit to name its resources`);
    check(other === undefined, `${at}.pattern`, other === rule.pattern ? `"${rule.pattern}" has two rules` : `"${rule.pattern}" and "${other}" name the same child resources; merge them`);
    keys.set(key, rule.pattern);
    check(rule.developers === "read" || rule.developers === "write", `${at}.developers`, `must be "read" or "write", got ${JSON.stringify(rule.developers)}`);
    if (!rule.protected) {
      check(rule.developers === "write", `${at}.developers`, "must be \"write\" on an unprotected branch (a branch developers cannot write is a protected one)");
      for (const field of ["requiredApprovals", "sourceBranches", "requiredDeployments"] as const) {
        check(rule[field] === undefined, `${at}.${field}`, "applies only to a protected branch");
      }
      return;
    }
    const approvals = rule.requiredApprovals ?? 2;
    check(Number.isInteger(approvals) && approvals >= 1 && approvals <= maxApprovals, `${at}.requiredApprovals`, `must be an integer from 1 to ${maxApprovals}, got ${approvals}`);
    if (rule.sourceBranches !== undefined) {
      check(rule.sourceBranches.length > 0, `${at}.sourceBranches`, "must list at least one branch, or be left out to accept any");
      check(shellSafeBranchPattern.test(rule.pattern) && !branchPatternProblem(rule.pattern).pattern?.isGlob, `${at}.pattern`, `must be a plain branch name (letters, digits, ".", "_", "-", "/") to restrict its source branches, got "${rule.pattern}"`);
      rule.sourceBranches.forEach((source, j) => {
        const parsed = branchPatternProblem(source);
        check(parsed.problem === undefined && parsed.pattern?.isGlob === false && shellSafeBranchPattern.test(source), `${at}.sourceBranches[${j}]`, parsed.problem ?? `must be a plain branch name (letters, digits, ".", "_", "-", "/"), got "${source}"`);
      });
    }
  });
  const defaultRule = rules.find((r) => r.protected && branchPatternProblem(r.pattern).pattern?.matches(defaultBranch));
  check(defaultRule !== undefined, "branches", `must protect the default branch "${defaultBranch}" (add a rule with protected: true whose pattern matches it)`);

  const environments = args.environments ?? defaultEnvironments(args.teams, rules);
  const envNames = new Set<string>();
  environments.forEach((env, i) => {
    validateProtectedEnvironmentArgs(
      {
        repository: args.repositoryName ?? name,
        environment: env.name,
        reviewerTeams: env.reviewerTeams,
        waitTimerMinutes: env.waitTimerMinutes,
        deploymentBranches: deploymentBranchesOf(env, rules),
        variables: env.variables,
      },
      `environments[${i}]`,
      protectedRepositoryType,
    );
    check(!envNames.has(env.name.toLowerCase()), `environments[${i}].name`, `"${env.name}" is listed twice`);
    envNames.add(env.name.toLowerCase());
  });
  rules.forEach((rule, i) => {
    // An environment another stack owns is named here without being created here.
    if (rule.deploysTo !== undefined) {
      const problem = environmentNameProblem(rule.deploysTo);
      check(problem === undefined, `branches[${i}].deploysTo`, problem ?? "");
    }
    (rule.requiredDeployments ?? []).forEach((env, j) => {
      const problem = environmentNameProblem(env);
      check(problem === undefined, `branches[${i}].requiredDeployments[${j}]`, problem ?? "");
    });
  });

  const checks = args.requiredStatusChecks ?? d.requiredStatusChecks;
  checks.forEach((c, i) => check(typeof c === "string" && c.trim().length > 0, `requiredStatusChecks[${i}]`, "must be a status check context (a workflow job name)"));
  check(new Set(checks).size === checks.length, "requiredStatusChecks", "lists a check twice");
  const appId = args.statusCheckIntegrationId ?? d.statusCheckIntegrationId;
  check(Number.isInteger(appId) && appId >= 0, "statusCheckIntegrationId", `must be a GitHub App id (or 0 for any source), got ${appId}`);

  (args.codeqlLanguages ?? d.codeqlLanguages).forEach((lang, i) =>
    check(
      (codeqlInterpretedLanguages as readonly string[]).includes(lang),
      `codeqlLanguages[${i}]`,
      `must be one of ${codeqlInterpretedLanguages.join(", ")} (compiled languages need a build step the managed workflow does not have), got "${lang}"`,
    ),
  );
  (args.allowedActions ?? d.allowedActions).forEach((pattern, i) => {
    check(!["*", "*/*", "*@*", "*/*@*"].includes(pattern), `allowedActions[${i}]`, "must not allow every action");
    check(actionPattern.test(pattern), `allowedActions[${i}]`, `must be "owner/repo@ref" or a pattern such as "owner/*", got "${pattern}"`);
  });
  (args.codeOwners ?? []).forEach((rule, i) => {
    check(
      typeof rule.pattern === "string" && rule.pattern.length > 0 && !/\s/.test(rule.pattern) && !rule.pattern.startsWith("!") && !/[[\]]/.test(rule.pattern),
      `codeOwners[${i}].pattern`,
      `must be a CODEOWNERS path pattern without spaces, "!" negation or "[ ]" ranges (GitHub ignores those), got ${JSON.stringify(rule.pattern)}`,
    );
    check(rule.owners.length > 0, `codeOwners[${i}].owners`, "must name at least one owner");
    rule.owners.forEach((o, j) =>
      check(codeOwnerHandle.test(o), `codeOwners[${i}].owners[${j}]`, `must be @org/team, @user or an email, got "${o}"`),
    );
  });
  check(args.preCommitConfig === undefined || args.preCommitConfig.trim().length > 0, "preCommitConfig", "must not be empty");

  const prefix = args.managedFilesBranchPrefix ?? d.managedFilesBranchPrefix;
  const prefixParsed = branchPatternProblem(`${prefix}-00000000`);
  check(prefixParsed.problem === undefined && prefixParsed.pattern?.isGlob === false, "managedFilesBranchPrefix", prefixParsed.problem ?? `must be a branch name, got "${prefix}"`);
  const blocking = rules.find((r) => r.protected && branchPatternProblem(r.pattern).pattern?.matches(`${prefix}-00000000`));
  check(blocking === undefined, "managedFilesBranchPrefix", `"${prefix}" falls under the protected pattern "${blocking?.pattern}", so the managed files could never be committed`);
}

/** Short content hash naming the branch that proposes one version of the managed files. */
function contentHash(files: readonly { path: string; content: string }[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.content}\0`);
  return h.digest("hex").slice(0, 8);
}

/**
 * A GitHub repository for ML code and pipelines that nobody changes without review: branch rules
 * from the branch table (rulesets, no bypass, admins included), deployment environments with team
 * reviewers, secret scanning with push protection, vulnerability alerts and Dependabot, Actions
 * limited to SHA-pinned selected actions with a read-only token, and CODEOWNERS, pre-commit and the
 * checks' workflows proposed to the default branch through a reviewed pull request.
 */
export class ProtectedRepository extends pulumi.ComponentResource {
  readonly repository: github.Repository;
  readonly repositoryName: pulumi.Output<string>;
  readonly fullName: pulumi.Output<string>;
  readonly htmlUrl: pulumi.Output<string>;
  readonly nodeId: pulumi.Output<string>;
  /** Ruleset ids keyed by branch pattern (empty in branchProtection mode). */
  readonly rulesetIds: pulumi.Output<Record<string, number>>;
  readonly environments: Readonly<Record<string, ProtectedEnvironment>>;
  /** The branch that proposes the current managed files. */
  readonly managedFilesBranch: pulumi.Output<string>;
  /** The number of the pull request that proposes them. */
  readonly managedFilesPullRequest: pulumi.Output<number>;

  constructor(name: string, args: ProtectedRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(protectedRepositoryType, name, {}, opts);
    validateProtectedRepositoryArgs(name, args);
    const d = protectedRepositoryDefaults;
    const parent = { parent: this };
    const rules = args.branches ?? defaultBranchRules;
    const defaultBranch = args.defaultBranch ?? d.defaultBranch;
    const visibility = args.visibility ?? d.visibility;
    const enabled = (on: boolean): { status: string } => ({ status: on ? "enabled" : "disabled" });
    const allowRebaseMerge = args.allowRebaseMerge ?? d.allowRebaseMerge;

    this.repository = new github.Repository(
      `${name}-repo`,
      {
        name: args.repositoryName ?? name,
        description: args.description,
        visibility,
        // An initial commit gives the default branch something to protect and branch from.
        autoInit: true,
        hasWiki: false,
        hasProjects: false,
        hasDiscussions: false,
        hasIssues: true,
        allowMergeCommit: args.allowMergeCommit ?? d.allowMergeCommit,
        allowSquashMerge: true,
        allowRebaseMerge,
        allowAutoMerge: false,
        allowUpdateBranch: true,
        deleteBranchOnMerge: args.deleteBranchOnMerge ?? d.deleteBranchOnMerge,
        squashMergeCommitTitle: "PR_TITLE",
        squashMergeCommitMessage: "PR_BODY",
        webCommitSignoffRequired: true,
        // GitHub refuses the setting on public repositories, which can always be forked.
        allowForking: visibility === "public" ? undefined : (args.allowForking ?? d.allowForking),
        archiveOnDestroy: args.archiveOnDestroy ?? d.archiveOnDestroy,
        securityAndAnalysis: {
          // Public repositories always have it and refuse the setting.
          advancedSecurity: visibility === "public" ? undefined : enabled(args.advancedSecurity ?? d.advancedSecurity),
          secretScanning: enabled(args.secretScanning ?? d.secretScanning),
          secretScanningPushProtection: enabled(args.secretScanningPushProtection ?? d.secretScanningPushProtection),
        },
      },
      parent,
    );
    this.repositoryName = this.repository.name;
    this.fullName = this.repository.fullName;
    this.htmlUrl = this.repository.htmlUrl;
    this.nodeId = this.repository.nodeId;
    const repoName = this.repository.name;

    const defaultBranchResource = new github.BranchDefault(`${name}-default-branch`, { repository: repoName, branch: defaultBranch, rename: true }, parent);

    new github.TeamRepository(`${name}-team-developers`, { repository: repoName, teamId: args.teams.developers, permission: "push" }, parent);
    new github.TeamRepository(
      `${name}-team-admins`,
      { repository: repoName, teamId: args.teams.admins, permission: args.adminsPermission ?? d.adminsPermission },
      parent,
    );

    const alerts = new github.RepositoryVulnerabilityAlerts(
      `${name}-vulnerability-alerts`,
      { repository: repoName, enabled: args.vulnerabilityAlerts ?? d.vulnerabilityAlerts },
      parent,
    );
    // Dependabot security updates need vulnerability alerts on first.
    new github.RepositoryDependabotSecurityUpdates(
      `${name}-dependabot-security-updates`,
      { repository: repoName, enabled: args.dependabotSecurityUpdates ?? d.dependabotSecurityUpdates },
      { parent: this, dependsOn: [alerts] },
    );
    new github.ActionsRepositoryPermissions(
      `${name}-actions-permissions`,
      {
        repository: repoName,
        enabled: true,
        allowedActions: "selected",
        allowedActionsConfig: {
          githubOwnedAllowed: true,
          verifiedAllowed: false,
          patternsAlloweds: [...(args.allowedActions ?? d.allowedActions)],
        },
        shaPinningRequired: args.shaPinningRequired ?? d.shaPinningRequired,
      },
      parent,
    );
    new github.WorkflowRepositoryPermissions(
      `${name}-workflow-permissions`,
      {
        repository: repoName,
        defaultWorkflowPermissions: args.defaultWorkflowPermissions ?? d.defaultWorkflowPermissions,
        canApprovePullRequestReviews: args.actionsCanApprovePullRequests ?? d.actionsCanApprovePullRequests,
      },
      parent,
    );

    // Protected branches named exactly (production) exist before their rules; patterns need no branch.
    const branches: pulumi.Resource[] = [defaultBranchResource];
    for (const rule of rules) {
      const parsed = branchPatternProblem(rule.pattern).pattern;
      if (!rule.protected || parsed?.isGlob !== false || rule.pattern === defaultBranch) continue;
      branches.push(
        new github.Branch(
          `${name}-branch-${patternKey(rule.pattern)}`,
          { repository: repoName, branch: rule.pattern, sourceBranch: defaultBranch },
          { parent: this, dependsOn: [defaultBranchResource] },
        ),
      );
    }

    // The managed files.
    const sourceRules = rules
      .filter((r) => r.protected && r.sourceBranches !== undefined)
      .map((r) => ({ branch: r.pattern, sources: r.sourceBranches as readonly string[] }));
    const protectedNames = rules.filter((r) => r.protected && branchPatternProblem(r.pattern).pattern?.isGlob === false).map((r) => r.pattern);
    const languages = args.codeqlLanguages ?? d.codeqlLanguages;
    const files: { key: string; path: string; content: string }[] = [
      { key: "codeowners", path: ".github/CODEOWNERS", content: codeOwnersFile(args.codeOwners ?? defaultCodeOwners(args.owner, args.teams.developers, args.teams.admins)) },
      { key: "pre-commit", path: ".pre-commit-config.yaml", content: args.preCommitConfig ?? defaultPreCommitConfig() },
    ];
    if (args.previewWorkflow ?? d.previewWorkflow) files.push({ key: "preview-workflow", path: ".github/workflows/secure-mlops-preview.yml", content: previewWorkflow() });
    if (languages.length > 0) files.push({ key: "codeql-workflow", path: ".github/workflows/codeql.yml", content: codeqlWorkflow(languages, protectedNames) });
    if (sourceRules.length > 0) {
      files.push({ key: "source-branch-workflow", path: ".github/workflows/secure-mlops-source-branch.yml", content: sourceBranchWorkflow(sourceRules) });
    }
    if (args.dependabotVersionUpdates ?? d.dependabotVersionUpdates) files.push({ key: "dependabot", path: ".github/dependabot.yml", content: dependabotConfig() });

    // Every version of the files gets its own branch and pull request: the platform proposes, the
    // branch rules (code owners, two approvals, green checks) decide. Nothing bypasses them.
    const filesBranchName = `${args.managedFilesBranchPrefix ?? d.managedFilesBranchPrefix}-${contentHash(files)}`;
    const filesBranch = new github.Branch(
      `${name}-files-branch`,
      { repository: repoName, branch: filesBranchName, sourceBranch: defaultBranch },
      { parent: this, dependsOn: [defaultBranchResource] },
    );
    const committed = files.map(
      (f) =>
        new github.RepositoryFile(
          `${name}-file-${f.key}`,
          {
            repository: repoName,
            branch: filesBranch.branch,
            file: f.path,
            content: f.content,
            commitMessage: `secure-mlops: manage ${f.path}`,
            overwriteOnCreate: true,
          },
          parent,
        ),
    );
    const pullRequest = new github.RepositoryPullRequest(
      `${name}-files-pull-request`,
      {
        baseRepository: repoName,
        baseRef: defaultBranch,
        headRef: filesBranch.branch,
        owner: args.owner,
        title: `secure-mlops: repository files (${filesBranchName.slice(-8)})`,
        body:
          "The platform's managed files (CODEOWNERS, pre-commit configuration, and the workflows the branch rules require), " +
          "proposed by Pulumi. Review and merge like any change; edit them through the stack, not here.",
        maintainerCanModify: false,
      },
      { parent: this, dependsOn: committed },
    );
    this.managedFilesBranch = filesBranch.branch;
    this.managedFilesPullRequest = pullRequest.number;

    // The branch rules.
    const checks = args.requiredStatusChecks ?? d.requiredStatusChecks;
    const appId = args.statusCheckIntegrationId ?? d.statusCheckIntegrationId;
    const mode = args.protectionMode ?? d.protectionMode;
    const mergeMethods = allowRebaseMerge ? ["squash", "rebase"] : ["squash"];
    const rulesetIds: Record<string, pulumi.Output<number>> = {};
    for (const rule of rules.filter((r) => r.protected)) {
      const key = patternKey(rule.pattern);
      const contexts = [...checks, ...(rule.sourceBranches ? [managedCheckNames.sourceBranch] : [])];
      const approvals = rule.requiredApprovals ?? 2;
      const after = { parent: this, dependsOn: branches };
      if (mode === ProtectionMode.Rulesets) {
        const ruleset = new github.RepositoryRuleset(
          `${name}-ruleset-${key}`,
          {
            repository: repoName,
            name: `secure-mlops ${rule.pattern}`,
            target: "branch",
            enforcement: "active",
            conditions: { refName: { includes: [rulesetRefName(rule.pattern)], excludes: [] } },
            // No bypass actors: the rules bind admins too (Scorecard tier 5).
            bypassActors: [],
            rules: {
              deletion: true,
              nonFastForward: true,
              requiredLinearHistory: true,
              requiredSignatures: true,
              pullRequest: {
                requiredApprovingReviewCount: approvals,
                dismissStaleReviewsOnPush: true,
                requireCodeOwnerReview: true,
                requireLastPushApproval: true,
                requiredReviewThreadResolution: true,
                allowedMergeMethods: mergeMethods,
              },
              requiredStatusChecks: {
                requiredChecks: contexts.map((context) => ({ context, integrationId: appId > 0 ? appId : undefined })),
                strictRequiredStatusChecksPolicy: true,
                // Creating the branch itself (from the default branch) runs no checks.
                doNotEnforceOnCreate: true,
              },
              requiredDeployments:
                rule.requiredDeployments && rule.requiredDeployments.length > 0
                  ? { requiredDeploymentEnvironments: [...rule.requiredDeployments] }
                  : undefined,
              requiredCodeScanning:
                (args.requireCodeScanningResults ?? d.requireCodeScanningResults)
                  ? { requiredCodeScanningTools: [{ tool: "CodeQL", alertsThreshold: "errors", securityAlertsThreshold: "highOrHigher" }] }
                  : undefined,
            },
          },
          after,
        );
        rulesetIds[rule.pattern] = ruleset.rulesetId;
      }
      if (mode === ProtectionMode.BranchProtection || rule.developers === "read") {
        // Rulesets restrict who may push only through bypass actors, which would exempt them from
        // every rule; a classic rule restricts pushes (and merges) to the admins team instead. In
        // rulesets mode it adds nothing else, so it repeats only the settings that keep it from
        // weakening the ruleset.
        const full = mode === ProtectionMode.BranchProtection;
        new github.BranchProtection(
          full ? `${name}-protection-${key}` : `${name}-push-restriction-${key}`,
          {
            repositoryId: repoName,
            pattern: rule.pattern,
            enforceAdmins: true,
            allowsForcePushes: false,
            allowsDeletions: false,
            requireSignedCommits: full ? true : undefined,
            requiredLinearHistory: full ? true : undefined,
            requireConversationResolution: full ? true : undefined,
            requiredPullRequestReviews: full
              ? [{ requiredApprovingReviewCount: approvals, dismissStaleReviews: true, requireCodeOwnerReviews: true, requireLastPushApproval: true, restrictDismissals: true }]
              : undefined,
            requiredStatusChecks: full ? [{ strict: true, contexts }] : undefined,
            restrictPushes: rule.developers === "read" ? [{ blocksCreations: true, pushAllowances: [`${args.owner}/${args.teams.admins}`] }] : undefined,
          },
          after,
        );
      }
    }
    this.rulesetIds = pulumi.all(rulesetIds);

    const environments: Record<string, ProtectedEnvironment> = {};
    for (const env of args.environments ?? defaultEnvironments(args.teams, rules)) {
      environments[env.name] = new ProtectedEnvironment(
        `${name}-env-${env.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
        {
          repository: repoName,
          environment: env.name,
          reviewerTeams: env.reviewerTeams,
          waitTimerMinutes: env.waitTimerMinutes,
          deploymentBranches: deploymentBranchesOf(env, rules),
          variables: env.variables,
        },
        { parent: this, dependsOn: branches },
      );
    }
    this.environments = environments;

    this.registerOutputs({
      repositoryName: this.repositoryName,
      fullName: this.fullName,
      htmlUrl: this.htmlUrl,
      nodeId: this.nodeId,
      rulesetIds: this.rulesetIds,
      environments: Object.keys(environments),
      managedFilesBranch: this.managedFilesBranch,
      managedFilesPullRequest: this.managedFilesPullRequest,
    });
  }
}
