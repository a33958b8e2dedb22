import type { StackValidationPolicy } from "@pulumi/policy";
import {
  branchGroups,
  branchScopeSchema,
  missingForTier,
  protectionLayerTypes,
  scorecardTier,
  type BranchScope,
  type LayerRules,
} from "./lib/github";
import { githubMapped, type GithubMapping } from "./lib/github-controls";
import { knobsOf } from "./lib/config";
import { stackOfTypes } from "./lib/types";

// Branch protection, judged per branch of each repository with every active layer that covers
// it combined (repository rulesets, organization rulesets, classic branch protection rules), so a
// program that splits its rules over several rulesets, or relies on an organization ruleset, is
// judged as GitHub enforces it. The branches judged are each repository's default branch and the
// `branches` knob (main, master, production); a protection of other branches (feat/*) is not held
// to this floor.

type Knobs = Record<string, { type: string; default: unknown; description: string; [k: string]: unknown }>;

interface BranchRuleSpec {
  readonly name: string;
  readonly description: string;
  readonly severity: "low" | "medium" | "high" | "critical";
  readonly remediationSteps: string;
  readonly mapping: GithubMapping;
  readonly knobs?: Knobs;
  /** What the branch must do but does not ("block force pushes"), or undefined when it complies. */
  readonly check: (rules: LayerRules, config: Record<string, unknown>) => string | undefined;
}

function scopeOf(config: Record<string, unknown>): BranchScope {
  const branches = Array.isArray(config["branches"]) ? config["branches"].filter((b): b is string => typeof b === "string") : [];
  return { branches, defaultBranch: String(config["defaultBranch"]) };
}

function branchRulePolicy(spec: BranchRuleSpec): StackValidationPolicy {
  const policy: StackValidationPolicy = {
    name: spec.name,
    description: spec.description,
    severity: spec.severity,
    remediationSteps: spec.remediationSteps,
    ...githubMapped(spec.mapping),
    configSchema: { properties: { ...branchScopeSchema, ...(spec.knobs ?? {}) } },
    validateStack: stackOfTypes(protectionLayerTypes, (args, report) => {
      const config = knobsOf<Record<string, unknown>>(policy, args);
      for (const group of branchGroups(args.resources, scopeOf(config))) {
        const problem = spec.check(group.rules, config);
        if (problem !== undefined) report(`The ${group.subject} must ${problem}.`, group.urn);
      }
    }),
  };
  return policy;
}

const reviewTags = ["github", "branch-protection", "code-review"];

export const branchBlocksForcePush = branchRulePolicy({
  name: "github-branch-protection-blocks-force-push",
  description: "Protected branches must block force pushes, which rewrite reviewed history.",
  severity: "high",
  remediationSteps:
    "In a repository ruleset set `rules.nonFastForward: true`; in a github.BranchProtection leave `allowsForcePushes` unset or false.",
  mapping: {
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["MEASURE-2.7", "GOVERN-1.4"],
    scorecard: ["Branch-Protection/T1/block-force-push"],
    allstar: ["branch_protection/BlockForce"],
    legitify: ["missing_default_branch_protection_force_push"],
    checkov: ["CKV_GITHUB_5"],
    tags: ["github", "branch-protection"],
  },
  check: (r) => (r.blocksForcePush ? undefined : "block force pushes"),
});

export const branchBlocksDeletion = branchRulePolicy({
  name: "github-branch-protection-blocks-deletion",
  description: "Protected branches must not be deletable.",
  severity: "high",
  remediationSteps: "In a repository ruleset set `rules.deletion: true`; in a github.BranchProtection leave `allowsDeletions` unset or false.",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7", "GOVERN-1.4"],
    scorecard: ["Branch-Protection/T1/block-deletion"],
    legitify: ["missing_default_branch_protection_deletion"],
    checkov: ["CKV_GITHUB_18"],
    tags: ["github", "branch-protection"],
  },
  check: (r) => (r.blocksDeletion ? undefined : "block deletion"),
});

export const branchRequiresReviews = branchRulePolicy({
  name: "github-branch-protection-requires-reviews",
  description:
    "Protected branches must take changes only through pull requests approved by at least `minimumApprovals` reviewers (two by default).",
  severity: "critical",
  remediationSteps:
    "In a repository ruleset add `rules.pullRequest` with `requiredApprovingReviewCount: 2`; in a github.BranchProtection add " +
    "`requiredPullRequestReviews: [{ requiredApprovingReviewCount: 2 }]`.",
  mapping: {
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    scorecard: ["Branch-Protection/T2/pull-requests", "Branch-Protection/T2/reviewers", "Branch-Protection/T4/two-reviewers"],
    allstar: ["branch_protection/RequireApproval", "branch_protection/ApprovalCount"],
    legitify: ["code_review_not_required", "code_review_by_two_members_not_required"],
    checkov: ["CKV_GIT_5", "CKV_GITHUB_19"],
    tags: reviewTags,
  },
  knobs: {
    minimumApprovals: { type: "integer", minimum: 1, maximum: 6, default: 2, description: "Fewest approving reviews a protected branch may require." },
  },
  check: (r, config) => {
    const minimum = Number(config["minimumApprovals"]);
    if (!r.requiresPullRequest) return `take changes only through pull requests with at least ${minimum} approving reviews`;
    if (r.approvals < minimum) return `require at least ${minimum} approving reviews (it requires ${r.approvals})`;
    return undefined;
  },
});

