import type { Environment, RegistryConfig } from "./config";
import type { MlWorkspaceConfig } from "./ml-workspace-config";

/**
 * What each environment gets when its stack file says nothing: dev is cheap and reachable, staging
 * and prod are closed and resilient. A stack file's values override these; the policy pack config
 * of the environment decides what it may relax.
 */
export interface EnvironmentProfile {
  readonly registry: Required<Pick<RegistryConfig, "zoneRedundancy" | "publicNetworkAccess" | "untaggedRetentionDays">> &
    Pick<RegistryConfig, "lock">;
  readonly logRetentionDays: number;
  /**
   * The ML workspace: only prod-like environments pay for an HSM key and the managed network's
   * firewall; no environment opens public access unless its stack file names an IP range.
   */
  readonly mlWorkspace: Required<Pick<MlWorkspaceConfig, "isolationMode" | "customerManagedKey" | "computeClusters">> &
    Pick<MlWorkspaceConfig, "lock">;
}

export const environmentProfiles: Readonly<Record<Environment, EnvironmentProfile>> = {
  dev: {
    registry: { zoneRedundancy: false, publicNetworkAccess: false, untaggedRetentionDays: 3 },
    logRetentionDays: 30,
    mlWorkspace: {
      isolationMode: "AllowInternetOutbound",
      customerManagedKey: false,
      computeClusters: [{ name: "cpu-cluster", vmSize: "Standard_DS3_v2", maxNodes: 2, lowPriority: true }],
    },
  },
  staging: {
    registry: { zoneRedundancy: true, publicNetworkAccess: false, untaggedRetentionDays: 7 },
    logRetentionDays: 90,
    mlWorkspace: {
      isolationMode: "AllowOnlyApprovedOutbound",
      customerManagedKey: true,
      computeClusters: [{ name: "cpu-cluster", vmSize: "Standard_DS3_v2", maxNodes: 4 }],
    },
  },
  prod: {
    registry: { zoneRedundancy: true, publicNetworkAccess: false, untaggedRetentionDays: 7, lock: "CanNotDelete" },
    logRetentionDays: 365,
    mlWorkspace: {
      isolationMode: "AllowOnlyApprovedOutbound",
      customerManagedKey: true,
      computeClusters: [{ name: "cpu-cluster", vmSize: "Standard_DS3_v2", maxNodes: 8 }],
      lock: "CanNotDelete",
    },
  },
};
