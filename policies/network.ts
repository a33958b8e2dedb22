import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { mapped } from "./lib/metadata";

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

function connectsTo(endpoint: PolicyResource, target: PolicyResource): boolean {
  const deps = endpoint.propertyDependencies["privateLinkServiceConnections"];
  if (deps?.some((d) => d.urn === target.urn)) return true;
  const id: unknown = target.props["id"];
  const connections: unknown = endpoint.props["privateLinkServiceConnections"];
  if (typeof id !== "string" || !Array.isArray(connections)) return false;
  return connections.some(
    (c: unknown) =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as Record<string, unknown>)["privateLinkServiceId"] === "string" &&
      ((c as Record<string, unknown>)["privateLinkServiceId"] as string).toLowerCase() === id.toLowerCase(),
  );
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
  validateStack: (args, report) => {
    const endpoints = args.resources.filter((r) => r.type === privateEndpointType);
    for (const resource of args.resources) {
      const label = privateLinkTypes[resource.type];
      if (label === undefined) continue;
      if (endpoints.some((e) => connectsTo(e, resource))) continue;
      report(`The ${label} '${resource.name}' must have a private endpoint.`, resource.urn);
    }
  },
};

export const networkPolicies = [privateEndpointPresent] as const;
