import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { DefenderPlans, MlWorkspace, mlWorkspaceDefaults, mlIdentityRoles } = await import("../../components");
const { builtInRoles } = await import("../../constants/roles");
type Args = ConstructorParameters<typeof MlWorkspace>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${sub}/resourceGroups/rg-team/providers`;
const registryId = `${rg}/Microsoft.ContainerRegistry/registries/crteam`;
const logsId = `${rg}/Microsoft.OperationalInsights/workspaces/log-team`;
const alice = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

const minimal: Args = {
  resourceGroupName: "rg-team",
  logAnalyticsWorkspaceId: logsId,
  containerRegistryId: registryId,
  privateEndpoint: { subnetId: `${rg}/Microsoft.Network/virtualNetworks/vnet/subnets/pe`, virtualNetworkId: `${rg}/Microsoft.Network/virtualNetworks/vnet` },
  computeInstances: [{ name: "alice-ci", assignedUserObjectId: alice }],
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
/** Builds the component under a fresh name and returns what it registered (and nothing a neighbour did). */
async function build(args: Args): Promise<RecordedResource[]> {
  const name = `mlw${++counter}`;
  const rs = await record(() => new MlWorkspace(name, args));
  return rs.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}
/** The one child of `type` (and, when given, with the child key `key`: its name after the component's). */
const one = (rs: readonly RecordedResource[], type: string, key?: string): RecordedResource => {
  const found = rs.filter((r) => r.type === type && (key === undefined || r.name.replace(/^mlw\d+-/, "") === key));
  if (found.length !== 1) throw new Error(`expected one ${type} ${key ?? ""}, found ${found.length}`);
  return found[0] as RecordedResource;
};
/**
 * Judges `rs` beside the subscription's Defender plans, as the platform creates them: once per
 * stack, not per workspace. (Configuring the pack's `managedOutsideStack` instead would turn the
 * plan checks off, so the pack would no longer be the strict one these tests promise.)
 */
async function judgeInStack(rs: readonly RecordedResource[]): ReturnType<TestPack["judge"]> {
  const plans = await record(() => new DefenderPlans(`plans${++counter}`));
  return pack.judge([...rs, ...plans]);
}
/**
 * The identities' roles, written out here rather than read from the component's `mlIdentityRoles`,
 * so a role the component adds, widens or moves fails a test: [child key, identity, scope, role].
 */
const identityRoles = [
  ["ws-storage-blob", "workspace", "storage", "Storage Blob Data Contributor"],
  ["ws-storage-file", "workspace", "storage", "Storage File Data Privileged Contributor"],
  ["ws-storage-approver", "workspace", "storage", "Azure AI Enterprise Network Connection Approver"],
  ["ws-kv-secrets", "workspace", "keyVault", "Key Vault Secrets Officer"],
  ["ws-kv-approver", "workspace", "keyVault", "Azure AI Enterprise Network Connection Approver"],
  ["ws-cmk", "workspace", "key", "Key Vault Crypto Service Encryption User"],
  ["ws-acr-push", "workspace", "registry", "AcrPush"],
  ["ws-acr-approver", "workspace", "registry", "Azure AI Enterprise Network Connection Approver"],
  ["ws-appi-metrics", "workspace", "applicationInsights", "Monitoring Metrics Publisher"],
  ["compute-acr-pull", "compute", "registry", "AcrPull"],
  ["compute-storage-blob", "compute", "storage", "Storage Blob Data Contributor"],
  ["compute-kv-secrets", "compute", "keyVault", "Key Vault Secrets User"],
  ["compute-metrics", "compute", "workspace", "AzureML Metrics Writer (preview)"],
] as const;
const roleGuid = (r: RecordedResource): string => String(r.inputs["roleDefinitionId"]).split("/").pop() ?? "";

describe("MlWorkspace with its defaults", () => {
  it("creates the workspace, its dependencies, identities, roles, endpoints, DNS, logs and computes", async () => {
    const rs = await build(minimal);
    const n = `mlw${counter}`;
    const names = rs.filter((r) => r.custom).map((r) => `${r.type.split(":").slice(1).join(":")}::${r.name.slice(n.length + 1)}`);
    expect(names.sort()).toEqual(
      [
        "managedidentity:UserAssignedIdentity::identity",
        "managedidentity:UserAssignedIdentity::compute-identity",
        "keyvault:Vault::kv",
        "keyvault:Key::cmk",
        "monitor:DiagnosticSetting::kv-diagnostics",
        "storage:StorageAccount::st",
        "storage:BlobServiceProperties::st-blob",
        "storage:FileServiceProperties::st-file",
        "monitor:DiagnosticSetting::st-blob-diagnostics",
        "monitor:DiagnosticSetting::st-file-diagnostics",
        "applicationinsights:Component::appi",
        "machinelearningservices:Workspace::workspace",
        "monitor:DiagnosticSetting::diagnostics",
        "machinelearningservices:Compute::cluster-cpu-cluster",
        "machinelearningservices:Compute::instance-alice-ci",
        ...identityRoles.map(([key]) => `authorization:RoleAssignment::role-${key}`),
        ...["amlworkspace", "vault", "blob", "file"].flatMap((g) => [`network:PrivateEndpoint::${g}-pe`, `network:PrivateDnsZoneGroup::${g}-dns-group`, `privatedns:PrivateZone::${g}-dns`, `privatedns:VirtualNetworkLink::${g}-dns-link`]),
        "privatedns:PrivateZone::amlworkspace-dns-notebooks-azure-net",
        "privatedns:VirtualNetworkLink::amlworkspace-dns-notebooks-azure-net-link",
      ].sort(),
    );
  });

  it("sets exactly the workspace inputs it owns", async () => {
    const rs = await build(minimal);
    const n = `mlw${counter}`;
    const identity = one(rs, "azure-native:managedidentity:UserAssignedIdentity", "identity");
    const vault = one(rs, "azure-native:keyvault:Vault");
    const account = one(rs, "azure-native:storage:StorageAccount");
    const appi = one(rs, "azure-native:applicationinsights:Component");
    expect(one(rs, "azure-native:machinelearningservices:Workspace").inputs).toEqual({
      workspaceName: n,
      resourceGroupName: "rg-team",
      kind: "Default",
      sku: { name: "Basic", tier: "Basic" },
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      primaryUserAssignedIdentity: identity.id,
      keyVault: vault.id,
      storageAccount: account.id,
      applicationInsights: appi.id,
      containerRegistry: registryId,
      publicNetworkAccess: "Disabled",
      allowPublicAccessWhenBehindVnet: false,
      hbiWorkspace: true,
      systemDatastoresAuthMode: "Identity",
      v1LegacyMode: false,
      imageBuildCompute: "cpu-cluster",
      managedNetwork: { isolationMode: "AllowOnlyApprovedOutbound", enableNetworkMonitor: false },
      encryption: {
        status: "Enabled",
        keyVaultProperties: { keyVaultArmId: vault.id, keyIdentifier: one(rs, "azure-native:keyvault:Key").outputs["keyUriWithVersion"] },
        identity: { userAssignedIdentity: identity.id },
      },
    });
  });

  it("hardens the vault, key, storage, Application Insights and computes", async () => {
    const rs = await build(minimal);
    const identity = one(rs, "azure-native:managedidentity:UserAssignedIdentity", "identity");
    const computeIdentity = one(rs, "azure-native:managedidentity:UserAssignedIdentity", "compute-identity");
    expect(one(rs, "azure-native:keyvault:Vault").inputs["properties"]).toEqual({
      tenantId: "72f988bf-0000-4000-8000-00000000c0de",
      sku: { family: "A", name: "premium" },
      enableRbacAuthorization: true,
      accessPolicies: [],
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      publicNetworkAccess: "Disabled",
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
    });
    expect(one(rs, "azure-native:keyvault:Key").inputs["properties"]).toEqual({
      kty: "RSA-HSM",
      keySize: 3072,
      keyOps: ["wrapKey", "unwrapKey"],
      attributes: { enabled: true, exportable: false },
      rotationPolicy: {
        attributes: { expiryTime: "P2Y" },
        lifetimeActions: [
          { action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } },
          { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
        ],
      },
    });
    const account = one(rs, "azure-native:storage:StorageAccount").inputs;
    expect({ ...account, accountName: undefined }).toEqual({
      accountName: undefined,
      resourceGroupName: "rg-team",
      kind: "StorageV2",
      sku: { name: "Standard_ZRS" },
      accessTier: "Hot",
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      isLocalUserEnabled: false,
      isSftpEnabled: false,
      isHnsEnabled: false,
      publicNetworkAccess: "Disabled",
      networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
      sasPolicy: { sasExpirationPeriod: "1.00:00:00", expirationAction: "Block" },
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      encryption: {
        requireInfrastructureEncryption: true,
        services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
        keySource: "Microsoft.Keyvault",
        keyVaultProperties: { keyName: "cmk-workspace", keyVaultUri: `https://kv${`mlw${counter}`}.vault.azure.net/` },
        encryptionIdentity: { encryptionUserAssignedIdentity: identity.id },
      },
    });
    const appi = one(rs, "azure-native:applicationinsights:Component").inputs;
    expect([appi["workspaceResourceId"], appi["ingestionMode"], appi["disableLocalAuth"], appi["publicNetworkAccessForIngestion"], appi["publicNetworkAccessForQuery"]]).toEqual([
      logsId,
      "LogAnalytics",
      true,
      "Disabled",
      "Disabled",
    ]);
    const clusterProps = one(rs, "azure-native:machinelearningservices:Compute", "cluster-cpu-cluster").inputs;
    expect(clusterProps["identity"]).toEqual({ type: "UserAssigned", userAssignedIdentities: [computeIdentity.id] });
    expect(clusterProps["properties"]).toEqual({
      computeType: "AmlCompute",
      disableLocalAuth: true,
      properties: {
        vmSize: "Standard_DS3_v2",
        vmPriority: "Dedicated",
        osType: "Linux",
        enableNodePublicIp: false,
        remoteLoginPortPublicAccess: "Disabled",
        scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT15M" },
      },
    });
    expect(one(rs, "azure-native:machinelearningservices:Compute", "instance-alice-ci").inputs["properties"]).toEqual({
      computeType: "ComputeInstance",
      disableLocalAuth: true,
      properties: {
        vmSize: "Standard_DS3_v2",
        enableNodePublicIp: false,
        idleTimeBeforeShutdown: "PT60M",
        applicationSharingPolicy: "Personal",
        computeInstanceAuthorizationType: "personal",
        personalComputeInstanceSettings: { assignedUser: { objectId: alice, tenantId: "72f988bf-0000-4000-8000-00000000c0de" } },
        sshSettings: { sshPublicAccess: "Disabled" },
      },
    });
  });

  it("passes every policy of the strict pack beside the stack's Defender plans", async () => {
    const violations = await judgeInStack(await build(minimal));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("needs Defender for Storage and Key Vault in its stack: alone, the strict pack asks for the plans", async () => {
    const violations = await pack.judge(await build(minimal));
    const n = `mlw${counter}`;
    expect(violations.map((v) => `${v.policyName}: ${v.message}`).sort()).toEqual([
      `azure-security-defender-for-key-vault-enabled: The stack must enable Defender for Key Vault (Standard) for the key vault '${n}-kv'.`,
      `azure-security-defender-for-storage-enabled: The stack must enable Defender for Storage (Standard) for the storage account '${n}-st'.`,
    ]);
  });

  it("outputs the workspace and the identities Azure returns", async () => {
    const ws = new MlWorkspace("outputs-mlw", minimal);
    const read = <T>(o: { apply<U>(f: (v: T) => U): unknown }): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));
    const [name, principal, keyId, computes] = await Promise.all([read(ws.workspaceName), read(ws.identityPrincipalId), read(ws.customerManagedKeyId), read(ws.computeNames)]);
    expect(name).toBe("outputs-mlw");
    expect(principal).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keyId).toMatch(/^https:\/\/kvoutputsmlw\.vault\.azure\.net\/keys\/cmk-workspace\/[0-9a-f]{32}$/);
    expect(computes).toEqual(["cpu-cluster", "alice-ci"]);
  });
});

