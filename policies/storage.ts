import {
  validateResourceOfType,
  type ResourceValidationPolicy,
} from "@pulumi/policy";
import { storage } from "./lib/type-tokens";
import { sasPeriodSeconds } from "./lib/duration";
import { mapped } from "./lib/metadata";
import { isSetOrComputed } from "./lib/preview";
import { sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Azure Storage accounts, blob services and containers: where training data, models and job
// outputs of the ML workspace live. ARM defaults differ across API versions, so a policy that
// needs a value treats a missing one as the insecure historical default unless noted.

export const accountHttpsOnly: ResourceValidationPolicy = {
  name: "azure-storage-account-https-only",
  description: "Storage accounts must accept secure transfer (HTTPS) only.",
  severity: "high",
  remediationSteps: "Set `enableHttpsTrafficOnly: true`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_3"],
    azurePolicy: ["404c3081-a854-4457-ae30-26a93ef643f9"],
    tags: ["storage", "encryption"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    // ARM has defaulted to true since API 2019-04-01; only an explicit false is open.
    if (account.enableHttpsTrafficOnly === false) {
      report("The storage account must accept HTTPS traffic only.");
    }
  }),
};

export const accountMinimumTls: ResourceValidationPolicy = {
  name: "azure-storage-account-minimum-tls",
  description: "Storage accounts must refuse TLS versions below 1.2.",
  severity: "high",
  remediationSteps: "Set `minimumTlsVersion: \"TLS1_2\"`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_44"],
    azurePolicy: ["fe83a0eb-a853-422d-aac2-1bffd182c5d0"],
    tags: ["storage", "encryption"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    const tls = account.minimumTlsVersion;
    if (!sameEnum(tls, "TLS1_2") && !sameEnum(tls, "TLS1_3")) {
      report(`The storage account must require TLS 1.2 or later (got ${JSON.stringify(tls ?? null)}).`);
    }
  }),
};

export const accountBlobPublicAccessDisabled: ResourceValidationPolicy = {
  name: "azure-storage-account-blob-public-access-disabled",
  description: "Storage accounts must not allow anonymous public read access to blobs or containers.",
  severity: "high",
  remediationSteps: "Set `allowBlobPublicAccess: false`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_190", "CKV2_AZURE_47"],
    azurePolicy: ["4fa4b6c0-31ca-4c0d-b10d-24b96f62a751"],
    tags: ["storage", "data-protection"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    if (account.allowBlobPublicAccess !== false) {
      report("The storage account must have blob public access disabled.");
    }
  }),
};

export const accountPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-storage-account-public-network-disabled",
  description:
    "Storage accounts must disable public network access (reach them through private endpoints); with " +
    "`allowPublicWithIpRules`, public access is allowed only behind a deny-by-default IP allow list.",
  severity: "high",
  remediationSteps:
    "Set `publicNetworkAccess: \"Disabled\"` and add private endpoints (blob, file); or (dev) keep it public with " +
    "`networkRuleSet: { defaultAction: \"Deny\", ipRules: [...] }` and set this policy's `allowPublicWithIpRules`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0007"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_59"],
    azurePolicy: ["b2982f36-99f2-4db5-8eff-283140c09693"],
    tags: ["storage", "network"],
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
  validateResource: validateResourceOfType(storage.StorageAccount, (account, args, report) => {
    if (sameEnum(account.publicNetworkAccess, "Disabled")) return;
    const { allowPublicWithIpRules } = knobsOf<{ allowPublicWithIpRules: boolean }>(accountPublicNetworkDisabled, args);
    const rules = account.networkRuleSet;
    if (allowPublicWithIpRules && rules !== undefined && sameEnum(rules.defaultAction, "Deny") && (rules.ipRules ?? []).length > 0) return;
    report(
      allowPublicWithIpRules
        ? "The storage account must disable public network access or deny by default with an IP allow list."
        : "The storage account must have public network access disabled.",
    );
  }),
};

export const accountNetworkDefaultDeny: ResourceValidationPolicy = {
  name: "azure-storage-account-network-default-deny",
  description: "Storage account firewalls must deny by default, so turning public access on never opens the account to all networks.",
  severity: "medium",
  remediationSteps: "Set `networkRuleSet: { defaultAction: \"Deny\", bypass: \"AzureServices\" }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_35"],
    azurePolicy: ["34c877ad-507e-4c82-993e-3452a6e0ad3c"],
    tags: ["storage", "network"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    if (!sameEnum(account.networkRuleSet?.defaultAction, "Deny")) {
      report("The storage account's firewall must deny by default.");
    }
  }),
};

