import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { containerregistry } from "./lib/type-tokens";
import { mapped } from "./lib/metadata";
import { isEnabledStatus, sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Azure Container Registry. Docker Content Trust (Checkov CKV_AZURE_164) is deliberately not
// required: Azure retires it (removed March 31, 2028); image signatures are checked by the
// attestation verifier instead.

export const registryAdminUserDisabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-admin-user-disabled",
  description: "Container registries must have the admin user (a shared username and password) disabled.",
  severity: "high",
  remediationSteps: "Set `adminUserEnabled: false` and grant AcrPull/AcrPush to Entra identities instead.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_137"],
    azurePolicy: ["dc921057-6b28-4fbe-9b83-f7bec05db6c2"],
    tags: ["containerregistry"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (registry.adminUserEnabled === true) {
      report("The container registry must have the admin user disabled.");
    }
  }),
};

export const registryAnonymousPullDisabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-anonymous-pull-disabled",
  description: "Container registries must not allow anonymous (unauthenticated) pulls.",
  severity: "high",
  remediationSteps: "Set `anonymousPullEnabled: false`; give readers AcrPull on the registry.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_138"],
    azurePolicy: ["9f2dea28-e834-476c-99c5-3507b4728395"],
    tags: ["containerregistry"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (registry.anonymousPullEnabled === true) {
      report("The container registry must have anonymous pull disabled.");
    }
  }),
};

export const registryPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-public-network-disabled",
  description:
    "Container registries must disable public network access (reach them through a private endpoint); " +
    "with `allowPublicWithIpRules`, public access is allowed only behind a deny-by-default IP allow list.",
  severity: "high",
  remediationSteps:
    "Set `publicNetworkAccess: \"Disabled\"` and add a private endpoint, or (dev only) keep it public with " +
    "`networkRuleSet: { defaultAction: \"Deny\", ipRules: [...] }` and set this policy's `allowPublicWithIpRules`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_139"],
    azurePolicy: ["0fdf0491-d080-4575-b627-ad0e843cba0f", "d0793b48-0edc-4296-a390-4c75d1bdfd71"],
    tags: ["containerregistry", "network"],
  }),
  configSchema: {
    properties: {
      allowPublicWithIpRules: {
        type: "boolean",
        default: false,
        description: "Allow public access when the network rule set denies by default and lists IP ranges.",
      },
    },
  },
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, args, report) => {
    // ARM's default for publicNetworkAccess is Enabled, so a missing value is public.
    if (sameEnum(registry.publicNetworkAccess, "Disabled")) return;
    const { allowPublicWithIpRules } = knobsOf<{ allowPublicWithIpRules: boolean }>(registryPublicNetworkDisabled, args);
    const rules = registry.networkRuleSet;
    const restricted = rules !== undefined && sameEnum(rules.defaultAction, "Deny") && (rules.ipRules ?? []).length > 0;
    if (allowPublicWithIpRules === true && restricted) return;
    report(
      allowPublicWithIpRules === true
        ? "The container registry must disable public network access or deny by default with an IP allow list."
        : "The container registry must have public network access disabled.",
    );
  }),
};

export const registryPremiumSku: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-premium-sku",
  description:
    "Container registries must use the Premium SKU, the only one with private link, quarantine, retention, " +
    "zone redundancy and customer-managed keys.",
  severity: "medium",
  remediationSteps: "Set `sku: { name: \"Premium\" }`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0016"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_163"],
    azurePolicy: ["bd560fc0-3c69-498a-ae9f-aa8eb7de0e13"],
    tags: ["containerregistry"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (!sameEnum(registry.sku?.name, "Premium")) {
      report(`The container registry must use the Premium SKU (got ${JSON.stringify(registry.sku?.name ?? null)}).`);
    }
  }),
};

