import { createHash, generateKeyPairSync } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { decodeYaml, kubernetesOutputs } from "./kubernetes-mocks";

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
  "machinelearningservices:OnlineEndpoint": {
    path: "Microsoft.MachineLearningServices/workspaces",
    nameInput: "endpointName",
    parents: [{ input: "workspaceName", segment: "onlineEndpoints" }],
  },
  "machinelearningservices:OnlineDeployment": {
    path: "Microsoft.MachineLearningServices/workspaces",
    nameInput: "deploymentName",
    parents: [
      { input: "workspaceName", segment: "onlineEndpoints" },
      { input: "endpointName", segment: "deployments" },
    ],
  },
  "containerservice:AgentPool": {
    path: "Microsoft.ContainerService/managedClusters",
    nameInput: "agentPoolName",
    parents: [{ input: "resourceName", segment: "agentPools" }],
  },
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
  "authorization:PolicyAssignment": {
    path: "Microsoft.Authorization/policyAssignments",
    nameInput: "policyAssignmentName",
    scope: { input: "scope" },
  },
  "authorization:PolicyExemption": {
    path: "Microsoft.Authorization/policyExemptions",
    nameInput: "policyExemptionName",
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
  // Cluster extensions are proxy resources under the cluster they are installed on.
  if (token === "kubernetesconfiguration:Extension") {
    id = `${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${str(inputs["clusterName"]) ?? "unknown"}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`;
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
    case "machinelearningservices:OnlineEndpoint":
      state["properties"] = {
        ...(inputs["properties"] as object),
        scoringUri: `https://${name}.westeurope.inference.ml.azure.com/score`,
        swaggerUri: `https://${name}.westeurope.inference.ml.azure.com/swagger.json`,
        provisioningState: "Succeeded",
      };
      break;
    case "kubernetesconfiguration:Extension":
      state["aksAssignedIdentity"] = { type: "SystemAssigned", principalId: stableUuid(`${urn}#extension`), tenantId: who.tenantId };
      state["currentVersion"] = "1.1.64";
      break;
    case "containerservice:ManagedCluster": {
      // A private cluster gets a privatelink name; the public one exists only when asked for.
      const hash = createHash("sha256").update(urn).digest("hex");
      const access = (inputs["apiServerAccessProfile"] ?? {}) as Record<string, unknown>;
      const dnsPrefix = str(inputs["dnsPrefix"]) ?? name;
      const publicFqdn = `${dnsPrefix}-${hash.slice(0, 8)}.hcp.westeurope.azmk8s.io`;
      if (access["enablePrivateCluster"] === true) {
        state["privateFQDN"] = `${dnsPrefix}-${hash.slice(8, 16)}.${stableUuid(`${urn}#zone`)}.privatelink.westeurope.azmk8s.io`;
        if (access["enablePrivateClusterPublicFQDN"] === true) state["fqdn"] = publicFqdn;
        state["azurePortalFQDN"] = `${dnsPrefix}-${hash.slice(16, 24)}.portal.hcp.westeurope.azmk8s.io`;
      } else {
        state["fqdn"] = publicFqdn;
      }
      state["nodeResourceGroup"] = `MC_${rg}_${name}_westeurope`;
      state["currentKubernetesVersion"] = str(inputs["kubernetesVersion"]) ?? "1.33.5";
      state["identityProfile"] = {
        kubeletidentity: {
          resourceId: `${sub}/resourceGroups/MC_${rg}_${name}_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool`,
          clientId: stableUuid(`${urn}#kubelet-client`),
          objectId: stableUuid(`${urn}#kubelet-object`),
        },
      };
      const oidc = (inputs["oidcIssuerProfile"] ?? {}) as Record<string, unknown>;
      state["oidcIssuerProfile"] =
        oidc["enabled"] === true
          ? { ...oidc, issuerURL: `https://westeurope.oic.prod-aks.azure.com/${who.tenantId}/${stableUuid(urn)}/` }
          : oidc;
      break;
    }
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
      state["accountEnabled"] = inputs["accountEnabled"] ?? true;
      state["servicePrincipalNames"] = str(inputs["clientId"]) ? [inputs["clientId"]] : [];
      return { id: objectId, state };
    case "azuread:index/group:Group":
    case "azuread:index/groupWithoutMembers:GroupWithoutMembers":
      // Entra ID generates a mail nickname when none is given, even for security groups.
      state["mailNickname"] = str(inputs["mailNickname"]) ?? stableUuid(`${urn}#mail`).slice(0, 8);
      state["securityEnabled"] = inputs["securityEnabled"] ?? false;
      state["mailEnabled"] = inputs["mailEnabled"] ?? false;
      state["onpremisesSyncEnabled"] = false;
      return { id: objectId, state };
    case "azuread:index/groupMember:GroupMember":
      return { id: `${String(inputs["groupObjectId"] ?? "unknown")}/member/${String(inputs["memberObjectId"] ?? "unknown")}`, state };
    case "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential":
    case "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential":
      state["credentialId"] = stableUuid(`${urn}#credential`);
      return { id: `${String(inputs["applicationId"] ?? "/applications/unknown")}/federatedIdentityCredential/${String(state["credentialId"])}`, state };
    case "azuread:index/applicationPassword:ApplicationPassword":
    case "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": {
      // What a client secret looks like; the mocks never hold a real one.
      const keyId = stableUuid(`${urn}#key`);
      const owner = str(inputs["applicationId"]) ?? `/servicePrincipals/${String(inputs["servicePrincipalId"] ?? "unknown")}`;
      state["keyId"] = keyId;
      state["value"] = `offline~${createHash("sha256").update(urn).digest("base64url").slice(0, 32)}`;
      state["startDate"] = "2026-01-01T00:00:00Z";
      state["endDate"] = str(inputs["endDate"]) ?? "2028-01-01T00:00:00Z";
      return { id: `${owner}/password/${keyId}`, state };
    }
    case "azuread:index/applicationCertificate:ApplicationCertificate":
    case "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate": {
      const keyId = stableUuid(`${urn}#key`);
      const owner = str(inputs["applicationId"]) ?? `/servicePrincipals/${String(inputs["servicePrincipalId"] ?? "unknown")}`;
      state["keyId"] = keyId;
      return { id: `${owner}/certificate/${keyId}`, state };
    }
    default:
      return { id: objectId, state };
  }
}