export const accountTrustedServicesBypass: ResourceValidationPolicy = {
  name: "azure-storage-account-trusted-services-bypass",
  description:
    "Storage account firewalls must let trusted Azure services through (Azure ML, Defender for Storage malware " +
    "scanning, backup), so closing the network does not switch off the services that protect it.",
  severity: "low",
  remediationSteps: "Set `networkRuleSet.bypass` to include `AzureServices`.",
  ...mapped({
    atlas: ["AML.M0024"],
    nist: ["MEASURE-2.4"],
    checkov: ["CKV_AZURE_36"],
    tags: ["storage", "network"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    const bypass = account.networkRuleSet?.bypass ?? "AzureServices";
    if (!bypass.toLowerCase().split(/[,\s]+/).includes("azureservices")) {
      report("The storage account's firewall must let trusted Azure services through.");
    }
  }),
};

export const accountSharedKeyDisabled: ResourceValidationPolicy = {
  name: "azure-storage-account-shared-key-disabled",
  description: "Storage accounts must refuse shared key (account key and key-signed SAS) authorization; Entra ID only.",
  severity: "high",
  remediationSteps: "Set `allowSharedKeyAccess: false` and grant Storage Blob/File Data roles to identities.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_40"],
    azurePolicy: ["8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"],
    tags: ["storage", "identity"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    // ARM's default allows shared keys.
    if (account.allowSharedKeyAccess !== false) {
      report("The storage account must have shared key access disabled.");
    }
  }),
};

export const accountInfrastructureEncryption: ResourceValidationPolicy = {
  name: "azure-storage-account-infrastructure-encryption",
  description: "Storage accounts must encrypt data twice, at the service and the infrastructure layer.",
  severity: "medium",
  remediationSteps: "Set `encryption.requireInfrastructureEncryption: true` (only when the account is created).",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["4733ea7b-a883-42fe-8cac-97454c2a9e4a"],
    tags: ["storage", "encryption"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    if (account.encryption?.requireInfrastructureEncryption !== true) {
      report("The storage account must have infrastructure encryption enabled.");
    }
  }),
};

export const accountCrossTenantReplicationDisabled: ResourceValidationPolicy = {
  name: "azure-storage-account-cross-tenant-replication-disabled",
  description: "Storage accounts must not replicate objects to accounts in other Entra tenants.",
  severity: "medium",
  remediationSteps: "Set `allowCrossTenantReplication: false`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7", "GOVERN-6.1"],
    azurePolicy: ["92a89a79-6c52-4a7e-a03f-61306fc49312"],
    tags: ["storage", "exfiltration"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    if (account.allowCrossTenantReplication !== false) {
      report("The storage account must have cross-tenant replication disabled.");
    }
  }),
};

export const accountLocalUsersDisabled: ResourceValidationPolicy = {
  name: "azure-storage-account-local-users-disabled",
  description: "Storage accounts must not have local users (SFTP/SSH passwords and keys outside Entra ID).",
  severity: "medium",
  remediationSteps: "Set `isLocalUserEnabled: false` and `isSftpEnabled: false`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_244"],
    tags: ["storage", "identity"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    if (account.isLocalUserEnabled !== false || account.isSftpEnabled === true) {
      report("The storage account must have local users and SFTP disabled.");
    }
  }),
};

export const accountSasExpirationPolicy: ResourceValidationPolicy = {
  name: "azure-storage-account-sas-expiration-policy",
  description: "Storage accounts must bound the lifetime of shared access signatures with an expiration policy.",
  severity: "low",
  remediationSteps: "Set `sasPolicy: { sasExpirationPeriod: \"1.00:00:00\", expirationAction: \"Block\" }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_41"],
    tags: ["storage", "identity"],
  }),
  configSchema: {
    properties: {
      maxHours: { type: "integer", minimum: 1, default: 24, description: "Longest SAS lifetime allowed, in hours." },
    },
  },
  validateResource: validateResourceOfType(storage.StorageAccount, (account, args, report) => {
    const period = account.sasPolicy?.sasExpirationPeriod;
    if (period === undefined) {
      report("The storage account must have a SAS expiration policy.");
      return;
    }
    const { maxHours } = knobsOf<{ maxHours: number }>(accountSasExpirationPolicy, args);
    const seconds = sasPeriodSeconds(period);
    if (seconds === undefined || seconds > maxHours * 3600) {
      report(`The storage account's SAS expiration period must be at most ${maxHours} hours (got ${JSON.stringify(period)}).`);
    }
  }),
};

export const accountCustomerManagedKey: ResourceValidationPolicy = {
  name: "azure-storage-account-customer-managed-key",
  description:
    "Storage accounts must encrypt with a customer-managed key from Key Vault, through a user-assigned identity; " +
    "`required: false` lets an environment keep Microsoft-managed keys (a configured key must still be complete).",
  severity: "medium",
  remediationSteps:
    "Set `encryption: { keySource: \"Microsoft.Keyvault\", keyVaultProperties: { keyName, keyVaultUri }, " +
    "encryptionIdentity: { encryptionUserAssignedIdentity } }` and give that identity the account.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_1"],
    azurePolicy: ["6fac406b-40ca-413b-bf8e-0bf964659c25"],
    tags: ["storage", "encryption"],
  }),
  configSchema: {
    properties: {
      required: { type: "boolean", default: true, description: "Require a customer-managed key on every storage account." },
    },
  },
  validateResource: validateResourceOfType(storage.StorageAccount, (account, args, report) => {
    const { required } = knobsOf<{ required: boolean }>(accountCustomerManagedKey, args);
    const encryption = account.encryption;
    if (!sameEnum(encryption?.keySource, "Microsoft.Keyvault")) {
      if (required) report("The storage account must be encrypted with a customer-managed key.");
      return;
    }
    const kv = encryption?.keyVaultProperties;
    const identity = encryption?.encryptionIdentity;
    if (
      !isSetOrComputed(() => kv?.keyName) ||
      !isSetOrComputed(() => kv?.keyVaultUri) ||
      (!isSetOrComputed(() => identity?.encryptionUserAssignedIdentity) && !(account.identity?.type ?? "").includes("SystemAssigned"))
    ) {
      report("The storage account's customer-managed key must name its key, vault and identity.");
    }
  }),
};

