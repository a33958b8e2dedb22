import type * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { branchPatternProblem, patternKey } from "../validation";
import type { ResolvedProtectedRepositoryArgs } from "./args";

const enabled = (on: boolean): { status: string } => ({ status: on ? "enabled" : "disabled" });

/**
 * The repository: squash merges of reviewed pull requests, sign-off on web commits, no wiki or
 * projects, forking off, secret scanning with push protection, archived rather than deleted.
 */
export function createRepository(parent: pulumi.Resource, a: ResolvedProtectedRepositoryArgs): github.Repository {
  const publicRepository = a.visibility === "public";
  return new github.Repository(
    `${a.name}-repo`,
    {
      name: a.repositoryName,
      description: a.description,
      visibility: a.visibility,
      // An initial commit gives the default branch something to protect and branch from.
      autoInit: true,
      hasWiki: false,
      hasProjects: false,
      hasDiscussions: false,
      hasIssues: true,
      allowMergeCommit: a.allowMergeCommit,
      allowSquashMerge: true,
      allowRebaseMerge: a.allowRebaseMerge,
      allowAutoMerge: false,
      allowUpdateBranch: true,
      deleteBranchOnMerge: a.deleteBranchOnMerge,
      squashMergeCommitTitle: "PR_TITLE",
      squashMergeCommitMessage: "PR_BODY",
      webCommitSignoffRequired: true,
      // GitHub refuses the setting on public repositories, which can always be forked.
      allowForking: publicRepository ? undefined : a.allowForking,
      archiveOnDestroy: a.archiveOnDestroy,
      securityAndAnalysis: {
        // Public repositories always have it and refuse the setting.
        advancedSecurity: publicRepository ? undefined : enabled(a.advancedSecurity),
        secretScanning: enabled(a.secretScanning),
        secretScanningPushProtection: enabled(a.secretScanningPushProtection),
      },
    },
    { parent },
  );
}

/**
 * The repository's settings beside it: default branch, the two teams, vulnerability alerts and
 * Dependabot security updates, selected SHA-pinned actions, a read-only workflow token. Returns
 * the default branch, which the branches and rules wait for.
 */
export function createRepositorySettings(parent: pulumi.Resource, a: ResolvedProtectedRepositoryArgs, repository: pulumi.Input<string>): github.BranchDefault {
  const { name } = a;
  const defaultBranch = new github.BranchDefault(`${name}-default-branch`, { repository, branch: a.defaultBranch, rename: true }, { parent });
  new github.TeamRepository(`${name}-team-developers`, { repository, teamId: a.teams.developers, permission: "push" }, { parent });
  new github.TeamRepository(`${name}-team-admins`, { repository, teamId: a.teams.admins, permission: a.adminsPermission }, { parent });

  const alerts = new github.RepositoryVulnerabilityAlerts(`${name}-vulnerability-alerts`, { repository, enabled: a.vulnerabilityAlerts }, { parent });
  // Dependabot security updates need vulnerability alerts on first.
  new github.RepositoryDependabotSecurityUpdates(`${name}-dependabot-security-updates`, { repository, enabled: a.dependabotSecurityUpdates }, { parent, dependsOn: [alerts] });
  new github.ActionsRepositoryPermissions(
    `${name}-actions-permissions`,
    {
      repository,
      enabled: true,
      allowedActions: "selected",
      allowedActionsConfig: { githubOwnedAllowed: true, verifiedAllowed: false, patternsAlloweds: [...a.allowedActions] },
      shaPinningRequired: a.shaPinningRequired,
    },
    { parent },
  );
  new github.WorkflowRepositoryPermissions(
    `${name}-workflow-permissions`,
    { repository, defaultWorkflowPermissions: a.defaultWorkflowPermissions, canApprovePullRequestReviews: a.actionsCanApprovePullRequests },
    { parent },
  );
  return defaultBranch;
}

/**
 * Protected branches named exactly (production) exist before their rules; patterns need no branch.
 * Returns them with the default branch: what rules and environments wait for.
 */
export function createProtectedBranches(
  parent: pulumi.Resource,
  a: ResolvedProtectedRepositoryArgs,
  repository: pulumi.Input<string>,
  defaultBranch: github.BranchDefault,
): pulumi.Resource[] {
  const branches: pulumi.Resource[] = [defaultBranch];
  for (const rule of a.branches) {
    const parsed = branchPatternProblem(rule.pattern).pattern;
    if (!rule.protected || parsed?.isGlob !== false || rule.pattern === a.defaultBranch) continue;
    branches.push(
      new github.Branch(
        `${a.name}-branch-${patternKey(rule.pattern)}`,
        { repository, branch: rule.pattern, sourceBranch: a.defaultBranch },
        { parent, dependsOn: [defaultBranch] },
      ),
    );
  }
  return branches;
}
