import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { security } from "./lib/type-tokens";
import { mapped } from "./lib/metadata";
import { sameEnum } from "./lib/values";
import { defenderPlanPresent, managedOutsideStackSchema } from "./lib/defender-plan";

/** Types whose images Defender for Containers scans; a stack holding one needs the plan. */
const containerTypes = ["azure-native:containerregistry:Registry", "azure-native:containerservice:ManagedCluster"];

/** The Defender for Containers extension that scans registry images for vulnerabilities. */
const vulnerabilityAssessment = "ContainerRegistriesVulnerabilityAssessments";

export const defenderContainersPlanStandard: ResourceValidationPolicy = {
  name: "azure-security-pricing-containers-standard",
  description:
    "A Defender for Containers pricing must be the Standard tier with registry vulnerability assessment on, " +
    "so pushed images are scanned.",
  severity: "high",
  remediationSteps:
    "Set `pricingTier: \"Standard\"` and do not disable the `ContainerRegistriesVulnerabilityAssessments` extension.",
  ...mapped({
    atlas: ["AML.M0016"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    checkov: ["CKV_AZURE_86", "CKV_AZURE_85"],
    azurePolicy: ["1c988dd6-ade4-430f-a608-2a3e5b0a6d38", "090c7b07-b4ed-4561-ad20-e9075f3ccaff"],
    tags: ["security", "defender", "supply-chain"],
  }),
  validateResource: validateResourceOfType(security.Pricing, (pricing, _args, report) => {
    if (!sameEnum(pricing.pricingName, "Containers")) return;
    if (!sameEnum(pricing.pricingTier, "Standard")) {
      report("The Defender for Containers plan must use the Standard pricing tier.");
      return;
    }
    const scan = (pricing.extensions ?? []).find((e) => sameEnum(e.name, vulnerabilityAssessment));
    if (scan !== undefined && !sameEnum(scan.isEnabled, "True")) {
      report(`The Defender for Containers plan must keep the ${vulnerabilityAssessment} extension enabled.`);
    }
  }),
};

export const defenderForContainersPresent: StackValidationPolicy = {
  name: "azure-security-defender-for-containers-enabled",
  description:
    "A stack that creates a container registry or cluster must enable Defender for Containers (Standard) on " +
    "the subscription. Checkov's CKV_AZURE_163 only looks at the registry SKU; this checks the scanner is on.",
  severity: "high",
  remediationSteps:
    "Create `azure-native:security:Pricing` `Containers` with `pricingTier: \"Standard\"` at the subscription " +
    "scope (DefenderPlans does by default), or set `managedOutsideStack` when a landing zone owns it.",
  ...mapped({
    atlas: ["AML.M0016"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    checkov: ["CKV_AZURE_163", "CKV_AZURE_86"],
    azurePolicy: ["1c988dd6-ade4-430f-a608-2a3e5b0a6d38", "c9ddb292-b203-4738-aead-18e2716e858f"],
    tags: ["security", "defender", "supply-chain"],
  }),
  configSchema: managedOutsideStackSchema,
  validateStack: defenderPlanPresent("Containers", containerTypes, (r) => `The stack must enable Defender for Containers (Standard) so the images of '${r.name}' are scanned.`),
};

export const defenderForKeyVaultPresent: StackValidationPolicy = {
  name: "azure-security-defender-for-key-vault-enabled",
  description:
    "A stack that creates a key vault must enable Defender for Key Vault (Standard) on the subscription, which " +
    "alerts on unusual access to keys and secrets.",
  severity: "medium",
  remediationSteps:
    "Create `azure-native:security:Pricing` `KeyVaults` with `pricingTier: \"Standard\"` (DefenderPlans does by " +
    "default), or set `managedOutsideStack` when a landing zone owns the plan.",
  ...mapped({
    atlas: ["AML.M0024", "AML.M0005"],
    nist: ["MEASURE-2.4", "MANAGE-4.1"],
    checkov: ["CKV_AZURE_87"],
    azurePolicy: ["0e6763cc-5078-4e64-889d-ff4d9a839047"],
    tags: ["security", "defender", "keyvault"],
  }),
  configSchema: managedOutsideStackSchema,
  validateStack: defenderPlanPresent("KeyVaults", ["azure-native:keyvault:Vault"], (r) => `The stack must enable Defender for Key Vault (Standard) for the key vault '${r.name}'.`),
};

export const defenderForStoragePresent: StackValidationPolicy = {
  name: "azure-security-defender-for-storage-enabled",
  description:
    "A stack that creates a storage account must enable Defender for Storage (Standard) on the subscription, which " +
    "scans uploads for malware and alerts on unusual access to data.",
  severity: "medium",
  remediationSteps:
    "Create `azure-native:security:Pricing` `StorageAccounts` with `pricingTier: \"Standard\"` and subPlan " +
    "`DefenderForStorageV2` (DefenderPlans does by default), or set `managedOutsideStack` when a landing zone owns it.",
  ...mapped({
    atlas: ["AML.M0007", "AML.M0024"],
    nist: ["MEASURE-2.4", "MANAGE-4.1"],
    checkov: ["CKV_AZURE_84"],
    azurePolicy: ["640d2586-54d2-465f-877f-9ffc1d2109f4"],
    tags: ["security", "defender", "storage"],
  }),
  configSchema: managedOutsideStackSchema,
  validateStack: defenderPlanPresent("StorageAccounts", ["azure-native:storage:StorageAccount"], (r) => `The stack must enable Defender for Storage (Standard) for the storage account '${r.name}'.`),
};

// Defender plans are subscription-wide; each is required where the stack creates what it protects.
export const defenderPolicies = [defenderContainersPlanStandard, defenderForContainersPresent, defenderForKeyVaultPresent, defenderForStoragePresent] as const;
