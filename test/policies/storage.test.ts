import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const accountType = "azure-native:storage:StorageAccount";
const blobServiceType = "azure-native:storage:BlobServiceProperties";
const containerType = "azure-native:storage:BlobContainer";
const uami = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-mlw";
const computed = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Props = Record<string, unknown>;

const account = (): Props => ({
  resourceGroupName: "rg",
  accountName: "stmlw",
  kind: "StorageV2",
  sku: { name: "Standard_ZRS" },
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
  allowCrossTenantReplication: false,
  isLocalUserEnabled: false,
  isSftpEnabled: false,
  publicNetworkAccess: "Disabled",
  networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
  sasPolicy: { sasExpirationPeriod: "1.00:00:00", expirationAction: "Block" },
  identity: { type: "UserAssigned", userAssignedIdentities: [uami] },
  encryption: {
    requireInfrastructureEncryption: true,
    keySource: "Microsoft.Keyvault",
    keyVaultProperties: { keyName: "cmk", keyVaultUri: "https://kv-mlw.vault.azure.net/" },
    encryptionIdentity: { encryptionUserAssignedIdentity: uami },
  },
});

const blobService = (): Props => ({
  resourceGroupName: "rg",
  accountName: "stmlw",
  blobServicesName: "default",
  isVersioningEnabled: true,
  deleteRetentionPolicy: { enabled: true, days: 14 },
  containerDeleteRetentionPolicy: { enabled: true, days: 14 },
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
const at = (p: Props, k: string): Props => p[k] as Props;

describe("a compliant storage account, blob service and container", () => {
  it("pass every resource policy of the strict pack", async () => {
    expect(await verdicts(accountType, account())).toEqual({});
    expect(await verdicts(blobServiceType, blobService())).toEqual({});
    expect(await verdicts(containerType, { resourceGroupName: "rg", accountName: "stmlw", publicAccess: "None" })).toEqual({});
  });
  it("count a key name computed during the update as set", async () => {
    const p = account();
    at(at(p, "encryption"), "keyVaultProperties")["keyName"] = computed;
    expect(await verdicts(accountType, p)).toEqual({});
  });
});

type Case = [when: string, flip: (p: Props) => void, policy: string, message: string];

describe("when one secure setting of the account is flipped", () => {
  const cases: Case[] = [
    ["HTTP is accepted", (p) => (p["enableHttpsTrafficOnly"] = false), "azure-storage-account-https-only", "The storage account must accept HTTPS traffic only."],
    ["TLS 1.0 is accepted", (p) => (p["minimumTlsVersion"] = "TLS1_0"), "azure-storage-account-minimum-tls", 'The storage account must require TLS 1.2 or later (got "TLS1_0").'],
    ["the TLS minimum is left to ARM's default", (p) => delete p["minimumTlsVersion"], "azure-storage-account-minimum-tls", "The storage account must require TLS 1.2 or later (got null)."],
    ["blob public access is allowed", (p) => (p["allowBlobPublicAccess"] = true), "azure-storage-account-blob-public-access-disabled", "The storage account must have blob public access disabled."],
    ["public network access is on", (p) => (p["publicNetworkAccess"] = "Enabled"), "azure-storage-account-public-network-disabled", "The storage account must have public network access disabled."],
    ["the firewall allows by default", (p) => (at(p, "networkRuleSet")["defaultAction"] = "Allow"), "azure-storage-account-network-default-deny", "The storage account's firewall must deny by default."],
    ["trusted services are not let through", (p) => (at(p, "networkRuleSet")["bypass"] = "None"), "azure-storage-account-trusted-services-bypass", "The storage account's firewall must let trusted Azure services through."],
    ["shared keys are allowed", (p) => (p["allowSharedKeyAccess"] = true), "azure-storage-account-shared-key-disabled", "The storage account must have shared key access disabled."],
    ["shared keys are left to ARM's default", (p) => delete p["allowSharedKeyAccess"], "azure-storage-account-shared-key-disabled", "The storage account must have shared key access disabled."],
    ["infrastructure encryption is off", (p) => (at(p, "encryption")["requireInfrastructureEncryption"] = false), "azure-storage-account-infrastructure-encryption", "The storage account must have infrastructure encryption enabled."],
    ["cross-tenant replication is on", (p) => (p["allowCrossTenantReplication"] = true), "azure-storage-account-cross-tenant-replication-disabled", "The storage account must have cross-tenant replication disabled."],
    ["local users are on", (p) => (p["isLocalUserEnabled"] = true), "azure-storage-account-local-users-disabled", "The storage account must have local users and SFTP disabled."],
    ["there is no SAS expiration policy", (p) => delete p["sasPolicy"], "azure-storage-account-sas-expiration-policy", "The storage account must have a SAS expiration policy."],
    ["SAS tokens may live a week", (p) => (at(p, "sasPolicy")["sasExpirationPeriod"] = "7.00:00:00"), "azure-storage-account-sas-expiration-policy", 'The storage account\'s SAS expiration period must be at most 24 hours (got "7.00:00:00").'],
    ["it uses Microsoft-managed keys", (p) => (p["encryption"] = { requireInfrastructureEncryption: true, keySource: "Microsoft.Storage" }), "azure-storage-account-customer-managed-key", "The storage account must be encrypted with a customer-managed key."],
    ["its key names no vault", (p) => delete at(at(p, "encryption"), "keyVaultProperties")["keyVaultUri"], "azure-storage-account-customer-managed-key", "The storage account's customer-managed key must name its key, vault and identity."],
    ["it is locally redundant", (p) => (p["sku"] = { name: "Standard_LRS" }), "azure-storage-account-zone-or-geo-redundant", 'The storage account must be zone or geo redundant (got "Standard_LRS").'],
  ];
  for (const [when, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const p = account();
      flip(p);
      expect(await verdicts(accountType, p)).toEqual({ [policy]: [message] });
    });
  }
});

describe("when one secure setting of the blob service or a container is flipped", () => {
  const cases: Case[] = [
    ["blob soft delete is off", (p) => (p["deleteRetentionPolicy"] = { enabled: false }), "azure-storage-blob-service-soft-delete", "The blob service must have soft delete for blobs enabled."],
    ["container soft delete keeps 1 day", (p) => (p["containerDeleteRetentionPolicy"] = { enabled: true, days: 1 }), "azure-storage-blob-service-soft-delete", "The blob service must keep deleted containers at least 7 days (got 1)."],
    ["versioning is off", (p) => (p["isVersioningEnabled"] = false), "azure-storage-blob-service-versioning", "The blob service must have versioning enabled."],
  ];
  for (const [when, flip, policy, message] of cases) {
    it(`refuses the blob service when ${when}`, async () => {
      const p = blobService();
      flip(p);
      expect(await verdicts(blobServiceType, p)).toEqual({ [policy]: [message] });
    });
  }
  it("refuses a container with anonymous blob access", async () => {
    expect(await verdicts(containerType, { resourceGroupName: "rg", accountName: "stmlw", publicAccess: "Blob" })).toEqual({
      "azure-storage-blob-container-private": ['The blob container must not allow anonymous access (got "Blob").'],
    });
  });
});

describe("with the dev pack config", () => {
  afterAll(() => pack.configure({}));
  it("allows public access behind a deny-by-default IP allow list only", async () => {
    const policy = "azure-storage-account-public-network-disabled";
    await pack.configure({ [policy]: { allowPublicWithIpRules: true } });
    const open = { ...account(), publicNetworkAccess: "Enabled" };
    expect(messagesOf(await pack.analyze(accountType, open), policy)).toEqual([
      "The storage account must disable public network access or deny by default with an IP allow list.",
    ]);
    const listed = { ...open, networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ action: "Allow", iPAddressOrRange: "203.0.113.0/24" }] } };
    expect(messagesOf(await pack.analyze(accountType, listed), policy)).toEqual([]);
  });
  it("keeps Microsoft-managed keys where a CMK is not required", async () => {
    const policy = "azure-storage-account-customer-managed-key";
    await pack.configure({ [policy]: { required: false } });
    expect(messagesOf(await pack.analyze(accountType, { ...account(), encryption: { requireInfrastructureEncryption: true, keySource: "Microsoft.Storage" } }), policy)).toEqual([]);
  });
});

describe("azure-security-defender-for-storage-enabled", () => {
  const policy = "azure-security-defender-for-storage-enabled";
  const st = resourceRecord(accountType, "st", account());
  it("accepts a stack with an account and the Standard StorageAccounts plan", async () => {
    const plan = resourceRecord("azure-native:security:Pricing", "defender-st", { pricingName: "StorageAccounts", pricingTier: "Standard", subPlan: "DefenderForStorageV2", scopeId: "/subscriptions/s" });
    expect(messagesOf(await pack.judge([st, plan]), policy)).toEqual([]);
  });
  it("refuses a stack with an account and no plan", async () => {
    expect(messagesOf(await pack.judge([st]), policy)).toEqual(["The stack must enable Defender for Storage (Standard) for the storage account 'st'."]);
  });
});