/** GitHub objects: ids are names (as the provider uses them), plus node ids. */
function github(args: pulumi.runtime.MockResourceArgs, urn: string): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const state: Record<string, unknown> = { ...inputs, nodeId: `R_${createHash("sha256").update(urn).digest("base64url").slice(0, 16)}` };
  const repo = str(inputs["repository"]) ?? str(inputs["name"]) ?? args.name;
  if (args.type === "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable") {
    state["createdAt"] = "2026-11-22T00:00:00Z";
    state["updatedAt"] = "2026-11-22T00:00:00Z";
    return { id: `${repo}:${String(inputs["environment"] ?? "unknown")}:${String(inputs["variableName"] ?? args.name)}`, state };
  }
  if (args.type === "github:index/repository:Repository") {
    state["fullName"] = `octo-org/${repo}`;
    state["repoId"] = parseInt(createHash("sha256").update(urn).digest("hex").slice(0, 8), 16);
    state["htmlUrl"] = `https://github.com/octo-org/${repo}`;
    Object.assign(state, githubRepositoryOutputs(inputs, repo, urn));
    return { id: repo, state };
  }
  const shaped = githubProtectionOutputs(args, urn, repo, state);
  if (shaped) return shaped;
  return { id: `${repo}:${args.name}`, state };
}

/** A number GitHub would assign (ruleset ids, team ids, pull request numbers), stable per seed. */
function githubNumber(seed: string, digits = 7): number {
  return parseInt(createHash("sha256").update(seed).digest("hex").slice(0, digits), 16);
}

function gitSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/** What GitHub answers for a repository besides its name: clone URLs, node id, visibility. */
function githubRepositoryOutputs(inputs: Record<string, unknown>, repo: string, urn: string): Record<string, unknown> {
  const visibility = str(inputs["visibility"]) ?? (inputs["private"] === true ? "private" : "public");
  return {
    name: repo,
    nodeId: `R_kgDO${createHash("sha256").update(urn).digest("base64url").slice(0, 8)}`,
    visibility,
    private: visibility !== "public",
    defaultBranch: "main",
    gitCloneUrl: `git://github.com/octo-org/${repo}.git`,
    httpCloneUrl: `https://github.com/octo-org/${repo}.git`,
    sshCloneUrl: `git@github.com:octo-org/${repo}.git`,
    svnUrl: `https://github.com/octo-org/${repo}`,
    etag: `W/"${createHash("sha256").update(urn).digest("hex").slice(0, 32)}"`,
    topics: inputs["topics"] ?? [],
  };
}

