import {
  validateResourceOfType,
  type ResourceValidationPolicy,
} from "@pulumi/policy";
import { keyvault } from "./lib/type-tokens";
import { isoDurationSeconds } from "./lib/duration";
import { mapped } from "./lib/metadata";
import { isSetOrComputed } from "./lib/preview";
import { sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Azure Key Vault: vaults, keys and secrets. The vault holds the ML workspace's secrets and its
// customer-managed key, so losing it (purge) or opening it (access policies, public network) is
// losing the data it protects.

export const vaultRbacAuthorization: ResourceValidationPolicy = {
  name: "azure-keyvault-vault-rbac-authorization",
  description:
    "Key vaults must use Azure RBAC for data-plane access and carry no access policies, so access is granted, " +
    "reviewed and audited like every other role.",
  severity: "high",
  remediationSteps: "Set `properties.enableRbacAuthorization: true`, remove `accessPolicies`, and grant Key Vault roles.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    azurePolicy: ["12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"],
    tags: ["keyvault", "identity"],
  }),
  validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, report) => {
    // API 2024-11-01 defaults to access policies when the flag is missing.
    if (vault.properties.enableRbacAuthorization !== true) {
      report("The key vault must use RBAC authorization.");
    } else if ((vault.properties.accessPolicies ?? []).length > 0) {
      report("The key vault must not have access policies.");
    }
  }),
};

export const vaultPurgeProtection: ResourceValidationPolicy = {
  name: "azure-keyvault-vault-purge-protection",
  description: "Key vaults must have purge protection, so a deleted vault or key cannot be destroyed before its retention ends.",
  severity: "high",
  remediationSteps: "Set `properties.enablePurgeProtection: true` (it cannot be turned off again).",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MANAGE-2.4", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_110", "CKV_AZURE_42"],
    azurePolicy: ["0b60c0b2-2dc2-4e1c-b5c9-abbed971de53"],
    tags: ["keyvault", "resilience"],
  }),
  validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, report) => {
    if (vault.properties.enablePurgeProtection !== true) {
      report("The key vault must have purge protection enabled.");
    }
  }),
};

export const vaultSoftDelete: ResourceValidationPolicy = {
  name: "azure-keyvault-vault-soft-delete",
  description: "Key vaults must keep deleted vaults, keys and secrets recoverable for at least `minRetentionDays`.",
  severity: "medium",
  remediationSteps: "Leave `enableSoftDelete` on and set `softDeleteRetentionInDays: 90`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_111", "CKV_AZURE_42"],
    azurePolicy: ["1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"],
    tags: ["keyvault", "resilience"],
  }),
  configSchema: {
    properties: {
      minRetentionDays: { type: "integer", minimum: 7, maximum: 90, default: 90, description: "Shortest soft-delete retention." },
    },
  },
  validateResource: validateResourceOfType(keyvault.Vault, (vault, args, report) => {
    if (vault.properties.enableSoftDelete === false) {
      report("The key vault must have soft delete enabled.");
      return;
    }
    const { minRetentionDays } = knobsOf<{ minRetentionDays: number }>(vaultSoftDelete, args);
    // ARM's default retention is 90 days.
    const days = vault.properties.softDeleteRetentionInDays ?? 90;
    if (days < minRetentionDays) {
      report(`The key vault must keep deleted objects at least ${minRetentionDays} days (got ${days}).`);
    }
  }),
};

export const vaultPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-keyvault-vault-public-network-disabled",
  description:
    "Key vaults must disable public network access (reach them through a private endpoint); with " +
    "`allowPublicWithIpRules`, public access is allowed only behind a deny-by-default IP allow list.",
  severity: "high",
  remediationSteps:
    "Set `properties.publicNetworkAccess: \"Disabled\"` and `networkAcls.defaultAction: \"Deny\"`, and add a private " +
    "endpoint for the `vault` sub-resource; or (dev) keep it public with `networkAcls: { defaultAction: \"Deny\", ipRules }`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_189", "CKV_AZURE_109"],
    azurePolicy: ["405c5871-3e91-4644-8a63-58e19d68ff5b", "55615ac9-af46-4a59-874e-391cc3dfb490"],
    tags: ["keyvault", "network"],
  }),
  configSchema: {
    properties: {
      allowPublicWithIpRules: {
        type: "boolean",
        default: false,
        description: "Allow public access when the firewall denies by default and lists IP ranges.",
      },
    },
  },
  validateResource: validateResourceOfType(keyvault.Vault, (vault, args, report) => {
    const acls = vault.properties.networkAcls;
    const denies = acls !== undefined && sameEnum(acls.defaultAction, "Deny");
    // ARM's default is Enabled with an Allow-all firewall.
    if (sameEnum(vault.properties.publicNetworkAccess, "Disabled")) {
      if (!denies) report("The key vault's firewall must deny by default.");
      return;
    }
    const { allowPublicWithIpRules } = knobsOf<{ allowPublicWithIpRules: boolean }>(vaultPublicNetworkDisabled, args);
    if (allowPublicWithIpRules && denies && (acls?.ipRules ?? []).length > 0) return;
    report(
      allowPublicWithIpRules
        ? "The key vault must disable public network access or deny by default with an IP allow list."
        : "The key vault must have public network access disabled.",
    );
  }),
};

