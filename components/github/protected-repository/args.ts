import type * as pulumi from "@pulumi/pulumi";
import { deliveryWorkflowDefaults, type DeliveryWorkflowOptions } from "../delivery-workflows";
import { defaultCodeOwners, defaultPreCommitConfig, githubActionsAppId, managedCheckNames, type CodeOwnerRule } from "../files";

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
  /**
   * Manage the delivery workflows (deploy, model release, image release, DAST, drift; see
   * docs/workflows.md), each field overriding `deliveryWorkflowDefaults`; `false` writes none.
   * @default deliveryWorkflowDefaults: staging from main, prod from production, a runner labelled secure-mlops-vnet
   */
  readonly deliveryWorkflows?: Partial<DeliveryWorkflowOptions> | false;
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
  // GitHub's own actions are allowed besides; these are the delivery workflows' others.
  allowedActions: ["azure/login@*", "pulumi/actions@*", "aquasecurity/trivy-action@*", "zaproxy/action-baseline@*"] as readonly string[],
  shaPinningRequired: true,
  defaultWorkflowPermissions: "read",
  actionsCanApprovePullRequests: false,
  allowForking: false,
  allowMergeCommit: false,
  allowRebaseMerge: false,
  deleteBranchOnMerge: true,
  previewWorkflow: true,
  deliveryWorkflows: deliveryWorkflowDefaults as DeliveryWorkflowOptions | false,
  dependabotVersionUpdates: true,
  managedFilesBranchPrefix: "secure-mlops/managed-files",
  archiveOnDestroy: true,
} as const;

/** GitHub's classic API accepts 0-6 required approvals; 1 is the least a protected branch may ask. */
export const maxApprovals = 6;
/** Languages CodeQL analyses without a build step (the managed workflow has none). */
export const codeqlInterpretedLanguages = ["actions", "javascript-typescript", "python", "ruby"] as const;

/** The environments the component creates when none are given: the table's "deploys" column. */
export function defaultEnvironments(teams: ProtectedRepositoryArgs["teams"], rules: readonly BranchRule[]): RepositoryEnvironmentSpec[] {
  const names = [...new Set(rules.map((r) => r.deploysTo).filter((e): e is string => e !== undefined))];
  return names.map((name) => ({ name, reviewerTeams: [teams.admins] }));
}

/** The branches of the table that deploy to `environment` (its "deploys" column). */
export function branchesDeployingTo(environment: string, rules: readonly BranchRule[] = defaultBranchRules): string[] {
  return rules.filter((r) => r.deploysTo?.toLowerCase() === environment.toLowerCase()).map((r) => r.pattern);
}

export function deploymentBranchesOf(env: RepositoryEnvironmentSpec, rules: readonly BranchRule[]): readonly string[] {
  return env.deploymentBranches ?? branchesDeployingTo(env.name, rules);
}

/**
 * The arguments with every default applied, resolved once when the component starts: the helpers
 * that build its children read only this, so no default is written twice.
 */
export interface ResolvedProtectedRepositoryArgs {
  /** The component name, the prefix of every child's name. */
  readonly name: string;
  readonly owner: string;
  readonly repositoryName: string;
  readonly description: pulumi.Input<string> | undefined;
  readonly visibility: "private" | "internal" | "public";
  readonly teams: ProtectedRepositoryArgs["teams"];
  readonly adminsPermission: "maintain" | "admin";
  readonly defaultBranch: string;
  readonly branches: readonly BranchRule[];
  readonly protectionMode: ProtectionMode;
  readonly requiredStatusChecks: readonly string[];
  readonly statusCheckIntegrationId: number;
  readonly requireCodeScanningResults: boolean;
  readonly environments: readonly RepositoryEnvironmentSpec[];
  readonly advancedSecurity: boolean;
  readonly secretScanning: boolean;
  readonly secretScanningPushProtection: boolean;
  readonly vulnerabilityAlerts: boolean;
  readonly dependabotSecurityUpdates: boolean;
  readonly codeqlLanguages: readonly string[];
  readonly allowedActions: readonly string[];
  readonly shaPinningRequired: boolean;
  readonly defaultWorkflowPermissions: "read" | "write";
  readonly actionsCanApprovePullRequests: boolean;
  readonly allowForking: boolean;
  readonly allowMergeCommit: boolean;
  readonly allowRebaseMerge: boolean;
  readonly deleteBranchOnMerge: boolean;
  readonly codeOwners: readonly CodeOwnerRule[];
  readonly preCommitConfig: string;
  readonly previewWorkflow: boolean;
  /** The delivery workflows' options, or false for none. */
  readonly deliveryWorkflows: DeliveryWorkflowOptions | false;
  readonly dependabotVersionUpdates: boolean;
  readonly managedFilesBranchPrefix: string;
  readonly archiveOnDestroy: boolean;
}

