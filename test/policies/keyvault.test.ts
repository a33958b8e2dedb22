import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const vaultType = "azure-native:keyvault:Vault";
const keyType = "azure-native:keyvault:Key";
const secretType = "azure-native:keyvault:Secret";
const computed = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Props = Record<string, unknown>;

const vault = (): Props => ({
  resourceGroupName: "rg",
  vaultName: "kv-mlw",
  properties: {
    tenantId: "72f988bf-0000-4000-8000-00000000c0de",
    sku: { family: "A", name: "premium" },
    enableRbacAuthorization: true,
    accessPolicies: [],
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: true,
    publicNetworkAccess: "Disabled",
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
  },
});

const key = (): Props => ({
  resourceGroupName: "rg",
  vaultName: "kv-mlw",
  keyName: "cmk",
  properties: {
    kty: "RSA-HSM",
    keySize: 3072,
    keyOps: ["wrapKey", "unwrapKey"],
    rotationPolicy: {
      attributes: { expiryTime: "P2Y" },
      lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } }],
    },
  },
});

const secret = (): Props => ({
  resourceGroupName: "rg",
  vaultName: "kv-mlw",
  secretName: "api-token",
  properties: { value: "s3cr3t", contentType: "text/plain", attributes: { expires: 1924992000 } },
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
const inProps = (p: Props): Props => p["properties"] as Props;

describe("a compliant vault, key and secret", () => {
  it("pass every resource policy of the strict pack", async () => {
    expect(await verdicts(vaultType, vault())).toEqual({});
    expect(await verdicts(keyType, key())).toEqual({});
    expect(await verdicts(secretType, secret())).toEqual({});
  });
  it("count an expiry computed during the update as set", async () => {
    const s = secret();
    (inProps(s)["attributes"] as Props)["expires"] = computed;
    expect(await verdicts(secretType, s)).toEqual({});
  });
});

type Case = [when: string, type: string, make: () => Props, flip: (p: Props) => void, policy: string, message: string];

describe("when one secure setting is flipped", () => {
  const cases: Case[] = [
    ["the vault uses access policies", vaultType, vault, (p) => (inProps(p)["enableRbacAuthorization"] = false), "azure-keyvault-vault-rbac-authorization", "The key vault must use RBAC authorization."],
    ["the RBAC flag is left to ARM's default", vaultType, vault, (p) => delete inProps(p)["enableRbacAuthorization"], "azure-keyvault-vault-rbac-authorization", "The key vault must use RBAC authorization."],
    ["an RBAC vault still carries an access policy", vaultType, vault, (p) => (inProps(p)["accessPolicies"] = [{ tenantId: "t", objectId: "o", permissions: { secrets: ["get"] } }]), "azure-keyvault-vault-rbac-authorization", "The key vault must not have access policies."],
    ["purge protection is off", vaultType, vault, (p) => (inProps(p)["enablePurgeProtection"] = false), "azure-keyvault-vault-purge-protection", "The key vault must have purge protection enabled."],
    ["soft delete is off", vaultType, vault, (p) => (inProps(p)["enableSoftDelete"] = false), "azure-keyvault-vault-soft-delete", "The key vault must have soft delete enabled."],
    ["soft delete keeps 7 days", vaultType, vault, (p) => (inProps(p)["softDeleteRetentionInDays"] = 7), "azure-keyvault-vault-soft-delete", "The key vault must keep deleted objects at least 90 days (got 7)."],
    ["public network access is on", vaultType, vault, (p) => (inProps(p)["publicNetworkAccess"] = "Enabled"), "azure-keyvault-vault-public-network-disabled", "The key vault must have public network access disabled."],
    ["public access is left to ARM's default", vaultType, vault, (p) => delete inProps(p)["publicNetworkAccess"], "azure-keyvault-vault-public-network-disabled", "The key vault must have public network access disabled."],
    ["the closed vault's firewall allows by default", vaultType, vault, (p) => (inProps(p)["networkAcls"] = { defaultAction: "Allow" }), "azure-keyvault-vault-public-network-disabled", "The key vault's firewall must deny by default."],
    ["the key never expires", keyType, key, (p) => delete (inProps(p)["rotationPolicy"] as Props)["attributes"], "azure-keyvault-key-expiration", "The key vault key must have an expiration date."],
    ["the key has no rotation policy", keyType, key, (p) => ((inProps(p)["rotationPolicy"] as Props)["lifetimeActions"] = [{ action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } }]), "azure-keyvault-key-rotation-policy", "The key vault key must have a rotation policy that rotates it."],
    ["the key rotates after two years", keyType, key, (p) => ((inProps(p)["rotationPolicy"] as Props)["lifetimeActions"] = [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P2Y" } }]), "azure-keyvault-key-rotation-policy", "The key vault key must rotate within 365 days of creation."],
    ["the key is a software key", keyType, key, (p) => (inProps(p)["kty"] = "RSA"), "azure-keyvault-key-hsm-backed", 'The key vault key must be HSM-backed (got "RSA").'],
    ["the secret never expires", secretType, secret, (p) => delete inProps(p)["attributes"], "azure-keyvault-secret-expiration", "The key vault secret must have an expiration date."],
    ["the secret has no content type", secretType, secret, (p) => delete inProps(p)["contentType"], "azure-keyvault-secret-content-type", "The key vault secret must have a content type."],
  ];
  for (const [when, type, make, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const p = make();
      flip(p);
      expect(await verdicts(type, p)).toEqual({ [policy]: [message] });
    });
  }
  it("accepts a rotation timed before expiry that lands within the limit", async () => {
    const p = key();
    (inProps(p)["rotationPolicy"] as Props)["lifetimeActions"] = [{ action: { type: "rotate" }, trigger: { timeBeforeExpiry: "P400D" } }];
    expect(await verdicts(keyType, p)).toEqual({});
  });
});

describe("with the dev pack config", () => {
  afterAll(() => pack.configure({}));
  it("allows public access behind a deny-by-default IP allow list only", async () => {
    const policy = "azure-keyvault-vault-public-network-disabled";
    await pack.configure({ [policy]: { allowPublicWithIpRules: true } });
    const open = vault();
    inProps(open)["publicNetworkAccess"] = "Enabled";
    expect(messagesOf(await pack.analyze(vaultType, open), policy)).toEqual([
      "The key vault must disable public network access or deny by default with an IP allow list.",
    ]);
    inProps(open)["networkAcls"] = { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.0/24" }] };
    expect(messagesOf(await pack.analyze(vaultType, open), policy)).toEqual([]);
  });
});

describe("azure-security-defender-for-key-vault-enabled", () => {
  const policy = "azure-security-defender-for-key-vault-enabled";
  const kv = resourceRecord(vaultType, "kv", vault());
  const plan = (tier: string) => resourceRecord("azure-native:security:Pricing", "defender-kv", { pricingName: "KeyVaults", pricingTier: tier, scopeId: "/subscriptions/s" });
  it("accepts a stack with a vault and the Standard KeyVaults plan", async () => {
    expect(messagesOf(await pack.judge([kv, plan("Standard")]), policy)).toEqual([]);
  });
  it("refuses a stack with a vault and a Free plan", async () => {
    expect(messagesOf(await pack.judge([kv, plan("Free")]), policy)).toEqual([
      "The stack must enable Defender for Key Vault (Standard) for the key vault 'kv'.",
    ]);
  });
  it("trusts a landing zone that manages the plan when configured to", async () => {
    await pack.configure({ [policy]: { managedOutsideStack: true } });
    try {
      expect(messagesOf(await pack.judge([kv]), policy)).toEqual([]);
    } finally {
      await pack.configure({});
    }
  });
});
