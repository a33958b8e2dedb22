/**
 * The GitHub posture tools' controls the pack answers for (Legitify, Scorecard and Allstar control ids), as
 * typed ids: a GitHub policy names them in `mapped({ scorecard, allstar, legitify, checkov })`, and
 * the coverage test checks that each id is either named by a policy or listed in `notJudged` with
 * the reason the pack cannot judge it before deployment.
 */
import { mapped, type ControlMapping } from "./metadata";

/** OpenSSF Scorecard Branch-Protection check, one id per tier requirement. */
export const scorecardBranchProtection = {
  "Branch-Protection/T1/block-force-push": "Tier 1: prevent force push",
  "Branch-Protection/T1/block-deletion": "Tier 1: prevent branch deletion",
  "Branch-Protection/T2/reviewers": "Tier 2: at least one reviewer",
  "Branch-Protection/T2/pull-requests": "Tier 2: require pull requests before code changes",
  "Branch-Protection/T2/up-to-date": "Tier 2: require the branch to be up to date",
  "Branch-Protection/T2/last-push-approval": "Tier 2: require approval of the most recent reviewable push",
  "Branch-Protection/T3/status-checks": "Tier 3: at least one required status check",
  "Branch-Protection/T4/two-reviewers": "Tier 4: at least two reviewers",
  "Branch-Protection/T4/code-owners": "Tier 4: require code-owner review",
  "Branch-Protection/T5/dismiss-stale": "Tier 5: dismiss stale approvals",
  "Branch-Protection/T5/enforce-admins": "Tier 5: include administrators",
} as const;
export type ScorecardId = keyof typeof scorecardBranchProtection;

/** OpenSSF Allstar: the Branch Protection policy's OrgConfig fields, and the CODEOWNERS policy. */
export const allstarBranchProtection = {
  "branch_protection/EnforceDefault": "Enforce protection on the default branch",
  "branch_protection/EnforceBranches": "Enforce protection on listed branches",
  "branch_protection/RequireApproval": "Require approving reviews",
  "branch_protection/ApprovalCount": "Number of approving reviews",
  "branch_protection/RequireCodeOwnerReviews": "Require code-owner reviews",
  "branch_protection/DismissStale": "Dismiss stale reviews",
  "branch_protection/BlockForce": "Block force pushes",
  "branch_protection/RequireUpToDateBranch": "Require the branch to be up to date",
  "branch_protection/RequireStatusChecks": "Require status checks",
  "branch_protection/EnforceOnAdmins": "Enforce on administrators",
  "branch_protection/RequireSignedCommits": "Require signed commits",
  "codeowners/CODEOWNERS": "A CODEOWNERS file exists",
} as const;
export type AllstarId = keyof typeof allstarBranchProtection;

/** Legitify's GitHub repository rules (`policies/github/repository.rego`), with their severities. */
export const legitifyRepository = {
  repository_not_maintained: "HIGH",
  repository_has_too_many_admins: "LOW",
  repository_webhook_no_secret: "LOW",
  repository_webhook_doesnt_require_ssl: "LOW",
  forking_allowed_for_repository: "LOW",
  missing_default_branch_protection: "MEDIUM",
  missing_default_branch_protection_deletion: "MEDIUM",
  missing_default_branch_protection_force_push: "MEDIUM",
  requires_status_checks: "MEDIUM",
  requires_branches_up_to_date_before_merge: "MEDIUM",
  dismisses_stale_reviews: "LOW",
  code_review_not_required: "HIGH",
  code_review_by_two_members_not_required: "MEDIUM",
  code_review_not_limited_to_code_owners: "LOW",
  non_linear_history: "MEDIUM",
  no_conversation_resolution: "LOW",
  no_signed_commits: "LOW",
  review_dismissal_allowed: "LOW",
  pushes_are_not_restricted: "LOW",
  vulnerability_alerts_not_enabled: "MEDIUM",
  ghas_dependency_review_not_enabled: "MEDIUM",
  scorecard_score_too_low: "MEDIUM",
  token_default_permissions_is_read_write: "MEDIUM",
  actions_can_approve_pull_requests: "HIGH",
  users_allowed_to_bypass_ruleset: "MEDIUM",
  repository_secret_is_stale: "MEDIUM",
  secret_scanning_not_enabled: "MEDIUM",
} as const;
export type LegitifyId = keyof typeof legitifyRepository;

