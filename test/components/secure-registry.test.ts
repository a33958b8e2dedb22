import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itCatchesEachRelaxation } from "../support/relaxations";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { messagesOf, record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { DefenderPlans, SecureRegistry, secureRegistryDefaults } = await import("../../components");
type Args = ConstructorParameters<typeof SecureRegistry>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg-team/providers";
const minimal: Args = {
  resourceGroupName: "rg-team",
  logAnalyticsWorkspaceId: `${sub}/Microsoft.OperationalInsights/workspaces/log-team`,
  privateEndpoint: { subnetId: `${sub}/Microsoft.Network/virtualNetworks/vnet/subnets/pe`, virtualNetworkId: `${sub}/Microsoft.Network/virtualNetworks/vnet` },
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
/** Builds the component under a fresh name and returns what it registered. */
function build(args: Args): Promise<RecordedResource[]> {
  const name = `registry${++counter}`;
  return record(() => new SecureRegistry(name, args));
}

/**
 * Judges `rs` beside the subscription's Defender plans, as the platform creates them: once per
 * stack, not per registry. (Configuring the pack's `managedOutsideStack` instead would turn the
 * plan checks off, so the pack would no longer be the strict one these tests promise.)
 */
async function judgeInStack(rs: readonly RecordedResource[]): ReturnType<TestPack["judge"]> {
  const plans = await record(() => new DefenderPlans(`plans${++counter}`));
  return pack.judge([...rs, ...plans]);
}

describe("SecureRegistry with its defaults", () => {
  it("creates the registry, its diagnostics, private endpoint and DNS", async () => {
    const rs = await build(minimal);
    const n = `registry${counter}`;
    expect(rs.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        `secure-mlops:azure:SecureRegistry::${n}`,
        `azure-native:containerregistry:Registry::${n}-registry`,
        `azure-native:monitor:DiagnosticSetting::${n}-diagnostics`,
        `azure-native:network:PrivateEndpoint::${n}-registry-pe`,
        `azure-native:privatedns:PrivateZone::${n}-registry-dns`,
        `azure-native:privatedns:VirtualNetworkLink::${n}-registry-dns-link`,
        `azure-native:network:PrivateDnsZoneGroup::${n}-registry-dns-group`,
      ].sort(),
    );
    const registry = rs.find((r) => r.type === "azure-native:containerregistry:Registry");
    expect(registry?.inputs).toEqual({
      registryName: n,
      resourceGroupName: "rg-team",
      sku: { name: "Premium" },
      adminUserEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccess: "Disabled",
      networkRuleBypassOptions: "AzureServices",
      policies: {
        quarantinePolicy: { status: "enabled" },
        retentionPolicy: { status: "enabled", days: 7 },
        exportPolicy: { status: "disabled" },
        azureADAuthenticationAsArmPolicy: { status: "disabled" },
      },
      zoneRedundancy: "Enabled",
      dataEndpointEnabled: true,
      identity: { type: "SystemAssigned" },
    });
  });

  it("passes every policy of the strict pack beside the stack's Defender plans", async () => {
    const violations = await judgeInStack(await build(minimal));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("needs Defender for Containers in its stack: alone, the strict pack asks for the plan", async () => {
    const rs = await build(minimal);
    const violations = await pack.judge(rs);
    expect([...new Set(violations.map((v) => v.policyName))]).toEqual(["azure-security-defender-for-containers-enabled"]);
    expect(messagesOf(violations, "azure-security-defender-for-containers-enabled")).toEqual([
      `The stack must enable Defender for Containers (Standard) so the images of 'registry${counter}-registry' are scanned.`,
    ]);
  });

  it("outputs the login server and the identity Azure returns", async () => {
    const registry = new SecureRegistry("outputs-acr", minimal);
    const [login, principal] = await Promise.all([
      new Promise((resolve) => registry.loginServer.apply(resolve)),
      new Promise((resolve) => registry.principalId.apply(resolve)),
    ]);
    expect(login).toBe("outputsacr.azurecr.io");
    expect(principal).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  // Every key of secureRegistryDefaults must appear here with the policy that catches it, so a
  // new default without a policy fails this test.
  const relaxations: Record<keyof typeof secureRegistryDefaults, [Partial<Args>, string] | "stricter"> = {
    sku: [{ sku: "Standard", privateEndpoint: undefined }, "azure-containerregistry-registry-premium-sku"],
    adminUserEnabled: [{ adminUserEnabled: true }, "azure-containerregistry-registry-admin-user-disabled"],
    anonymousPullEnabled: [{ anonymousPullEnabled: true }, "azure-containerregistry-registry-anonymous-pull-disabled"],
    publicNetworkAccess: [{ publicNetworkAccess: true }, "azure-containerregistry-registry-public-network-disabled"],
    allowedIpRanges: "stricter",
    trustedServicesBypass: "stricter",
    quarantinePolicyEnabled: [{ quarantinePolicyEnabled: false }, "azure-containerregistry-registry-quarantine-enabled"],
    untaggedRetentionDays: [{ untaggedRetentionDays: 0 }, "azure-containerregistry-registry-retention-enabled"],
    exportPolicyEnabled: [{ exportPolicyEnabled: true }, "azure-containerregistry-registry-export-disabled"],
    armAudienceTokensEnabled: [{ armAudienceTokensEnabled: true }, "azure-containerregistry-registry-arm-token-auth-disabled"],
    zoneRedundancy: [{ zoneRedundancy: false }, "azure-containerregistry-registry-zone-redundant"],
    dataEndpointEnabled: [{ dataEndpointEnabled: false }, "azure-containerregistry-registry-dedicated-data-endpoints"],
  };
  itCatchesEachRelaxation<Args>(relaxations, async (override) => judgeInStack(await build({ ...minimal, ...override })), {
    defaults: secureRegistryDefaults,
  });
});

describe("when an argument is invalid", () => {
  const cases: [string, Partial<Args>, string][] = [
    ["the registry name has a dash", { registryName: "my-registry" }, 'secure-mlops:azure:SecureRegistry: [registryName] must be 5-50 letters and digits, got "my-registry"'],
    ["retention is negative", { untaggedRetentionDays: -1 }, "secure-mlops:azure:SecureRegistry: [untaggedRetentionDays] must be an integer from 0 to 365, got -1"],
    ["an IP range is not CIDR", { publicNetworkAccess: true, allowedIpRanges: ["10.0.0.0/8", "10.0.0.300/24"] }, 'secure-mlops:azure:SecureRegistry: [allowedIpRanges[1]] must be an IPv4 address or CIDR range, got "10.0.0.300/24"'],
    ["a role assignment key repeats", { roleAssignments: [{ name: "ci", role: "AcrPush", principalId: "a" }, { name: "ci", role: "AcrPull", principalId: "b" }] }, 'secure-mlops:azure:SecureRegistry: [roleAssignments[1].name] "ci" is used twice'],
    ["a role goes to a user", { roleAssignments: [{ name: "alice", role: "AcrPull", principalId: "a", principalType: "User" as never }] }, 'secure-mlops:azure:SecureRegistry: [roleAssignments[0].principalType] must be ServicePrincipal or Group (never a user), got "User"'],
    ["a created DNS zone would link to no network", { privateEndpoint: { subnetId: "/s" } }, "secure-mlops:azure:SecureRegistry: [privateEndpoint.virtualNetworkId] is required when no privateDnsZoneId is given, so the created privatelink.azurecr.io zone is linked to a network"],
    ["a Basic registry gets a private endpoint", { sku: "Basic" }, 'secure-mlops:azure:SecureRegistry: [sku] must be Premium for a private endpoint or a customer-managed key, got "Basic"'],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.filter((r) => r.type === "azure-native:containerregistry:Registry").length;
      const name = `bad${++counter}`;
      expectArgumentError(() => new SecureRegistry(name, { ...minimal, ...override }), message);
      await record(() => undefined);
      expect(all.filter((r) => r.type === "azure-native:containerregistry:Registry").length).toBe(before);
    });
  }
});

describe("role assignments", () => {
  it("grants exactly the roles passed in, keyed by name, at the registry", async () => {
    const rs = await build({
      ...minimal,
      roleAssignments: [
        { name: "ci-push", role: "AcrPush", principalId: "11111111-1111-4111-8111-111111111111" },
        { name: "aks-pull", role: "AcrPull", principalId: "22222222-2222-4222-8222-222222222222", principalType: "ServicePrincipal" },
      ],
    });
    const registry = rs.find((r) => r.type === "azure-native:containerregistry:Registry");
    const assignments = rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
    expect(assignments.map((a) => [a.name, a.inputs["principalId"], a.inputs["principalType"], String(a.inputs["roleDefinitionId"]).split("/").pop()])).toEqual([
      [`registry${counter}-role-ci-push`, "11111111-1111-4111-8111-111111111111", "ServicePrincipal", "8311e382-0749-4cb8-b61a-304f252e45ec"],
      [`registry${counter}-role-aks-pull`, "22222222-2222-4222-8222-222222222222", "ServicePrincipal", "7f951dda-4ed3-4680-a7ca-43fe172d538d"],
    ]);
    for (const a of assignments) expect(a.inputs["scope"]).toBe(registry?.id);
  });
});
