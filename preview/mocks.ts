import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi mocks that answer like Azure, Entra ID and GitHub would: ARM resource ids, login
 * servers, principal ids, client ids. Values are derived from the resource's URN so a preview is
 * reproducible, and outputs feed the next resource as they would in a real deployment.
 */

/** The identity the offline preview pretends to deploy as. */
export interface OfflineIdentity {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly objectId: string;
}

export const defaultOfflineIdentity: OfflineIdentity = {
  subscriptionId: "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
  tenantId: "72f988bf-0000-4000-8000-00000000c0de",
  clientId: "0b5e7a1c-2d3f-4a6b-9c8d-7e6f5a4b3c2d",
  objectId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
};

/** A UUID v4-shaped value derived from the seed, so ids are stable across runs. */
export function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * How to build the ARM id of an azure-native type: its provider path and the input that names
 * it. `scope` types are extension resources (their id hangs under another resource's id).
 */
interface ArmShape {
  readonly path: string;
  readonly nameInput: string;
  /** `group` (under a resource group), `subscription`, or the input holding the parent scope. */
  readonly scope?: "group" | "subscription" | { readonly input: string };
  /** Inputs naming parent resources, in path order, with their path segment. */
  readonly parents?: readonly { readonly input: string; readonly segment: string }[];
}

const armShapes: Readonly<Record<string, ArmShape>> = {
  "containerregistry:Registry": { path: "Microsoft.ContainerRegistry/registries", nameInput: "registryName" },
  "containerregistry:Webhook": {
    path: "Microsoft.ContainerRegistry/registries",
    nameInput: "webhookName",
    parents: [{ input: "registryName", segment: "webhooks" }],
  },
  "operationalinsights:Workspace": { path: "Microsoft.OperationalInsights/workspaces", nameInput: "workspaceName" },
  "insights:Component": { path: "Microsoft.Insights/components", nameInput: "resourceName" },
  "applicationinsights:Component": { path: "Microsoft.Insights/components", nameInput: "resourceName" },
  "network:VirtualNetwork": { path: "Microsoft.Network/virtualNetworks", nameInput: "virtualNetworkName" },
  "network:Subnet": {
    path: "Microsoft.Network/virtualNetworks",
    nameInput: "subnetName",
    parents: [{ input: "virtualNetworkName", segment: "subnets" }],
  },
  "network:NetworkSecurityGroup": { path: "Microsoft.Network/networkSecurityGroups", nameInput: "networkSecurityGroupName" },
  "network:PrivateEndpoint": { path: "Microsoft.Network/privateEndpoints", nameInput: "privateEndpointName" },
  "network:PrivateDnsZoneGroup": {
    path: "Microsoft.Network/privateEndpoints",
    nameInput: "privateDnsZoneGroupName",
    parents: [{ input: "privateEndpointName", segment: "privateDnsZoneGroups" }],
  },
  "privatedns:PrivateZone": { path: "Microsoft.Network/privateDnsZones", nameInput: "privateZoneName" },
  "privatedns:VirtualNetworkLink": {
    path: "Microsoft.Network/privateDnsZones",
    nameInput: "virtualNetworkLinkName",
    parents: [{ input: "privateZoneName", segment: "virtualNetworkLinks" }],
  },
  "keyvault:Vault": { path: "Microsoft.KeyVault/vaults", nameInput: "vaultName" },
  "keyvault:Key": {
    path: "Microsoft.KeyVault/vaults",
    nameInput: "keyName",
    parents: [{ input: "vaultName", segment: "keys" }],
  },
  "storage:StorageAccount": { path: "Microsoft.Storage/storageAccounts", nameInput: "accountName" },
  "storage:FileServiceProperties": {
    path: "Microsoft.Storage/storageAccounts",
    nameInput: "fileServicesName",
    parents: [{ input: "accountName", segment: "fileServices" }],
  },
  "storage:BlobServiceProperties": {
    path: "Microsoft.Storage/storageAccounts",
    nameInput: "blobServicesName",
    parents: [{ input: "accountName", segment: "blobServices" }],
  },
  "storage:BlobContainer": {
    path: "Microsoft.Storage/storageAccounts",
    nameInput: "containerName",
    parents: [
      { input: "accountName", segment: "blobServices/default/containers" },
    ],
  },
  "managedidentity:UserAssignedIdentity": {
    path: "Microsoft.ManagedIdentity/userAssignedIdentities",
    nameInput: "resourceName",
  },
  "machinelearningservices:Workspace": { path: "Microsoft.MachineLearningServices/workspaces", nameInput: "workspaceName" },
  "machinelearningservices:Compute": {
    path: "Microsoft.MachineLearningServices/workspaces",
    nameInput: "computeName",
    parents: [{ input: "workspaceName", segment: "computes" }],
  },
  "containerservice:ManagedCluster": { path: "Microsoft.ContainerService/managedClusters", nameInput: "resourceName" },
  "security:Pricing": { path: "Microsoft.Security/pricings", nameInput: "pricingName", scope: { input: "scopeId" } },
  "monitor:DiagnosticSetting": { path: "Microsoft.Insights/diagnosticSettings", nameInput: "name", scope: { input: "resourceUri" } },
  "authorization:RoleAssignment": {
    path: "Microsoft.Authorization/roleAssignments",
    nameInput: "roleAssignmentName",
    scope: { input: "scope" },
  },
  "authorization:RoleDefinition": {
    path: "Microsoft.Authorization/roleDefinitions",
    nameInput: "roleDefinitionId",
    scope: { input: "scope" },
  },
  "authorization:ManagementLockByScope": {
    path: "Microsoft.Authorization/locks",
    nameInput: "lockName",
    scope: { input: "scope" },
  },
};

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Azure-native's auto-name: the logical name plus a short random-looking suffix. */
function autoName(logicalName: string, urn: string): string {
  return `${logicalName}${createHash("sha256").update(urn).digest("hex").slice(0, 8)}`;
}

/** Builds the id and outputs Azure would return for an azure-native resource. */
function azureNative(args: pulumi.runtime.MockResourceArgs, urn: string, who: OfflineIdentity): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const token = args.type.slice("azure-native:".length);
  const sub = `/subscriptions/${who.subscriptionId}`;
  const rg = str(inputs["resourceGroupName"]) ?? "rg-unknown";
  const state: Record<string, unknown> = { ...inputs };

  if (token === "resources:ResourceGroup") {
    const name = str(inputs["resourceGroupName"]) ?? autoName(args.name, urn);
    return { id: `${sub}/resourceGroups/${name}`, state: { ...state, name, properties: { provisioningState: "Succeeded" } } };
  }
  const shape = armShapes[token];
  const [module = "unknown", typeName = "Unknown"] = token.split(":");
  const nameInput = shape?.nameInput ?? `${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}Name`;
  const name =
    str(inputs[nameInput]) ??
    (token === "authorization:RoleAssignment" ? stableUuid(urn) : token === "monitor:DiagnosticSetting" ? args.name : autoName(args.name, urn));
  const armPath = shape?.path ?? `Microsoft.${module}/${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}s`;
  let id: string;
  if (shape?.scope !== undefined && shape.scope !== "group" && shape.scope !== "subscription") {
    const scope = str(inputs[shape.scope.input]) ?? sub;
    id = `${scope}/providers/${armPath}/${name}`;
  } else if (shape?.scope === "subscription") {
    id = `${sub}/providers/${armPath}/${name}`;
  } else if (shape?.parents) {
    const segs = shape.parents.map((p) => `${str(inputs[p.input]) ?? "unknown"}/${p.segment}`).join("/");
    id = `${sub}/resourceGroups/${rg}/providers/${armPath}/${segs}/${name}`;
  } else {
    id = `${sub}/resourceGroups/${rg}/providers/${armPath}/${name}`;
  }
  state["name"] = name;
  state["type"] = armPath;
  state["provisioningState"] = "Succeeded";

  // A system-assigned identity gets a principal in the tenant.
  const identity = inputs["identity"];
  if (typeof identity === "object" && identity !== null) {
    const type = String((identity as Record<string, unknown>)["type"] ?? "");
    if (type.includes("SystemAssigned")) {
      state["identity"] = { ...identity, principalId: stableUuid(`${urn}#principal`), tenantId: who.tenantId };
    }
  }
  switch (token) {
    case "containerregistry:Registry":
      state["loginServer"] = `${name.toLowerCase()}.azurecr.io`;
      break;
    case "operationalinsights:Workspace":
      state["customerId"] = stableUuid(`${urn}#customer`);
      break;
    case "insights:Component":
    case "applicationinsights:Component":
      state["appId"] = stableUuid(`${urn}#app`);
      state["instrumentationKey"] = stableUuid(`${urn}#ikey`);
      state["connectionString"] = `InstrumentationKey=${stableUuid(`${urn}#ikey`)};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`;
      break;
    case "keyvault:Vault":
      state["properties"] = { ...(inputs["properties"] as object), vaultUri: `https://${name}.vault.azure.net/` };
      break;
    case "keyvault:Key": {
      const vault = str(inputs["vaultName"]) ?? "unknown";
      const version = createHash("sha256").update(urn).digest("hex").slice(0, 32);
      state["keyUri"] = `https://${vault}.vault.azure.net/keys/${name}`;
      state["keyUriWithVersion"] = `https://${vault}.vault.azure.net/keys/${name}/${version}`;
      break;
    }
    case "storage:StorageAccount":
      state["primaryEndpoints"] = {
        blob: `https://${name}.blob.core.windows.net/`,
        file: `https://${name}.file.core.windows.net/`,
        queue: `https://${name}.queue.core.windows.net/`,
        table: `https://${name}.table.core.windows.net/`,
        dfs: `https://${name}.dfs.core.windows.net/`,
      };
      break;
    case "managedidentity:UserAssignedIdentity":
      state["principalId"] = stableUuid(`${urn}#principal`);
      state["clientId"] = stableUuid(`${urn}#client`);
      state["tenantId"] = who.tenantId;
      break;
    case "machinelearningservices:Workspace":
      state["workspaceId"] = stableUuid(`${urn}#workspace`);
      state["discoveryUrl"] = `https://westeurope.api.azureml.ms/discovery`;
      state["mlFlowTrackingUri"] = `azureml://westeurope.api.azureml.ms/mlflow/v1.0${id}`;
      break;
    case "containerservice:ManagedCluster":
      state["fqdn"] = `${name}-${createHash("sha256").update(urn).digest("hex").slice(0, 8)}.hcp.westeurope.azmk8s.io`;
      state["oidcIssuerProfile"] = {
        ...(inputs["oidcIssuerProfile"] as object),
        issuerURL: `https://westeurope.oic.prod-aks.azure.com/${who.tenantId}/${stableUuid(urn)}/`,
      };
      break;
    default:
      break;
  }
  return { id, state };
}

