import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleDefinitionId, type BuiltInRole } from "../../constants/roles";

/** The subscription the provider deploys to, resolved once per program. */
let clientConfig: pulumi.Output<authorization.GetClientConfigResult> | undefined;
export function currentClientConfig(opts?: pulumi.InvokeOutputOptions): pulumi.Output<authorization.GetClientConfigResult> {
  clientConfig ??= authorization.getClientConfigOutput(opts);
  return clientConfig;
}

/** The ARM id of the deploying subscription, the scope of its Defender plans. */
export function subscriptionScope(): pulumi.Output<string> {
  return currentClientConfig().subscriptionId.apply((sub) => `/subscriptions/${sub}`);
}

/** The ARM id of a built-in role in the deploying subscription. */
export function builtInRoleId(role: BuiltInRole): pulumi.Output<string> {
  return currentClientConfig().subscriptionId.apply((sub) => roleDefinitionId(sub, role));
}

/** Principal kinds a component may grant a role to: never a user (assign to groups instead). */
export const AssignablePrincipalType = {
  ServicePrincipal: "ServicePrincipal",
  Group: "Group",
} as const;
export type AssignablePrincipalType = (typeof AssignablePrincipalType)[keyof typeof AssignablePrincipalType];

/** A role assignment a component creates on its own resource (Azure Verified Modules' `roleAssignments`). */
export interface RoleAssignmentSpec<TRole extends BuiltInRole = BuiltInRole> {
  /** Stable key naming the child resource; list entries are keyed by it, never by position. */
  readonly name: string;
  readonly role: TRole;
  readonly principalId: pulumi.Input<string>;
  /** @default "ServicePrincipal" */
  readonly principalType?: AssignablePrincipalType;
  readonly description?: string;
}

/** Lock levels (Azure Verified Modules' `lock`). */
export const LockLevel = { CanNotDelete: "CanNotDelete", ReadOnly: "ReadOnly" } as const;
export type LockLevel = (typeof LockLevel)[keyof typeof LockLevel];

/** A key used for child names: lower-case letters, digits and dashes. */
export const childKeyPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Creates a component's `roleAssignments` on one of its resources: one child per entry, named
 * `${prefix}-${entry.name}` so reordering the list replaces nothing.
 */
export function createRoleAssignments<TRole extends BuiltInRole>(
  prefix: string,
  parent: pulumi.Resource,
  scope: pulumi.Input<string>,
  specs: readonly RoleAssignmentSpec<TRole>[],
): authorization.RoleAssignment[] {
  return specs.map(
    (ra) =>
      new authorization.RoleAssignment(
        `${prefix}-${ra.name}`,
        {
          scope,
          principalId: ra.principalId,
          principalType: ra.principalType ?? AssignablePrincipalType.ServicePrincipal,
          roleDefinitionId: builtInRoleId(ra.role),
          description: ra.description,
        },
        { parent },
      ),
  );
}
