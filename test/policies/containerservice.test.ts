import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, startTestPack, type TestPack } from "../support/harness";

const clusterType = "azure-native:containerservice:ManagedCluster";
const poolType = "azure-native:containerservice:AgentPool";
const workspace = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log";

type Props = Record<string, unknown>;

const pool = (name: string, mode: "System" | "User"): Props => ({
  name,
  mode,
  type: "VirtualMachineScaleSets",
  vmSize: "Standard_D4ds_v5",
  count: 3,
  availabilityZones: ["1", "2", "3"],
  enableNodePublicIP: false,
  enableEncryptionAtHost: true,
  osDiskType: "Ephemeral",
  securityProfile: { sshAccess: "Disabled" },
  ...(mode === "System" ? { nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"] } : {}),
});

/** A cluster that passes every AKS policy of the strict pack. */
const compliant = (): Props => ({
  resourceGroupName: "rg",
  resourceName: "aks-prod",
  sku: { name: "Base", tier: "Standard" },
  identity: { type: "SystemAssigned" },
  enableRBAC: true,
  disableLocalAccounts: true,
  aadProfile: { managed: true, enableAzureRBAC: true },
  apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, disableRunCommand: true },
  oidcIssuerProfile: { enabled: true },
  securityProfile: {
    workloadIdentity: { enabled: true },
    defender: { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: workspace },
    imageCleaner: { enabled: true, intervalHours: 168 },
  },
  networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkDataplane: "cilium", networkPolicy: "cilium" },
  autoUpgradeProfile: { upgradeChannel: "stable", nodeOSUpgradeChannel: "NodeImage" },
  nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
  addonProfiles: {
    azurepolicy: { enabled: true, config: { version: "v2" } },
    omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" } },
    azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true" } },
  },
  agentPoolProfiles: [pool("system", "System"), pool("infer", "User")],
});