/** Applies the defaults to `args` (already validated). */
export function resolveProtectedRepositoryArgs(name: string, args: ProtectedRepositoryArgs): ResolvedProtectedRepositoryArgs {
  const d = protectedRepositoryDefaults;
  const branches = args.branches ?? defaultBranchRules;
  return {
    name,
    owner: args.owner,
    repositoryName: args.repositoryName ?? name,
    description: args.description,
    visibility: args.visibility ?? d.visibility,
    teams: args.teams,
    adminsPermission: args.adminsPermission ?? d.adminsPermission,
    defaultBranch: args.defaultBranch ?? d.defaultBranch,
    branches,
    protectionMode: args.protectionMode ?? d.protectionMode,
    requiredStatusChecks: args.requiredStatusChecks ?? d.requiredStatusChecks,
    statusCheckIntegrationId: args.statusCheckIntegrationId ?? d.statusCheckIntegrationId,
    requireCodeScanningResults: args.requireCodeScanningResults ?? d.requireCodeScanningResults,
    environments: args.environments ?? defaultEnvironments(args.teams, branches),
    advancedSecurity: args.advancedSecurity ?? d.advancedSecurity,
    secretScanning: args.secretScanning ?? d.secretScanning,
    secretScanningPushProtection: args.secretScanningPushProtection ?? d.secretScanningPushProtection,
    vulnerabilityAlerts: args.vulnerabilityAlerts ?? d.vulnerabilityAlerts,
    dependabotSecurityUpdates: args.dependabotSecurityUpdates ?? d.dependabotSecurityUpdates,
    codeqlLanguages: args.codeqlLanguages ?? d.codeqlLanguages,
    allowedActions: args.allowedActions ?? d.allowedActions,
    shaPinningRequired: args.shaPinningRequired ?? d.shaPinningRequired,
    defaultWorkflowPermissions: args.defaultWorkflowPermissions ?? d.defaultWorkflowPermissions,
    actionsCanApprovePullRequests: args.actionsCanApprovePullRequests ?? d.actionsCanApprovePullRequests,
    allowForking: args.allowForking ?? d.allowForking,
    allowMergeCommit: args.allowMergeCommit ?? d.allowMergeCommit,
    allowRebaseMerge: args.allowRebaseMerge ?? d.allowRebaseMerge,
    deleteBranchOnMerge: args.deleteBranchOnMerge ?? d.deleteBranchOnMerge,
    codeOwners: args.codeOwners ?? defaultCodeOwners(args.owner, args.teams.developers, args.teams.admins),
    preCommitConfig: args.preCommitConfig ?? defaultPreCommitConfig(),
    previewWorkflow: args.previewWorkflow ?? d.previewWorkflow,
    deliveryWorkflows: args.deliveryWorkflows === false ? false : { ...deliveryWorkflowDefaults, ...(args.deliveryWorkflows ?? {}) },
    dependabotVersionUpdates: args.dependabotVersionUpdates ?? d.dependabotVersionUpdates,
    managedFilesBranchPrefix: args.managedFilesBranchPrefix ?? d.managedFilesBranchPrefix,
    archiveOnDestroy: args.archiveOnDestroy ?? d.archiveOnDestroy,
  };
}