/** Checkov's GitHub checks (Terraform provider checks and the org/repo API scans). */
export const checkovGithub = {
  CKV_GIT_1: "repository is Private",
  CKV_GIT_2: "repository webhooks use HTTPS",
  CKV_GIT_3: "vulnerability alerts enabled",
  CKV_GIT_4: "Actions secrets encrypted",
  CKV_GIT_5: "PRs require at least 2 approvals",
  CKV_GIT_6: "signed commits",
  CKV2_GIT_1: "each repository has branch protection associated",
  CKV_GITHUB_4: "branch protection requires signed commits",
  CKV_GITHUB_5: "branch protection does not allow force pushes",
  CKV_GITHUB_7: "repository webhooks use HTTPS",
  CKV_GITHUB_8: "branch protection requires linear history",
  CKV_GITHUB_9: "2 admins are set for each repository",
  CKV_GITHUB_10: "branch protection rules are enforced on administrators",
  CKV_GITHUB_11: "branch protection dismisses stale review on new commit",
  CKV_GITHUB_12: "branch protection restricts who can dismiss PR reviews",
  CKV_GITHUB_13: "branch protection requires CODEOWNER reviews",
  CKV_GITHUB_14: "all checks have passed before merge",
  CKV_GITHUB_15: "inactive branches reviewed/removed periodically",
  CKV_GITHUB_16: "branch protection requires conversation resolution",
  CKV_GITHUB_17: "branch protection requires push restrictions",
  CKV_GITHUB_18: "branch protection does not allow deletions",
  CKV_GITHUB_19: "any change receives approval of two strongly authenticated users",
  CKV_GITHUB_20: "open branches up to date before merge",
} as const;
export type CheckovGithubId = keyof typeof checkovGithub;

/**
 * Controls no policy judges, and why: each is decided at run time (repository activity, secret
 * age, a Scorecard run), or needs a setting the provider cannot express without weakening another
 * control. The docs (docs/github.md) print the same list.
 */
export const notJudged: Readonly<Record<string, string>> = {
  "legitify:repository_not_maintained": "Activity of the repository over time; nothing a deployment sets.",
  "legitify:repository_has_too_many_admins": "Admins come from organization roles and team membership outside the stack; the component grants `maintain`, not `admin`.",
  "checkov:CKV_GITHUB_9": "Admin count depends on organization membership outside the stack.",
  "legitify:repository_secret_is_stale": "Secret age is known only at run time; the platform uses OIDC and creates no secrets.",
  "legitify:scorecard_score_too_low": "The overall Scorecard score needs a Scorecard run; the branch tier is judged by github-branch-protection-scorecard-tier.",
  "legitify:ghas_dependency_review_not_enabled": "Dependency review is a workflow (actions/dependency-review-action) or an organization ruleset's required workflow; the provider has no repository setting for it.",
  "legitify:review_dismissal_allowed": "Repository rulesets have no review-dismissal restriction; only classic rules do, and the pack prefers rulesets.",
  "checkov:CKV_GITHUB_12": "Repository rulesets have no review-dismissal restriction; only classic rules do, and the pack prefers rulesets.",
  "legitify:pushes_are_not_restricted": "Rulesets restrict pushes only through bypass actors, which Scorecard tier 5 forbids; the component adds a classic push restriction instead, which the pack does not require of other programs.",
  "checkov:CKV_GITHUB_17": "Same as pushes_are_not_restricted.",
  "checkov:CKV_GITHUB_15": "Inactive branches are found by a periodic scan, not at deployment.",
};

/** A policy's mapping with the GitHub tools' ids typed (see `mapped` in ./metadata). */
export interface GithubMapping {
  readonly atlas: ControlMapping["atlas"];
  readonly nist: ControlMapping["nist"];
  readonly scorecard?: readonly ScorecardId[];
  readonly allstar?: readonly AllstarId[];
  readonly legitify?: readonly LegitifyId[];
  readonly checkov?: readonly CheckovGithubId[];
  readonly tags?: readonly string[];
}

/** `mapped` for GitHub policies: the same fields, with the ids checked against the tables above. */
export function githubMapped(mapping: GithubMapping): ReturnType<typeof mapped> {
  return mapped(mapping);
}