export const keyExpiration: ResourceValidationPolicy = {
  name: "azure-keyvault-key-expiration",
  description: "Key vault keys must expire: an expiry date, or a rotation policy with an expiry time.",
  severity: "medium",
  remediationSteps: "Set `properties.rotationPolicy.attributes.expiryTime` (e.g. `P2Y`) or `properties.attributes.expires`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_40"],
    azurePolicy: ["152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0"],
    tags: ["keyvault", "encryption"],
  }),
  validateResource: validateResourceOfType(keyvault.Key, (key, _args, report) => {
    const expires = key.properties.attributes?.expires;
    const expiryTime = key.properties.rotationPolicy?.attributes?.expiryTime;
    if (expires === undefined && !isSetOrComputed(() => expiryTime)) {
      report("The key vault key must have an expiration date.");
    }
  }),
};

export const keyRotationPolicy: ResourceValidationPolicy = {
  name: "azure-keyvault-key-rotation-policy",
  description: "Key vault keys must have a rotation policy that rotates them within `maxDaysToRotate` of creation.",
  severity: "medium",
  remediationSteps:
    "Set `properties.rotationPolicy.lifetimeActions: [{ action: { type: \"rotate\" }, trigger: { timeAfterCreate: \"P1Y\" } }]`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7", "MANAGE-2.4"],
    azurePolicy: ["d8cf8476-a2ec-4916-896e-992351803c44"],
    tags: ["keyvault", "encryption"],
  }),
  configSchema: {
    properties: {
      maxDaysToRotate: { type: "integer", minimum: 7, default: 365, description: "Longest time from creation to rotation." },
    },
  },
  validateResource: validateResourceOfType(keyvault.Key, (key, args, report) => {
    const { maxDaysToRotate } = knobsOf<{ maxDaysToRotate: number }>(keyRotationPolicy, args);
    const policy = key.properties.rotationPolicy;
    const expirySeconds = isoDurationSeconds(policy?.attributes?.expiryTime ?? "");
    const rotate = (policy?.lifetimeActions ?? []).filter((a) => sameEnum(a.action?.type, "rotate"));
    const within = rotate.some((a) => {
      const after = isoDurationSeconds(a.trigger?.timeAfterCreate ?? "");
      if (after !== undefined) return after <= maxDaysToRotate * 86400;
      const before = isoDurationSeconds(a.trigger?.timeBeforeExpiry ?? "");
      return before !== undefined && expirySeconds !== undefined && expirySeconds - before <= maxDaysToRotate * 86400;
    });
    if (rotate.length === 0) {
      report("The key vault key must have a rotation policy that rotates it.");
    } else if (!within) {
      report(`The key vault key must rotate within ${maxDaysToRotate} days of creation.`);
    }
  }),
};

export const keyHsmBacked: ResourceValidationPolicy = {
  name: "azure-keyvault-key-hsm-backed",
  description: "Key vault keys must be generated in and never leave a hardware security module (RSA-HSM or EC-HSM, premium vault).",
  severity: "medium",
  remediationSteps: "Set `properties.kty: \"RSA-HSM\"` (or `EC-HSM`) in a premium vault.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_112"],
    azurePolicy: ["587c79fe-dd04-4a5e-9d0b-f89598c7261b"],
    tags: ["keyvault", "encryption"],
  }),
  validateResource: validateResourceOfType(keyvault.Key, (key, _args, report) => {
    const kty = key.properties.kty ?? "";
    if (!sameEnum(kty, "RSA-HSM") && !sameEnum(kty, "EC-HSM")) {
      report(`The key vault key must be HSM-backed (got ${JSON.stringify(key.properties.kty ?? null)}).`);
    }
  }),
};

export const secretExpiration: ResourceValidationPolicy = {
  name: "azure-keyvault-secret-expiration",
  description: "Key vault secrets must have an expiration date, so a leaked secret stops working.",
  severity: "medium",
  remediationSteps: "Set `properties.attributes.expires` (seconds since 1970) on the secret, and rotate before it.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_41"],
    azurePolicy: ["98728c90-32c7-4049-8429-847dc0f4fe37"],
    tags: ["keyvault", "secrets"],
  }),
  validateResource: validateResourceOfType(keyvault.Secret, (secret, _args, report) => {
    if (!isSetOrComputed(() => secret.properties.attributes?.expires)) {
      report("The key vault secret must have an expiration date.");
    }
  }),
};

export const secretContentType: ResourceValidationPolicy = {
  name: "azure-keyvault-secret-content-type",
  description: "Key vault secrets must state their content type, so rotation and review know what they hold.",
  severity: "low",
  remediationSteps: "Set `properties.contentType` (e.g. `text/plain`, `application/x-pem-file`).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    checkov: ["CKV_AZURE_114"],
    tags: ["keyvault", "secrets"],
  }),
  validateResource: validateResourceOfType(keyvault.Secret, (secret, _args, report) => {
    if (!isSetOrComputed(() => secret.properties.contentType)) {
      report("The key vault secret must have a content type.");
    }
  }),
};

export const keyVaultPolicies: readonly ResourceValidationPolicy[] = [
  vaultRbacAuthorization,
  vaultPurgeProtection,
  vaultSoftDelete,
  vaultPublicNetworkDisabled,
  keyExpiration,
  keyRotationPolicy,
  keyHsmBacked,
  secretExpiration,
  secretContentType,
];