describe("the identities' role assignments", () => {
  it("grant each identity only its listed roles, at the narrowest scope, to service principals", async () => {
    const rs = await build(minimal);
    const n = `mlw${counter}`;
    const scopes: Record<string, string | undefined> = {
      storage: one(rs, "azure-native:storage:StorageAccount").id,
      keyVault: one(rs, "azure-native:keyvault:Vault").id,
      key: one(rs, "azure-native:keyvault:Key").id,
      registry: registryId,
      applicationInsights: one(rs, "azure-native:applicationinsights:Component").id,
      workspace: one(rs, "azure-native:machinelearningservices:Workspace").id,
    };
    const principals = {
      workspace: one(rs, "azure-native:managedidentity:UserAssignedIdentity", "identity").outputs["principalId"],
      compute: one(rs, "azure-native:managedidentity:UserAssignedIdentity", "compute-identity").outputs["principalId"],
    };
    const assignments = rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment");
    expect(assignments.length).toBeGreaterThan(0);
    expect(assignments.map((a) => [a.name, roleGuid(a), a.inputs["scope"], a.inputs["principalId"], a.inputs["principalType"]]).sort()).toEqual(
      identityRoles.map(([key, identity, target, role]) => [`${n}-role-${key}`, builtInRoles[role], scopes[target], principals[identity], "ServicePrincipal"]).sort(),
    );
    // The component's own table (which the stacks read to allow the deployer these roles) says the same.
    expect(mlIdentityRoles.map((r) => [r.key, r.identity, r.target, r.role])).toEqual(identityRoles.map((row) => [...row]));
  });

  it("makes the workspace wait for its identity's roles and the storage for the key role", async () => {
    const rs = await build(minimal);
    const ws = one(rs, "azure-native:machinelearningservices:Workspace");
    const wsRoles = rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.includes("-role-ws-"));
    expect(wsRoles.length).toBeGreaterThan(0);
    for (const role of wsRoles) expect(ws.dependencies).toContain(role.urn);
    expect(one(rs, "azure-native:storage:StorageAccount").dependencies).toContain(one(rs, "azure-native:authorization:RoleAssignment", "role-ws-cmk").urn);
  });

  it("grants groups the workspace roles passed in, keyed by name", async () => {
    const rs = await build({ ...minimal, roleAssignments: [{ name: "ds", role: "AzureML Data Scientist", principalId: "33333333-3333-4333-8333-333333333333", principalType: "Group" }] });
    const a = one(rs, "azure-native:authorization:RoleAssignment", "access-ds");
    expect([roleGuid(a), a.inputs["principalType"], a.inputs["scope"]]).toEqual([builtInRoles["AzureML Data Scientist"], "Group", one(rs, "azure-native:machinelearningservices:Workspace").id]);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  // Every key of mlWorkspaceDefaults appears here with exactly the policies that catch it, so a
  // new default without a policy fails this test.
  const relaxations: Record<keyof typeof mlWorkspaceDefaults, [Partial<Args>, string[]]> = {
    publicNetworkAccess: [
      { publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/24"] },
      [
        "azure-applicationinsights-component-public-network-disabled",
        "azure-keyvault-vault-public-network-disabled",
        "azure-machinelearningservices-workspace-hbi-storage-private",
        "azure-machinelearningservices-workspace-public-network-disabled",
        "azure-storage-account-public-network-disabled",
      ],
    ],
    trustedServicesBypass: [{ trustedServicesBypass: false }, ["azure-storage-account-trusted-services-bypass"]],
    isolationMode: [{ isolationMode: "AllowInternetOutbound" }, ["azure-machinelearningservices-workspace-managed-network-isolation"]],
    hbiWorkspace: [{ hbiWorkspace: false }, ["azure-machinelearningservices-workspace-hbi-enabled"]],
    customerManagedKey: [{ customerManagedKey: false }, ["azure-machinelearningservices-workspace-customer-managed-key", "azure-storage-account-customer-managed-key"]],
    systemDatastoresAuthMode: [{ systemDatastoresAuthMode: "AccessKey" }, ["azure-machinelearningservices-workspace-identity-datastore-auth"]],
    keyVaultSku: [{ keyVaultSku: "standard" }, ["azure-keyvault-key-hsm-backed"]],
    keyVaultPurgeProtection: [{ keyVaultPurgeProtection: false }, ["azure-keyvault-vault-purge-protection"]],
    keyVaultSoftDeleteDays: [{ keyVaultSoftDeleteDays: 7 }, ["azure-keyvault-vault-soft-delete"]],
    storageReplication: [{ storageReplication: "Standard_LRS" }, ["azure-storage-account-zone-or-geo-redundant"]],
    storageSharedKeyAccess: [{ storageSharedKeyAccess: true }, ["azure-storage-account-shared-key-disabled"]],
    storageHttpsOnly: [{ storageHttpsOnly: false }, ["azure-storage-account-https-only"]],
    storageMinimumTlsVersion: [{ storageMinimumTlsVersion: "TLS1_0" }, ["azure-storage-account-minimum-tls"]],
    storageBlobPublicAccess: [{ storageBlobPublicAccess: true }, ["azure-storage-account-blob-public-access-disabled"]],
    storageInfrastructureEncryption: [{ storageInfrastructureEncryption: false }, ["azure-storage-account-infrastructure-encryption"]],
    storageCrossTenantReplication: [{ storageCrossTenantReplication: true }, ["azure-storage-account-cross-tenant-replication-disabled"]],
    storageLocalUsers: [{ storageLocalUsers: true }, ["azure-storage-account-local-users-disabled"]],
    storageSasExpirationPeriod: [{ storageSasExpirationPeriod: "" }, ["azure-storage-account-sas-expiration-policy"]],
    blobVersioning: [{ blobVersioning: false }, ["azure-storage-blob-service-versioning"]],
    blobSoftDeleteDays: [{ blobSoftDeleteDays: 0 }, ["azure-storage-blob-service-soft-delete"]],
    applicationInsightsLocalAuth: [{ applicationInsightsLocalAuth: true }, ["azure-applicationinsights-component-local-auth-disabled"]],
    computeNodePublicIp: [{ computeNodePublicIp: true }, ["azure-machinelearningservices-compute-no-public-ip"]],
    computeSshPublicAccess: [{ computeSshPublicAccess: true }, ["azure-machinelearningservices-compute-ssh-disabled"]],
    computeLocalAuth: [{ computeLocalAuth: true }, ["azure-machinelearningservices-compute-local-auth-disabled"]],
    computeManagedIdentity: [{ computeManagedIdentity: false }, ["azure-machinelearningservices-compute-managed-identity"]],
    computeInstanceSharing: [{ computeInstanceSharing: "Shared" }, ["azure-machinelearningservices-compute-instance-personal"]],
    clusterMinNodes: [{ computeClusters: [{ name: "cpu-cluster", minNodes: 1 }] }, ["azure-machinelearningservices-compute-cluster-scale-down"]],
    clusterIdleMinutesBeforeScaleDown: [{ computeClusters: [{ name: "cpu-cluster", idleMinutesBeforeScaleDown: 120 }] }, ["azure-machinelearningservices-compute-cluster-scale-down"]],
    instanceIdleMinutesBeforeShutdown: [{ computeInstances: [{ name: "alice-ci", assignedUserObjectId: alice, idleMinutesBeforeShutdown: 0 }] }, ["azure-machinelearningservices-compute-instance-idle-shutdown"]],
  };
  it("has a relaxation for every default", () => {
    expect(Object.keys(relaxations).length).toBeGreaterThan(0);
  });
  for (const [key, [override, policies]] of Object.entries(relaxations)) {
    it(`is caught by ${policies.join(", ")} (${key})`, async () => {
      const violations = await judgeInStack(await build({ ...minimal, ...override }));
      expect(violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
      expect([...new Set(violations.map((v) => v.policyName))].sort()).toEqual(policies);
    });
  }
  it("lists every default", () => {
    expect(Object.keys(relaxations).sort()).toEqual(Object.keys(mlWorkspaceDefaults).sort());
  });
});

describe("other settings", () => {
  it("maps outbound rules to the managed network, keyed by name, with a firewall only for FQDN rules", async () => {
    const target = `${rg}/Microsoft.Storage/storageAccounts/datalake`;
    const rs = await build({
      ...minimal,
      firewallSku: "Basic",
      outboundRules: [
        { name: "pypi", type: "FQDN", destination: "pypi.org" },
        { name: "datalake", type: "PrivateEndpoint", serviceResourceId: target, subresourceTarget: "blob" },
        { name: "monitor", type: "ServiceTag", serviceTag: "AzureMonitor", protocol: "TCP", portRanges: "443" },
      ],
    });
    expect(one(rs, "azure-native:machinelearningservices:Workspace").inputs["managedNetwork"]).toEqual({
      isolationMode: "AllowOnlyApprovedOutbound",
      enableNetworkMonitor: false,
      firewallSku: "Basic",
      outboundRules: {
        pypi: { type: "FQDN", category: "UserDefined", destination: "pypi.org" },
        datalake: { type: "PrivateEndpoint", category: "UserDefined", destination: { serviceResourceId: target, subresourceTarget: "blob", sparkEnabled: false } },
        monitor: { type: "ServiceTag", category: "UserDefined", destination: { serviceTag: "AzureMonitor", protocol: "TCP", portRanges: "443", action: "Allow" } },
      },
    });
    expect(await judgeInStack(rs)).toEqual([]);
  });

  it("opens the vault and storage only to the named ranges, in the form their firewalls take", async () => {
    const rs = await build({ ...minimal, publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/24", "198.51.100.7/32", "192.0.2.1"] });
    expect((one(rs, "azure-native:keyvault:Vault").inputs["properties"] as Record<string, unknown>)["networkAcls"]).toEqual({
      defaultAction: "Deny",
      bypass: "AzureServices",
      ipRules: [{ value: "203.0.113.0/24" }, { value: "198.51.100.7" }, { value: "192.0.2.1" }],
    });
    expect(one(rs, "azure-native:storage:StorageAccount").inputs["networkRuleSet"]).toEqual({
      defaultAction: "Deny",
      bypass: "AzureServices",
      ipRules: ["203.0.113.0/24", "198.51.100.7", "192.0.2.1"].map((v) => ({ action: "Allow", iPAddressOrRange: v })),
    });
  });

  it("uses existing dependencies without creating them, and grants its roles on them", async () => {
    const kv = `${rg}/Microsoft.KeyVault/vaults/kv-shared`;
    const st = `${rg}/Microsoft.Storage/storageAccounts/stshared`;
    const appi = `${rg}/Microsoft.Insights/components/appi-shared`;
    const keyIdentifier = "https://kv-shared.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
    const rs = await build({ ...minimal, existingKeyVaultId: kv, existingStorageAccountId: st, existingApplicationInsightsId: appi, customerManagedKey: { keyVaultId: kv, keyIdentifier } });
    expect(rs.filter((r) => ["azure-native:keyvault:Vault", "azure-native:keyvault:Key", "azure-native:storage:StorageAccount", "azure-native:applicationinsights:Component"].includes(r.type))).toEqual([]);
    const ws = one(rs, "azure-native:machinelearningservices:Workspace").inputs;
    expect([ws["keyVault"], ws["storageAccount"], ws["applicationInsights"]]).toEqual([kv, st, appi]);
    expect((ws["encryption"] as Record<string, unknown>)["keyVaultProperties"]).toEqual({ keyVaultArmId: kv, keyIdentifier });
    expect(one(rs, "azure-native:authorization:RoleAssignment", "role-ws-cmk").inputs["scope"]).toBe(`${kv}/keys/cmk`);
    expect(one(rs, "azure-native:authorization:RoleAssignment", "role-ws-storage-blob").inputs["scope"]).toBe(st);
    expect(rs.filter((r) => r.type === "azure-native:network:PrivateEndpoint").map((r) => r.name.split("-").slice(-2)[0])).toEqual(["amlworkspace"]);
  });

  it("locks the workspace, vault and storage when asked", async () => {
    const rs = await build({ ...minimal, lock: "CanNotDelete" });
    const locks = rs.filter((r) => r.type === "azure-native:authorization:ManagementLockByScope");
    expect(locks.map((l) => [l.name.replace(/^mlw\d+-/, ""), l.inputs["level"], l.inputs["scope"]]).sort()).toEqual([
      ["lock-kv", "CanNotDelete", one(rs, "azure-native:keyvault:Vault").id],
      ["lock-st", "CanNotDelete", one(rs, "azure-native:storage:StorageAccount").id],
      ["lock-workspace", "CanNotDelete", one(rs, "azure-native:machinelearningservices:Workspace").id],
    ]);
  });
});

describe("when an argument is invalid", () => {
  const T = "secure-mlops:azure:MlWorkspace";
  const fqdn = (destination: string): Partial<Args> => ({ outboundRules: [{ name: "r", type: "FQDN", destination }] });
  const tag = (rule: Partial<{ serviceTag: string; portRanges: string; addressPrefixes: string[] }>): Partial<Args> => ({
    outboundRules: [{ name: "t", type: "ServiceTag", serviceTag: "AzureMonitor", protocol: "TCP", portRanges: "443", ...rule }],
  });
  const cases: [string, Partial<Args>, string][] = [
    ["an FQDN rule is a URL", fqdn("https://pypi.org/simple"), `${T}: [outboundRules[0].destination] must be a host name like "pypi.org" or "*.example.com" (no scheme, port, path or bare "*"), got "https://pypi.org/simple"`],
    ["an FQDN rule is a bare wildcard", fqdn("*"), `${T}: [outboundRules[0].destination] must be a host name like "pypi.org" or "*.example.com" (no scheme, port, path or bare "*"), got "*"`],
    ["an FQDN rule has a port", fqdn("pypi.org:443"), `${T}: [outboundRules[0].destination] must be a host name like "pypi.org" or "*.example.com" (no scheme, port, path or bare "*"), got "pypi.org:443"`],
    ["an FQDN rule has an empty label", fqdn("pypi..org"), `${T}: [outboundRules[0].destination] must be a host name like "pypi.org" or "*.example.com" (no scheme, port, path or bare "*"), got "pypi..org"`],
    ["an FQDN rule is used without approved-outbound isolation", { ...fqdn("pypi.org"), isolationMode: "AllowInternetOutbound" }, `${T}: [outboundRules[0]] FQDN rules need isolationMode AllowOnlyApprovedOutbound, got "AllowInternetOutbound"`],
    ["a rule is given without a managed network", { ...tag({}), isolationMode: "Disabled" }, `${T}: [outboundRules[0]] needs a managed network: isolationMode is Disabled`],
    ["two rules share a name", { outboundRules: [{ name: "pypi", type: "FQDN", destination: "pypi.org" }, { name: "PyPI", type: "FQDN", destination: "files.pythonhosted.org" }] }, `${T}: [outboundRules[1].name] "PyPI" is used twice`],
    ["a rule name has a space", { outboundRules: [{ name: "py pi", type: "FQDN", destination: "pypi.org" }] }, `${T}: [outboundRules[0].name] must be 1-64 letters, digits, "-" and "_", got "py pi"`],
    ["a port range is reversed", tag({ portRanges: "443-80" }), `${T}: [outboundRules[0].portRanges] must be ports or ranges within 1-65535 like "443" or "8000-8080", got "443-80"`],
    ["a port is zero", tag({ portRanges: "0" }), `${T}: [outboundRules[0].portRanges] must be ports or ranges within 1-65535 like "443" or "8000-8080", got "0"`],
    ["a service tag has a space", tag({ serviceTag: "Azure Monitor" }), `${T}: [outboundRules[0].serviceTag] must be an Azure service tag like "AzureMonitor" or "Storage.WestEurope", got "Azure Monitor"`],
    ["an address prefix is not CIDR", tag({ addressPrefixes: ["10.0.0.0/33"] }), `${T}: [outboundRules[0].addressPrefixes[0]] must be an IPv4 address or CIDR range, got "10.0.0.0/33"`],
    ["an IP range is not CIDR", { publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/24", "10.0.0.300/24"] }, `${T}: [allowedIpRanges[1]] must be an IPv4 address or CIDR range like 203.0.113.0/24, got "10.0.0.300/24"`],
    ["an IP range is a host name", { publicNetworkAccess: true, allowedIpRanges: ["office.example.com"] }, `${T}: [allowedIpRanges[0]] must be an IPv4 address or CIDR range like 203.0.113.0/24, got "office.example.com"`],
    ["an IP range is a /31", { publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/31"] }, `${T}: [allowedIpRanges[0]] must not be a /31 range (Key Vault and storage firewalls refuse it; list the two addresses), got "203.0.113.0/31"`],
    ["public access names no range", { publicNetworkAccess: true }, `${T}: [allowedIpRanges] must name at least one IPv4 range when publicNetworkAccess is true`],
    ["the registry id is not a registry", { containerRegistryId: `${rg}/Microsoft.Storage/storageAccounts/st` }, `${T}: [containerRegistryId] must be the ARM id of a Microsoft.ContainerRegistry/registries resource, got "${rg}/Microsoft.Storage/storageAccounts/st"`],
    ["the workspace name is too short", { workspaceName: "ml" }, `${T}: [workspaceName] must be 3-33 letters, digits, "-" and "_", starting with a letter or digit, got "ml"`],
    ["the vault name has two dashes", { keyVaultName: "kv--ml" }, `${T}: [keyVaultName] must be 3-24 letters, digits and single hyphens, starting with a letter, got "kv--ml"`],
    ["the storage name has capitals", { storageAccountName: "StMl" }, `${T}: [storageAccountName] must be 3-24 lower-case letters and digits, got "StMl"`],
    ["an existing key has no version", { customerManagedKey: { keyVaultId: `${rg}/Microsoft.KeyVault/vaults/kv`, keyIdentifier: "https://kv.vault.azure.net/keys/cmk" } }, `${T}: [customerManagedKey.keyIdentifier] must be a versioned key identifier https://<vault>.vault.azure.net/keys/<name>/<version>, got "https://kv.vault.azure.net/keys/cmk"`],
    ["a key is to be created in an existing vault", { existingKeyVaultId: `${rg}/Microsoft.KeyVault/vaults/kv` }, `${T}: [customerManagedKey] cannot create a key in an existing Key Vault; pass { keyVaultId, keyIdentifier } of an existing key`],
    ["one DNS zone id is given for five zones", { privateEndpoint: { subnetId: "/s", virtualNetworkId: "/v", privateDnsZoneId: "/z" } }, `${T}: [privateEndpoint.privateDnsZoneId] is ambiguous for a workspace (five zones); pass privateDnsZoneIds keyed by zone name`],
    ["created zones would have no network link", { privateEndpoint: { subnetId: "/s" } }, `${T}: [privateEndpoint.virtualNetworkId] is required to link the private DNS zones the component creates (privatelink.api.azureml.ms, privatelink.notebooks.azure.net, privatelink.vaultcore.azure.net, privatelink.blob.core.windows.net, privatelink.file.core.windows.net), or pass them all in privateDnsZoneIds`],
    ["a cluster name is too long", { computeClusters: [{ name: "a-very-long-cluster-name" }] }, `${T}: [computeClusters[0].name] must be 2-16 letters, digits and hyphens, starting with a letter, got "a-very-long-cluster-name"`],
    ["a cluster and an instance share a name", { computeClusters: [{ name: "alice-ci" }] }, `${T}: [computeInstances[0].name] "alice-ci" is used twice (cluster and instance names share one namespace)`],
    ["a cluster's minimum exceeds its maximum", { computeClusters: [{ name: "gpu", minNodes: 3, maxNodes: 2 }] }, `${T}: [computeClusters[0].maxNodes] must be an integer >= 1 and >= minNodes (3), got 2`],
    ["an instance shuts down after 5 minutes", { computeInstances: [{ name: "alice-ci", assignedUserObjectId: alice, idleMinutesBeforeShutdown: 5 }] }, `${T}: [computeInstances[0].idleMinutesBeforeShutdown] must be 0 (off) or an integer from 15 to 4320, got 5`],
    ["an instance is assigned to a user name", { computeInstances: [{ name: "alice-ci", assignedUserObjectId: "alice@example.com" }] }, `${T}: [computeInstances[0].assignedUserObjectId] must be an Entra object id (GUID), got "alice@example.com"`],
    ["a role goes to a user", { roleAssignments: [{ name: "alice", role: "AzureML Data Scientist", principalId: alice, principalType: "User" as never }] }, `${T}: [roleAssignments[0].principalType] must be ServicePrincipal or Group (never a user), got "User"`],
    ["the vault keeps deleted keys 100 days", { keyVaultSoftDeleteDays: 100 }, `${T}: [keyVaultSoftDeleteDays] must be an integer from 7 to 90, got 100`],
    ["the SAS period is in hours", { storageSasExpirationPeriod: "24h" }, `${T}: [storageSasExpirationPeriod] must be "D.HH:MM:SS" like "1.00:00:00", or "" for none, got "24h"`],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const name = `bad${++counter}`;
      expectArgumentError(() => new MlWorkspace(name, { ...minimal, ...override }), message);
      const all = await recordWithOfflineMocks();
      await record(() => undefined);
      expect(all.filter((r) => r.custom && r.name.startsWith(`${name}-`))).toEqual([]);
    });
  }
});
