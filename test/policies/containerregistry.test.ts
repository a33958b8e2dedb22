import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, startTestPack, type TestPack } from "../support/harness";

const registryType = "azure-native:containerregistry:Registry";

/** A registry that passes every registry policy of the strict pack. */
const compliant = (): Record<string, unknown> => ({
  resourceGroupName: "rg-smlops-prod",
  registryName: "crsmlopsprod",
  sku: { name: "Premium" },
  adminUserEnabled: false,
  anonymousPullEnabled: false,
  publicNetworkAccess: "Disabled",
  networkRuleBypassOptions: "AzureServices",
  dataEndpointEnabled: true,
  zoneRedundancy: "Enabled",
  policies: {
    quarantinePolicy: { status: "enabled" },
    retentionPolicy: { status: "enabled", days: 7 },
    exportPolicy: { status: "disabled" },
    azureADAuthenticationAsArmPolicy: { status: "disabled" },
  },
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(props: Record<string, unknown>, type = registryType): Promise<Record<string, string[]>> {
  const diagnostics = await pack.analyze(type, props, "acr");
  const out: Record<string, string[]> = {};
  for (const d of diagnostics) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("a compliant container registry", () => {
  it("passes every resource policy of the strict pack", async () => {
    expect(await verdicts(compliant())).toEqual({});
  });
});

describe("when one secure setting of the registry is flipped", () => {
  const cases: [string, (p: Record<string, unknown>) => void, string, string][] = [
    ["the admin user is on", (p) => (p["adminUserEnabled"] = true), "azure-containerregistry-registry-admin-user-disabled", "The container registry must have the admin user disabled."],
    ["anonymous pull is on", (p) => (p["anonymousPullEnabled"] = true), "azure-containerregistry-registry-anonymous-pull-disabled", "The container registry must have anonymous pull disabled."],
    ["public network access is on", (p) => (p["publicNetworkAccess"] = "Enabled"), "azure-containerregistry-registry-public-network-disabled", "The container registry must have public network access disabled."],
    ["public network access is left to ARM's default", (p) => delete p["publicNetworkAccess"], "azure-containerregistry-registry-public-network-disabled", "The container registry must have public network access disabled."],
    ["the SKU is Standard", (p) => (p["sku"] = { name: "Standard" }), "azure-containerregistry-registry-premium-sku", 'The container registry must use the Premium SKU (got "Standard").'],
    ["quarantine is off", (p) => ((p["policies"] as Record<string, unknown>)["quarantinePolicy"] = { status: "disabled" }), "azure-containerregistry-registry-quarantine-enabled", "The container registry must have the quarantine policy enabled."],
    ["retention is off", (p) => ((p["policies"] as Record<string, unknown>)["retentionPolicy"] = { status: "disabled" }), "azure-containerregistry-registry-retention-enabled", "The container registry must have a retention policy for untagged manifests enabled."],
    ["retention is too long", (p) => ((p["policies"] as Record<string, unknown>)["retentionPolicy"] = { status: "enabled", days: 90 }), "azure-containerregistry-registry-retention-enabled", "The container registry must keep untagged manifests at most 30 days (got 90)."],
    ["export is on", (p) => ((p["policies"] as Record<string, unknown>)["exportPolicy"] = { status: "enabled" }), "azure-containerregistry-registry-export-disabled", "The container registry must have the export policy disabled."],
    ["ARM-audience tokens are accepted", (p) => delete (p["policies"] as Record<string, unknown>)["azureADAuthenticationAsArmPolicy"], "azure-containerregistry-registry-arm-token-auth-disabled", "The container registry must have ARM-audience token authentication disabled."],
    ["it is not zone redundant", (p) => (p["zoneRedundancy"] = "Disabled"), "azure-containerregistry-registry-zone-redundant", "The container registry must be zone redundant."],
    ["dedicated data endpoints are off", (p) => (p["dataEndpointEnabled"] = false), "azure-containerregistry-registry-dedicated-data-endpoints", "The container registry must have dedicated data endpoints enabled."],
    ["its customer-managed key names no identity", (p) => (p["encryption"] = { status: "enabled", keyVaultProperties: { keyIdentifier: "https://kv.vault.azure.net/keys/acr" } }), "azure-containerregistry-registry-customer-managed-key", "The container registry's customer-managed key must name a Key Vault key and a user-assigned identity."],
  ];
  for (const [when, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const props = compliant();
      flip(props);
      expect(await verdicts(props)).toEqual({ [policy]: [message] });
    });
  }
});

describe("registry side resources", () => {
  it("refuses a repository-scoped token", async () => {
    expect(await verdicts({ registryName: "crx", resourceGroupName: "rg", scopeMapId: "/x" }, "azure-native:containerregistry:Token")).toEqual({
      "azure-containerregistry-token-forbidden": ["The container registry token must not be created; use Entra identities."],
    });
  });
  it("refuses a cache rule", async () => {
    expect(await verdicts({ registryName: "crx", resourceGroupName: "rg", sourceRepository: "docker.io/library/python" }, "azure-native:containerregistry:CacheRule")).toEqual({
      "azure-containerregistry-cache-rule-forbidden": ["The container registry cache rule must not be created."],
    });
  });
  it("refuses a webhook to an http:// endpoint and accepts https://", async () => {
    const base = { registryName: "crx", resourceGroupName: "rg", actions: ["push"] };
    expect(await verdicts({ ...base, serviceUri: "http://hooks.example.com/acr" }, "azure-native:containerregistry:Webhook")).toEqual({
      "azure-containerregistry-webhook-https": ["The container registry webhook must use an https:// service URI."],
    });
    expect(await verdicts({ ...base, serviceUri: "https://hooks.example.com/acr" }, "azure-native:containerregistry:Webhook")).toEqual({});
  });
});

describe("with the dev pack config", () => {
  afterAll(() => pack.configure({}));
  it("allows public access behind a deny-by-default IP allow list only", async () => {
    await pack.configure({ "azure-containerregistry-registry-public-network-disabled": { allowPublicWithIpRules: true } });
    const open = { ...compliant(), publicNetworkAccess: "Enabled" };
    expect(messagesOf(await pack.analyze(registryType, open), "azure-containerregistry-registry-public-network-disabled")).toEqual([
      "The container registry must disable public network access or deny by default with an IP allow list.",
    ]);
    const listed = { ...open, networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", iPAddressOrRange: "203.0.113.0/24" }] } };
    expect(messagesOf(await pack.analyze(registryType, listed), "azure-containerregistry-registry-public-network-disabled")).toEqual([]);
  });
  it("requires a customer-managed key when configured to", async () => {
    await pack.configure({ "azure-containerregistry-registry-customer-managed-key": { required: true } });
    expect(messagesOf(await pack.analyze(registryType, compliant()), "azure-containerregistry-registry-customer-managed-key")).toEqual([
      "The container registry must be encrypted with a customer-managed key.",
    ]);
  });
  it("reports an advisory policy as advisory", async () => {
    await pack.configure({ "azure-containerregistry-registry-zone-redundant": "advisory" });
    const diagnostics = await pack.analyze(registryType, { ...compliant(), zoneRedundancy: "Disabled" });
    expect(diagnostics.map((d) => [d.policyName, d.enforcementLevel])).toEqual([["azure-containerregistry-registry-zone-redundant", "advisory"]]);
  });
});
