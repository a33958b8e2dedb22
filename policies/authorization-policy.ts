import { validateResourceOfType, type PolicyResource, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { authorization } from "./lib/type-tokens";
import { builtInOf, effectFor, remediates, type AzurePolicyBuiltIn } from "../constants/azure-policy-builtins";
import { builtInRoleOf, type BuiltInRole } from "../constants/roles";
import { knobsOf } from "./lib/config";
import { mapped } from "./lib/metadata";
import { lowerCaseProp, prop } from "./lib/stack";
import { stackOfTypes } from "./lib/types";
import { sameEnum } from "./lib/values";

// Azure Policy's own resources: the assignments that keep enforcing after deployment what the pack
// checks before it, and the exemptions from them. An assignment that only audits where it could
// deny, one that cannot remediate for lack of an identity or its roles, and an exemption without an
// end or a reason all leave the after-deployment half of a control quietly off.

const assignmentType = "azure-native:authorization:PolicyAssignment";
const roleAssignmentType = "azure-native:authorization:RoleAssignment";

/** The `effect` parameter value an assignment sets, or undefined when it leaves the definition's default. */
function effectParameter(parameters: unknown): unknown {
  if (typeof parameters !== "object" || parameters === null) return undefined;
  const effect = (parameters as Record<string, unknown>)["effect"];
  return typeof effect === "object" && effect !== null ? (effect as Record<string, unknown>)["value"] : undefined;
}

function label(builtIn: AzurePolicyBuiltIn | undefined, definitionId: unknown): string {
  return builtIn ? `"${builtIn.displayName}"` : `the definition ${typeof definitionId === "string" ? definitionId : "(unknown)"}`;
}

export const policyAssignmentEnforced: ResourceValidationPolicy = {
  name: "azure-authorization-policyassignment-enforced",
  description:
    "Azure Policy assignments must be enforced: enforcement mode Default, never the effect Disabled, and Deny (or the " +
    "remediating effect) wherever the built-in definition allows it; `allowAudit` lets an environment only report.",
  severity: "high",
  remediationSteps:
    "Give `GovernanceAssignments` `enforcement: \"enforce\"` (staging and prod), or set the assignment's " +
    "`enforcementMode: \"Default\"` and `parameters.effect.value` to the enforcing effect. Keep one definition in " +
    "audit by listing it in this policy's `auditAllowedFor` in the environment's pack config.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MANAGE-4.1"],
    tags: ["authorization", "azure-policy", "governance"],
  }),
  configSchema: {
    properties: {
      allowAudit: {
        type: "boolean",
        default: false,
        description: "Assignments may only report (Audit, DoNotEnforce): a development environment.",
      },
      auditAllowedFor: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Definition names (GUIDs) that may stay in audit, where the environment's pack config relaxes the same control.",
      },
    },
  },
  validateResource: validateResourceOfType(authorization.PolicyAssignment, (assignment, args, report) => {
    const { allowAudit, auditAllowedFor } = knobsOf<{ allowAudit: boolean; auditAllowedFor: string[] }>(policyAssignmentEnforced, args);
    const builtIn = typeof assignment.policyDefinitionId === "string" ? builtInOf(assignment.policyDefinitionId) : undefined;
    const what = label(builtIn, assignment.policyDefinitionId);
    const effect = effectParameter(assignment.parameters);
    if (typeof effect === "string" && sameEnum(effect, "Disabled")) {
      report(`The policy assignment of ${what} must not set the effect Disabled; remove the assignment or record an exemption.`);
      return;
    }
    const auditOk = allowAudit || (builtIn !== undefined && auditAllowedFor.map((n) => n.toLowerCase()).includes(builtIn.name));
    if (auditOk) return;
    if (sameEnum(assignment.enforcementMode, "DoNotEnforce")) {
      report(`The policy assignment of ${what} must be enforced (enforcementMode Default), not DoNotEnforce.`);
      return;
    }
    if (builtIn === undefined) return;
    const wanted = effectFor(builtIn, "enforce");
    // Unset, the assignment takes the definition's default, the first of the allowed effects.
    const actual = typeof effect === "string" ? effect : builtIn.effects[0];
    if (!sameEnum(actual, wanted)) {
      report(`The policy assignment of ${what} must use the effect ${wanted}, which the definition allows (got ${actual}).`);
    }
  }),
};

/** Resources the assignment's identity is: the assignment itself (system-assigned), or the user-assigned identities it names. */
function principalsOf(assignment: PolicyResource): readonly string[] {
  return [assignment.urn, ...(assignment.propertyDependencies["identity"] ?? []).map((d) => d.urn)];
}

/** True when `scope` (an ARM id) is `assigned` or contains it; an unknown scope counts, it is decided at deployment. */
function covers(roleAssignment: PolicyResource, assignment: PolicyResource): boolean {
  const scope = lowerCaseProp(roleAssignment, "scope");
  const assigned = lowerCaseProp(assignment, "scope");
  if (scope === undefined || assigned === undefined) return true;
  return assigned === scope || assigned.startsWith(`${scope}/`);
}

