import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { mapped } from "./lib/metadata";
import { lowerCaseProp } from "./lib/stack";
import { stackOfTypes } from "./lib/types";

// Private endpoints only help when clients resolve the service's name to the endpoint's private
// address: an endpoint without a DNS zone group leaves clients on the public address (and a
// closed service unreachable).

const privateEndpointType = "azure-native:network:PrivateEndpoint";
const zoneGroupType = "azure-native:network:PrivateDnsZoneGroup";

/** True when `dependent`'s `property` names `target`: by engine dependency or by equal name. */
function namesResource(dependent: PolicyResource, property: string, target: PolicyResource): boolean {
  if (dependent.propertyDependencies[property]?.some((d) => d.urn === target.urn) === true) return true;
  const value = lowerCaseProp(dependent, property);
  return value !== undefined && value === lowerCaseProp(target, "name");
}

export const privateEndpointDnsZoneGroup: StackValidationPolicy = {
  name: "azure-network-private-endpoint-dns-zone-group",
  description:
    "Every private endpoint must have a private DNS zone group, so the service's name resolves to the endpoint " +
    "inside the network instead of to its public address.",
  severity: "medium",
  remediationSteps:
    "Add an `azure-native:network:PrivateDnsZoneGroup` for the endpoint with the sub-resource's `privatelink.*` zone " +
    "(components do this when given `privateEndpoint`).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["ee40564d-486e-4f68-a5ca-7a621edae0fb", "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32"],
    tags: ["network", "private-link", "dns"],
  }),
  validateStack: stackOfTypes([privateEndpointType], (args, report) => {
    const groups = args.resources.filter((r) => r.type === zoneGroupType);
    for (const endpoint of args.resources.filter((r) => r.type === privateEndpointType)) {
      if (groups.some((g) => namesResource(g, "privateEndpointName", endpoint))) continue;
      report(`The private endpoint '${endpoint.name}' must have a private DNS zone group.`, endpoint.urn);
    }
  }),
};

export const privateDnsPolicies: readonly StackValidationPolicy[] = [privateEndpointDnsZoneGroup];
