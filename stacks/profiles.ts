import type { Environment, RegistryConfig } from "./config";
import type { GovernanceConfig } from "./governance-config";
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
  /**
   * The stack's GitHub environment (stacks/github.ts): which team approves its deployments, how
   * long a deployment waits, and which branches may deploy when the branch table names none for it.
   */
  readonly github: {
    readonly reviewers: "developers" | "admins";
    readonly waitTimerMinutes: number;
    readonly deploymentBranches: readonly string[];
  };
  /**
   * The Azure Policy assignments (stacks/governance.ts): dev only reports; staging and prod deny
   * where a definition allows it, and keep in audit what their pack config relaxes.
   */
  readonly governance: Required<Pick<GovernanceConfig, "enforcement">> & Pick<GovernanceConfig, "auditOnly">;
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
    // Feature branches never deploy (the branch table); dev takes main, approved by a developer.
    github: { reviewers: "developers", waitTimerMinutes: 0, deploymentBranches: ["main"] },
    governance: { enforcement: "audit" },
  },
  staging: {
    registry: { zoneRedundancy: true, publicNetworkAccess: false, untaggedRetentionDays: 7 },
    logRetentionDays: 90,
    mlWorkspace: {
      isolationMode: "AllowOnlyApprovedOutbound",
      customerManagedKey: true,
      computeClusters: [{ name: "cpu-cluster", vmSize: "Standard_DS3_v2", maxNodes: 4 }],
    },
    github: { reviewers: "admins", waitTimerMinutes: 0, deploymentBranches: ["main"] },
    // policies/config/staging.json makes kubernetes-workload-probes advisory.
    governance: { enforcement: "enforce", auditOnly: ["k8s-probes"] },
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
    // A quarter of an hour between approval and deployment, to cancel a mistaken one.
    github: { reviewers: "admins", waitTimerMinutes: 15, deploymentBranches: ["production"] },
    governance: { enforcement: "enforce" },
  },
};
