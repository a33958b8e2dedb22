import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { DefenderPlans, defenderPlansDefaults, MlWorkspace, SecureRegistry } = await import("../../components");
type Args = NonNullable<ConstructorParameters<typeof DefenderPlans>[1]>;

const subscription = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${subscription}/resourceGroups/rg-team/providers`;
const logsId = `${rg}/Microsoft.OperationalInsights/workspaces/log-team`;
const privateEndpoint = { subnetId: `${rg}/Microsoft.Network/virtualNetworks/vnet/subnets/pe`, virtualNetworkId: `${rg}/Microsoft.Network/virtualNetworks/vnet` };

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
/** Builds the component under a fresh name and returns what it registered. */
async function build(args?: Args): Promise<RecordedResource[]> {
  const name = `plans${++counter}`;
  const rs = await record(() => new DefenderPlans(name, args));
  return rs.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

/**
 * The plans beside what they protect, as the platform builds them: a registry, and a workspace
 * with its vault and storage account, each with its defaults (which pass the strict pack).
 */
async function buildInStack(args?: Args): Promise<RecordedResource[]> {
  const n = ++counter;
  return record(() => {
    new DefenderPlans(`plans${n}`, args);
    const registry = new SecureRegistry(`registry${n}`, { resourceGroupName: "rg-team", logAnalyticsWorkspaceId: logsId, privateEndpoint });
    new MlWorkspace(`mlw${n}`, { resourceGroupName: "rg-team", logAnalyticsWorkspaceId: logsId, containerRegistryId: registry.registryId, privateEndpoint });
  });
}

describe("DefenderPlans with its defaults", () => {
  it("enables Defender for Containers, Storage and Key Vault on the subscription, and nothing else", async () => {
    const rs = await build();
    const n = `plans${counter}`;
    // Registration order follows output resolution; the name is the key.
    const byName = [...rs].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName.map((r) => [r.type, r.name, r.inputs])).toEqual([
      ["secure-mlops:azure:DefenderPlans", n, {}],
      [
        "azure-native:security:Pricing",
        `${n}-containers`,
        {
          pricingName: "Containers",
          pricingTier: "Standard",
          scopeId: subscription,
          extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" }],
        },
      ],
      ["azure-native:security:Pricing", `${n}-keyvault`, { pricingName: "KeyVaults", pricingTier: "Standard", subPlan: "PerKeyVault", scopeId: subscription }],
      [
        "azure-native:security:Pricing",
        `${n}-storage`,
        {
          pricingName: "StorageAccounts",
          pricingTier: "Standard",
          subPlan: "DefenderForStorageV2",
          scopeId: subscription,
          extensions: [
            { name: "OnUploadMalwareScanning", isEnabled: "True", additionalExtensionProperties: { CapGBPerMonthPerStorageAccount: "5000" } },
            { name: "SensitiveDataDiscovery", isEnabled: "True" },
          ],
        },
      ],
    ]);
    for (const r of rs.filter((x) => x.custom)) expect(r.options.aliases).toEqual([]);
  });

  it("passes every policy of the strict pack beside the registry, vault and storage it protects", async () => {
    const rs = await buildInStack();
    expect(rs.filter((r) => r.type === "azure-native:security:Pricing")).toHaveLength(3);
    const violations = await pack.judge(rs);
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("outputs the ids of the plans it enables", async () => {
    const plans = new DefenderPlans("outputs-plans", { keyVault: false });
    const ids = await new Promise((resolve) => plans.planIds.apply(resolve));
    expect(ids).toEqual({
      containers: `${subscription}/providers/Microsoft.Security/pricings/Containers`,
      storage: `${subscription}/providers/Microsoft.Security/pricings/StorageAccounts`,
    });
  });

  it("moves plans from where they were in state through aliases, one list per plan", async () => {
    const old = `urn:pulumi:test::secure-mlops::secure-mlops:azure:SecureRegistry$azure-native:security:Pricing::acr-defender-containers`;
    const rs = await build({ previousUrns: { containers: [old] } });
    const aliases = rs.filter((r) => r.custom).map((r) => [r.name.replace(/^plans\d+-/, ""), r.options.aliases]);
    expect(aliases.sort()).toEqual([
      ["containers", [old]],
      ["keyvault", []],
      ["storage", []],
    ]);
  });
});

describe("when a plan is turned off through its argument", () => {
  // Every key of defenderPlansDefaults appears here with exactly the policies that catch it in a
  // stack that creates what the plan protects, so a new default without a policy fails this test.
  const relaxations: Record<keyof typeof defenderPlansDefaults, [Args, string[]]> = {
    containers: [{ containers: false }, ["azure-security-defender-for-containers-enabled"]],
    containersVulnerabilityAssessment: [{ containersVulnerabilityAssessment: false }, ["azure-security-pricing-containers-standard"]],
    storage: [{ storage: false }, ["azure-security-defender-for-storage-enabled"]],
    keyVault: [{ keyVault: false }, ["azure-security-defender-for-key-vault-enabled"]],
  };
  const entries = Object.entries(relaxations);
  it("has a relaxation for every default", () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(Object.keys(relaxations).sort()).toEqual(Object.keys(defenderPlansDefaults).sort());
  });
  for (const [key, [override, policies]] of entries) {
    it(`is caught by ${policies.join(", ")} (${key})`, async () => {
      const violations = await pack.judge(await buildInStack(override));
      expect(violations.length).toBeGreaterThan(0);
      expect(violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
      expect([...new Set(violations.map((v) => v.policyName))].sort()).toEqual(policies);
    });
  }
});