/** Entra ID (azuread) objects: object ids and client ids are GUIDs. */
function azureAd(args: pulumi.runtime.MockResourceArgs, urn: string, who: OfflineIdentity): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const objectId = stableUuid(`${urn}#object`);
  const state: Record<string, unknown> = { ...inputs, objectId };
  switch (args.type) {
    case "azuread:index/application:Application":
    case "azuread:index/applicationRegistration:ApplicationRegistration":
      state["clientId"] = stableUuid(`${urn}#client`);
      return { id: `/applications/${objectId}`, state };
    case "azuread:index/servicePrincipal:ServicePrincipal":
      state["applicationTenantId"] = who.tenantId;
      state["type"] = "Application";
      return { id: objectId, state };
    case "azuread:index/group:Group":
      return { id: objectId, state };
    case "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential":
      state["credentialId"] = stableUuid(`${urn}#credential`);
      return { id: `${String(inputs["applicationId"] ?? "/applications/unknown")}/federatedIdentityCredential/${String(state["credentialId"])}`, state };
    default:
      return { id: objectId, state };
  }
}

/** GitHub objects: ids are names (as the provider uses them), plus node ids. */
function github(args: pulumi.runtime.MockResourceArgs, urn: string): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const state: Record<string, unknown> = { ...inputs, nodeId: `R_${createHash("sha256").update(urn).digest("base64url").slice(0, 16)}` };
  const repo = str(inputs["repository"]) ?? str(inputs["name"]) ?? args.name;
  if (args.type === "github:index/repository:Repository") {
    state["fullName"] = `octo-org/${repo}`;
    state["repoId"] = parseInt(createHash("sha256").update(urn).digest("hex").slice(0, 8), 16);
    state["htmlUrl"] = `https://github.com/octo-org/${repo}`;
    return { id: repo, state };
  }
  return { id: `${repo}:${args.name}`, state };
}

