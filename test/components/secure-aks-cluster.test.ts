import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";
import { itCatchesEachRelaxation } from "../support/relaxations";

await recordWithOfflineMocks();
const { SecureAksCluster, secureAksClusterDefaults, ComponentArgumentError } = await import("../../components");
const security = await import("@pulumi/azure-native/security");
type Args = ConstructorParameters<typeof SecureAksCluster>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg-team/providers";
const workspace = `${sub}/Microsoft.OperationalInsights/workspaces/log-team`;
const registryId = `${sub}/Microsoft.ContainerRegistry/registries/crteam`;
const minimal: Args = {
  resourceGroupName: "rg-team",
  logAnalyticsWorkspaceId: workspace,
  registryId,
  systemPool: { name: "system", vnetSubnetId: `${sub}/Microsoft.Network/virtualNetworks/vnet/subnets/aks` },
  userPools: [{ name: "infer", vmSize: "Standard_D8ds_v5", count: 2 }],
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  const name = `aks${++counter}`;
  return record(() => new SecureAksCluster(name, args));
}

const hardenedPool = {
  type: "VirtualMachineScaleSets",
  osType: "Linux",
  osSKU: "AzureLinux",
  availabilityZones: ["1", "2", "3"],
  enableNodePublicIP: false,
  enableEncryptionAtHost: true,
  osDiskType: "Ephemeral",
  securityProfile: { sshAccess: "Disabled" },
};

