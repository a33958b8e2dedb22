import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { authorization } from "./lib/type-tokens";
import {
  builtInRoleOf,
  builtInRoles,
  privilegedRoles,
  roleAssignmentWriterRoles,
  type BuiltInRole,
} from "../constants/roles";
import { isBroadScope, scopeLevel } from "../constants/scopes";
import { mapped } from "./lib/metadata";
import { sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Azure RBAC: who gets which role where. Roles go to groups and service principals, never to
// users; the roles that own or grant access stay below subscription scope and, when they can grant,
// carry an ABAC condition naming what they may grant; custom roles name their actions.

const scopeLabel: Record<string, string> = {
  root: "tenant root",
  managementGroup: "management group",
  subscription: "subscription",
};

export const roleAssignmentNoUserPrincipal: ResourceValidationPolicy = {
  name: "azure-authorization-role-assignment-no-user-principal",
  description:
    "Role assignments must name their principal type and grant roles to groups or service principals, never to " +
    "individual users: people get access through group membership, which is reviewed and can be made just-in-time.",
  severity: "high",
  remediationSteps:
    "Add the user to the persona's Entra ID group (AccessGroups) and assign the role to the group with " +
    "`principalType: \"Group\"`; for workloads use `principalType: \"ServicePrincipal\"`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    tags: ["authorization", "identity"],
  }),
  configSchema: {
    properties: {
      allowedPrincipalTypes: {
        type: "array",
        items: { type: "string" },
        default: ["Group", "ServicePrincipal"],
        description: "Principal types a role may be assigned to.",
      },
    },
  },
  validateResource: validateResourceOfType(authorization.RoleAssignment, (assignment, args, report) => {
    const { allowedPrincipalTypes } = knobsOf<{ allowedPrincipalTypes: string[] }>(roleAssignmentNoUserPrincipal, args);
    const type: unknown = assignment.principalType;
    if (type === undefined || type === null || type === "") {
      // ARM infers the type when it is missing, so an omitted type can hide a user.
      report(`The role assignment must state its principal type (${allowedPrincipalTypes.join(" or ")}), so a user cannot be granted the role unseen.`);
      return;
    }
    if (sameEnum(type, "User")) {
      report("The role assignment must grant the role to a group or service principal, not to a user.");
      return;
    }
    if (!allowedPrincipalTypes.some((t) => sameEnum(type, t))) {
      report(`The role assignment must grant the role to a ${allowedPrincipalTypes.join(" or ")} (got ${JSON.stringify(type)}).`);
    }
  }),
};

/** Roles that must stay at resource-group scope or below. */
const broadScopeForbidden: readonly BuiltInRole[] = [...new Set([...privilegedRoles, ...roleAssignmentWriterRoles])];

export const roleAssignmentPrivilegedScope: ResourceValidationPolicy = {
  name: "azure-authorization-role-assignment-privileged-scope",
  description:
    "Owner, Contributor, User Access Administrator and Role Based Access Control Administrator must not be " +
    "assigned at subscription, management-group or tenant-root scope: a deployer or admin gets them on the " +
    "resource group it manages, not on everything around it.",
  severity: "critical",
  remediationSteps:
    "Set `scope` to the environment's resource group (or a narrower resource). If something really needs the " +
    "subscription, give it a narrower built-in role there.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_39"],
    tags: ["authorization", "identity", "least-privilege"],
  }),
  validateResource: validateResourceOfType(authorization.RoleAssignment, (assignment, _args, report) => {
    if (typeof assignment.roleDefinitionId !== "string" || typeof assignment.scope !== "string") return;
    const role = builtInRoleOf(assignment.roleDefinitionId);
    if (role === undefined || !broadScopeForbidden.includes(role) || !isBroadScope(assignment.scope)) return;
    const level = scopeLabel[scopeLevel(assignment.scope)] ?? "scope";
    report(`The role assignment must not grant ${role} at the ${level} "${assignment.scope}"; grant it on a resource group or resource.`);
  }),
};

/** Does an ABAC condition constrain which roles the holder may assign, and to whom? */
function delegationProblem(condition: unknown): string | undefined {
  if (typeof condition !== "string" || condition.trim().length === 0) {
    return "must carry an ABAC condition that limits which roles it may assign and to which principal types";
  }
  const text = condition.toLowerCase();
  if (!text.includes("microsoft.authorization/roleassignments:roledefinitionid")) {
    return "must have a condition that constrains the role definition ids it may assign";
  }
  if (!text.includes("microsoft.authorization/roleassignments/write")) {
    return "must have a condition that applies to Microsoft.Authorization/roleAssignments/write";
  }
  const writers = roleAssignmentWriterRoles.map((role) => [role, builtInRoles[role]] as const);
  if (text.includes("guidnotequals")) {
    // A deny list ("any role except ..."): it must exclude every role that can grant further.
    const missing = writers.filter(([, guid]) => !text.includes(guid)).map(([role]) => role);
    if (missing.length > 0) return `must exclude ${missing.join(", ")} from the roles its condition lets it assign`;
  } else {
    const allowed = writers.filter(([, guid]) => text.includes(guid)).map(([role]) => role);
    if (allowed.length > 0) return `must not let its condition assign ${allowed.join(", ")}`;
  }
  if (!text.includes("microsoft.authorization/roleassignments:principaltype")) {
    return "must have a condition that constrains the principal types it may assign to (Group, ServicePrincipal)";
  }
  if (/'user'/.test(text)) return "must not let its condition assign roles to users";
  return undefined;
}

