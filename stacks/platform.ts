import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { SecureRegistry } from "../components";
import type { PlatformConfig } from "./config";
import { environmentProfiles } from "./profiles";

export const platformType = "secure-mlops:platform:SecureMlopsPlatform";

/**
 * The whole platform of one environment, built from its typed config: resource group, Log
 * Analytics, the private network, and the components on top of them.
 */
export class SecureMlopsPlatform extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  readonly virtualNetworkId: pulumi.Output<string>;
  readonly privateEndpointSubnetId: pulumi.Output<string>;
  readonly registry: SecureRegistry;

  constructor(name: string, config: PlatformConfig, opts?: pulumi.ComponentResourceOptions) {
    super(platformType, name, {}, opts);
    const profile = environmentProfiles[config.environment];
    const base = `${config.prefix}-${config.environment}`;
    const tags = { ...config.tags, environment: config.environment, "managed-by": "secure-mlops" };
    const parent = { parent: this };

    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: `rg-${base}`, location: config.location, tags },
      parent,
    );
    this.resourceGroupName = group.name;

    const logs = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        workspaceName: `log-${base}`,
        resourceGroupName: group.name,
        location: config.location,
        sku: { name: "PerGB2018" },
        retentionInDays: profile.logRetentionDays,
        // Only Entra-authenticated agents and queries; no shared workspace keys.
        features: { disableLocalAuth: true },
        tags,
      },
      parent,
    );
    this.logAnalyticsWorkspaceId = logs.id;

    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        virtualNetworkName: `vnet-${base}`,
        resourceGroupName: group.name,
        location: config.location,
        addressSpace: { addressPrefixes: [config.network.addressSpace] },
        tags,
      },
      { ...parent, ignoreChanges: ["subnets"] },
    );
    this.virtualNetworkId = vnet.id;

    const endpointSubnet = new network.Subnet(
      `${name}-snet-endpoints`,
      {
        subnetName: "snet-private-endpoints",
        resourceGroupName: group.name,
        virtualNetworkName: vnet.name,
        addressPrefix: config.network.privateEndpointSubnet,
        privateEndpointNetworkPolicies: "Enabled",
        defaultOutboundAccess: false,
      },
      parent,
    );
    this.privateEndpointSubnetId = endpointSubnet.id;

    const registryConfig = { ...profile.registry, ...config.registry };
    this.registry = new SecureRegistry(
      `${name}-acr`,
      {
        registryName: `cr${config.prefix}${config.environment}`,
        resourceGroupName: group.name,
        location: config.location,
        logAnalyticsWorkspaceId: logs.id,
        zoneRedundancy: registryConfig.zoneRedundancy,
        publicNetworkAccess: registryConfig.publicNetworkAccess,
        allowedIpRanges: registryConfig.allowedIpRanges,
        untaggedRetentionDays: registryConfig.untaggedRetentionDays,
        lock: registryConfig.lock,
        defenderForContainers: config.defenderForContainers,
        privateEndpoint: { subnetId: endpointSubnet.id, virtualNetworkId: vnet.id },
        tags,
      },
      parent,
    );

    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      virtualNetworkId: this.virtualNetworkId,
      privateEndpointSubnetId: this.privateEndpointSubnetId,
      registryLoginServer: this.registry.loginServer,
    });
  }
}