describe("SecureAksCluster with its defaults", () => {
  it("creates the cluster, the user pool, diagnostics and the kubelet's AcrPull", async () => {
    const rs = await build(minimal);
    const n = `aks${counter}`;
    expect(rs.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        `secure-mlops:azure:SecureAksCluster::${n}`,
        `azure-native:containerservice:ManagedCluster::${n}-aks`,
        `azure-native:containerservice:AgentPool::${n}-pool-infer`,
        `azure-native:monitor:DiagnosticSetting::${n}-diagnostics`,
        `azure-native:authorization:RoleAssignment::${n}-kubelet-acrpull`,
      ].sort(),
    );
    const cluster = rs.find((r) => r.type === "azure-native:containerservice:ManagedCluster");
    expect(cluster?.inputs).toEqual({
      resourceName: n,
      resourceGroupName: "rg-team",
      dnsPrefix: n,
      sku: { name: "Base", tier: "Standard" },
      identity: { type: "SystemAssigned" },
      enableRBAC: true,
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, privateDNSZone: "system", disableRunCommand: true },
      oidcIssuerProfile: { enabled: true },
      securityProfile: {
        workloadIdentity: { enabled: true },
        defender: { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: workspace },
        imageCleaner: { enabled: true, intervalHours: 168 },
      },
      // dnsServiceIP, outboundType, podCidr and serviceCidr are the azure-native SDK's defaults.
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkDataplane: "cilium",
        networkPolicy: "cilium",
        loadBalancerSku: "standard",
        dnsServiceIP: "10.0.0.10",
        outboundType: "loadBalancer",
        podCidr: "10.244.0.0/16",
        serviceCidr: "10.0.0.0/16",
      },
      autoUpgradeProfile: { upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" },
      nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
      addonProfiles: {
        azurepolicy: { enabled: true, config: { version: "v2" } },
        omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" } },
        azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
      },
      agentPoolProfiles: [
        {
          ...hardenedPool,
          name: "system",
          mode: "System",
          vmSize: "Standard_D4ds_v5",
          count: 3,
          vnetSubnetID: `${sub}/Microsoft.Network/virtualNetworks/vnet/subnets/aks`,
          nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
        },
      ],
    });
    const userPool = rs.find((r) => r.type === "azure-native:containerservice:AgentPool");
    expect(userPool?.inputs).toEqual({
      ...hardenedPool,
      agentPoolName: "infer",
      mode: "User",
      vmSize: "Standard_D8ds_v5",
      count: 2,
      resourceName: n,
      resourceGroupName: "rg-team",
    });
    const acrPull = rs.find((r) => r.type === "azure-native:authorization:RoleAssignment");
    expect(acrPull?.inputs["scope"]).toBe(registryId);
    expect(String(acrPull?.inputs["roleDefinitionId"]).split("/").pop()).toBe("7f951dda-4ed3-4680-a7ca-43fe172d538d");
    expect(acrPull?.inputs["principalId"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("passes every policy of the strict pack, next to the subscription's Defender for Containers plan", async () => {
    // The plan is subscription-wide, so the cluster does not own it (the platform's DefenderPlans does).
    const rs = await record(() => {
      new SecureAksCluster(`aks${++counter}`, minimal);
      new security.Pricing(`plan${counter}`, { pricingName: "Containers", pricingTier: "Standard", scopeId: "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f" });
    });
    const violations = await pack.judge(rs);
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("outputs the private FQDN, the OIDC issuer and the kubelet identity Azure returns", async () => {
    const aks = new SecureAksCluster("outputs-aks", minimal);
    const [fqdn, issuer, kubelet] = await Promise.all([
      new Promise((resolve) => aks.privateFqdn.apply(resolve)),
      new Promise((resolve) => aks.oidcIssuerUrl.apply(resolve)),
      new Promise((resolve) => aks.kubeletObjectId.apply(resolve)),
    ]);
    expect(fqdn).toMatch(/^outputs-aks-[0-9a-f]{8}\.[0-9a-f-]{36}\.privatelink\.westeurope\.azmk8s\.io$/);
    expect(issuer).toMatch(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/$/);
    expect(kubelet).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  // Every key of secureAksClusterDefaults must appear here with the policy that catches it, so a
  // new default without a policy fails this test.
  const p = "azure-containerservice-";
  const relaxations: Record<keyof typeof secureAksClusterDefaults, [Partial<Args>, string] | "stricter"> = {
    privateCluster: [{ privateCluster: false }, `${p}managedcluster-private-api-server`],
    privateClusterPublicFqdn: [{ privateClusterPublicFqdn: true }, `${p}managedcluster-no-public-fqdn`],
    authorizedIpRanges: "stricter",
    runCommandDisabled: [{ runCommandDisabled: false }, `${p}managedcluster-run-command-disabled`],
    localAccountsDisabled: [{ localAccountsDisabled: false }, `${p}managedcluster-local-accounts-disabled`],
    azureRbac: [{ azureRbac: false }, `${p}managedcluster-entra-azure-rbac`],
    workloadIdentity: [{ workloadIdentity: false }, `${p}managedcluster-workload-identity`],
    azurePolicyAddon: [{ azurePolicyAddon: false }, `${p}managedcluster-azure-policy-addon`],
    defenderSensor: [{ defenderSensor: false }, `${p}managedcluster-defender-sensor`],
    networkPolicy: [{ networkPolicy: "none" }, `${p}managedcluster-network-policy`],
    nodePublicIp: [{ nodePublicIp: true }, `${p}agentpool-node-public-ip-disabled`],
    encryptionAtHost: [{ encryptionAtHost: false }, `${p}agentpool-encryption-at-host`],
    nodeSshAccess: [{ nodeSshAccess: "LocalUser" }, `${p}agentpool-ssh-disabled`],
    ephemeralOsDisk: [{ ephemeralOsDisk: false }, `${p}agentpool-ephemeral-os-disk`],
    availabilityZones: [{ availabilityZones: [] }, `${p}agentpool-scale-sets-zones`],
    systemPoolCriticalAddonsOnly: [{ systemPoolCriticalAddonsOnly: false }, `${p}agentpool-system-critical-addons-only`],
    upgradeChannel: [{ upgradeChannel: "none" }, `${p}managedcluster-auto-upgrade`],
    nodeOsUpgradeChannel: [{ nodeOsUpgradeChannel: "Unmanaged" }, `${p}managedcluster-auto-upgrade`],
    imageCleaner: [{ imageCleaner: false }, `${p}managedcluster-image-cleaner`],
    imageCleanerIntervalHours: "stricter",
    containerInsights: [{ containerInsights: false }, `${p}managedcluster-container-insights`],
    // Turning the CSI driver off removes what the rotation rule judges; nothing is weakened.
    keyVaultSecretsProvider: "stricter",
    skuTier: [{ skuTier: "Free" }, `${p}managedcluster-paid-sku`],
    nodeResourceGroupReadOnly: [{ nodeResourceGroupReadOnly: false }, `${p}managedcluster-node-resource-group-readonly`],
  };
  const entries = Object.entries(relaxations);
  it("has relaxations to check", () => expect(entries.length).toBeGreaterThan(20));
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge(await build({ ...minimal, ...override })), { defaults: secureAksClusterDefaults });
  it("catches a relaxed node setting on the separate user pool too", async () => {
    const rs = await build({ ...minimal, nodePublicIp: true });
    const violations = await pack.judge(rs);
    expect(violations.filter((v) => v.policyName === "azure-containerservice-agentpool-node-public-ip-disabled").map((v) => v.message).sort()).toEqual([
      'The AKS node pool "infer" must not have node public IPs.',
      'The node pool "system" of the AKS cluster must not have node public IPs.',
    ]);
  });
});

describe("when an argument is invalid", () => {
  const t = "secure-mlops:azure:SecureAksCluster";
  const cases: [string, Partial<Args>, string][] = [
    ["the cluster name has a dot", { clusterName: "aks.prod" }, `${t}: [clusterName] must be 1-63 letters, digits, dashes and underscores, got "aks.prod"`],
    ["a pool name has a dash", { userPools: [{ name: "gpu-a" }] }, `${t}: [userPools[0].name] must be 1-12 lower-case letters and digits starting with a letter, got "gpu-a"`],
    ["a pool name repeats the system pool", { userPools: [{ name: "system" }] }, `${t}: [userPools[0].name] "system" is used twice`],
    ["a pool has no nodes", { userPools: [{ name: "gpu", count: 0 }] }, `${t}: [userPools[0].count] must be an integer from 1 to 1000, got 0`],
    ["image cleaning is hourly", { imageCleanerIntervalHours: 1 }, `${t}: [imageCleanerIntervalHours] must be an integer from 24 to 2160, got 1`],
    ["an IP range is not CIDR", { privateCluster: false, authorizedIpRanges: ["203.0.113.7"] }, `${t}: [authorizedIpRanges[0]] must be an IPv4 CIDR range, got "203.0.113.7"`],
    ["a public cluster asks for a public FQDN", { privateCluster: false, privateClusterPublicFqdn: true }, `${t}: [privateClusterPublicFqdn] applies only to a private cluster; leave it unset when privateCluster is false`],
    ["a private cluster lists IP ranges", { authorizedIpRanges: ["203.0.113.0/24"] }, `${t}: [authorizedIpRanges] applies only to a public API server; a private cluster is reached through its private endpoint`],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.filter((r) => r.type === "azure-native:containerservice:ManagedCluster").length;
      const name = `bad${++counter}`;
      expect(() => new SecureAksCluster(name, { ...minimal, ...override })).toThrow(ComponentArgumentError);
      expect(() => new SecureAksCluster(`${name}b`, { ...minimal, ...override })).toThrow(message);
      await record(() => undefined);
      expect(all.filter((r) => r.type === "azure-native:containerservice:ManagedCluster").length).toBe(before);
    });
  }
});