export const branchRequiresLastPushApproval = branchRulePolicy({
  name: "github-branch-protection-requires-last-push-approval",
  description: "Protected branches must require the most recent push to be approved by someone other than its author.",
  severity: "medium",
  remediationSteps:
    "Set `requireLastPushApproval: true` in the ruleset's `rules.pullRequest` (or in github.BranchProtection's `requiredPullRequestReviews`).",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    scorecard: ["Branch-Protection/T2/last-push-approval"],
    tags: reviewTags,
  },
  check: (r) => (r.lastPushApproval ? undefined : "require approval of the most recent push by someone other than its author"),
});

export const branchDismissesStaleReviews = branchRulePolicy({
  name: "github-branch-protection-dismisses-stale-reviews",
  description: "Protected branches must dismiss approvals when new commits are pushed, so what merges is what was approved.",
  severity: "medium",
  remediationSteps:
    "Set `dismissStaleReviewsOnPush: true` in the ruleset's `rules.pullRequest` (`dismissStaleReviews: true` in github.BranchProtection).",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    scorecard: ["Branch-Protection/T5/dismiss-stale"],
    allstar: ["branch_protection/DismissStale"],
    legitify: ["dismisses_stale_reviews"],
    checkov: ["CKV_GITHUB_11"],
    tags: reviewTags,
  },
  check: (r) => (r.dismissStaleReviews ? undefined : "dismiss stale approvals when new commits are pushed"),
});

export const branchRequiresCodeOwnerReview = branchRulePolicy({
  name: "github-branch-protection-requires-code-owner-review",
  description: "Protected branches must require a review from the code owners of the files a pull request changes.",
  severity: "medium",
  remediationSteps:
    "Set `requireCodeOwnerReview: true` in the ruleset's `rules.pullRequest` (`requireCodeOwnerReviews: true` in github.BranchProtection) and keep a CODEOWNERS file.",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    scorecard: ["Branch-Protection/T4/code-owners"],
    allstar: ["branch_protection/RequireCodeOwnerReviews"],
    legitify: ["code_review_not_limited_to_code_owners"],
    checkov: ["CKV_GITHUB_13"],
    tags: reviewTags,
  },
  check: (r) => (r.codeOwnerReview ? undefined : "require code owner review"),
});

export const defaultRequiredChecks = ["secure-mlops preview"] as const;

export const branchRequiresStatusChecks = branchRulePolicy({
  name: "github-branch-protection-requires-status-checks",
  description:
    "Protected branches must require status checks to pass before merging, including the policy-pack preview (`requiredChecks`).",
  severity: "high",
  remediationSteps:
    "Add `rules.requiredStatusChecks.requiredChecks: [{ context: \"secure-mlops preview\" }]` to the ruleset (or " +
    "`requiredStatusChecks: [{ contexts: [\"secure-mlops preview\"] }]` to github.BranchProtection), the job name of the workflow that runs " +
    "`npx secure-mlops preview`.",
  mapping: {
    atlas: ["AML.M0016", "AML.M0005"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    scorecard: ["Branch-Protection/T3/status-checks"],
    allstar: ["branch_protection/RequireStatusChecks"],
    legitify: ["requires_status_checks"],
    checkov: ["CKV_GITHUB_14"],
    tags: ["github", "branch-protection", "ci"],
  },
  knobs: {
    requiredChecks: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [...defaultRequiredChecks],
      description: "Status check contexts every protected branch must require.",
    },
  },
  check: (r, config) => {
    const required = config["requiredChecks"] as string[];
    const missing = required.filter((c) => !r.statusChecks.includes(c));
    if (missing.length > 0) return `require the status check${missing.length > 1 ? "s" : ""} ${missing.map((c) => `'${c}'`).join(", ")} before merging`;
    if (r.statusChecks.length === 0) return "require at least one status check before merging";
    return undefined;
  },
});

export const branchRequiresUpToDate = branchRulePolicy({
  name: "github-branch-protection-requires-up-to-date-branch",
  description: "Protected branches must require a pull request's branch to be up to date with the base, so checks ran on what merges.",
  severity: "medium",
  remediationSteps:
    "Set `strictRequiredStatusChecksPolicy: true` in the ruleset's `rules.requiredStatusChecks` (`strict: true` in github.BranchProtection's `requiredStatusChecks`).",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    scorecard: ["Branch-Protection/T2/up-to-date"],
    allstar: ["branch_protection/RequireUpToDateBranch"],
    legitify: ["requires_branches_up_to_date_before_merge"],
    checkov: ["CKV_GITHUB_20"],
    tags: ["github", "branch-protection", "ci"],
  },
  check: (r) => (r.upToDate ? undefined : "require branches to be up to date before merging (strict status checks)"),
});

