import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createOfflineMocks, defaultOfflineIdentity, stableUuid } from "../../preview/mocks";

const mocks = createOfflineMocks(defaultOfflineIdentity, "secure-mlops", "prod");
const sub = `/subscriptions/${defaultOfflineIdentity.subscriptionId}`;

async function create(type: string, name: string, inputs: Record<string, unknown>): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
  const r = await mocks.newResource({ type, name, inputs, custom: true } as pulumi.runtime.MockResourceArgs);
  return { id: r.id, state: r.state as Record<string, unknown> };
}

describe("the offline mocks answer like Azure", () => {
  it("gives a registry its ARM id, login server and system identity", async () => {
    const r = await create("azure-native:containerregistry:Registry", "acr", {
      registryName: "CrTeamProd",
      resourceGroupName: "rg-team",
      identity: { type: "SystemAssigned" },
    });
    expect(r.id).toBe(`${sub}/resourceGroups/rg-team/providers/Microsoft.ContainerRegistry/registries/CrTeamProd`);
    expect(r.state["loginServer"]).toBe("crteamprod.azurecr.io");
    expect(r.state["identity"]).toEqual({
      type: "SystemAssigned",
      principalId: stableUuid("urn:pulumi:prod::secure-mlops::azure-native:containerregistry:Registry::acr#principal"),
      tenantId: defaultOfflineIdentity.tenantId,
    });
  });
  it("hangs extension resources under their scope", async () => {
    const scope = `${sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr`;
    const ra = await create("azure-native:authorization:RoleAssignment", "pull", { scope, principalId: "p", roleDefinitionId: "r" });
    expect(ra.id).toMatch(new RegExp(`^${scope}/providers/Microsoft.Authorization/roleAssignments/[0-9a-f-]{36}$`));
    const diag = await create("azure-native:monitor:DiagnosticSetting", "acr-diag", { resourceUri: scope, workspaceId: "/w" });
    expect(diag.id).toBe(`${scope}/providers/Microsoft.Insights/diagnosticSettings/acr-diag`);
    const pricing = await create("azure-native:security:Pricing", "defender", { pricingName: "Containers", pricingTier: "Standard", scopeId: sub });
    expect(pricing.id).toBe(`${sub}/providers/Microsoft.Security/pricings/Containers`);
  });
  it("puts policy assignments and exemptions at their scope, and gives a remediating assignment its identity's principal", async () => {
    const scope = `${sub}/resourceGroups/rg-team`;
    const a = await create("azure-native:authorization:PolicyAssignment", "gov-addon", {
      scope,
      policyAssignmentName: "smlops-prod-aks-policy-addon-deploy",
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/a8eff44f-8c92-45c3-a3fb-9880802d67a7",
      identity: { type: "SystemAssigned" },
      location: "westeurope",
    });
    expect(a.id).toBe(`${scope}/providers/Microsoft.Authorization/policyAssignments/smlops-prod-aks-policy-addon-deploy`);
    expect(a.state["identity"]).toEqual({
      type: "SystemAssigned",
      principalId: stableUuid("urn:pulumi:prod::secure-mlops::azure-native:authorization:PolicyAssignment::gov-addon#principal"),
      tenantId: defaultOfflineIdentity.tenantId,
    });
    const ex = await create("azure-native:authorization:PolicyExemption", "gov-exempt", { scope, policyExemptionName: "smlops-prod-x", policyAssignmentId: a.id, exemptionCategory: "Waiver" });
    expect(ex.id).toBe(`${scope}/providers/Microsoft.Authorization/policyExemptions/smlops-prod-x`);
  });
  it("nests child resources under their parent's path", async () => {
    const subnet = await create("azure-native:network:Subnet", "snet", { resourceGroupName: "rg", virtualNetworkName: "vnet", subnetName: "pe" });
    expect(subnet.id).toBe(`${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe`);
  });
  it("auto-names a resource whose name input is missing, stably", async () => {
    const a = await create("azure-native:operationalinsights:Workspace", "logs", { resourceGroupName: "rg" });
    const b = await create("azure-native:operationalinsights:Workspace", "logs", { resourceGroupName: "rg" });
    expect(a.state["name"]).toMatch(/^logs[0-9a-f]{8}$/);
    expect(a.id).toBe(b.id);
  });
  it("answers getClientConfig and refuses an invoke it does not know", async () => {
    expect(await mocks.call({ token: "azure-native:authorization:getClientConfig", inputs: {} } as pulumi.runtime.MockCallArgs)).toEqual(defaultOfflineIdentity);
    expect(() => mocks.call({ token: "azure-native:keyvault:getSecret", inputs: {} } as pulumi.runtime.MockCallArgs)).toThrow(
      "the offline preview has no answer for the invoke azure-native:keyvault:getSecret",
    );
  });
  it("derives well-formed, distinct UUIDs", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const u = stableUuid(`seed-${i}`);
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(u);
    }
    expect(seen.size).toBe(1000);
  });
});