export const roleAssignmentDelegationCondition: ResourceValidationPolicy = {
  name: "azure-authorization-role-assignment-delegation-condition",
  description:
    "A role that can create role assignments (Owner, User Access Administrator, Role Based Access Control " +
    "Administrator) must be granted with an ABAC condition that limits which roles it may assign (never those " +
    "three) and to which principal types (never users): Microsoft's delegation with conditions.",
  severity: "high",
  remediationSteps:
    "Grant \"Role Based Access Control Administrator\" with `condition` built by `delegationCondition([...roles])` " +
    "and `conditionVersion: \"2.0\"`; see https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    tags: ["authorization", "identity", "least-privilege"],
  }),
  validateResource: validateResourceOfType(authorization.RoleAssignment, (assignment, _args, report) => {
    if (typeof assignment.roleDefinitionId !== "string") return;
    const role = builtInRoleOf(assignment.roleDefinitionId);
    if (role === undefined || !roleAssignmentWriterRoles.includes(role)) return;
    const problem = delegationProblem(assignment.condition);
    if (problem !== undefined) report(`The role assignment of ${role} ${problem}.`);
  }),
};

interface Permission {
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly dataActions?: readonly string[];
  readonly notDataActions?: readonly string[];
}

function permissionsOf(definition: { permissions?: unknown }): Permission[] {
  return Array.isArray(definition.permissions) ? (definition.permissions as Permission[]) : [];
}

function roleLabel(definition: { roleName?: unknown }, fallback: string): string {
  return typeof definition.roleName === "string" && definition.roleName.length > 0 ? definition.roleName : fallback;
}

export const roleDefinitionNoWildcardActions: ResourceValidationPolicy = {
  name: "azure-authorization-role-definition-no-wildcard-actions",
  description:
    "Custom roles must list their actions and data actions without wildcards: `*` grants every present and future " +
    "operation, which is how a custom role becomes a subscription owner (Checkov CKV_AZURE_39 looks only at `*` " +
    "with subscription scope; this refuses any wildcard).",
  severity: "high",
  remediationSteps: "List the exact operations the role needs (`Microsoft.MachineLearningServices/workspaces/jobs/read`, ...).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_39"],
    tags: ["authorization", "identity", "least-privilege"],
  }),
  configSchema: {
    properties: {
      allowReadWildcards: {
        type: "boolean",
        default: false,
        description: "Allow wildcards in actions that end in /read (e.g. Microsoft.Storage/*/read).",
      },
    },
  },
  validateResource: validateResourceOfType(authorization.RoleDefinition, (definition, args, report) => {
    const { allowReadWildcards } = knobsOf<{ allowReadWildcards: boolean }>(roleDefinitionNoWildcardActions, args);
    const wild = permissionsOf(definition).flatMap((p) =>
      [...(p.actions ?? []), ...(p.dataActions ?? [])].filter(
        (a) => typeof a === "string" && a.includes("*") && !(allowReadWildcards && a.toLowerCase().endsWith("/read") && a !== "*/read"),
      ),
    );
    if (wild.length > 0) {
      report(`The custom role '${roleLabel(definition, args.name)}' must not grant wildcard actions (got ${wild.map((a) => JSON.stringify(a)).join(", ")}).`);
    }
  }),
};

/** Operations that let their holder widen their own or others' access. */
const escalationActions = [
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleDefinitions/write",
  "Microsoft.Authorization/elevateAccess/action",
];

function globMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(action);
}

export const roleDefinitionNoAuthorizationWrite: ResourceValidationPolicy = {
  name: "azure-authorization-role-definition-no-authorization-write",
  description:
    "Custom roles must not grant role assignment or role definition writes or elevate access, directly or through a " +
    "wildcard not excluded by notActions: such a role lets its holder grant itself anything.",
  severity: "critical",
  remediationSteps:
    "Remove Microsoft.Authorization write actions from the role; delegate role assignment with the built-in Role " +
    "Based Access Control Administrator and an ABAC condition instead.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_39"],
    tags: ["authorization", "identity", "least-privilege"],
  }),
  validateResource: validateResourceOfType(authorization.RoleDefinition, (definition, args, report) => {
    const granted = new Set<string>();
    for (const p of permissionsOf(definition)) {
      for (const op of escalationActions) {
        const allowed = (p.actions ?? []).some((a) => typeof a === "string" && globMatches(a, op));
        const excluded = (p.notActions ?? []).some((a) => typeof a === "string" && globMatches(a, op));
        if (allowed && !excluded) granted.add(op);
      }
    }
    if (granted.size > 0) {
      report(`The custom role '${roleLabel(definition, args.name)}' must not grant ${[...granted].join(", ")}.`);
    }
  }),
};

export const authorizationPolicies: readonly ResourceValidationPolicy[] = [
  roleAssignmentNoUserPrincipal,
  roleAssignmentPrivilegedScope,
  roleAssignmentDelegationCondition,
  roleDefinitionNoWildcardActions,
  roleDefinitionNoAuthorizationWrite,
];