function grants(roleAssignment: PolicyResource, assignment: PolicyResource, role: BuiltInRole): boolean {
  const principals = principalsOf(assignment);
  const fromIdentity = (roleAssignment.propertyDependencies["principalId"] ?? []).some((d) => principals.includes(d.urn));
  const roleId = prop(roleAssignment, "roleDefinitionId");
  return fromIdentity && typeof roleId === "string" && builtInRoleOf(roleId) === role && covers(roleAssignment, assignment);
}

export const policyAssignmentRemediationIdentity: StackValidationPolicy = {
  name: "azure-authorization-policyassignment-remediation-identity",
  description:
    "Azure Policy assignments of DeployIfNotExists or Modify definitions must have a managed identity and a location, " +
    "and that identity must hold, at the assignment's scope, every role the definition names: without them the " +
    "assignment reports but never remediates.",
  severity: "high",
  remediationSteps:
    "Give the assignment `identity: { type: \"SystemAssigned\" }` and `location`, and create a RoleAssignment of each " +
    "role in the definition's `roleDefinitionIds` for `assignment.identity.principalId` on the assignment's scope " +
    "(`GovernanceAssignments` does both).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MANAGE-4.1"],
    tags: ["authorization", "azure-policy", "governance"],
  }),
  validateStack: stackOfTypes([assignmentType], (args, report) => {
    const roleAssignments = args.resources.filter((r) => r.type === roleAssignmentType);
    for (const assignment of args.resources.filter((r) => r.type === assignmentType)) {
      const definitionId = prop(assignment, "policyDefinitionId");
      const builtIn = typeof definitionId === "string" ? builtInOf(definitionId) : undefined;
      const effect = effectParameter(prop(assignment, "parameters"));
      const remediating =
        (builtIn !== undefined && remediates(builtIn)) || (typeof effect === "string" && (sameEnum(effect, "DeployIfNotExists") || sameEnum(effect, "Modify")));
      if (!remediating) continue;
      const what = label(builtIn, definitionId);
      const identity = prop(assignment, "identity");
      const type = typeof identity === "object" && identity !== null ? (identity as Record<string, unknown>)["type"] : undefined;
      if (!sameEnum(type, "SystemAssigned") && !sameEnum(type, "UserAssigned")) {
        report(`The policy assignment '${assignment.name}' of ${what} must have a managed identity (SystemAssigned or UserAssigned) to remediate.`, assignment.urn);
        continue;
      }
      const location = prop(assignment, "location");
      if (typeof location !== "string" || location.length === 0) {
        report(`The policy assignment '${assignment.name}' of ${what} must set a location, which Azure requires for its managed identity.`, assignment.urn);
      }
      const missing = (builtIn?.remediationRoles ?? []).filter((role) => !roleAssignments.some((ra) => grants(ra, assignment, role)));
      if (missing.length > 0) {
        report(
          `The policy assignment '${assignment.name}' of ${what} must have its identity granted ${missing.join(", ")} on the assignment's scope, or it cannot remediate.`,
          assignment.urn,
        );
      }
    }
  }),
};

const dayMs = 24 * 60 * 60 * 1000;

export const policyExemptionExpiry: ResourceValidationPolicy = {
  name: "azure-authorization-policyexemption-expiry",
  description:
    "Azure Policy exemptions must say why they exist and must expire, within a bounded number of days, so every " +
    "exception to an after-deployment control is reviewed again.",
  severity: "medium",
  remediationSteps:
    "Set `expiresOn` (ISO 8601 UTC) no further ahead than `maxDays`, and put the reason and who accepted the risk in " +
    "`description` (`GovernanceAssignments` exemptions: `expiresOn` and `reason`).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MANAGE-4.1"],
    tags: ["authorization", "azure-policy", "governance"],
  }),
  configSchema: {
    properties: {
      maxDays: { type: "integer", minimum: 1, default: 180, description: "Longest an exemption may run from today." },
      minReasonLength: { type: "integer", minimum: 1, default: 20, description: "Shortest reason (description) accepted." },
    },
  },
  validateResource: validateResourceOfType(authorization.PolicyExemption, (exemption, args, report) => {
    const { maxDays, minReasonLength } = knobsOf<{ maxDays: number; minReasonLength: number }>(policyExemptionExpiry, args);
    const reason = typeof exemption.description === "string" ? exemption.description.trim() : "";
    if (reason.length < minReasonLength) {
      report(`The policy exemption must give its reason in its description (at least ${minReasonLength} characters).`);
    }
    const expiresOn = exemption.expiresOn;
    const at = typeof expiresOn === "string" ? Date.parse(expiresOn) : Number.NaN;
    if (Number.isNaN(at)) {
      report("The policy exemption must expire: set expiresOn to an ISO 8601 UTC timestamp.");
      return;
    }
    const now = Date.now();
    if (at <= now) {
      report(`The policy exemption expired on ${String(expiresOn)}; remove it or renew it with a new reason.`);
    } else if (at - now > maxDays * dayMs) {
      report(`The policy exemption must expire within ${maxDays} days (it runs until ${String(expiresOn)}).`);
    }
  }),
};

export const azurePolicyGovernancePolicies = [policyAssignmentEnforced, policyAssignmentRemediationIdentity, policyExemptionExpiry] as const;