/**
 * Ids and computed outputs of the GitHub resources ProtectedRepository and ProtectedEnvironment
 * create, in the provider's formats (import ids), so references between them resolve as in a
 * real deployment.
 */
function githubProtectionOutputs(
  args: pulumi.runtime.MockResourceArgs,
  urn: string,
  repo: string,
  state: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } | undefined {
  const inputs = args.inputs as Record<string, unknown>;
  const token = args.type.slice("github:index/".length);
  switch (token) {
    case "repositoryRuleset:RepositoryRuleset":
    case "organizationRuleset:OrganizationRuleset": {
      const rulesetId = githubNumber(urn);
      state["rulesetId"] = rulesetId;
      state["nodeId"] = `RRS_lACk${createHash("sha256").update(urn).digest("base64url").slice(0, 10)}`;
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: String(rulesetId), state };
    }
    case "branchProtection:BranchProtection":
      // The GraphQL node id is the resource's id.
      return { id: `BPR_kwDO${createHash("sha256").update(urn).digest("base64url").slice(0, 12)}`, state };
    case "branchProtectionV3:BranchProtectionV3":
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: `${repo}:${String(inputs["branch"] ?? "main")}`, state };
    case "branch:Branch": {
      const branch = String(inputs["branch"] ?? args.name);
      state["ref"] = `refs/heads/${branch}`;
      state["sha"] = gitSha(`${urn}#sha`);
      state["sourceSha"] = str(inputs["sourceSha"]) ?? gitSha(`${repo}#${String(inputs["sourceBranch"] ?? "main")}`);
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: `${repo}:${branch}`, state };
    }
    case "branchDefault:BranchDefault":
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: repo, state };
    case "repositoryFile:RepositoryFile": {
      const file = String(inputs["file"] ?? args.name);
      const content = String(inputs["content"] ?? "");
      // The blob sha git computes for the content.
      state["sha"] = createHash("sha1").update(`blob ${Buffer.byteLength(content)}\0${content}`).digest("hex");
      state["commitSha"] = gitSha(`${urn}#commit`);
      state["ref"] = str(inputs["branch"]) ?? "main";
      return { id: `${repo}/${file}`, state };
    }
    case "repositoryPullRequest:RepositoryPullRequest": {
      const base = str(inputs["baseRepository"]) ?? repo;
      const number = githubNumber(urn, 3);
      state["number"] = number;
      state["state"] = "open";
      state["draft"] = false;
      state["headSha"] = gitSha(`${urn}#head`);
      state["baseSha"] = gitSha(`${urn}#base`);
      state["openedBy"] = "secure-mlops";
      state["openedAt"] = 1795305600;
      state["updatedAt"] = 1795305600;
      state["labels"] = [];
      return { id: `${base}:${number}`, state };
    }
    case "repositoryEnvironment:RepositoryEnvironment":
      return { id: `${repo}:${String(inputs["environment"] ?? args.name)}`, state };
    case "repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": {
      const policyId = githubNumber(urn);
      state["policyId"] = policyId;
      return { id: `${repo}:${String(inputs["environment"] ?? "unknown")}:${policyId}`, state };
    }
    case "repositoryDeploymentBranchPolicy:RepositoryDeploymentBranchPolicy":
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: String(githubNumber(urn)), state };
    case "teamRepository:TeamRepository":
      state["etag"] = `W/"${gitSha(urn)}"`;
      return { id: `${String(inputs["teamId"] ?? "unknown")}:${repo}`, state };
    case "team:Team": {
      const slug = String(inputs["name"] ?? args.name).toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
      state["slug"] = slug;
      state["nodeId"] = `T_kwDO${createHash("sha256").update(urn).digest("base64url").slice(0, 8)}`;
      return { id: String(githubNumber(urn)), state };
    }
    case "actionsRepositoryPermissions:ActionsRepositoryPermissions":
    case "workflowRepositoryPermissions:WorkflowRepositoryPermissions":
    case "repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts":
    case "repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates":
      // Repository settings: the provider's id is the repository name.
      return { id: repo, state };
    default:
      return undefined;
  }
}

