import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInRoles, type BuiltInRole } from "../../constants/roles";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const assignmentType = "azure-native:authorization:PolicyAssignment";
const exemptionType = "azure-native:authorization:PolicyExemption";
const roleAssignmentType = "azure-native:authorization:RoleAssignment";
const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${sub}/resourceGroups/rg-smlops-prod`;
const definition = (guid: string): string => `/providers/Microsoft.Authorization/policyDefinitions/${guid}`;
const roleId = (role: BuiltInRole): string => `${sub}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}`;

const adminUser = "dc921057-6b28-4fbe-9b83-f7bec05db6c2"; // Audit/Deny
const rbacOnAks = "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457"; // Audit only
const addonDeploy = "a8eff44f-8c92-45c3-a3fb-9880802d67a7"; // DeployIfNotExists, two roles
const adminUserName = '"Container registries should have local admin account disabled."';

/** An assignment that passes: the registry admin-user definition in Deny at the resource group. */
const compliant = (): Record<string, unknown> => ({
  scope: rg,
  policyAssignmentName: "smlops-prod-acr-admin-user-disabled",
  policyDefinitionId: definition(adminUser),
  enforcementMode: "Default",
  parameters: { effect: { value: "Deny" } },
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(props: Record<string, unknown>, type = assignmentType): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("azure-authorization-policyassignment-enforced", () => {
  const policy = "azure-authorization-policyassignment-enforced";
  it("passes an assignment in Deny, and an Audit-only definition left at its default", async () => {
    expect(await verdicts(compliant())).toEqual({});
    expect(await verdicts({ scope: rg, policyDefinitionId: definition(rbacOnAks) })).toEqual({});
  });
  it("refuses Audit where the definition allows Deny", async () => {
    expect(await verdicts({ ...compliant(), parameters: { effect: { value: "Audit" } } })).toEqual({
      [policy]: [`The policy assignment of ${adminUserName} must use the effect Deny, which the definition allows (got Audit).`],
    });
  });
  it("refuses an assignment that leaves a Deny-capable definition at its default (Audit)", async () => {
    expect(await verdicts({ ...compliant(), parameters: {} })).toEqual({
      [policy]: [`The policy assignment of ${adminUserName} must use the effect Deny, which the definition allows (got Audit).`],
    });
  });
  it("refuses DoNotEnforce", async () => {
    expect(await verdicts({ ...compliant(), enforcementMode: "DoNotEnforce" })).toEqual({
      [policy]: [`The policy assignment of ${adminUserName} must be enforced (enforcementMode Default), not DoNotEnforce.`],
    });
  });
  it("refuses the effect Disabled, whatever the environment allows", async () => {
    const disabled = { ...compliant(), parameters: { effect: { value: "disabled" } } };
    const message = `The policy assignment of ${adminUserName} must not set the effect Disabled; remove the assignment or record an exemption.`;
    expect(await verdicts(disabled)).toEqual({ [policy]: [message] });
    await pack.configure({ [policy]: { allowAudit: true } });
    try {
      expect(await verdicts(disabled)).toEqual({ [policy]: [message] });
    } finally {
      await pack.configure({});
    }
  });
  it("names a definition it does not know by its id, and checks only the enforcement mode there", async () => {
    const custom = "/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/custom-aks-rbac";
    expect(await verdicts({ scope: rg, policyDefinitionId: custom, parameters: { effect: { value: "Audit" } } })).toEqual({});
    expect(await verdicts({ scope: rg, policyDefinitionId: custom, enforcementMode: "DoNotEnforce" })).toEqual({
      [policy]: [`The policy assignment of the definition ${custom} must be enforced (enforcementMode Default), not DoNotEnforce.`],
    });
  });
  it("lets dev only report (allowAudit), and staging keep one definition in audit (auditAllowedFor)", async () => {
    const audit = { ...compliant(), parameters: { effect: { value: "Audit" } } };
    await pack.configure({ [policy]: { allowAudit: true } });
    try {
      expect(await verdicts(audit)).toEqual({});
      expect(await verdicts({ ...compliant(), enforcementMode: "DoNotEnforce" })).toEqual({});
    } finally {
      await pack.configure({});
    }
    await pack.configure({ [policy]: { auditAllowedFor: [adminUser.toUpperCase()] } });
    try {
      expect(await verdicts(audit)).toEqual({});
      expect(await verdicts({ ...audit, policyDefinitionId: definition("0fdf0491-d080-4575-b627-ad0e843cba0f") })).toEqual({
        [policy]: ['The policy assignment of "Public network access should be disabled for Container registries" must use the effect Deny, which the definition allows (got Audit).'],
      });
    } finally {
      await pack.configure({});
    }
  });
});

describe("azure-authorization-policyassignment-remediation-identity", () => {
  const policy = "azure-authorization-policyassignment-remediation-identity";
  const dine = (props: Record<string, unknown> = {}) =>
    resourceRecord(assignmentType, "addon", {
      scope: rg,
      policyDefinitionId: definition(addonDeploy),
      parameters: { effect: { value: "DeployIfNotExists" } },
      identity: { type: "SystemAssigned", principalId: "1e2d3c4b-5a69-4788-9aab-bccddeeff001" },
      location: "westeurope",
      ...props,
    });
  const grant = (assignment: ReturnType<typeof dine>, role: BuiltInRole, scope = rg) =>
    resourceRecord(
      roleAssignmentType,
      `addon-${role}`,
      { scope, principalId: "1e2d3c4b-5a69-4788-9aab-bccddeeff001", principalType: "ServicePrincipal", roleDefinitionId: roleId(role) },
      { principalId: [assignment.urn] },
    );
  const roles: BuiltInRole[] = ["Azure Kubernetes Service Contributor Role", "Azure Kubernetes Service Policy Add-on Deployment"];
  const stackMessages = async (records: Parameters<TestPack["judge"]>[0]) => messagesOf(await pack.judge(records), policy);
  const name = '"Deploy Azure Policy Add-on to Azure Kubernetes Service clusters"';

  it("passes a DeployIfNotExists assignment whose identity holds both roles on its scope", async () => {
    const a = dine();
    expect(roles.length).toBe(2);
    expect(await stackMessages([a, ...roles.map((r) => grant(a, r))])).toEqual([]);
  });
  it("passes a grant on a scope that contains the assignment's", async () => {
    const a = dine({ scope: `${rg}/providers/Microsoft.ContainerService/managedClusters/aks` });
    expect(await stackMessages([a, ...roles.map((r) => grant(a, r, rg))])).toEqual([]);
  });
  it("refuses an assignment without a managed identity", async () => {
    const a = dine();
    delete a.inputs["identity"];
    expect(await stackMessages([a, ...roles.map((r) => grant(a, r))])).toEqual([
      `The policy assignment 'addon' of ${name} must have a managed identity (SystemAssigned or UserAssigned) to remediate.`,
    ]);
  });
  it("refuses an identity without a location", async () => {
    const a = dine({ location: "" });
    expect(await stackMessages([a, ...roles.map((r) => grant(a, r))])).toEqual([
      `The policy assignment 'addon' of ${name} must set a location, which Azure requires for its managed identity.`,
    ]);
  });
  it("refuses an identity missing one of the definition's roles", async () => {
    const a = dine();
    expect(await stackMessages([a, grant(a, "Azure Kubernetes Service Contributor Role")])).toEqual([
      `The policy assignment 'addon' of ${name} must have its identity granted Azure Kubernetes Service Policy Add-on Deployment on the assignment's scope, or it cannot remediate.`,
    ]);
  });
  it("does not count a role granted to another principal or on an unrelated scope", async () => {
    const a = dine();
    const other = resourceRecord(assignmentType, "other", { scope: rg, policyDefinitionId: definition(adminUser) });
    const elsewhere = grant(a, "Azure Kubernetes Service Contributor Role", `${sub}/resourceGroups/rg-other`);
    const toOther = resourceRecord(
      roleAssignmentType,
      "to-other",
      { scope: rg, principalId: "x", principalType: "ServicePrincipal", roleDefinitionId: roleId("Azure Kubernetes Service Policy Add-on Deployment") },
      { principalId: [other.urn] },
    );
    expect(await stackMessages([a, other, elsewhere, toOther])).toEqual([
      `The policy assignment 'addon' of ${name} must have its identity granted Azure Kubernetes Service Contributor Role, Azure Kubernetes Service Policy Add-on Deployment on the assignment's scope, or it cannot remediate.`,
    ]);
  });
  it("asks an unknown definition set to Modify for an identity too", async () => {
    const custom = resourceRecord(assignmentType, "custom", { scope: rg, policyDefinitionId: "/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/c", parameters: { effect: { value: "Modify" } } });
    expect(await stackMessages([custom])).toEqual([
      "The policy assignment 'custom' of the definition /subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/c must have a managed identity (SystemAssigned or UserAssigned) to remediate.",
    ]);
  });
  it("leaves Audit and Deny assignments alone", async () => {
    expect(await stackMessages([resourceRecord(assignmentType, "deny", compliant())])).toEqual([]);
  });
});

