import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { mapped } from "./lib/metadata";
import { lowerCaseProp, prop } from "./lib/stack";
import { stackOfTypes } from "./lib/types";

/**
 * Resource types that must be reached through a private endpoint, with the label used in
 * messages. Extend this table when a component adds a private-link type.
 */
export const privateLinkTypes: Readonly<Record<string, string>> = {
  "azure-native:containerregistry:Registry": "container registry",
  "azure-native:machinelearningservices:Workspace": "machine learning workspace",
  "azure-native:keyvault:Vault": "key vault",
  "azure-native:storage:StorageAccount": "storage account",
};

const privateEndpointType = "azure-native:network:PrivateEndpoint";

const serviceIds = new WeakMap<PolicyResource, (string | null | undefined)[]>();

/**
 * True when one of the endpoint's connections targets the (lower-cased) `id`. Each connection's
 * `privateLinkServiceId` is read once per endpoint (see `prop`), and only as far as the search
 * goes, as `some` over the connections would.
 */
function connectsToId(endpoint: PolicyResource, connections: unknown[], id: string): boolean {
  let known = serviceIds.get(endpoint);
  if (known === undefined) {
    known = new Array<string | null | undefined>(connections.length);
    serviceIds.set(endpoint, known);
  }
  for (let i = 0; i < connections.length; i++) {
    let linked = known[i];
    if (linked === undefined) {
      const c: unknown = connections[i];
      const value = typeof c === "object" && c !== null ? (c as Record<string, unknown>)["privateLinkServiceId"] : undefined;
      linked = typeof value === "string" ? value.toLowerCase() : null;
      known[i] = linked;
    }
    if (linked === id) return true;
  }
  return false;
}

function connectsTo(endpoint: PolicyResource, target: PolicyResource): boolean {
  const deps = endpoint.propertyDependencies["privateLinkServiceConnections"];
  if (deps?.some((d) => d.urn === target.urn)) return true;
  const id = lowerCaseProp(target, "id");
  const connections = prop(endpoint, "privateLinkServiceConnections");
  if (id === undefined || !Array.isArray(connections)) return false;
  return connectsToId(endpoint, connections, id);
}

export const privateEndpointPresent: StackValidationPolicy = {
  name: "azure-network-private-endpoint-present",
  description:
    "Every private-link capable resource must have a private endpoint, so clients reach it over the virtual network.",
  severity: "medium",
  remediationSteps:
    "Pass a subnet to the component (`privateEndpoint: { subnetId }`), or create an " +
    "`azure-native:network:PrivateEndpoint` whose private link service connection targets the resource.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_32", "CKV2_AZURE_33", "CKV_AZURE_243"],
    azurePolicy: [
      "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
      "45e05259-1eb5-4f70-9574-baf73e9d219b",
      "7838fd83-5cbb-4b5d-888c-bfa240972597",
      "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9",
      "6edd7eda-6dd8-40f7-810d-67160c639cd9",
    ],
    tags: ["network", "private-link"],
  }),
  validateStack: stackOfTypes(Object.keys(privateLinkTypes), (args, report) => {
    const endpoints = args.resources.filter((r) => r.type === privateEndpointType);
    for (const resource of args.resources) {
      const label = privateLinkTypes[resource.type];
      if (label === undefined) continue;
      if (endpoints.some((e) => connectsTo(e, resource))) continue;
      report(`The ${label} '${resource.name}' must have a private endpoint.`, resource.urn);
    }
  }),
};

// Private endpoints only help when clients resolve the service's name to the endpoint's private
// address: an endpoint without a DNS zone group leaves clients on the public address (and a
// closed service unreachable).

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

export const networkPolicies = [privateEndpointPresent, privateEndpointDnsZoneGroup] as const;
