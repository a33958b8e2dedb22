import type * as pulumi from "@pulumi/pulumi";
import { MlWorkspace, mlIdentityRoles, type MlOutboundRule } from "../components";
import type { BuiltInRole } from "../constants/roles";
import type { PlatformConfig } from "./config";
import type { MlOutboundRuleConfig } from "./ml-workspace-config";
import type { EnvironmentProfile } from "./profiles";

export interface PlatformMlWorkspaceArgs {
  readonly config: PlatformConfig;
  readonly profile: EnvironmentProfile;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** The platform's registry (SecureRegistry): the workspace builds and pulls images there only. */
  readonly containerRegistryId: pulumi.Input<string>;
  /** The platform's private endpoint subnet and its network, for the endpoints and DNS links. */
  readonly privateEndpointSubnetId: pulumi.Input<string>;
  readonly virtualNetworkId: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/** A flat YAML rule as the component's typed rule (the config schema checked the fields it needs). */
export function toOutboundRule(rule: MlOutboundRuleConfig): MlOutboundRule {
  switch (rule.type) {
    case "FQDN":
      return { name: rule.name, type: "FQDN", destination: rule.destination ?? "" };
    case "PrivateEndpoint":
      return { name: rule.name, type: "PrivateEndpoint", serviceResourceId: rule.serviceResourceId ?? "", subresourceTarget: rule.subresourceTarget ?? "" };
    case "ServiceTag":
      return {
        name: rule.name,
        type: "ServiceTag",
        serviceTag: rule.serviceTag ?? "",
        protocol: rule.protocol ?? "TCP",
        portRanges: rule.portRanges ?? "",
        addressPrefixes: rule.addressPrefixes,
      };
  }
}

/** Roles the workspace component grants its own identities: the deployer must be allowed to assign them. */
export const mlWorkloadRoles: readonly BuiltInRole[] = [...new Set(mlIdentityRoles.map((r) => r.role))];

/** The environment's ML workspace: its profile, overridden by the stack file's `mlWorkspace`. */
export function createPlatformMlWorkspace(name: string, parent: pulumi.Resource, args: PlatformMlWorkspaceArgs): MlWorkspace {
  const { config } = args;
  const ml = { ...args.profile.mlWorkspace, ...config.mlWorkspace };
  const base = `${config.prefix}-${config.environment}`;
  return new MlWorkspace(
    name,
    {
      workspaceName: `mlw-${base}`,
      keyVaultName: `kv-${base}-ml`,
      storageAccountName: `st${config.prefix}${config.environment}ml`,
      applicationInsightsName: `appi-${base}-ml`,
      friendlyName: `ML workspace (${config.environment})`,
      resourceGroupName: args.resourceGroupName,
      location: config.location,
      logAnalyticsWorkspaceId: args.logAnalyticsWorkspaceId,
      containerRegistryId: args.containerRegistryId,
      publicNetworkAccess: ml.publicNetworkAccess,
      allowedIpRanges: ml.allowedIpRanges,
      isolationMode: ml.isolationMode,
      outboundRules: ml.outboundRules?.map(toOutboundRule),
      firewallSku: ml.firewallSku,
      customerManagedKey: ml.customerManagedKey,
      hbiWorkspace: ml.hbiWorkspace,
      storageReplication: ml.storageReplication,
      computeClusters: ml.computeClusters,
      lock: ml.lock,
      privateEndpoint: { subnetId: args.privateEndpointSubnetId, virtualNetworkId: args.virtualNetworkId },
      tags: args.tags,
    },
    { parent },
  );
}
