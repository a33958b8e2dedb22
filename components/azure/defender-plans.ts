import * as pulumi from "@pulumi/pulumi";
import * as security from "@pulumi/azure-native/security";
import { subscriptionScope } from "../lib/azure";

export const defenderPlansType = "secure-mlops:azure:DefenderPlans";

/** The Defender plans the component manages, each one `azure-native:security:Pricing` on the subscription. */
export const DefenderPlan = { Containers: "containers", Storage: "storage", KeyVault: "keyVault" } as const;
export type DefenderPlan = (typeof DefenderPlan)[keyof typeof DefenderPlan];

export interface DefenderPlansArgs {
  /**
   * Defender for Containers (Standard), which scans the images pushed to the subscription's
   * registries. Turn off when a landing zone owns the plan. @default true
   */
  readonly containers?: boolean;
  /** Keep the Containers plan's registry vulnerability assessment extension on. @default true */
  readonly containersVulnerabilityAssessment?: boolean;
  /**
   * Defender for Storage (Standard, DefenderForStorageV2) with malware scanning on upload and
   * sensitive data discovery. @default true
   */
  readonly storage?: boolean;
  /** Defender for Key Vault (Standard, per vault), which alerts on unusual access to keys and secrets. @default true */
  readonly keyVault?: boolean;
  /**
   * URNs each plan's pricing had before, so moving it here (say from a `SecureRegistry` or
   * `MlWorkspace` of an earlier version, which created the plans as their children) is a rename in
   * state and not a new plan plus the deletion of the old one. @default none
   */
  readonly previousUrns?: { readonly [P in DefenderPlan]?: readonly pulumi.Input<pulumi.URN>[] };
}

/** The component's secure defaults, in one place; each has an argument of the same name. */
export const defenderPlansDefaults = {
  containers: true,
  containersVulnerabilityAssessment: true,
  storage: true,
  keyVault: true,
} as const;

/** Malware scanning stops at this many GB a month per account, so a flood of uploads has a cost ceiling. */
const malwareScanningCapGbPerMonth = "5000";

/**
 * The subscription's Microsoft Defender for Cloud plans for what the platform runs: containers
 * (registry image scanning), storage (malware scanning) and Key Vault. The plans are
 * subscription-wide, so a stack creates this component once, beside the resources it protects;
 * the pack's `azure-security-defender-for-*-enabled` policies require each plan where the stack
 * creates a registry, a storage account or a vault.
 */
export class DefenderPlans extends pulumi.ComponentResource {
  /** The ARM ids of the plans the component enables, keyed by plan. */
  readonly planIds: pulumi.Output<{ readonly [P in DefenderPlan]?: string }>;

  constructor(name: string, args: DefenderPlansArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(defenderPlansType, name, {}, opts);
    const d = defenderPlansDefaults;
    const scopeId = subscriptionScope();
    const childOpts = (plan: DefenderPlan): pulumi.CustomResourceOptions => {
      const previous = args.previousUrns?.[plan] ?? [];
      return previous.length > 0 ? { parent: this, aliases: [...previous] } : { parent: this };
    };

    const plans: Partial<Record<DefenderPlan, security.Pricing>> = {};
    if (args.containers ?? d.containers) {
      const scan = args.containersVulnerabilityAssessment ?? d.containersVulnerabilityAssessment;
      plans.containers = new security.Pricing(
        `${name}-containers`,
        {
          pricingName: "Containers",
          pricingTier: "Standard",
          scopeId,
          extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: scan ? "True" : "False" }],
        },
        childOpts(DefenderPlan.Containers),
      );
    }
    if (args.storage ?? d.storage) {
      plans.storage = new security.Pricing(
        `${name}-storage`,
        {
          pricingName: "StorageAccounts",
          pricingTier: "Standard",
          subPlan: "DefenderForStorageV2",
          scopeId,
          extensions: [
            { name: "OnUploadMalwareScanning", isEnabled: "True", additionalExtensionProperties: { CapGBPerMonthPerStorageAccount: malwareScanningCapGbPerMonth } },
            { name: "SensitiveDataDiscovery", isEnabled: "True" },
          ],
        },
        childOpts(DefenderPlan.Storage),
      );
    }
    if (args.keyVault ?? d.keyVault) {
      plans.keyVault = new security.Pricing(
        `${name}-keyvault`,
        { pricingName: "KeyVaults", pricingTier: "Standard", subPlan: "PerKeyVault", scopeId },
        childOpts(DefenderPlan.KeyVault),
      );
    }

    const entries = Object.entries(plans).map(([plan, pricing]) => pricing.id.apply((id): [string, string] => [plan, id]));
    this.planIds = pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({ planIds: this.planIds });
  }
}
