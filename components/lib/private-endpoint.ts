import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";

/** Where a component's private endpoint goes (Azure Verified Modules' `privateEndpoints`). */
export interface PrivateEndpointSpec {
  /** The subnet that receives the endpoint's network interface. */
  readonly subnetId: pulumi.Input<string>;
  /**
   * An existing private DNS zone (for example a hub's central zone). When omitted, the component
   * creates the zone and, with `virtualNetworkId`, links it to that network.
   */
  readonly privateDnsZoneId?: pulumi.Input<string>;
  /** The virtual network to link a created zone to. */
  readonly virtualNetworkId?: pulumi.Input<string>;
}

export interface PrivateEndpointArgs {
  readonly name: string;
  readonly parent: pulumi.Resource;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location?: pulumi.Input<string>;
  readonly targetId: pulumi.Input<string>;
  /** The private link sub-resource, e.g. `registry`, `vault`, `blob`, `amlworkspace`. */
  readonly groupId: string;
  /** The private DNS zone of that sub-resource, e.g. `privatelink.azurecr.io`. */
  readonly zoneName: string;
  readonly spec: PrivateEndpointSpec;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface CreatedPrivateEndpoint {
  readonly endpoint: network.PrivateEndpoint;
  readonly zoneId: pulumi.Output<string>;
}

/**
 * Creates a private endpoint for one sub-resource with its DNS zone group, creating (and linking)
 * the private DNS zone unless an existing one is given. Children are named `${name}-<groupId>-...`.
 */
export function createPrivateEndpoint(args: PrivateEndpointArgs): CreatedPrivateEndpoint {
  const opts = { parent: args.parent };
  const base = `${args.name}-${args.groupId}`;
  const endpoint = new network.PrivateEndpoint(
    `${base}-pe`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: args.spec.subnetId },
      privateLinkServiceConnections: [
        { name: `${base}-plsc`, privateLinkServiceId: args.targetId, groupIds: [args.groupId] },
      ],
      tags: args.tags,
    },
    opts,
  );
  let zoneId: pulumi.Output<string>;
  if (args.spec.privateDnsZoneId !== undefined) {
    zoneId = pulumi.output(args.spec.privateDnsZoneId);
  } else {
    const zone = new privatedns.PrivateZone(
      `${base}-dns`,
      { privateZoneName: args.zoneName, resourceGroupName: args.resourceGroupName, location: "global", tags: args.tags },
      opts,
    );
    if (args.spec.virtualNetworkId !== undefined) {
      new privatedns.VirtualNetworkLink(
        `${base}-dns-link`,
        {
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          virtualNetwork: { id: args.spec.virtualNetworkId },
          registrationEnabled: false,
          tags: args.tags,
        },
        opts,
      );
    }
    zoneId = zone.id;
  }
  new network.PrivateDnsZoneGroup(
    `${base}-dns-group`,
    {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneConfigs: [{ name: args.zoneName.replace(/\./g, "-"), privateDnsZoneId: zoneId }],
    },
    opts,
  );
  return { endpoint, zoneId };
}