const compliantPool = (): Props => {
  const { name, ...rest } = pool("gpu", "User");
  return { ...rest, agentPoolName: name, resourceName: "aks-prod", resourceGroupName: "rg" };
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(props: Props, type = clusterType): Promise<Record<string, string[]>> {
  const diagnostics = await pack.analyze(type, props, "aks");
  const out: Record<string, string[]> = {};
  for (const d of diagnostics) (out[d.policyName] ??= []).push(d.message);
  return out;
}

const at = (p: Props, key: string): Props => p[key] as Props;
const second = (p: Props): Props => (p["agentPoolProfiles"] as Props[])[1] as Props;

describe("a compliant AKS cluster and agent pool", () => {
  it("pass every resource policy of the strict pack", async () => {
    expect(await verdicts(compliant())).toEqual({});
    expect(await verdicts(compliantPool(), poolType)).toEqual({});
  });
});

describe("when one secure setting of the cluster is flipped", () => {
  const p = "azure-containerservice-managedcluster-";
  const cases: [string, (c: Props) => void, string, string[]][] = [
    ["the API server is public", (c) => (c["apiServerAccessProfile"] = { disableRunCommand: true }), `${p}private-api-server`, ["The AKS cluster must have a private API server."]],
    ["the private cluster has a public FQDN", (c) => (at(c, "apiServerAccessProfile")["enablePrivateClusterPublicFQDN"] = true), `${p}no-public-fqdn`, ["The private AKS cluster must not have a public FQDN."]],
    ["the public FQDN is left to ARM's default", (c) => delete at(c, "apiServerAccessProfile")["enablePrivateClusterPublicFQDN"], `${p}no-public-fqdn`, ["The private AKS cluster must not have a public FQDN."]],
    ["run command is on", (c) => (at(c, "apiServerAccessProfile")["disableRunCommand"] = false), `${p}run-command-disabled`, ["The AKS cluster must have Command Invoke (run command) disabled."]],
    ["local accounts are on", (c) => (c["disableLocalAccounts"] = false), `${p}local-accounts-disabled`, ["The AKS cluster must have local accounts disabled."]],
    ["Azure RBAC is off", (c) => (at(c, "aadProfile")["enableAzureRBAC"] = false), `${p}entra-azure-rbac`, ["The AKS cluster must use Azure RBAC for Kubernetes authorization."]],
    ["there is no Entra integration and no RBAC", (c) => { delete c["aadProfile"]; c["enableRBAC"] = false; }, `${p}entra-azure-rbac`, ["The AKS cluster must have Kubernetes RBAC enabled.", "The AKS cluster must use the managed Entra ID integration."]],
    ["the OIDC issuer is off", (c) => (c["oidcIssuerProfile"] = { enabled: false }), `${p}workload-identity`, ["The AKS cluster must have workload identity and the OIDC issuer enabled."]],
    ["pod-managed identity is on", (c) => (c["podIdentityProfile"] = { enabled: true }), `${p}workload-identity`, ["The AKS cluster must not use pod-managed identity (deprecated); use workload identity."]],
    ["it runs as a service principal", (c) => { c["identity"] = { type: "None" }; c["servicePrincipalProfile"] = { clientId: "11111111-1111-4111-8111-111111111111" }; }, `${p}managed-identity`, ["The AKS cluster must use a managed identity, not a service principal."]],
    ["the Azure Policy add-on is off (key spelled azurePolicy)", (c) => { delete at(c, "addonProfiles")["azurepolicy"]; at(c, "addonProfiles")["azurePolicy"] = { enabled: false }; }, `${p}azure-policy-addon`, ["The AKS cluster must have the Azure Policy add-on enabled."]],
    ["the Defender sensor is off", (c) => (at(c, "securityProfile")["defender"] = { securityMonitoring: { enabled: false } }), `${p}defender-sensor`, ["The AKS cluster must have the Defender sensor enabled with a Log Analytics workspace."]],
    ["the network policy is none", (c) => (at(c, "networkProfile")["networkPolicy"] = "none"), `${p}network-policy`, ['The AKS cluster must have a network policy engine (azure, calico or cilium), got "none".']],
    ["the plugin is kubenet without a policy", (c) => (c["networkProfile"] = { networkPlugin: "kubenet" }), `${p}network-policy`, ["The AKS cluster must use the Azure CNI network plugin.", "The AKS cluster must have a network policy engine (azure, calico or cilium), got null."]],
    ["auto-upgrade is off", (c) => (c["autoUpgradeProfile"] = { upgradeChannel: "none", nodeOSUpgradeChannel: "Unmanaged" }), `${p}auto-upgrade`, ['The AKS cluster must have an upgrade channel of rapid, stable or patch, got "none".', 'The AKS cluster must have a node OS upgrade channel of NodeImage or SecurityPatch, got "Unmanaged".']],
    ["Image Cleaner is off", (c) => (at(c, "securityProfile")["imageCleaner"] = { enabled: false }), `${p}image-cleaner`, ["The AKS cluster must have Image Cleaner enabled."]],
    ["Container Insights is off", (c) => delete at(c, "addonProfiles")["omsagent"], `${p}container-insights`, ["The AKS cluster must have Container Insights (the monitoring add-on) enabled."]],
    ["Container Insights uses workspace keys", (c) => (at(c, "addonProfiles")["omsAgent"] = { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace } }, delete at(c, "addonProfiles")["omsagent"]), `${p}container-insights`, ["The AKS cluster's Container Insights must authenticate with Entra ID (useAADAuth)."]],
    ["the dashboard is on", (c) => (at(c, "addonProfiles")["kubeDashboard"] = { enabled: true }), `${p}risky-addons-disabled`, ["The AKS cluster must not enable the kubeDashboard add-on."]],
    ["secret rotation is off", (c) => (at(c, "addonProfiles")["azureKeyvaultSecretsProvider"] = { enabled: true, config: { enableSecretRotation: "false" } }), `${p}keyvault-secrets-rotation`, ["The AKS cluster's Key Vault secrets provider must have secret rotation enabled."]],
    ["the tier is Free", (c) => (c["sku"] = { name: "Base", tier: "Free" }), `${p}paid-sku`, ['The AKS cluster must use the Standard or Premium tier, got "Free".']],
    ["the node resource group is unrestricted", (c) => (c["nodeResourceGroupProfile"] = { restrictionLevel: "Unrestricted" }), `${p}node-resource-group-readonly`, ["The AKS cluster must have its node resource group restricted to ReadOnly."]],
  ];
  for (const [when, flip, policy, messages] of cases) {
    it(`refuses it when ${when}`, async () => {
      const props = compliant();
      flip(props);
      expect(await verdicts(props)).toEqual({ [policy]: messages });
    });
  }
});