export const registryQuarantineEnabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-quarantine-enabled",
  description: "Container registries must quarantine pushed images until they are scanned and marked verified.",
  severity: "medium",
  remediationSteps: "Set `policies: { quarantinePolicy: { status: \"enabled\" } }`.",
  ...mapped({
    atlas: ["AML.M0016", "AML.M0014"],
    nist: ["MANAGE-3.1"],
    checkov: ["CKV_AZURE_166"],
    tags: ["containerregistry", "supply-chain"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (!isEnabledStatus(registry.policies?.quarantinePolicy?.status)) {
      report("The container registry must have the quarantine policy enabled.");
    }
  }),
};

export const registryRetentionEnabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-retention-enabled",
  description: "Container registries must delete untagged manifests after a bounded number of days.",
  severity: "low",
  remediationSteps: "Set `policies: { retentionPolicy: { status: \"enabled\", days: 7 } }`.",
  ...mapped({
    atlas: ["AML.M0011"],
    nist: ["MANAGE-3.1"],
    checkov: ["CKV_AZURE_167"],
    tags: ["containerregistry"],
  }),
  configSchema: {
    properties: {
      maxDays: { type: "integer", minimum: 1, maximum: 365, default: 30, description: "Longest retention allowed." },
    },
  },
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, args, report) => {
    const retention = registry.policies?.retentionPolicy;
    if (!isEnabledStatus(retention?.status)) {
      report("The container registry must have a retention policy for untagged manifests enabled.");
      return;
    }
    const { maxDays } = knobsOf<{ maxDays: number }>(registryRetentionEnabled, args);
    // ARM's default retention is 7 days when the policy is enabled without a value.
    const days = retention?.days ?? 7;
    if (days > maxDays) {
      report(`The container registry must keep untagged manifests at most ${maxDays} days (got ${days}).`);
    }
  }),
};

export const registryExportDisabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-export-disabled",
  description: "Container registries must have exports disabled, so images cannot be copied out by import/export pipelines.",
  severity: "medium",
  remediationSteps:
    "Set `policies: { exportPolicy: { status: \"disabled\" } }` (requires public network access disabled).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["524b0254-c285-4903-bee6-bb8126cde579"],
    tags: ["containerregistry"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    // ARM's default export policy is enabled.
    if (!sameEnum(registry.policies?.exportPolicy?.status, "disabled")) {
      report("The container registry must have the export policy disabled.");
    }
  }),
};

export const registryArmAudienceTokensDisabled: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-arm-token-auth-disabled",
  description:
    "Container registries must refuse ARM-audience Entra tokens, so only tokens issued for the registry's own audience authenticate.",
  severity: "low",
  remediationSteps: "Set `policies: { azureADAuthenticationAsArmPolicy: { status: \"disabled\" } }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["42781ec6-6127-4c30-bdfa-fb423a0047d3"],
    tags: ["containerregistry", "identity"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (!sameEnum(registry.policies?.azureADAuthenticationAsArmPolicy?.status, "disabled")) {
      report("The container registry must have ARM-audience token authentication disabled.");
    }
  }),
};

export const registryZoneRedundant: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-zone-redundant",
  description: "Container registries must be zone redundant, so a zone outage does not stop deployments.",
  severity: "low",
  remediationSteps: "Set `zoneRedundancy: \"Enabled\"` (Premium SKU, in a region with availability zones).",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_233"],
    tags: ["containerregistry", "resilience"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (!sameEnum(registry.zoneRedundancy, "Enabled")) {
      report("The container registry must be zone redundant.");
    }
  }),
};

export const registryDedicatedDataEndpoints: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-dedicated-data-endpoints",
  description:
    "Container registries must use dedicated data endpoints, so firewalls allow the registry's own data host " +
    "instead of a wildcard storage domain.",
  severity: "low",
  remediationSteps: "Set `dataEndpointEnabled: true`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_237"],
    tags: ["containerregistry", "network"],
  }),
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
    if (registry.dataEndpointEnabled !== true) {
      report("The container registry must have dedicated data endpoints enabled.");
    }
  }),
};

