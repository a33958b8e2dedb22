import * as pulumi from "@pulumi/pulumi";
import { AccessGroups, GithubOidcPrincipal, validateAccessGroupsArgs, type AccessGroupsArgs } from "../components";
import { roleAssignmentWriterRoles, type BuiltInRole } from "../constants/roles";
import type { PlatformConfig } from "./config";

export interface PlatformIdentityArgs {
  readonly config: PlatformConfig;
  /** The environment's resource group: the deployer's whole scope. */
  readonly resourceGroupId: pulumi.Input<string>;
  /**
   * Named scopes of the access table: `resourceGroup` and the platform's resources in it
   * (`registry`, `workspace`, `keyVault`, `storageAccount`, `storageContainer`, ...).
   */
  readonly scopes: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Roles that other components of the stack grant to workload identities in the resource group
   * (for example the workspace's identities): the deployer must be allowed to assign them too.
   */
  readonly workloadRoles?: readonly BuiltInRole[];
}

export interface PlatformIdentity {
  readonly accessGroups: AccessGroups;
  /** The GitHub Actions deployer of this environment; absent when the stack names no repository. */
  readonly deployer?: GithubOidcPrincipal;
}

/**
 * The environment's people and its deployer: Entra ID groups per persona with their roles from
 * the access table, and one GitHub OIDC principal that may deploy this environment only, trusted
 * from the GitHub environment of the same name. The deployer holds Contributor on the resource
 * group and Role Based Access Control Administrator there, conditioned to assign only the roles
 * the stack itself assigns, and only to groups and service principals.
 */
export function createPlatformIdentity(name: string, parent: pulumi.Resource, args: PlatformIdentityArgs): PlatformIdentity {
  const { config } = args;
  const identity = config.identity ?? {};
  const groupArgs: AccessGroupsArgs = {
    environment: config.environment,
    displayNamePrefix: identity.groupNamePrefix ?? `sg-${config.prefix}`,
    owners: identity.owners,
    personas: identity.personas,
    scopes: args.scopes,
    // The schema allows only built-in role names here.
    additionalRoles: identity.roleAssignments?.map((row) => ({ ...row, role: row.role as BuiltInRole })),
  };
  const { rows } = validateAccessGroupsArgs(groupArgs);
  const accessGroups = new AccessGroups(`${name}-access`, groupArgs, { parent });

  const github = config.github;
  if (github === undefined) return { accessGroups };
  const deployEnvironment = identity.deployEnvironment ?? config.environment;
  const delegableRoles = [...new Set([...rows.map((r) => r.role), ...(args.workloadRoles ?? [])])]
    .filter((role) => !roleAssignmentWriterRoles.includes(role))
    .sort();
  const deployer = new GithubOidcPrincipal(
    `${name}-deployer`,
    {
      repository: `${github.owner}/${github.repository}`,
      purpose: `deploy-${config.environment}`,
      subjectFormat: github.subjectFormat,
      ownerId: github.ownerId,
      repositoryId: github.repositoryId,
      immutableIdDelimiter: github.immutableIdDelimiter,
      subjectClaimKeys: github.subjectClaimKeys,
      // Only the GitHub environment: its protection rules (reviewers, deployment branches) gate
      // every token; pull requests and branches get no credential that can deploy.
      federatedCredentials: [
        {
          name: `environment-${deployEnvironment.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`,
          entity: "environment",
          value: deployEnvironment,
        },
      ],
      owners: identity.owners,
      roleAssignments: [
        {
          name: "contributor",
          role: "Contributor",
          scope: args.resourceGroupId,
          description: `pulumi up of the ${config.environment} platform from GitHub Actions`,
        },
        {
          // Contributor has no Microsoft.Authorization writes: the governance assignments and their
          // exemptions need this role on the same resource group.
          name: "policy-assignments",
          role: "Resource Policy Contributor",
          scope: args.resourceGroupId,
          description: `the ${config.environment} platform's Azure Policy assignments and exemptions`,
        },
        {
          name: "role-assignments",
          role: "Role Based Access Control Administrator",
          scope: args.resourceGroupId,
          delegableRoles,
          description: `the ${config.environment} platform's own role assignments, to groups and service principals only`,
        },
      ],
      actionsVariableEnvironments: identity.writeActionsVariables === true ? [deployEnvironment] : [],
    },
    { parent },
  );
  return { accessGroups, deployer };
}
