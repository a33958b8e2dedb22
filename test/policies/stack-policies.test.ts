import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

const registry = resourceRecord("azure-native:containerregistry:Registry", "acr", { publicNetworkAccess: "Disabled" });
const diagnostics = (props: Record<string, unknown> = {}) =>
  resourceRecord(
    "azure-native:monitor:DiagnosticSetting",
    "acr-diag",
    { resourceUri: "x", workspaceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log", logs: [{ categoryGroup: "allLogs", enabled: true }], ...props },
    { resourceUri: [registry.urn] },
  );
const endpoint = resourceRecord(
  "azure-native:network:PrivateEndpoint",
  "acr-pe",
  { privateLinkServiceConnections: [{ name: "c", privateLinkServiceId: "x", groupIds: ["registry"] }] },
  { privateLinkServiceConnections: [registry.urn] },
);
const defender = (props: Record<string, unknown> = {}) =>
  resourceRecord("azure-native:security:Pricing", "defender", { pricingName: "Containers", pricingTier: "Standard", scopeId: "/subscriptions/s", ...props });

async function stackMessages(records: Parameters<TestPack["judge"]>[0], policy: string): Promise<string[]> {
  return messagesOf(await pack.judge(records), policy);
}

describe("azure-monitor-diagnostic-settings-present", () => {
  const policy = "azure-monitor-diagnostic-settings-present";
  it("accepts a registry whose diagnostic setting sends allLogs to a workspace", async () => {
    expect(await stackMessages([registry, diagnostics(), endpoint, defender()], policy)).toEqual([]);
  });
  it("refuses a registry without a diagnostic setting", async () => {
    expect(await stackMessages([registry, endpoint, defender()], policy)).toEqual([
      "The container registry 'acr' must have a diagnostic setting that sends its logs to Log Analytics.",
    ]);
  });
  it("refuses a diagnostic setting that sends no logs", async () => {
    expect(await stackMessages([registry, diagnostics({ logs: [{ categoryGroup: "allLogs", enabled: false }] })], policy)).toEqual([
      "The container registry 'acr' must send allLogs or audit logs to a Log Analytics workspace (its diagnostic setting does not).",
    ]);
  });
  it("matches a diagnostic setting by the registry's id when the program pasted it", async () => {
    const pasted = resourceRecord("azure-native:monitor:DiagnosticSetting", "d", {
      resourceUri: "/SUBSCRIPTIONS/S/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
      workspaceId: "/w",
      logs: [{ categoryGroup: "audit", enabled: true }],
    });
    const withId = { ...registry, outputs: { ...registry.outputs, id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr" } };
    expect(await stackMessages([withId, pasted], policy)).toEqual([]);
  });
});

describe("azure-network-private-endpoint-present", () => {
  const policy = "azure-network-private-endpoint-present";
  it("accepts a registry with a private endpoint to it", async () => {
    expect(await stackMessages([registry, endpoint], policy)).toEqual([]);
  });
  it("refuses a registry without one", async () => {
    expect(await stackMessages([registry], policy)).toEqual(["The container registry 'acr' must have a private endpoint."]);
  });
});

describe("Defender for Containers", () => {
  it("refuses a stack with a registry and no Containers plan", async () => {
    expect(await stackMessages([registry], "azure-security-defender-for-containers-enabled")).toEqual([
      "The stack must enable Defender for Containers (Standard) so the images of 'acr' are scanned.",
    ]);
  });
  it("refuses a Free Containers plan", async () => {
    expect(await stackMessages([registry, defender({ pricingTier: "Free" })], "azure-security-defender-for-containers-enabled")).toHaveLength(1);
    expect(messagesOf(await pack.analyze("azure-native:security:Pricing", defender({ pricingTier: "Free" }).inputs), "azure-security-pricing-containers-standard")).toEqual([
      "The Defender for Containers plan must use the Standard pricing tier.",
    ]);
  });
  it("refuses a plan with registry vulnerability assessment turned off", async () => {
    const props = defender({ extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "False" }] }).inputs;
    expect(messagesOf(await pack.analyze("azure-native:security:Pricing", props), "azure-security-pricing-containers-standard")).toEqual([
      "The Defender for Containers plan must keep the ContainerRegistriesVulnerabilityAssessments extension enabled.",
    ]);
  });
  it("accepts the Standard plan with scanning on", async () => {
    const props = defender({ extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" }] }).inputs;
    expect(messagesOf(await pack.analyze("azure-native:security:Pricing", props), "azure-security-pricing-containers-standard")).toEqual([]);
    expect(await stackMessages([registry, defender()], "azure-security-defender-for-containers-enabled")).toEqual([]);
  });
  it("accepts a stack whose plan a landing zone manages, when configured so", async () => {
    await pack.configure({ "azure-security-defender-for-containers-enabled": { managedOutsideStack: true } });
    try {
      expect(await stackMessages([registry], "azure-security-defender-for-containers-enabled")).toEqual([]);
    } finally {
      await pack.configure({});
    }
  });
});

describe("a value unknown at preview time", () => {
  it("is reported as advisory 'cannot run during preview', never as a pass or a crash", async () => {
    // Pulumi's wire sentinel for an unknown value.
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const diagnostics = await pack.analyze("azure-native:containerregistry:Registry", { adminUserEnabled: unknown, sku: { name: "Premium" } });
    const admin = diagnostics.filter((d) => d.policyName === "azure-containerregistry-registry-admin-user-disabled");
    expect(admin.map((d) => d.enforcementLevel)).toEqual(["advisory"]);
    expect(admin[0]?.message).toMatch(/^can't run policy 'azure-containerregistry-registry-admin-user-disabled' from policy pack 'secure-mlops@v0\.1\.0' during preview/);
  });
});