export const registryCustomerManagedKey: ResourceValidationPolicy = {
  name: "azure-containerregistry-registry-customer-managed-key",
  description:
    "Container registries that configure encryption must use a customer-managed key from Key Vault with a " +
    "user-assigned identity; with `required`, every registry must.",
  severity: "medium",
  remediationSteps:
    "Set `encryption: { status: \"enabled\", keyVaultProperties: { keyIdentifier, identity } }` with the client id " +
    "of a user-assigned identity that has Key Vault Crypto Service Encryption User on the key.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"],
    tags: ["containerregistry", "encryption"],
  }),
  configSchema: {
    properties: {
      // Microsoft-managed keys already encrypt at rest; a CMK is a compliance choice, so it is
      // required only where the pack config says so.
      required: { type: "boolean", default: false, description: "Require a customer-managed key on every registry." },
    },
  },
  validateResource: validateResourceOfType(containerregistry.Registry, (registry, args, report) => {
    const encryption = registry.encryption;
    const { required } = knobsOf<{ required: boolean }>(registryCustomerManagedKey, args);
    if (encryption === undefined || sameEnum(encryption.status, "disabled")) {
      if (required) report("The container registry must be encrypted with a customer-managed key.");
      return;
    }
    const kv = encryption.keyVaultProperties;
    if (!kv?.keyIdentifier || !kv.identity) {
      report("The container registry's customer-managed key must name a Key Vault key and a user-assigned identity.");
    }
  }),
};

export const registryTokensForbidden: ResourceValidationPolicy = {
  name: "azure-containerregistry-token-forbidden",
  description:
    "Container registries must not have repository-scoped access tokens: they are long-lived passwords outside Entra ID.",
  severity: "medium",
  remediationSteps: "Remove the registry token; grant an Entra identity a repository-scoped ABAC role instead.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["ff05e24e-195c-447e-b322-5e90c9f9f366"],
    tags: ["containerregistry", "identity"],
  }),
  validateResource: validateResourceOfType(containerregistry.Token, (_token, _args, report) => {
    report("The container registry token must not be created; use Entra identities.");
  }),
};

export const registryCacheRulesForbidden: ResourceValidationPolicy = {
  name: "azure-containerregistry-cache-rule-forbidden",
  description:
    "Container registries must not have cache rules: they pull unvetted upstream images into the trusted registry.",
  severity: "medium",
  remediationSteps: "Remove the cache rule; import upstream images through the scanned, signed build pipeline.",
  ...mapped({
    atlas: ["AML.M0011", "AML.M0016"],
    nist: ["GOVERN-6.1", "MANAGE-3.1"],
    azurePolicy: ["84497762-32b6-4ab3-80b6-732ea48b85a2"],
    tags: ["containerregistry", "supply-chain"],
  }),
  validateResource: validateResourceOfType(containerregistry.CacheRule, (_rule, _args, report) => {
    report("The container registry cache rule must not be created.");
  }),
};

export const registryWebhookHttps: ResourceValidationPolicy = {
  name: "azure-containerregistry-webhook-https",
  description: "Container registry webhooks must call HTTPS endpoints, so events and their tokens are not sent in clear.",
  severity: "medium",
  remediationSteps: "Use an `https://` service URI.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_30"],
    tags: ["containerregistry", "network"],
  }),
  validateResource: validateResourceOfType(containerregistry.Webhook, (webhook, _args, report) => {
    if (typeof webhook.serviceUri !== "string" || !webhook.serviceUri.toLowerCase().startsWith("https://")) {
      report("The container registry webhook must use an https:// service URI.");
    }
  }),
};

export const containerRegistryPolicies: readonly ResourceValidationPolicy[] = [
  registryAdminUserDisabled,
  registryAnonymousPullDisabled,
  registryPublicNetworkDisabled,
  registryPremiumSku,
  registryQuarantineEnabled,
  registryRetentionEnabled,
  registryExportDisabled,
  registryArmAudienceTokensDisabled,
  registryZoneRedundant,
  registryDedicatedDataEndpoints,
  registryCustomerManagedKey,
  registryTokensForbidden,
  registryCacheRulesForbidden,
  registryWebhookHttps,
];
