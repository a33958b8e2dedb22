import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const workspaceType = "azure-native:machinelearningservices:Workspace";
const computeType = "azure-native:machinelearningservices:Compute";
const ids = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg/providers";
const uami = `${ids}/Microsoft.ManagedIdentity/userAssignedIdentities/id-mlw`;
/** What the engine sends for a value computed during the update (the SDK's unknown sentinel). */
const computed = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Props = Record<string, unknown>;

/** A workspace that passes every workspace policy of the strict pack. */
const workspace = (): Props => ({
  resourceGroupName: "rg",
  workspaceName: "mlw",
  kind: "Default",
  identity: { type: "UserAssigned", userAssignedIdentities: [uami] },
  primaryUserAssignedIdentity: uami,
  publicNetworkAccess: "Disabled",
  allowPublicAccessWhenBehindVnet: false,
  hbiWorkspace: true,
  systemDatastoresAuthMode: "Identity",
  containerRegistry: `${ids}/Microsoft.ContainerRegistry/registries/cr`,
  keyVault: `${ids}/Microsoft.KeyVault/vaults/kv`,
  storageAccount: `${ids}/Microsoft.Storage/storageAccounts/st`,
  applicationInsights: `${ids}/Microsoft.Insights/components/appi`,
  managedNetwork: {
    isolationMode: "AllowOnlyApprovedOutbound",
    outboundRules: {
      pypi: { type: "FQDN", category: "UserDefined", destination: "pypi.org" },
      conda: { type: "FQDN", category: "UserDefined", destination: "*.anaconda.com" },
      monitor: { type: "ServiceTag", category: "UserDefined", destination: { serviceTag: "AzureMonitor", protocol: "TCP", portRanges: "443", action: "Allow" } },
      data: { type: "PrivateEndpoint", category: "UserDefined", destination: { serviceResourceId: `${ids}/Microsoft.Storage/storageAccounts/data`, subresourceTarget: "blob" } },
    },
  },
  encryption: {
    status: "Enabled",
    keyVaultProperties: { keyVaultArmId: `${ids}/Microsoft.KeyVault/vaults/kv`, keyIdentifier: "https://kv.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef" },
    identity: { userAssignedIdentity: uami },
  },
});

/** A compute cluster that passes every compute policy. */
const cluster = (): Props => ({
  resourceGroupName: "rg",
  workspaceName: "mlw",
  computeName: "cpu-cluster",
  identity: { type: "UserAssigned", userAssignedIdentities: [uami] },
  properties: {
    computeType: "AmlCompute",
    disableLocalAuth: true,
    properties: {
      vmSize: "Standard_DS3_v2",
      enableNodePublicIp: false,
      remoteLoginPortPublicAccess: "Disabled",
      scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT15M" },
    },
  },
});

