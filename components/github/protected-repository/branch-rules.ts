import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { rulesetRefName } from "../../../constants/github-refs";
import { managedCheckNames } from "../files";
import { patternKey } from "../validation";
import { ProtectionMode, type ResolvedProtectedRepositoryArgs } from "./args";

/**
 * The branch table's protected rows as rulesets (no bypass, admins included), plus a classic rule
 * where only the admins team may push, or classic rules only in `branchProtection` mode. Returns
 * the ruleset ids keyed by branch pattern.
 */
export function createBranchRules(
  parent: pulumi.Resource,
  a: ResolvedProtectedRepositoryArgs,
  repository: pulumi.Input<string>,
  branches: readonly pulumi.Resource[],
): pulumi.Output<Record<string, number>> {
  const checks = a.requiredStatusChecks;
  const appId = a.statusCheckIntegrationId;
  const mode = a.protectionMode;
  const mergeMethods = a.allowRebaseMerge ? ["squash", "rebase"] : ["squash"];
  const rulesetIds: Record<string, pulumi.Output<number>> = {};
  for (const rule of a.branches.filter((r) => r.protected)) {
    const key = patternKey(rule.pattern);
    const contexts = [...checks, ...(rule.sourceBranches ? [managedCheckNames.sourceBranch] : [])];
    const approvals = rule.requiredApprovals ?? 2;
    const after = { parent, dependsOn: [...branches] };
    if (mode === ProtectionMode.Rulesets) {
      const ruleset = new github.RepositoryRuleset(
        `${a.name}-ruleset-${key}`,
        {
          repository,
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
              a.requireCodeScanningResults
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
        full ? `${a.name}-protection-${key}` : `${a.name}-push-restriction-${key}`,
        {
          repositoryId: repository,
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
          restrictPushes: rule.developers === "read" ? [{ blocksCreations: true, pushAllowances: [`${a.owner}/${a.teams.admins}`] }] : undefined,
        },
        after,
      );
    }
  }
  return pulumi.all(rulesetIds);
}