describe("azure-authorization-policyexemption-expiry", () => {
  const policy = "azure-authorization-policyexemption-expiry";
  const inDays = (days: number): string => new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const exemption = (props: Record<string, unknown> = {}): Record<string, unknown> => ({
    scope: rg,
    policyAssignmentId: `${rg}/providers/Microsoft.Authorization/policyAssignments/smlops-prod-aks-local-accounts-disabled`,
    exemptionCategory: "Waiver",
    expiresOn: inDays(30),
    description: "Azure ML extension needs local accounts until CHG-1234 lands; accepted by platform-admins.",
    ...props,
  });

  it("passes an exemption with a reason that expires within the bound", async () => {
    expect(await verdicts(exemption(), exemptionType)).toEqual({});
  });
  it("refuses an exemption that never expires", async () => {
    const props = exemption();
    delete props["expiresOn"];
    expect(await verdicts(props, exemptionType)).toEqual({ [policy]: ["The policy exemption must expire: set expiresOn to an ISO 8601 UTC timestamp."] });
  });
  it("refuses an exemption that runs past maxDays", async () => {
    const until = inDays(400);
    expect(await verdicts(exemption({ expiresOn: until }), exemptionType)).toEqual({
      [policy]: [`The policy exemption must expire within 180 days (it runs until ${until}).`],
    });
  });
  it("refuses an exemption that has already expired", async () => {
    const past = inDays(-1);
    expect(await verdicts(exemption({ expiresOn: past }), exemptionType)).toEqual({
      [policy]: [`The policy exemption expired on ${past}; remove it or renew it with a new reason.`],
    });
  });
  it("refuses an exemption without a reason", async () => {
    expect(await verdicts(exemption({ description: "temp" }), exemptionType)).toEqual({
      [policy]: ["The policy exemption must give its reason in its description (at least 20 characters)."],
    });
  });
  it("takes a longer bound from the pack config", async () => {
    await pack.configure({ [policy]: { maxDays: 500 } });
    try {
      expect(await verdicts(exemption({ expiresOn: inDays(400) }), exemptionType)).toEqual({});
    } finally {
      await pack.configure({});
    }
  });
});
