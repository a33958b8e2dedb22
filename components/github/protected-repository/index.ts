import * as pulumi from "@pulumi/pulumi";
import type * as github from "@pulumi/github";
import type { ProtectedEnvironment } from "../protected-environment";
import { protectedRepositoryType, resolveProtectedRepositoryArgs, type ProtectedRepositoryArgs } from "./args";
import { createBranchRules } from "./branch-rules";
import { createEnvironments } from "./environments";
import { createManagedFiles } from "./managed-files";
import { createProtectedBranches, createRepository, createRepositorySettings } from "./repository";
import { validateProtectedRepositoryArgs } from "./validate";

export {
  ProtectionMode,
  branchesDeployingTo,
  codeqlInterpretedLanguages,
  defaultBranchRules,
  defaultEnvironments,
  protectedRepositoryDefaults,
  protectedRepositoryType,
} from "./args";
export type { BranchRule, ProtectedRepositoryArgs, RepositoryEnvironmentSpec } from "./args";
export { validateProtectedRepositoryArgs } from "./validate";

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
    const a = resolveProtectedRepositoryArgs(name, args);

    this.repository = createRepository(this, a);
    this.repositoryName = this.repository.name;
    this.fullName = this.repository.fullName;
    this.htmlUrl = this.repository.htmlUrl;
    this.nodeId = this.repository.nodeId;
    const repository = this.repository.name;

    const defaultBranch = createRepositorySettings(this, a, repository);
    const branches = createProtectedBranches(this, a, repository, defaultBranch);
    const files = createManagedFiles(this, a, repository, defaultBranch);
    this.managedFilesBranch = files.branch;
    this.managedFilesPullRequest = files.pullRequest;
    this.rulesetIds = createBranchRules(this, a, repository, branches);
    this.environments = createEnvironments(this, a, repository, branches);

    this.registerOutputs({
      repositoryName: this.repositoryName,
      fullName: this.fullName,
      htmlUrl: this.htmlUrl,
      nodeId: this.nodeId,
      rulesetIds: this.rulesetIds,
      environments: Object.keys(this.environments),
      managedFilesBranch: this.managedFilesBranch,
      managedFilesPullRequest: this.managedFilesPullRequest,
    });
  }
}