/** `github.getTeam`: a team of the offline organization, its id derived from the slug. */
function githubTeam(args: Record<string, unknown>): Record<string, unknown> {
  const slug = String(args["slug"] ?? "team");
  return {
    id: String(githubNumber(`team:${slug}`)),
    slug,
    name: slug,
    nodeId: `T_kwDO${createHash("sha256").update(slug).digest("base64url").slice(0, 8)}`,
    description: "",
    privacy: "closed",
    permission: "pull",
    notificationSetting: "notifications_enabled",
    members: [],
    repositories: [],
    repositoriesDetaileds: [],
    summaryOnly: args["summaryOnly"] ?? false,
  };
}

/** PEM armour around DER bytes, 64 characters a line. */
function pem(label: string, der: Buffer): string {
  const body = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * The tls provider's outputs: real ECDSA P-256 keys (the only algorithm the components use);
 * certificates and requests are PEM-armoured digests of their inputs, not parseable X.509, since
 * nothing in the offline preview reads them back.
 */
function tlsResource(args: pulumi.runtime.MockResourceArgs, urn: string): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const state: Record<string, unknown> = { ...inputs };
  const digest = createHash("sha256").update(urn).digest();
  switch (args.type) {
    case "tls:index/privateKey:PrivateKey": {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      state["privateKeyPem"] = privateKey.export({ type: "sec1", format: "pem" }).toString();
      state["privateKeyPemPkcs8"] = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      state["publicKeyPem"] = publicKey.export({ type: "spki", format: "pem" }).toString();
      state["publicKeyFingerprintSha256"] = `SHA256:${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64").replace(/=+$/, "")}`;
      break;
    }
    case "tls:index/certRequest:CertRequest":
      state["certRequestPem"] = pem("CERTIFICATE REQUEST", digest);
      break;
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      state["certPem"] = pem("CERTIFICATE", digest);
      state["validityStartTime"] = "2026-01-01T00:00:00Z";
      state["validityEndTime"] = "2027-01-01T00:00:00Z";
      state["readyForRenewal"] = false;
      break;
    default:
      break;
  }
  return { id: digest.toString("hex").slice(0, 32), state };
}

/** An AKS user kubeconfig in exec format: Entra tokens through kubelogin, no static credential. */
function aksUserCredentials(inputs: Record<string, unknown>, who: OfflineIdentity): Record<string, unknown> {
  const cluster = str(inputs["resourceName"]) ?? "aks";
  const server = `https://${cluster}-${createHash("sha256").update(cluster).digest("hex").slice(0, 8)}.${stableUuid(cluster)}.privatelink.westeurope.azmk8s.io:443`;
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n- name: ${cluster}\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${Buffer.from(pem("CERTIFICATE", createHash("sha256").update(server).digest())).toString("base64")}`,
    `contexts:\n- name: ${cluster}\n  context:\n    cluster: ${cluster}\n    user: clusterUser_${cluster}`,
    `current-context: ${cluster}`,
    `users:\n- name: clusterUser_${cluster}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --tenant-id, ${who.tenantId}]`,
  ].join("\n");
  return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(`${kubeconfig}\n`).toString("base64") }] };
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
      if (args.type.startsWith("tls:")) return tlsResource(args, urn);
      if (args.type.startsWith("kubernetes:") || args.type === "pulumi:providers:kubernetes") {
        return kubernetesOutputs(args.type, args.name, urn, args.inputs as Record<string, unknown>);
      }
      return { id: `${args.name}-id`, state: { ...args.inputs } };
    },
    call(args) {
      switch (args.token) {
        case "azure-native:authorization:getClientConfig":
          return { ...who };
        case "azuread:index/getClientConfig:getClientConfig":
          // The azuread provider's id for this data source joins the three ids.
          return { clientId: who.clientId, objectId: who.objectId, tenantId: who.tenantId, id: `${who.clientId}-${who.objectId}-${who.tenantId}` };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
          return aksUserCredentials(args.inputs as Record<string, unknown>, who);
        case "github:index/getTeam:getTeam":
          return githubTeam(args.inputs as Record<string, unknown>);
        case "kubernetes:yaml:decode":
          return decodeYaml(args.inputs as Record<string, unknown>);
        default:
          throw new Error(`the offline preview has no answer for the invoke ${args.token}`);
      }
    },
  };
}
