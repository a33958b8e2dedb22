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
  /**
   * Existing private DNS zones keyed by zone name (e.g. `privatelink.blob.core.windows.net`), for
   * components whose endpoints need several zones; a zone not listed here is created.
   */
  readonly privateDnsZoneIds?: Readonly<Record<string, pulumi.Input<string>>>;
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
  /**
   * More zones the sub-resource needs (an ML workspace's `amlworkspace` also needs
   * `privatelink.notebooks.azure.net`). @default []
   */
  readonly additionalZoneNames?: readonly string[];
  readonly spec: PrivateEndpointSpec;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface CreatedPrivateEndpoint {
  readonly endpoint: network.PrivateEndpoint;
  readonly zoneId: pulumi.Output<string>;
}

/**
 * Creates a private endpoint for one sub-resource with its DNS zone group, creating (and linking)
 * each private DNS zone unless an existing one is given. Children are named `${name}-<groupId>-...`.
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
  const zoneIds = [args.zoneName, ...(args.additionalZoneNames ?? [])].map((zoneName, i) => ({
    zoneName,
    // The first zone keeps the child names it always had, so adding zones replaces nothing.
    id: ensureZone(args, zoneName, i === 0 ? `${base}-dns` : `${base}-dns-${zoneName.replace(/^privatelink\./, "").replace(/\./g, "-")}`),
  }));
  new network.PrivateDnsZoneGroup(
    `${base}-dns-group`,
    {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneConfigs: zoneIds.map((z) => ({ name: z.zoneName.replace(/\./g, "-"), privateDnsZoneId: z.id })),
    },
    opts,
  );
  const zoneId = zoneIds[0]?.id ?? pulumi.output("");
  return { endpoint, zoneId };
}

/** The id of an existing zone from the spec, or a zone created (and linked) under `childName`. */
function ensureZone(args: PrivateEndpointArgs, zoneName: string, childName: string): pulumi.Output<string> {
  const existing =
    args.spec.privateDnsZoneIds?.[zoneName] ?? (zoneName === args.zoneName ? args.spec.privateDnsZoneId : undefined);
  if (existing !== undefined) return pulumi.output(existing);
  const opts = { parent: args.parent };
  const zone = new privatedns.PrivateZone(
    childName,
    { privateZoneName: zoneName, resourceGroupName: args.resourceGroupName, location: "global", tags: args.tags },
    opts,
  );
  if (args.spec.virtualNetworkId !== undefined) {
    new privatedns.VirtualNetworkLink(
      `${childName}-link`,
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
  return zone.id;
}