/**
 * The offline mocks. `call` answers the invokes the platform makes and refuses any other, since an
 * unanswered invoke would otherwise leave outputs unresolved and the preview silently incomplete.
 */
export function createOfflineMocks(who: OfflineIdentity = defaultOfflineIdentity, project = "secure-mlops", stack = "dev"): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const urn = `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`;
      if (args.type.startsWith("azure-native:")) return azureNative(args, urn, who);
      if (args.type.startsWith("azuread:")) return azureAd(args, urn, who);
      if (args.type.startsWith("github:")) return github(args, urn);
      if (args.type.startsWith("kubernetes:")) {
        const meta = (args.inputs as Record<string, unknown>)["metadata"] as Record<string, unknown> | undefined;
        const ns = str(meta?.["namespace"]) ?? "default";
        const name = str(meta?.["name"]) ?? autoName(args.name, urn);
        return { id: `${ns}/${name}`, state: { ...args.inputs, metadata: { ...meta, name, namespace: ns, uid: stableUuid(urn) } } };
      }
      return { id: `${args.name}-id`, state: { ...args.inputs } };
    },
    call(args) {
      switch (args.token) {
        case "azure-native:authorization:getClientConfig":
          return { ...who };
        case "azuread:index/getClientConfig:getClientConfig":
          return { clientId: who.clientId, objectId: who.objectId, tenantId: who.tenantId };
        default:
          throw new Error(`the offline preview has no answer for the invoke ${args.token}`);
      }
    },
  };
}
