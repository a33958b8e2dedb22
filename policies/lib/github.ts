import { UnknownValueError, type PolicyResource } from "@pulumi/policy";
import { rulesetRefTargets, tryParseBranchPattern } from "../../constants/github-refs";

/**
 * How the pack reads GitHub branch protection, whoever created it: repository rulesets,
 * organization rulesets, and classic branch protection rules (GraphQL and REST resources) are
 * normalized into one shape per layer, and the layers that cover one branch of one repository are
 * combined the way GitHub combines them (every active layer applies; the most restrictive wins).
 * Only the properties the provider's inputs carry are read, so a program written without our
 * components is judged the same way.
 */

export const githubTypes = {
  repository: "github:index/repository:Repository",
  repositoryRuleset: "github:index/repositoryRuleset:RepositoryRuleset",
  organizationRuleset: "github:index/organizationRuleset:OrganizationRuleset",
  branchProtection: "github:index/branchProtection:BranchProtection",
  branchProtectionV3: "github:index/branchProtectionV3:BranchProtectionV3",
  branchDefault: "github:index/branchDefault:BranchDefault",
  vulnerabilityAlerts: "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts",
  dependabotSecurityUpdates: "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates",
  workflowPermissions: "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
  actionsPermissions: "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
  repositoryFile: "github:index/repositoryFile:RepositoryFile",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
} as const;

/** The part of a policy resource this module reads; tests may build it by hand. */
export type GithubResource = Pick<PolicyResource, "type" | "props" | "urn" | "name" | "propertyDependencies">;

/** What one protection layer (one ruleset or one branch protection rule) demands. */
export interface LayerRules {
  readonly blocksForcePush: boolean;
  readonly blocksDeletion: boolean;
  readonly requiresPullRequest: boolean;
  /** Approving reviews required (0 without a pull request requirement). */
  readonly approvals: number;
  readonly dismissStaleReviews: boolean;
  readonly codeOwnerReview: boolean;
  readonly lastPushApproval: boolean;
  /** Required status check contexts. */
  readonly statusChecks: readonly string[];
  /** Branches must be up to date with the base before merging. */
  readonly upToDate: boolean;
  readonly signedCommits: boolean;
  readonly linearHistory: boolean;
  readonly conversationResolution: boolean;
  /**
   * Someone may skip the layer's rules: ruleset bypass actors, classic rules not enforced on
   * admins, or pull request / force push bypassers. OpenSSF Scorecard counts any bypass actor as
   * "not enforced on admins", and so does the pack.
   */
  readonly bypass: boolean;
}

export interface ProtectionLayer {
  readonly resource: GithubResource;
  /** "ruleset 'x'", "branch protection rule 'y'", for messages. */
  readonly label: string;
  /** A ruleset that is disabled or only evaluating, or that targets tags or pushes, protects nothing. */
  readonly active: boolean;
  /** The repository (name) of a repository-level layer; undefined for organization rulesets. */
  readonly repository?: string;
  /** For organization rulesets: whether it applies to a repository of this name and id. */
  readonly appliesTo: (repository: RepositoryRef) => boolean;
  readonly covers: (branch: string, defaultBranch: string) => boolean;
  readonly rules: LayerRules;
}

export interface RepositoryRef {
  readonly name: string;
  readonly repoId?: number;
  readonly urn?: string;
  readonly nodeId?: string;
}

type Props = Record<string, unknown>;

/**
 * Reads one property. During a preview, a computed output of a resource not yet created (a new
 * repository's node id, repo id or default branch) is unknown, and reading it through the
 * policy SDK's proxy throws; here it reads as absent. So an unknown identity never matches, and
 * an unknown rule is not credited: a protection whose settings cannot be known is not counted as
 * protecting anything (the policy fails closed rather than being skipped).
 */
