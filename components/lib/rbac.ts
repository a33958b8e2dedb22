import { builtInRoles, roleAssignmentWriterRoles, type BuiltInRole } from "../../constants/roles";
import { scopeLevel } from "../../constants/scopes";
import { AssignablePrincipalType } from "./azure";

/**
 * The ABAC condition that lets the holder of a role-assignment-writing role (Owner, User Access
 * Administrator, Role Based Access Control Administrator) create and delete only assignments of
 * `roles` to groups and service principals: Microsoft's "Delegate Azure role assignment management
 * with conditions" (constrain roles and principal types), condition version 2.0.
 */
export function delegationCondition(
  roles: readonly BuiltInRole[],
  principalTypes: readonly AssignablePrincipalType[] = [AssignablePrincipalType.ServicePrincipal, AssignablePrincipalType.Group],
): string {
  const guids = [...new Set(roles.map((r) => builtInRoles[r]))].join(", ");
  const types = principalTypes.map((t) => `'${t}'`).join(", ");
  const clause = (source: "Request" | "Resource"): string =>
    `@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${guids}} AND ` +
    `@${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {${types}}`;
  return (
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (${clause("Request")})) AND ` +
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (${clause("Resource")}))`
  );
}

/** True when `role` is a built-in role this package knows (config may carry any string). */
export function isBuiltInRole(role: string): role is BuiltInRole {
  return Object.prototype.hasOwnProperty.call(builtInRoles, role);
}

/** True when holding `role` lets a principal create role assignments. */
export function writesRoleAssignments(role: BuiltInRole): boolean {
  return roleAssignmentWriterRoles.includes(role);
}

/**
 * Why a scope given as a plain string is too wide for a component's role assignment, or
 * `undefined` when it is a resource group or narrower. Outputs cannot be read at construction;
 * the policy pack judges them (`azure-authorization-role-assignment-privileged-scope`).
 */
export function literalScopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== "string") return undefined;
  const level = scopeLevel(scope);
  if (level === "resourceGroup" || level === "resource") return undefined;
  return level === "unknown"
    ? `must be an ARM resource group or resource id, got "${scope}"`
    : `must be a resource group or a resource, not the ${level === "managementGroup" ? "management group" : level} "${scope}"`;
}
