import * as pulumi from "@pulumi/pulumi";
import {
  ProtectedEnvironment,
  ProtectedRepository,
  branchesDeployingTo,
  defaultBranchRules,
  type BranchRule,
  type GithubOidcPrincipal,
} from "../components";
import type { PlatformConfig } from "./config";
import type { EnvironmentProfile } from "./profiles";

export interface PlatformGithubArgs {
  readonly config: PlatformConfig;
  readonly profile: EnvironmentProfile;
  /** The stack's GitHub Actions deployer, whose login variables its environment carries. */
  readonly deployer?: GithubOidcPrincipal;
}

export interface PlatformGithub {
  /** The repository and its branch rules, in the one stack that owns them (`github.repositoryStack`). */
  readonly repository?: ProtectedRepository;
  /** This stack's GitHub environment, which its deployer's federated credential trusts. */
  readonly environment?: ProtectedEnvironment;
}

/** The stack that owns the repository when `github.repositoryStack` is not set. */
export const defaultRepositoryStack = "prod";

/**
 * The GitHub environment a stack deploys from: the one its deployer trusts
 * (`identity.deployEnvironment`, else the stack's environment name, as stacks/identity.ts reads it).
 */
export function githubEnvironmentName(config: PlatformConfig): string {
  return config.identity?.deployEnvironment ?? config.environment;
}

/**
 * GitHub for one stack, split so two stacks never manage one resource: the owning stack (prod by
 * default) creates the repository with its branch rules, settings and managed files; every stack
 * creates only its own deployment environment, with reviewers, deployment branches and the plain
 * variables its deployer needs. Nothing is created unless `github.teams` is configured.
 */
export function createPlatformGithub(name: string, parent: pulumi.Resource, args: PlatformGithubArgs): PlatformGithub {
  const { config, profile } = args;
  const github = config.github;
  if (github?.teams === undefined) return {};
  const teams = github.teams;
  const table: readonly BranchRule[] = github.branches ?? defaultBranchRules;

  let repository: ProtectedRepository | undefined;
  if ((github.repositoryStack ?? defaultRepositoryStack) === config.environment) {
    repository = new ProtectedRepository(
      `${name}-github`,
      {
        owner: github.owner,
        repositoryName: github.repository,
        teams,
        visibility: github.visibility,
        protectionMode: github.protectionMode,
        requiredStatusChecks: github.requiredStatusChecks,
        branches: table,
        // Each stack creates its own environment below, the owning stack included.
        environments: [],
      },
      { parent },
    );
  }

  const environmentName = githubEnvironmentName(config);
  const env = github.environment ?? {};
  const fromTable = branchesDeployingTo(environmentName, table);
  // When identity writes the variables itself (`identity.writeActionsVariables`), it alone does.
  const deployer = config.identity?.writeActionsVariables === true ? undefined : args.deployer;
  const environment = new ProtectedEnvironment(
    `${name}-github-environment`,
    {
      repository: repository?.repositoryName ?? github.repository,
      environment: environmentName,
      reviewerTeams: env.reviewerTeams ?? [profile.github.reviewers === "developers" ? teams.developers : teams.admins],
      waitTimerMinutes: env.waitTimerMinutes ?? profile.github.waitTimerMinutes,
      deploymentBranches: env.deploymentBranches ?? (fromTable.length > 0 ? fromTable : profile.github.deploymentBranches),
      variables: deployer
        ? { AZURE_CLIENT_ID: deployer.clientId, AZURE_TENANT_ID: deployer.tenantId, AZURE_SUBSCRIPTION_ID: deployer.subscriptionId }
        : {},
    },
    { parent, dependsOn: repository ? [repository] : [] },
  );
  return { repository, environment };
}