describe("node pool rules judge every pool, inline and separate", () => {
  const p = "azure-containerservice-agentpool-";
  const cases: [string, (pool: Props) => void, string, (label: string) => string][] = [
    ["has node public IPs", (x) => (x["enableNodePublicIP"] = true), `${p}node-public-ip-disabled`, (l) => `${l} must not have node public IPs.`],
    ["has no encryption at host", (x) => delete x["enableEncryptionAtHost"], `${p}encryption-at-host`, (l) => `${l} must have encryption at host enabled.`],
    ["allows SSH", (x) => (x["securityProfile"] = { sshAccess: "LocalUser" }), `${p}ssh-disabled`, (l) => `${l} must have SSH access disabled.`],
    ["uses a managed OS disk", (x) => (x["osDiskType"] = "Managed"), `${p}ephemeral-os-disk`, (l) => `${l} must use an ephemeral OS disk.`],
    ["is in one zone", (x) => (x["availabilityZones"] = ["1"]), `${p}scale-sets-zones`, (l) => `${l} must span at least two availability zones.`],
  ];
  for (const [when, flip, policy, message] of cases) {
    it(`refuses the second pool of a cluster when it ${when}`, async () => {
      const props = compliant();
      flip(second(props));
      expect(await verdicts(props)).toEqual({ [policy]: [message('The node pool "infer" of the AKS cluster')] });
    });
    it(`refuses a separate agent pool when it ${when}`, async () => {
      const props = compliantPool();
      flip(props);
      expect(await verdicts(props, poolType)).toEqual({ [policy]: [message('The AKS node pool "gpu"')] });
    });
  }
  it("refuses a system pool without the CriticalAddonsOnly taint, inline or separate", async () => {
    const props = compliant();
    delete ((props["agentPoolProfiles"] as Props[])[0] as Props)["nodeTaints"];
    expect(await verdicts(props)).toEqual({
      "azure-containerservice-agentpool-system-critical-addons-only": ['The node pool "system" of the AKS cluster is a system pool and must have the CriticalAddonsOnly=true:NoSchedule taint.'],
    });
    expect(await verdicts({ ...compliantPool(), mode: "System" }, poolType)).toEqual({
      "azure-containerservice-agentpool-system-critical-addons-only": ['The AKS node pool "gpu" is a system pool and must have the CriticalAddonsOnly=true:NoSchedule taint.'],
    });
  });
});

describe("with the dev pack config", () => {
  afterAll(() => pack.configure({}));
  it("allows a public API server behind authorized IP ranges only", async () => {
    await pack.configure({ "azure-containerservice-managedcluster-private-api-server": { allowPublicWithAuthorizedIpRanges: true } });
    const open = { ...compliant(), apiServerAccessProfile: { disableRunCommand: true } };
    expect(messagesOf(await pack.analyze(clusterType, open), "azure-containerservice-managedcluster-private-api-server")).toEqual([
      "The AKS cluster must have a private API server or a public one limited to authorized IP ranges.",
    ]);
    const listed = { ...open, apiServerAccessProfile: { disableRunCommand: true, authorizedIPRanges: ["203.0.113.0/24"] } };
    expect(messagesOf(await pack.analyze(clusterType, listed), "azure-containerservice-managedcluster-private-api-server")).toEqual([]);
  });
  it("requires a disk encryption set when configured to", async () => {
    await pack.configure({ "azure-containerservice-managedcluster-disk-encryption-set": { required: true } });
    expect(messagesOf(await pack.analyze(clusterType, compliant()), "azure-containerservice-managedcluster-disk-encryption-set")).toEqual([
      "The AKS cluster must encrypt its disks with a customer-managed key (diskEncryptionSetID).",
    ]);
    const des = { ...compliant(), diskEncryptionSetID: `${workspace.split("/providers/")[0]}/providers/Microsoft.Compute/diskEncryptionSets/des` };
    expect(messagesOf(await pack.analyze(clusterType, des), "azure-containerservice-managedcluster-disk-encryption-set")).toEqual([]);
  });
});