const locallyRedundant = ["Standard_LRS", "Premium_LRS", "StandardV2_LRS", "PremiumV2_LRS"];

export const accountRedundancy: ResourceValidationPolicy = {
  name: "azure-storage-account-zone-or-geo-redundant",
  description: "Storage accounts must replicate across zones or regions, not only within one datacenter.",
  severity: "low",
  remediationSteps: "Set `sku: { name: \"Standard_ZRS\" }` (or a GRS/GZRS SKU).",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_206"],
    tags: ["storage", "resilience"],
  }),
  validateResource: validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
    const sku = account.sku?.name ?? "";
    if (locallyRedundant.some((s) => sameEnum(sku, s))) {
      report(`The storage account must be zone or geo redundant (got ${JSON.stringify(sku)}).`);
    }
  }),
};

export const blobServiceSoftDelete: ResourceValidationPolicy = {
  name: "azure-storage-blob-service-soft-delete",
  description: "Blob services must keep deleted blobs and containers recoverable for at least `minDays`.",
  severity: "medium",
  remediationSteps:
    "Set `deleteRetentionPolicy` and `containerDeleteRetentionPolicy` to `{ enabled: true, days: 14 }`.",
  ...mapped({
    atlas: ["AML.M0014", "AML.M0007"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV2_AZURE_38"],
    tags: ["storage", "resilience"],
  }),
  configSchema: {
    properties: {
      minDays: { type: "integer", minimum: 1, maximum: 365, default: 7, description: "Shortest retention of deleted blobs and containers." },
    },
  },
  validateResource: validateResourceOfType(storage.BlobServiceProperties, (service, args, report) => {
    const { minDays } = knobsOf<{ minDays: number }>(blobServiceSoftDelete, args);
    const check = (policy: { enabled?: boolean; days?: number } | undefined, what: string): void => {
      if (policy?.enabled !== true) {
        report(`The blob service must have soft delete for ${what} enabled.`);
      } else if ((policy.days ?? 7) < minDays) {
        report(`The blob service must keep deleted ${what} at least ${minDays} days (got ${policy.days ?? 7}).`);
      }
    };
    check(service.deleteRetentionPolicy, "blobs");
    check(service.containerDeleteRetentionPolicy, "containers");
  }),
};

export const blobServiceVersioning: ResourceValidationPolicy = {
  name: "azure-storage-blob-service-versioning",
  description:
    "Blob services must keep previous versions of overwritten blobs, so a poisoned dataset or swapped model file " +
    "leaves the original recoverable and the change visible.",
  severity: "medium",
  remediationSteps: "Set `isVersioningEnabled: true` on the blob service.",
  ...mapped({
    atlas: ["AML.M0014", "AML.M0007"],
    nist: ["MANAGE-2.4", "MEASURE-2.7"],
    tags: ["storage", "integrity"],
  }),
  validateResource: validateResourceOfType(storage.BlobServiceProperties, (service, _args, report) => {
    if (service.isVersioningEnabled !== true) {
      report("The blob service must have versioning enabled.");
    }
  }),
};

export const blobContainerPrivate: ResourceValidationPolicy = {
  name: "azure-storage-blob-container-private",
  description: "Blob containers must not allow anonymous access.",
  severity: "high",
  remediationSteps: "Set `publicAccess: \"None\"` on the container.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_34"],
    tags: ["storage", "data-protection"],
  }),
  validateResource: validateResourceOfType(storage.BlobContainer, (container, _args, report) => {
    const access = container.publicAccess ?? "None";
    if (!sameEnum(access, "None")) {
      report(`The blob container must not allow anonymous access (got ${JSON.stringify(access)}).`);
    }
  }),
};

export const storagePolicies: readonly ResourceValidationPolicy[] = [
  accountHttpsOnly,
  accountMinimumTls,
  accountBlobPublicAccessDisabled,
  accountPublicNetworkDisabled,
  accountNetworkDefaultDeny,
  accountTrustedServicesBypass,
  accountSharedKeyDisabled,
  accountInfrastructureEncryption,
  accountCrossTenantReplicationDisabled,
  accountLocalUsersDisabled,
  accountSasExpirationPolicy,
  accountCustomerManagedKey,
  accountRedundancy,
  blobServiceSoftDelete,
  blobServiceVersioning,
  blobContainerPrivate,
];
