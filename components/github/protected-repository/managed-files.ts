import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { deliveryWorkflows } from "../delivery-workflows";
import { codeOwnersFile, codeqlWorkflow, dependabotConfig, previewWorkflow, sourceBranchWorkflow } from "../files";
import { branchPatternProblem } from "../validation";
import type { ResolvedProtectedRepositoryArgs } from "./args";

/** Short content hash naming the branch that proposes one version of the managed files. */
function contentHash(files: readonly { path: string; content: string }[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((x, y) => x.path.localeCompare(y.path))) h.update(`${f.path}\0${f.content}\0`);
  return h.digest("hex").slice(0, 8);
}

/** The files the component manages: CODEOWNERS, pre-commit, the workflows the rules require, and the delivery workflows. */
function managedFiles(a: ResolvedProtectedRepositoryArgs): { key: string; path: string; content: string }[] {
  const sourceRules = a.branches
    .filter((r) => r.protected && r.sourceBranches !== undefined)
    .map((r) => ({ branch: r.pattern, sources: r.sourceBranches as readonly string[] }));
  const protectedNames = a.branches.filter((r) => r.protected && branchPatternProblem(r.pattern).pattern?.isGlob === false).map((r) => r.pattern);
  const files: { key: string; path: string; content: string }[] = [
    { key: "codeowners", path: ".github/CODEOWNERS", content: codeOwnersFile(a.codeOwners) },
    { key: "pre-commit", path: ".pre-commit-config.yaml", content: a.preCommitConfig },
  ];
  if (a.previewWorkflow) files.push({ key: "preview-workflow", path: ".github/workflows/secure-mlops-preview.yml", content: previewWorkflow() });
  if (a.codeqlLanguages.length > 0) files.push({ key: "codeql-workflow", path: ".github/workflows/codeql.yml", content: codeqlWorkflow(a.codeqlLanguages, protectedNames) });
  if (sourceRules.length > 0) {
    files.push({ key: "source-branch-workflow", path: ".github/workflows/secure-mlops-source-branch.yml", content: sourceBranchWorkflow(sourceRules) });
  }
  if (a.deliveryWorkflows !== false) files.push(...deliveryWorkflows(a.deliveryWorkflows));
  if (a.dependabotVersionUpdates) files.push({ key: "dependabot", path: ".github/dependabot.yml", content: dependabotConfig() });
  return files;
}

/**
 * Every version of the managed files gets its own branch and pull request: the platform proposes,
 * the branch rules (code owners, two approvals, green checks) decide. Nothing bypasses them.
 */
export function createManagedFiles(
  parent: pulumi.Resource,
  a: ResolvedProtectedRepositoryArgs,
  repository: pulumi.Input<string>,
  defaultBranch: github.BranchDefault,
): { readonly branch: pulumi.Output<string>; readonly pullRequest: pulumi.Output<number> } {
  const files = managedFiles(a);
  const filesBranchName = `${a.managedFilesBranchPrefix}-${contentHash(files)}`;
  const filesBranch = new github.Branch(
    `${a.name}-files-branch`,
    { repository, branch: filesBranchName, sourceBranch: a.defaultBranch },
    { parent, dependsOn: [defaultBranch] },
  );
  const committed = files.map(
    (f) =>
      new github.RepositoryFile(
        `${a.name}-file-${f.key}`,
        { repository, branch: filesBranch.branch, file: f.path, content: f.content, commitMessage: `secure-mlops: manage ${f.path}`, overwriteOnCreate: true },
        { parent },
      ),
  );
  const pullRequest = new github.RepositoryPullRequest(
    `${a.name}-files-pull-request`,
    {
      baseRepository: repository,
      baseRef: a.defaultBranch,
      headRef: filesBranch.branch,
      owner: a.owner,
      title: `secure-mlops: repository files (${filesBranchName.slice(-8)})`,
      body:
        "The platform's managed files (CODEOWNERS, pre-commit configuration, and the workflows the branch rules require), " +
        "proposed by Pulumi. Review and merge like any change; edit them through the stack, not here.",
      maintainerCanModify: false,
    },
    { parent, dependsOn: committed },
  );
  return { branch: filesBranch.branch, pullRequest: pullRequest.number };
}