export const branchAppliesToAdmins = branchRulePolicy({
  name: "github-branch-protection-applies-to-admins",
  description:
    "Branch rules must apply to administrators too: no ruleset bypass actors, classic rules enforced on admins, and no pull request or force push bypassers.",
  severity: "high",
  remediationSteps:
    "Remove `bypassActors` from the ruleset; on github.BranchProtection set `enforceAdmins: true` and remove `pullRequestBypassers` and `forcePushBypassers`.",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    scorecard: ["Branch-Protection/T5/enforce-admins"],
    allstar: ["branch_protection/EnforceOnAdmins"],
    legitify: ["users_allowed_to_bypass_ruleset"],
    checkov: ["CKV_GITHUB_10"],
    tags: ["github", "branch-protection"],
  },
  check: (r) => (r.bypass ? "apply its rules to administrators, with no bypass actors or bypass lists" : undefined),
});

export const branchRequiresSignedCommits = branchRulePolicy({
  name: "github-branch-protection-requires-signed-commits",
  description: "Protected branches must accept only commits with verified signatures.",
  severity: "medium",
  remediationSteps: "Set `rules.requiredSignatures: true` in the ruleset (`requireSignedCommits: true` in github.BranchProtection).",
  mapping: {
    atlas: ["AML.M0013"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    allstar: ["branch_protection/RequireSignedCommits"],
    legitify: ["no_signed_commits"],
    checkov: ["CKV_GITHUB_4", "CKV_GIT_6"],
    tags: ["github", "branch-protection", "signing"],
  },
  check: (r) => (r.signedCommits ? undefined : "require signed commits"),
});

export const branchRequiresLinearHistory = branchRulePolicy({
  name: "github-branch-protection-requires-linear-history",
  description: "Protected branches must keep a linear history (no merge commits), so every commit on them was reviewed as such.",
  severity: "low",
  remediationSteps: "Set `rules.requiredLinearHistory: true` in the ruleset (`requiredLinearHistory: true` in github.BranchProtection).",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    legitify: ["non_linear_history"],
    checkov: ["CKV_GITHUB_8"],
    tags: ["github", "branch-protection"],
  },
  check: (r) => (r.linearHistory ? undefined : "require a linear history"),
});

export const branchRequiresConversationResolution = branchRulePolicy({
  name: "github-branch-protection-requires-conversation-resolution",
  description: "Protected branches must require every review conversation to be resolved before merging.",
  severity: "low",
  remediationSteps:
    "Set `requiredReviewThreadResolution: true` in the ruleset's `rules.pullRequest` (`requireConversationResolution: true` in github.BranchProtection).",
  mapping: {
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    legitify: ["no_conversation_resolution"],
    checkov: ["CKV_GITHUB_16"],
    tags: reviewTags,
  },
  check: (r) => (r.conversationResolution ? undefined : "require review conversations to be resolved before merging"),
});

export const branchScorecardTier = branchRulePolicy({
  name: "github-branch-protection-scorecard-tier",
  description:
    "Protected branches must reach the OpenSSF Scorecard Branch-Protection tier set by `minimumTier` (tier 5, a score of 10, by default).",
  severity: "high",
  remediationSteps:
    "Add what the message lists as missing; each tier counts only when every lower tier is met. Lower `minimumTier` in the " +
    "environment's policy config only for repositories that cannot meet it yet.",
  mapping: {
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["MEASURE-2.7", "GOVERN-1.4"],
    scorecard: [
      "Branch-Protection/T1/block-force-push",
      "Branch-Protection/T1/block-deletion",
      "Branch-Protection/T2/reviewers",
      "Branch-Protection/T2/pull-requests",
      "Branch-Protection/T2/up-to-date",
      "Branch-Protection/T2/last-push-approval",
      "Branch-Protection/T3/status-checks",
      "Branch-Protection/T4/two-reviewers",
      "Branch-Protection/T4/code-owners",
      "Branch-Protection/T5/dismiss-stale",
      "Branch-Protection/T5/enforce-admins",
    ],
    tags: ["github", "branch-protection", "openssf-scorecard"],
  },
  knobs: {
    minimumTier: { type: "integer", minimum: 1, maximum: 5, default: 5, description: "Lowest Scorecard Branch-Protection tier a protected branch may reach." },
  },
  check: (r, config) => {
    const minimum = Number(config["minimumTier"]);
    const reached = scorecardTier(r);
    if (reached >= minimum) return undefined;
    return `reach OpenSSF Scorecard Branch-Protection tier ${minimum} (it reaches tier ${reached}; missing: ${missingForTier(r, minimum).join(", ")})`;
  },
});

export const githubBranchPolicies = [
  branchBlocksForcePush,
  branchBlocksDeletion,
  branchRequiresReviews,
  branchRequiresLastPushApproval,
  branchDismissesStaleReviews,
  branchRequiresCodeOwnerReview,
  branchRequiresStatusChecks,
  branchRequiresUpToDate,
  branchAppliesToAdmins,
  branchRequiresSignedCommits,
  branchRequiresLinearHistory,
  branchRequiresConversationResolution,
  branchScorecardTier,
] as const;
