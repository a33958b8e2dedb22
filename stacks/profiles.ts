import type { Environment, RegistryConfig } from "./config";

/**
 * What each environment gets when its stack file says nothing: dev is cheap and reachable, staging
 * and prod are closed and resilient. A stack file's values override these; the policy pack config
 * of the environment decides what it may relax.
 */
export interface EnvironmentProfile {
  readonly registry: Required<Pick<RegistryConfig, "zoneRedundancy" | "publicNetworkAccess" | "untaggedRetentionDays">> &
    Pick<RegistryConfig, "lock">;
  readonly logRetentionDays: number;
}

export const environmentProfiles: Readonly<Record<Environment, EnvironmentProfile>> = {
  dev: {
    registry: { zoneRedundancy: false, publicNetworkAccess: false, untaggedRetentionDays: 3 },
    logRetentionDays: 30,
  },
  staging: {
    registry: { zoneRedundancy: true, publicNetworkAccess: false, untaggedRetentionDays: 7 },
    logRetentionDays: 90,
  },
  prod: {
    registry: { zoneRedundancy: true, publicNetworkAccess: false, untaggedRetentionDays: 7, lock: "CanNotDelete" },
    logRetentionDays: 365,
  },
};