/** A compute instance that passes every compute policy. */
const instance = (): Props => ({
  resourceGroupName: "rg",
  workspaceName: "mlw",
  computeName: "alice-ci",
  identity: { type: "UserAssigned", userAssignedIdentities: [uami] },
  properties: {
    computeType: "ComputeInstance",
    disableLocalAuth: true,
    properties: {
      vmSize: "Standard_DS3_v2",
      enableNodePublicIp: false,
      idleTimeBeforeShutdown: "PT60M",
      applicationSharingPolicy: "Personal",
      sshSettings: { sshPublicAccess: "Disabled" },
    },
  },
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(type: string, props: Props): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

const at = (p: Props, ...path: string[]): Props => path.reduce((o, k) => o[k] as Props, p);
const rules = (p: Props): Props => at(p, "managedNetwork", "outboundRules");
const inner = (p: Props): Props => at(p, "properties", "properties");

describe("a compliant workspace, cluster and instance", () => {
  it("pass every resource policy of the strict pack", async () => {
    expect(await verdicts(workspaceType, workspace())).toEqual({});
    expect(await verdicts(computeType, cluster())).toEqual({});
    expect(await verdicts(computeType, instance())).toEqual({});
  });
  it("accept values that are computed during the update as set", async () => {
    const p = workspace();
    at(p, "encryption", "keyVaultProperties")["keyIdentifier"] = computed;
    p["primaryUserAssignedIdentity"] = computed;
    p["containerRegistry"] = computed;
    at(p, "encryption", "identity")["userAssignedIdentity"] = computed;
    at(rules(p), "data", "destination")["serviceResourceId"] = computed;
    expect(await verdicts(workspaceType, p)).toEqual({});
  });
});

type Case = [when: string, flip: (p: Props) => void, policy: string, message: string];

describe("when one secure setting of the workspace is flipped", () => {
  const cases: Case[] = [
    ["public network access is on", (p) => (p["publicNetworkAccess"] = "Enabled"), "azure-machinelearningservices-workspace-public-network-disabled", "The machine learning workspace must have public network access disabled."],
    ["public network access is left to ARM's default", (p) => delete p["publicNetworkAccess"], "azure-machinelearningservices-workspace-public-network-disabled", "The machine learning workspace must have public network access disabled."],
    ["public access is allowed behind a VNet", (p) => (p["allowPublicAccessWhenBehindVnet"] = true), "azure-machinelearningservices-workspace-public-network-disabled", "The machine learning workspace must not allow public access when behind a virtual network."],
    ["the managed network allows internet outbound", (p) => (at(p, "managedNetwork")["isolationMode"] = "AllowInternetOutbound"), "azure-machinelearningservices-workspace-managed-network-isolation", 'The machine learning workspace must use managed network isolation AllowOnlyApprovedOutbound (got "AllowInternetOutbound").'],
    ["there is no managed network", (p) => delete p["managedNetwork"], "azure-machinelearningservices-workspace-managed-network-isolation", 'The machine learning workspace must use managed network isolation AllowOnlyApprovedOutbound (got "Disabled").'],
    ["an FQDN rule is a bare wildcard", (p) => (rules(p)["any"] = { type: "FQDN", destination: "*" }), "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'any' must name one host or a wildcard under a registered domain, not \"*\"."],
    ["an FQDN rule wildcards a top-level domain", (p) => (rules(p)["tld"] = { type: "FQDN", destination: "*.com" }), "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'tld' must name one host or a wildcard under a registered domain, not \"*.com\"."],
    ["an FQDN rule is a URL", (p) => (rules(p)["url"] = { type: "FQDN", destination: "https://pypi.org/simple" }), "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'url' must name one host or a wildcard under a registered domain, not \"https://pypi.org/simple\"."],
    ["a service tag rule allows the Internet tag", (p) => (rules(p)["web"] = { type: "ServiceTag", destination: { serviceTag: "Internet", protocol: "*", portRanges: "*", action: "Allow" } }), "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'web' must not allow the service tag \"Internet\"."],
    ["a service tag rule allows 0.0.0.0/0", (p) => (rules(p)["all"] = { type: "ServiceTag", destination: { serviceTag: "AzureCloud", protocol: "TCP", portRanges: "443", addressPrefixes: ["0.0.0.0/0"] } }), "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'all' must not allow the address prefix \"0.0.0.0/0\"."],
    ["a private endpoint rule names no sub-resource", (p) => delete at(rules(p), "data", "destination")["subresourceTarget"], "azure-machinelearningservices-workspace-outbound-rules-restricted", "The outbound rule 'data' must name the target resource and its private link sub-resource."],
    ["there is no customer-managed key", (p) => delete p["encryption"], "azure-machinelearningservices-workspace-customer-managed-key", "The machine learning workspace must be encrypted with a customer-managed key."],
    ["encryption is disabled", (p) => (at(p, "encryption")["status"] = "Disabled"), "azure-machinelearningservices-workspace-customer-managed-key", "The machine learning workspace must be encrypted with a customer-managed key."],
    ["the key names no identity", (p) => delete at(p, "encryption")["identity"], "azure-machinelearningservices-workspace-customer-managed-key", "The machine learning workspace's customer-managed key must name its Key Vault, key and user-assigned identity."],
    ["HBI is off", (p) => (p["hbiWorkspace"] = false), "azure-machinelearningservices-workspace-hbi-enabled", "The machine learning workspace must be flagged as high business impact."],
    ["the identity is system-assigned", (p) => (p["identity"] = { type: "SystemAssigned" }), "azure-machinelearningservices-workspace-user-assigned-identity", 'The machine learning workspace must use a user-assigned managed identity (got "SystemAssigned").'],
    ["no primary identity is named", (p) => delete p["primaryUserAssignedIdentity"], "azure-machinelearningservices-workspace-user-assigned-identity", "The machine learning workspace must name its user-assigned identity as the primary identity."],
    ["datastores use account keys", (p) => (p["systemDatastoresAuthMode"] = "AccessKey"), "azure-machinelearningservices-workspace-identity-datastore-auth", 'The machine learning workspace must authenticate to its datastores by identity (got "AccessKey").'],
    ["no container registry is named", (p) => delete p["containerRegistry"], "azure-machinelearningservices-workspace-container-registry-set", "The machine learning workspace must name its container registry."],
  ];
  for (const [when, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const p = workspace();
      flip(p);
      expect(await verdicts(workspaceType, p)).toEqual({ [policy]: [message] });
    });
  }
});

describe("when one secure setting of a compute is flipped", () => {
  const clusterCases: Case[] = [
    ["local auth is on", (p) => (at(p, "properties")["disableLocalAuth"] = false), "azure-machinelearningservices-compute-local-auth-disabled", "The machine learning compute must have local authentication disabled."],
    ["nodes get public IPs", (p) => (inner(p)["enableNodePublicIp"] = true), "azure-machinelearningservices-compute-no-public-ip", "The machine learning compute cluster must not have node public IP addresses."],
    ["node public IPs are left to ARM's default", (p) => delete inner(p)["enableNodePublicIp"], "azure-machinelearningservices-compute-no-public-ip", "The machine learning compute cluster must not have node public IP addresses."],
    ["the SSH port is open", (p) => (inner(p)["remoteLoginPortPublicAccess"] = "Enabled"), "azure-machinelearningservices-compute-ssh-disabled", "The machine learning compute cluster must have its public SSH port disabled."],
    ["the SSH port is left NotSpecified", (p) => (inner(p)["remoteLoginPortPublicAccess"] = "NotSpecified"), "azure-machinelearningservices-compute-ssh-disabled", "The machine learning compute cluster must have its public SSH port disabled."],
    ["it has no managed identity", (p) => delete p["identity"], "azure-machinelearningservices-compute-managed-identity", "The machine learning compute must have a managed identity (got null)."],
    ["it keeps a node running", (p) => (at(inner(p), "scaleSettings")["minNodeCount"] = 1), "azure-machinelearningservices-compute-cluster-scale-down", "The machine learning compute cluster must scale down to 0 nodes (got minimum 1)."],
    ["it waits two hours before scaling down", (p) => (at(inner(p), "scaleSettings")["nodeIdleTimeBeforeScaleDown"] = "PT2H"), "azure-machinelearningservices-compute-cluster-scale-down", 'The machine learning compute cluster must scale down after at most 30 idle minutes (got "PT2H").'],
  ];
  for (const [when, flip, policy, message] of clusterCases) {
    it(`refuses a cluster when ${when}`, async () => {
      const p = cluster();
      flip(p);
      expect(await verdicts(computeType, p)).toEqual({ [policy]: [message] });
    });
  }
  it("refuses a cluster with both an open SSH port and an admin password, once per problem", async () => {
    const p = cluster();
    inner(p)["remoteLoginPortPublicAccess"] = "Enabled";
    inner(p)["userAccountCredentials"] = { adminUserName: "azureuser", adminUserPassword: "hunter2" };
    expect(await verdicts(computeType, p)).toEqual({
      "azure-machinelearningservices-compute-ssh-disabled": [
        "The machine learning compute cluster must have its public SSH port disabled.",
        "The machine learning compute cluster must not have an administrator password.",
      ],
    });
  });

  const instanceCases: Case[] = [
    ["nodes get public IPs", (p) => (inner(p)["enableNodePublicIp"] = true), "azure-machinelearningservices-compute-no-public-ip", "The machine learning compute instance must not have node public IP addresses."],
    ["the SSH port is open", (p) => (inner(p)["sshSettings"] = { sshPublicAccess: "Enabled", adminPublicKey: "ssh-rsa AAAA" }), "azure-machinelearningservices-compute-ssh-disabled", "The machine learning compute instance must have its public SSH port disabled."],
    ["it never shuts down when idle", (p) => delete inner(p)["idleTimeBeforeShutdown"], "azure-machinelearningservices-compute-instance-idle-shutdown", "The machine learning compute instance must have idle shutdown enabled."],
    ["it idles three days before shutdown", (p) => (inner(p)["idleTimeBeforeShutdown"] = "P3D"), "azure-machinelearningservices-compute-instance-idle-shutdown", 'The machine learning compute instance must shut down after at most 120 idle minutes (got "P3D").'],
    ["its applications are shared", (p) => (inner(p)["applicationSharingPolicy"] = "Shared"), "azure-machinelearningservices-compute-instance-personal", "The machine learning compute instance must keep its applications personal."],
    ["sharing is left to ARM's default", (p) => delete inner(p)["applicationSharingPolicy"], "azure-machinelearningservices-compute-instance-personal", "The machine learning compute instance must keep its applications personal."],
    ["its identity is None", (p) => (p["identity"] = { type: "None" }), "azure-machinelearningservices-compute-managed-identity", 'The machine learning compute must have a managed identity (got "None").'],
  ];
  for (const [when, flip, policy, message] of instanceCases) {
    it(`refuses an instance when ${when}`, async () => {
      const p = instance();
      flip(p);
      expect(await verdicts(computeType, p)).toEqual({ [policy]: [message] });
    });
  }
  it("ignores compute types it does not judge, except for local auth", async () => {
    const aks = { resourceGroupName: "rg", workspaceName: "mlw", properties: { computeType: "AKS", disableLocalAuth: true, resourceId: "/x" } };
    expect(await verdicts(computeType, aks)).toEqual({});
  });
});

describe("with an environment's pack config", () => {
  afterAll(() => pack.configure({}));
  it("allows public access where allowPublic is set", async () => {
    await pack.configure({ "azure-machinelearningservices-workspace-public-network-disabled": { allowPublic: true } });
    expect(messagesOf(await pack.analyze(workspaceType, { ...workspace(), publicNetworkAccess: "Enabled" }), "azure-machinelearningservices-workspace-public-network-disabled")).toEqual([]);
  });
  it("accepts the isolation modes the config lists, and names them when refusing", async () => {
    const policy = "azure-machinelearningservices-workspace-managed-network-isolation";
    await pack.configure({ [policy]: { allowedModes: ["AllowOnlyApprovedOutbound", "AllowInternetOutbound"] } });
    const open = workspace();
    at(open, "managedNetwork")["isolationMode"] = "AllowInternetOutbound";
    expect(messagesOf(await pack.analyze(workspaceType, open), policy)).toEqual([]);
    at(open, "managedNetwork")["isolationMode"] = "Disabled";
    expect(messagesOf(await pack.analyze(workspaceType, open), policy)).toEqual([
      'The machine learning workspace must use managed network isolation AllowOnlyApprovedOutbound or AllowInternetOutbound (got "Disabled").',
    ]);
  });
  it("keeps Microsoft-managed keys where a CMK is not required, but still checks a configured one", async () => {
    const policy = "azure-machinelearningservices-workspace-customer-managed-key";
    await pack.configure({ [policy]: { required: false } });
    const plain = workspace();
    delete plain["encryption"];
    expect(messagesOf(await pack.analyze(workspaceType, plain), policy)).toEqual([]);
    const half = workspace();
    delete at(half, "encryption", "keyVaultProperties")["keyIdentifier"];
    expect(messagesOf(await pack.analyze(workspaceType, half), policy)).toEqual([
      "The machine learning workspace's customer-managed key must name its Key Vault, key and user-assigned identity.",
    ]);
  });
  it("refuses system-assigned compute identities where userAssignedOnly is set", async () => {
    const policy = "azure-machinelearningservices-compute-managed-identity";
    await pack.configure({ [policy]: { userAssignedOnly: true } });
    expect(messagesOf(await pack.analyze(computeType, { ...cluster(), identity: { type: "SystemAssigned" } }), policy)).toEqual([
      'The machine learning compute must have a user-assigned managed identity (got "SystemAssigned").',
    ]);
  });
});

describe("stack policies of the workspace", () => {
  const account = (props: Props) => resourceRecord("azure-native:storage:StorageAccount", "st", props);
  const ws = (storageUrn: string, props: Props = {}) =>
    resourceRecord(workspaceType, "mlw", { ...workspace(), name: "mlw", ...props }, { storageAccount: [storageUrn] });

  describe("azure-machinelearningservices-workspace-hbi-storage-private", () => {
    const policy = "azure-machinelearningservices-workspace-hbi-storage-private";
    it("accepts an HBI workspace whose storage is closed", async () => {
      const st = account({ publicNetworkAccess: "Disabled" });
      expect(messagesOf(await pack.judge([st, ws(st.urn)]), policy)).toEqual([]);
    });
    it("refuses an HBI workspace whose storage is public", async () => {
      const st = account({ publicNetworkAccess: "Enabled", networkRuleSet: { defaultAction: "Allow" } });
      expect(messagesOf(await pack.judge([st, ws(st.urn)]), policy)).toEqual([
        "The storage account 'st' of the high business impact workspace 'mlw' must not be publicly accessible.",
      ]);
    });
    it("does not judge the storage of a workspace that is not HBI", async () => {
      const st = account({ publicNetworkAccess: "Enabled" });
      expect(messagesOf(await pack.judge([st, ws(st.urn, { hbiWorkspace: false })]), policy)).toEqual([]);
    });
    it("accepts a deny-by-default IP allow list where the config allows it", async () => {
      await pack.configure({ [policy]: { allowPublicWithIpRules: true } });
      try {
        const st = account({ publicNetworkAccess: "Enabled", networkRuleSet: { defaultAction: "Deny", ipRules: [{ iPAddressOrRange: "203.0.113.0/24" }] } });
        expect(messagesOf(await pack.judge([st, ws(st.urn)]), policy)).toEqual([]);
      } finally {
        await pack.configure({});
      }
    });
  });

  describe("azure-machinelearningservices-compute-network-isolated", () => {
    const policy = "azure-machinelearningservices-compute-network-isolated";
    const compute = (wsUrn: string, props: Props = cluster()) => resourceRecord(computeType, "cpu", props, { workspaceName: [wsUrn] });
    it("accepts a compute of a workspace with a managed network", async () => {
      const w = ws("none");
      expect(messagesOf(await pack.judge([w, compute(w.urn)]), policy)).toEqual([]);
    });
    it("accepts a compute with its own subnet when the workspace has no managed network", async () => {
      const w = ws("none", { managedNetwork: { isolationMode: "Disabled" } });
      const c = cluster();
      inner(c)["subnet"] = { id: `${ids}/Microsoft.Network/virtualNetworks/vnet/subnets/compute` };
      expect(messagesOf(await pack.judge([w, compute(w.urn, c)]), policy)).toEqual([]);
    });
    it("refuses a compute outside any network", async () => {
      const w = ws("none", { managedNetwork: { isolationMode: "Disabled" } });
      expect(messagesOf(await pack.judge([w, compute(w.urn)]), policy)).toEqual([
        "The machine learning compute 'cpu' must run in a virtual network: give it a subnet or its workspace 'mlw' a managed network.",
      ]);
    });
  });
});