export function get(obj: unknown, key: string | number): unknown {
  if (typeof obj !== "object" || obj === null) return undefined;
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (err) {
    if (err instanceof UnknownValueError) return undefined;
    throw err;
  }
}
function record(value: unknown): Props | undefined {
  if (Array.isArray(value)) return record(get(value, 0));
  return typeof value === "object" && value !== null ? (value as Props) : undefined;
}
function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) out.push(get(value, i));
  return out;
}
function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === "string" && v.length > 0);
}
function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
function count(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** The repositories a stack defines, with what identifies them. */
export function repositoriesOf(resources: readonly GithubResource[]): (RepositoryRef & { resource: GithubResource })[] {
  return resources
    .filter((r) => r.type === githubTypes.repository)
    .map((r) => ({
      resource: r,
      name: text(get(r.props, "name")) ?? r.name,
      repoId: typeof get(r.props, "repoId") === "number" ? (get(r.props, "repoId") as number) : undefined,
      nodeId: text(get(r.props, "nodeId")),
      urn: r.urn,
    }));
}

/**
 * The repository a resource belongs to, read from `property`: the repository the engine recorded
 * the value as coming from, else a repository of the stack with that name or node id, else the
 * value itself (a repository another program owns).
 */
export function repositoryKeyOf(resource: GithubResource, property: string, repositories: readonly RepositoryRef[]): string | undefined {
  for (const dep of resource.propertyDependencies[property] ?? []) {
    const repo = repositories.find((r) => r.urn === dep.urn);
    if (repo) return repo.name;
  }
  const value = text(get(resource.props, property));
  if (value === undefined) return undefined;
  const byNodeId = repositories.find((r) => r.nodeId === value);
  if (byNodeId) return byNodeId.name;
  // `owner/name` is accepted by some resources; the rules are per repository name.
  return value.includes("/") ? value.slice(value.lastIndexOf("/") + 1) : value;
}

function rulesetRules(rules: Props | undefined, bypassActors: unknown): LayerRules {
  const r = rules ?? {};
  const pr = record(get(r, "pullRequest"));
  const checks = record(get(r, "requiredStatusChecks"));
  const contexts = list(get(checks, "requiredChecks"))
    .map((c) => text(get(c, "context")))
    .filter((c): c is string => c !== undefined);
  return {
    blocksForcePush: get(r, "nonFastForward") === true,
    blocksDeletion: get(r, "deletion") === true,
    requiresPullRequest: pr !== undefined,
    // GitHub's default for a ruleset's pull request rule is 0 approvals.
    approvals: pr ? count(get(pr, "requiredApprovingReviewCount"), 0) : 0,
    dismissStaleReviews: get(pr, "dismissStaleReviewsOnPush") === true,
    codeOwnerReview: get(pr, "requireCodeOwnerReview") === true,
    lastPushApproval: get(pr, "requireLastPushApproval") === true,
    conversationResolution: get(pr, "requiredReviewThreadResolution") === true,
    statusChecks: contexts,
    upToDate: contexts.length > 0 && get(checks, "strictRequiredStatusChecksPolicy") === true,
    signedCommits: get(r, "requiredSignatures") === true,
    linearHistory: get(r, "requiredLinearHistory") === true,
    bypass: list(bypassActors).length > 0,
  };
}

function refCoverage(conditions: Props | undefined): (branch: string, defaultBranch: string) => boolean {
  const refName = record(get(conditions, "refName"));
  const includes = list(get(refName, "includes"));
  const excludes = list(get(refName, "excludes"));
  return (branch, defaultBranch) =>
    includes.some((i) => rulesetRefTargets(i, branch, defaultBranch)) && !excludes.some((e) => rulesetRefTargets(e, branch, defaultBranch));
}

function rulesetActive(props: Props): boolean {
  return get(props, "enforcement") === "active" && get(props, "target") === "branch";
}

function repositoryRuleset(resource: GithubResource, repositories: readonly RepositoryRef[]): ProtectionLayer {
  const p = resource.props;
  const repository = repositoryKeyOf(resource, "repository", repositories);
  return {
    resource,
    label: `ruleset '${text(get(p, "name")) ?? resource.name}'`,
    active: rulesetActive(p),
    repository,
    appliesTo: (repo) => repo.name === repository,
    covers: refCoverage(record(get(p, "conditions"))),
    rules: rulesetRules(record(get(p, "rules")), get(p, "bypassActors")),
  };
}

function organizationRuleset(resource: GithubResource): ProtectionLayer {
  const p = resource.props;
  const conditions = record(get(p, "conditions"));
  const byName = record(get(conditions, "repositoryName"));
  const ids = list(get(conditions, "repositoryIds")).filter((v): v is number => typeof v === "number");
  // Repository names use the same fnmatch patterns as branches (`~ALL` for every repository).
  const nameMatches = (entry: unknown, name: string): boolean =>
    entry === "~ALL" || entry === name || (typeof entry === "string" && (tryParseBranchPattern(entry)?.matches(name) ?? false));
  const appliesTo = (repo: RepositoryRef): boolean => {
    if (byName) {
      return list(get(byName, "includes")).some((i) => nameMatches(i, repo.name)) && !list(get(byName, "excludes")).some((e) => nameMatches(e, repo.name));
    }
    // Repository property conditions cannot be evaluated offline: such a ruleset is judged on its
    // own, never counted as protecting a particular repository.
    return repo.repoId !== undefined && ids.includes(repo.repoId);
  };
  return {
    resource,
    label: `organization ruleset '${text(get(p, "name")) ?? resource.name}'`,
    active: rulesetActive(p),
    appliesTo,
    covers: refCoverage(conditions),
    rules: rulesetRules(record(get(p, "rules")), get(p, "bypassActors")),
  };
}

/**
 * The review and status-check rules read the same way from both classic branch protection
 * resources (`BranchProtection` and `BranchProtectionV3`).
 */
function classicReviewRules(
  reviews: Props | undefined,
  checks: Props | undefined,
  contexts: readonly string[],
): Pick<LayerRules, "requiresPullRequest" | "approvals" | "dismissStaleReviews" | "codeOwnerReview" | "lastPushApproval" | "statusChecks" | "upToDate"> {
  return {
    requiresPullRequest: reviews !== undefined,
    // The provider's default for requiredApprovingReviewCount is 1.
    approvals: reviews ? count(get(reviews, "requiredApprovingReviewCount"), 1) : 0,
    dismissStaleReviews: get(reviews, "dismissStaleReviews") === true,
    codeOwnerReview: get(reviews, "requireCodeOwnerReviews") === true,
    lastPushApproval: get(reviews, "requireLastPushApproval") === true,
    statusChecks: contexts,
    upToDate: contexts.length > 0 && get(checks, "strict") === true,
  };
}

function branchProtection(resource: GithubResource, repositories: readonly RepositoryRef[]): ProtectionLayer {
  const p = resource.props;
  const repository = repositoryKeyOf(resource, "repositoryId", repositories);
  const pattern = tryParseBranchPattern(get(p, "pattern"));
  const reviews = record(get(p, "requiredPullRequestReviews"));
  const checks = record(get(p, "requiredStatusChecks"));
  const contexts = strings(get(checks, "contexts"));
  return {
    resource,
    label: `branch protection rule '${text(get(p, "pattern")) ?? resource.name}'`,
    active: true,
    repository,
    appliesTo: (repo) => repo.name === repository,
    covers: (branch) => pattern?.matches(branch) ?? false,
    rules: {
      // The provider's defaults: force pushes and deletions are blocked unless allowed.
      blocksForcePush: get(p, "allowsForcePushes") !== true,
      blocksDeletion: get(p, "allowsDeletions") !== true,
      ...classicReviewRules(reviews, checks, contexts),
      signedCommits: get(p, "requireSignedCommits") === true,
      linearHistory: get(p, "requiredLinearHistory") === true,
      conversationResolution: get(p, "requireConversationResolution") === true,
      bypass:
        get(p, "enforceAdmins") !== true ||
        strings(get(reviews, "pullRequestBypassers")).length > 0 ||
        strings(get(p, "forcePushBypassers")).length > 0,
    },
  };
}

function branchProtectionV3(resource: GithubResource, repositories: readonly RepositoryRef[]): ProtectionLayer {
  const p = resource.props;
  const repository = repositoryKeyOf(resource, "repository", repositories);
  const branch = text(get(p, "branch"));
  const reviews = record(get(p, "requiredPullRequestReviews"));
  const checks = record(get(p, "requiredStatusChecks"));
  // `checks` entries are "context:app_id"; the context is what a workflow job reports.
  const contexts = [...strings(get(checks, "contexts")), ...strings(get(checks, "checks")).map((c) => c.replace(/:\d+$/, ""))];
  const bypassers = record(get(reviews, "bypassPullRequestAllowances"));
  return {
    resource,
    label: `branch protection rule '${branch ?? resource.name}'`,
    active: true,
    repository,
    appliesTo: (repo) => repo.name === repository,
    covers: (b) => b === branch,
    rules: {
      // The REST API blocks force pushes and deletions on a protected branch unless allowed, and
      // this resource cannot allow them.
      blocksForcePush: true,
      blocksDeletion: true,
      ...classicReviewRules(reviews, checks, contexts),
      signedCommits: get(p, "requireSignedCommits") === true,
      linearHistory: false,
      conversationResolution: get(p, "requireConversationResolution") === true,
      bypass:
        get(p, "enforceAdmins") !== true ||
        ["apps", "teams", "users"].some((k) => strings(get(bypassers, k)).length > 0),
    },
  };
}

/** The types `protectionLayers` reads: without one of them a stack has no branch protection at all. */
export const protectionLayerTypes: readonly string[] = [
  githubTypes.repositoryRuleset,
  githubTypes.organizationRuleset,
  githubTypes.branchProtection,
  githubTypes.branchProtectionV3,
];

/** Every protection layer of the stack, in resource order. */
export function protectionLayers(resources: readonly GithubResource[]): ProtectionLayer[] {
  const repositories = repositoriesOf(resources);
  const layers: ProtectionLayer[] = [];
  for (const r of resources) {
    if (r.type === githubTypes.repositoryRuleset) layers.push(repositoryRuleset(r, repositories));
    else if (r.type === githubTypes.organizationRuleset) layers.push(organizationRuleset(r));
    else if (r.type === githubTypes.branchProtection) layers.push(branchProtection(r, repositories));
    else if (r.type === githubTypes.branchProtectionV3) layers.push(branchProtectionV3(r, repositories));
  }
  return layers;
}

/** Combines layers as GitHub does: each requirement holds when any layer demands it. */
export function combine(layers: readonly ProtectionLayer[]): LayerRules {
  const any = (f: (r: LayerRules) => boolean): boolean => layers.some((l) => f(l.rules));
  return {
    blocksForcePush: any((r) => r.blocksForcePush),
    blocksDeletion: any((r) => r.blocksDeletion),
    requiresPullRequest: any((r) => r.requiresPullRequest),
    approvals: Math.max(0, ...layers.map((l) => l.rules.approvals)),
    dismissStaleReviews: any((r) => r.dismissStaleReviews),
    codeOwnerReview: any((r) => r.codeOwnerReview),
    lastPushApproval: any((r) => r.lastPushApproval),
    statusChecks: [...new Set(layers.flatMap((l) => l.rules.statusChecks))],
    upToDate: any((r) => r.upToDate),
    signedCommits: any((r) => r.signedCommits),
    linearHistory: any((r) => r.linearHistory),
    conversationResolution: any((r) => r.conversationResolution),
    bypass: any((r) => r.bypass),
  };
}

/** Which branches the branch policies judge (a policy config knob, the same on each policy). */
export interface BranchScope {
  /** Branch names judged in every repository, besides its default branch. */
  readonly branches: readonly string[];
  /** The default branch when the stack does not set one (`github.BranchDefault`). */
  readonly defaultBranch: string;
}

export const defaultBranchScope: BranchScope = { branches: ["main", "master", "production"], defaultBranch: "main" };

/** JSON schema of the scope knobs; spread into each branch policy's `configSchema.properties`. */
export const branchScopeSchema = {
  branches: {
    type: "array",
    items: { type: "string" },
    default: [...defaultBranchScope.branches],
    description: "Branches judged in every repository, besides its default branch.",
  },
  defaultBranch: {
    type: "string",
    default: defaultBranchScope.defaultBranch,
    description: "A repository's default branch when the stack has no github.BranchDefault for it.",
  },
} as const;

/** One branch of one repository (or of an organization ruleset's repositories) and what protects it. */
export interface BranchGroup {
  /** "branch 'main' of repository 'ml'", for messages. */
  readonly subject: string;
  readonly repository?: string;
  readonly branch: string;
  readonly layers: readonly ProtectionLayer[];
  readonly rules: LayerRules;
  /** Where the violation is reported: the first layer, in resource order. */
  readonly urn: string;
}

/** The default branch of a repository: its github.BranchDefault, else its `defaultBranch`, else the scope's. */
export function defaultBranchOf(
  repository: string,
  resources: readonly GithubResource[],
  repositories: readonly (RepositoryRef & { resource: GithubResource })[],
  scope: BranchScope,
): string {
  for (const r of resources) {
    if (r.type !== githubTypes.branchDefault) continue;
    if (repositoryKeyOf(r, "repository", repositories) !== repository) continue;
    const branch = text(get(r.props, "branch"));
    if (branch) return branch;
  }
  const own = repositories.find((r) => r.name === repository);
  return text(get(own?.resource.props, "defaultBranch")) ?? scope.defaultBranch;
}

/**
 * Every judged branch that at least one active layer covers, per repository, with the combined
 * rules. An organization ruleset that applies to no repository of the stack is judged on its own.
 */
export function branchGroups(resources: readonly GithubResource[], scope: BranchScope): BranchGroup[] {
  const repositories = repositoriesOf(resources);
  const layers = protectionLayers(resources).filter((l) => l.active);
  const names = new Set<string>(repositories.map((r) => r.name));
  for (const l of layers) if (l.repository !== undefined) names.add(l.repository);
  const groups: BranchGroup[] = [];
  const usedOrgRulesets = new Set<ProtectionLayer>();
  for (const name of names) {
    const ref: RepositoryRef = repositories.find((r) => r.name === name) ?? { name };
    const defaultBranch = defaultBranchOf(name, resources, repositories, scope);
    for (const branch of new Set([defaultBranch, ...scope.branches])) {
      const covering = layers.filter((l) => l.appliesTo(ref) && l.covers(branch, defaultBranch));
      if (covering.length === 0) continue;
      for (const l of covering) if (l.repository === undefined) usedOrgRulesets.add(l);
      groups.push({
        subject: `branch '${branch}' of repository '${name}'`,
        repository: name,
        branch,
        layers: covering,
        rules: combine(covering),
        urn: (covering[0] as ProtectionLayer).resource.urn,
      });
    }
  }
  for (const l of layers) {
    if (l.repository !== undefined || usedOrgRulesets.has(l)) continue;
    for (const branch of new Set([scope.defaultBranch, ...scope.branches])) {
      if (!l.covers(branch, scope.defaultBranch)) continue;
      groups.push({
        subject: `branch '${branch}' in the repositories of ${l.label}`,
        branch,
        layers: [l],
        rules: l.rules,
        urn: l.resource.urn,
      });
    }
  }
  return groups;
}

/** OpenSSF Scorecard's Branch-Protection tiers: each must be met in full before the next counts. */
export const scorecardTiers: readonly { readonly tier: number; readonly score: number; readonly requirements: readonly { readonly name: string; readonly met: (r: LayerRules) => boolean }[] }[] = [
  {
    tier: 1,
    score: 3,
    requirements: [
      { name: "block force pushes", met: (r) => r.blocksForcePush },
      { name: "block deletion", met: (r) => r.blocksDeletion },
    ],
  },
  {
    tier: 2,
    score: 6,
    requirements: [
      { name: "require a pull request", met: (r) => r.requiresPullRequest },
      { name: "require at least one approving review", met: (r) => r.approvals >= 1 },
      { name: "require branches to be up to date", met: (r) => r.upToDate },
      { name: "require approval of the most recent push", met: (r) => r.lastPushApproval },
    ],
  },
  { tier: 3, score: 8, requirements: [{ name: "require at least one status check", met: (r) => r.statusChecks.length > 0 }] },
  {
    tier: 4,
    score: 9,
    requirements: [
      { name: "require two approving reviews", met: (r) => r.approvals >= 2 },
      { name: "require code owner review", met: (r) => r.codeOwnerReview },
    ],
  },
  {
    tier: 5,
    score: 10,
    requirements: [
      { name: "dismiss stale approvals", met: (r) => r.dismissStaleReviews },
      { name: "apply the rules to administrators (no bypass)", met: (r) => !r.bypass },
    ],
  },
];

/** The highest Scorecard tier the rules reach (0 when tier 1 is not met). */
export function scorecardTier(rules: LayerRules): number {
  let reached = 0;
  for (const t of scorecardTiers) {
    if (!t.requirements.every((q) => q.met(rules))) break;
    reached = t.tier;
  }
  return reached;
}

/** What is missing for the rules to reach `tier`. */
export function missingForTier(rules: LayerRules, tier: number): string[] {
  return scorecardTiers.filter((t) => t.tier <= tier).flatMap((t) => t.requirements.filter((q) => !q.met(rules)).map((q) => q.name));
}
