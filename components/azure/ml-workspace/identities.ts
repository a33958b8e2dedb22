import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { AssignablePrincipalType, builtInRoleId } from "../../lib/azure";
import { mlIdentityRoles, mlWorkspaceType, type MlIdentityRole, type ResolvedMlWorkspaceArgs } from "./args";

/** The workspace's identity and, unless turned off, the computes' identity. */
export interface MlIdentities {
  readonly workspace: managedidentity.UserAssignedIdentity;
  readonly compute: managedidentity.UserAssignedIdentity | undefined;
}

export function createIdentities(parent: pulumi.Resource, a: ResolvedMlWorkspaceArgs): MlIdentities {
  const { name, resourceGroupName, location, tags } = a;
  const workspace = new managedidentity.UserAssignedIdentity(`${name}-identity`, { resourceName: `id-${name}`, resourceGroupName, location, tags }, { parent });
  const compute = a.computeManagedIdentity
    ? new managedidentity.UserAssignedIdentity(`${name}-compute-identity`, { resourceName: `id-${name}-compute`, resourceGroupName, location, tags }, { parent })
    : undefined;
  return { workspace, compute };
}

/** The row of `mlIdentityRoles` with child key `key`. */
export function identityRole(key: string): MlIdentityRole {
  const role = mlIdentityRoles.find((r) => r.key === key);
  if (role === undefined) throw new Error(`${mlWorkspaceType}: no identity role "${key}"`);
  return role;
}

/** Grants one row of `mlIdentityRoles` to an identity, named `${name}-role-${key}`. */
export function assignIdentityRole(
  parent: pulumi.Resource,
  name: string,
  role: MlIdentityRole,
  scope: pulumi.Input<string>,
  principalId: pulumi.Input<string>,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    `${name}-role-${role.key}`,
    {
      scope,
      principalId,
      principalType: AssignablePrincipalType.ServicePrincipal,
      roleDefinitionId: builtInRoleId(role.role),
      description: `${role.identity} identity of ${name}: ${role.reason}`,
    },
    { parent },
  );
}
