import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import type { AgentPoolArgs, ManagedClusterArgs } from "@pulumi/azure-native/containerservice";
import { containerservice } from "./lib/type-tokens";
import { mapped } from "./lib/metadata";
import { knobsOf } from "./lib/config";
import { anyOfTypes } from "./lib/types";
import { sameEnum } from "./lib/values";

// AKS (Microsoft.ContainerService). Each policy names the rows of the AKS control matrix it
// answers for in an `aks:K<n>` tag. Node-pool rules judge every entry of `agentPoolProfiles`
// and every separate `AgentPool`, unlike Checkov's ARM checks, which read only the first pool.

type Cluster = ManagedClusterArgs;
type Props = Record<string, unknown>;

function record(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

/** An add-on profile by name; ARM and AKS spell the keys in different cases (`azurepolicy`, `azurePolicy`). */
function addon(cluster: Cluster, key: string): Props | undefined {
  const profiles = record(cluster.addonProfiles);
  if (profiles === undefined) return undefined;
  const found = Object.keys(profiles).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record(profiles[found]);
}

/** A pool's settings and how to name it in a message. */
interface Pool {
  readonly label: string;
  readonly props: Props;
}

function clusterPools(cluster: Cluster): Pool[] {
  const profiles = Array.isArray(cluster.agentPoolProfiles) ? (cluster.agentPoolProfiles as unknown[]) : [];
  return profiles.map((p, i) => {
    const props = record(p) ?? {};
    const name = typeof props["name"] === "string" ? props["name"] : `#${i}`;
    return { label: `The node pool "${name}" of the AKS cluster`, props };
  });
}

function separatePool(pool: AgentPoolArgs): Pool {
  const props = pool as unknown as Props;
  const name = typeof props["agentPoolName"] === "string" ? props["agentPoolName"] : "(unnamed)";
  return { label: `The AKS node pool "${name}"`, props };
}

/** One rule over every node pool: the cluster's inline profiles and separate `AgentPool` resources. */
function everyPool(rule: (pool: Pool, report: (message: string) => void) => void) {
  return anyOfTypes([
    validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
      for (const pool of clusterPools(cluster)) rule(pool, report);
    }),
    validateResourceOfType(containerservice.AgentPool, (pool, _args, report) => rule(separatePool(pool), report)),
  ]);
}

export const clusterPrivateApiServer: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-private-api-server",
  description:
    "AKS clusters must have a private API server; with `allowPublicWithAuthorizedIpRanges`, a public API server " +
    "is allowed only behind an authorized IP range list.",
  severity: "high",
  remediationSteps:
    "Set `apiServerAccessProfile: { enablePrivateCluster: true }` (or, where allowed, list `authorizedIPRanges`).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_115", "CKV_AZURE_6"],
    azurePolicy: ["040732e8-d947-40b8-95d6-854c95024bf8", "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea"],
    tags: ["containerservice", "network", "aks:K1", "aks:K3"],
  }),
  configSchema: {
    properties: {
      allowPublicWithAuthorizedIpRanges: {
        type: "boolean",
        default: false,
        description: "Allow a public API server when it lists authorized IP ranges.",
      },
    },
  },
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, args, report) => {
    const access = record(cluster.apiServerAccessProfile);
    if (access?.["enablePrivateCluster"] === true) return;
    const { allowPublicWithAuthorizedIpRanges } = knobsOf<{ allowPublicWithAuthorizedIpRanges: boolean }>(clusterPrivateApiServer, args);
    const ranges = access?.["authorizedIPRanges"];
    if (allowPublicWithAuthorizedIpRanges && Array.isArray(ranges) && ranges.length > 0) return;
    report(
      allowPublicWithAuthorizedIpRanges
        ? "The AKS cluster must have a private API server or a public one limited to authorized IP ranges."
        : "The AKS cluster must have a private API server.",
    );
  }),
};

export const clusterNoPublicFqdn: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-no-public-fqdn",
  description:
    "Private AKS clusters must not publish their API server's name in public DNS (Azure ML does not support a " +
    "public FQDN on a private cluster either).",
  severity: "medium",
  remediationSteps: "Set `apiServerAccessProfile: { enablePrivateClusterPublicFQDN: false }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["containerservice", "network", "aks:K2"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const access = record(cluster.apiServerAccessProfile);
    // ARM's default for a private cluster is a public FQDN, so only an explicit false passes.
    if (access?.["enablePrivateCluster"] === true && access["enablePrivateClusterPublicFQDN"] !== false) {
      report("The private AKS cluster must not have a public FQDN.");
    }
  }),
};

export const clusterRunCommandDisabled: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-run-command-disabled",
  description: "AKS clusters must disable Command Invoke, which runs commands in the cluster around network restrictions.",
  severity: "medium",
  remediationSteps: "Set `apiServerAccessProfile: { disableRunCommand: true }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["89f2d532-c53c-4f8f-9afa-4927b1114a0d"],
    tags: ["containerservice", "aks:K4"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    if (record(cluster.apiServerAccessProfile)?.["disableRunCommand"] !== true) {
      report("The AKS cluster must have Command Invoke (run command) disabled.");
    }
  }),
};

export const clusterLocalAccountsDisabled: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-local-accounts-disabled",
  description: "AKS clusters must disable local accounts, so every access is an Entra identity.",
  severity: "high",
  remediationSteps: "Set `disableLocalAccounts: true` together with the managed Entra integration (`aadProfile.managed`).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_141"],
    azurePolicy: ["993c2fcd-2b29-49d2-9eb0-df2c3a730c32"],
    tags: ["containerservice", "identity", "aks:K5"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    if (cluster.disableLocalAccounts !== true) report("The AKS cluster must have local accounts disabled.");
  }),
};

export const clusterEntraAzureRbac: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-entra-azure-rbac",
  description:
    "AKS clusters must use the managed Entra ID integration with Azure RBAC for Kubernetes authorization, and keep Kubernetes RBAC on.",
  severity: "high",
  remediationSteps: "Set `aadProfile: { managed: true, enableAzureRBAC: true }` and leave `enableRBAC` true.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_5"],
    azurePolicy: ["450d2877-ebea-41e8-b00c-e286317d21bf", "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457"],
    tags: ["containerservice", "identity", "aks:K6", "aks:K7", "aks:K8"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const aad = record(cluster.aadProfile);
    if (cluster.enableRBAC === false) report("The AKS cluster must have Kubernetes RBAC enabled.");
    if (aad?.["managed"] !== true) report("The AKS cluster must use the managed Entra ID integration.");
    else if (aad["enableAzureRBAC"] !== true) report("The AKS cluster must use Azure RBAC for Kubernetes authorization.");
  }),
};

export const clusterWorkloadIdentity: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-workload-identity",
  description:
    "AKS clusters must enable workload identity and its OIDC issuer, and must not use the deprecated pod-managed identity.",
  severity: "medium",
  remediationSteps:
    "Set `oidcIssuerProfile: { enabled: true }` and `securityProfile: { workloadIdentity: { enabled: true } }`; remove `podIdentityProfile`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["2cc2e023-0dac-4046-875b-178f683929d5"],
    tags: ["containerservice", "identity", "aks:K11", "aks:K12"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const wi = record(record(cluster.securityProfile)?.["workloadIdentity"]);
    if (record(cluster.oidcIssuerProfile)?.["enabled"] !== true || wi?.["enabled"] !== true) {
      report("The AKS cluster must have workload identity and the OIDC issuer enabled.");
    }
    if (record(cluster.podIdentityProfile)?.["enabled"] === true) {
      report("The AKS cluster must not use pod-managed identity (deprecated); use workload identity.");
    }
  }),
};

export const clusterManagedIdentity: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-managed-identity",
  description: "AKS clusters must run as a managed identity, never as a service principal with a secret.",
  severity: "medium",
  remediationSteps: "Set `identity: { type: \"SystemAssigned\" }` (or UserAssigned) and remove `servicePrincipalProfile`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["da6e2401-19da-4532-9141-fb8fbde08431"],
    tags: ["containerservice", "identity", "aks:K13"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const type = record(cluster.identity)?.["type"];
    const sp = record(cluster.servicePrincipalProfile);
    const managed = sameEnum(type, "SystemAssigned") || sameEnum(type, "UserAssigned");
    if (!managed || (sp !== undefined && !sameEnum(sp["clientId"], "msi"))) {
      report("The AKS cluster must use a managed identity, not a service principal.");
    }
  }),
};

export const clusterAzurePolicyAddon: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-azure-policy-addon",
  description: "AKS clusters must run the Azure Policy add-on, which enforces the in-cluster Azure Policy definitions.",
  severity: "medium",
  remediationSteps: "Set `addonProfiles: { azurepolicy: { enabled: true, config: { version: \"v2\" } } }`.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["GOVERN-1.4"],
    checkov: ["CKV_AZURE_116"],
    azurePolicy: ["0a15ec92-a229-4763-bb14-0ea34a568f8d", "a8eff44f-8c92-45c3-a3fb-9880802d67a7"],
    tags: ["containerservice", "aks:K9"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    if (addon(cluster, "azurepolicy")?.["enabled"] !== true) report("The AKS cluster must have the Azure Policy add-on enabled.");
  }),
};

export const clusterDefenderSensor: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-defender-sensor",
  description: "AKS clusters must run the Defender for Containers sensor, reporting to a Log Analytics workspace.",
  severity: "medium",
  remediationSteps:
    "Set `securityProfile: { defender: { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId } }`.",
  ...mapped({
    atlas: ["AML.M0016", "AML.M0024"],
    nist: ["MEASURE-2.4"],
    azurePolicy: ["a1840de2-8088-4ea8-b153-b4c723e9cb01"],
    tags: ["containerservice", "defender", "aks:K10"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const defender = record(record(cluster.securityProfile)?.["defender"]);
    const on = record(defender?.["securityMonitoring"])?.["enabled"] === true;
    // The workspace id is usually another resource's output; a computed value counts as set.
    const workspace = defender?.["logAnalyticsWorkspaceResourceId"];
    if (!on || workspace === undefined || workspace === "") {
      report("The AKS cluster must have the Defender sensor enabled with a Log Analytics workspace.");
    }
  }),
};

const enforcingNetworkPolicies = ["azure", "calico", "cilium"];

export const clusterNetworkPolicy: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-network-policy",
  description: "AKS clusters must use Azure CNI and a network policy engine (azure, calico or cilium; `none` enforces nothing).",
  severity: "high",
  remediationSteps:
    "Set `networkProfile: { networkPlugin: \"azure\", networkPluginMode: \"overlay\", networkDataplane: \"cilium\", networkPolicy: \"cilium\" }`.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_7", "CKV2_AZURE_29"],
    azurePolicy: ["46238e2f-3f6f-4589-9f3f-77bed4116e67"],
    tags: ["containerservice", "network", "aks:K14", "aks:K15"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const network = record(cluster.networkProfile);
    if (!sameEnum(network?.["networkPlugin"], "azure")) report("The AKS cluster must use the Azure CNI network plugin.");
    const engine = network?.["networkPolicy"];
    if (!enforcingNetworkPolicies.some((p) => sameEnum(engine, p))) {
      report(`The AKS cluster must have a network policy engine (azure, calico or cilium), got ${JSON.stringify(engine ?? null)}.`);
    }
  }),
};

export const clusterAutoUpgrade: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-auto-upgrade",
  description: "AKS clusters must upgrade Kubernetes and node OS images automatically.",
  severity: "medium",
  remediationSteps: "Set `autoUpgradeProfile: { upgradeChannel: \"stable\", nodeOSUpgradeChannel: \"NodeImage\" }`.",
  ...mapped({
    atlas: ["AML.M0016"],
    nist: ["MANAGE-3.1"],
    checkov: ["CKV_AZURE_171"],
    azurePolicy: ["5c345cdf-2049-47e0-b8fe-b0e96bc2df35", "04408ca5-aa10-42ce-8536-98955cdddd4c"],
    tags: ["containerservice", "aks:K21", "aks:K22"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const profile = record(cluster.autoUpgradeProfile);
    const channel = profile?.["upgradeChannel"];
    if (!["rapid", "stable", "patch"].some((c) => sameEnum(channel, c))) {
      report(`The AKS cluster must have an upgrade channel of rapid, stable or patch, got ${JSON.stringify(channel ?? null)}.`);
    }
    const nodeOs = profile?.["nodeOSUpgradeChannel"];
    if (!["NodeImage", "SecurityPatch"].some((c) => sameEnum(nodeOs, c))) {
      report(`The AKS cluster must have a node OS upgrade channel of NodeImage or SecurityPatch, got ${JSON.stringify(nodeOs ?? null)}.`);
    }
  }),
};

export const clusterImageCleaner: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-image-cleaner",
  description: "AKS clusters must run Image Cleaner, which removes unused and vulnerable images from the nodes.",
  severity: "low",
  remediationSteps: "Set `securityProfile: { imageCleaner: { enabled: true, intervalHours: 168 } }`.",
  ...mapped({
    atlas: ["AML.M0016"],
    nist: ["MANAGE-3.1"],
    azurePolicy: ["af3c26b2-6fad-493e-9236-9c68928516ab"],
    tags: ["containerservice", "aks:K23"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    if (record(record(cluster.securityProfile)?.["imageCleaner"])?.["enabled"] !== true) {
      report("The AKS cluster must have Image Cleaner enabled.");
    }
  }),
};

export const clusterContainerInsights: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-container-insights",
  description: "AKS clusters must send container logs to Log Analytics (Container Insights) with Entra authentication, not workspace keys.",
  severity: "medium",
  remediationSteps:
    "Set `addonProfiles: { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID, useAADAuth: \"true\" } } }`.",
  ...mapped({
    atlas: ["AML.M0024"],
    nist: ["MEASURE-2.4", "MANAGE-4.1"],
    checkov: ["CKV_AZURE_4"],
    tags: ["containerservice", "logging", "aks:K28"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const oms = addon(cluster, "omsagent");
    const config = record(oms?.["config"]) ?? {};
    const entra = Object.entries(config).some(([k, v]) => k.toLowerCase() === "useaadauth" && (v === true || sameEnum(v, "true")));
    if (oms?.["enabled"] !== true) report("The AKS cluster must have Container Insights (the monitoring add-on) enabled.");
    else if (!entra) report("The AKS cluster's Container Insights must authenticate with Entra ID (useAADAuth).");
  }),
};

export const clusterRiskyAddonsDisabled: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-risky-addons-disabled",
  description: "AKS clusters must not enable the Kubernetes dashboard or the HTTP application routing add-on (public, unauthenticated).",
  severity: "medium",
  remediationSteps: "Remove `addonProfiles.kubeDashboard` and `addonProfiles.httpApplicationRouting` (or set them disabled).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_8", "CKV_AZURE_246"],
    tags: ["containerservice", "aks:K29", "aks:K30"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    for (const key of ["kubeDashboard", "httpApplicationRouting"]) {
      if (addon(cluster, key)?.["enabled"] === true) report(`The AKS cluster must not enable the ${key} add-on.`);
    }
  }),
};

export const clusterSecretsRotation: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-keyvault-secrets-rotation",
  description: "AKS clusters that run the Key Vault Secrets Store CSI driver must rotate mounted secrets.",
  severity: "low",
  remediationSteps:
    "Set `addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: \"true\" } } }`.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_172"],
    tags: ["containerservice", "secrets", "aks:K31"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const csi = addon(cluster, "azureKeyvaultSecretsProvider");
    if (csi?.["enabled"] !== true) return;
    const rotation = record(csi["config"])?.["enableSecretRotation"];
    if (!(rotation === true || sameEnum(rotation, "true"))) {
      report("The AKS cluster's Key Vault secrets provider must have secret rotation enabled.");
    }
  }),
};

export const clusterPaidSku: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-paid-sku",
  description: "AKS clusters must use the Standard or Premium tier, which carries the API server SLA.",
  severity: "low",
  remediationSteps: "Set `sku: { name: \"Base\", tier: \"Standard\" }`.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_170"],
    tags: ["containerservice", "resilience", "aks:K32"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    const tier = record(cluster.sku)?.["tier"];
    if (!sameEnum(tier, "Standard") && !sameEnum(tier, "Premium")) {
      report(`The AKS cluster must use the Standard or Premium tier, got ${JSON.stringify(tier ?? null)}.`);
    }
  }),
};

export const clusterNodeResourceGroupReadOnly: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-node-resource-group-readonly",
  description: "AKS clusters must lock their node resource group, so nodes are changed only through AKS.",
  severity: "low",
  remediationSteps: "Set `nodeResourceGroupProfile: { restrictionLevel: \"ReadOnly\" }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["containerservice", "aks:K33"],
  }),
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, _args, report) => {
    if (!sameEnum(record(cluster.nodeResourceGroupProfile)?.["restrictionLevel"], "ReadOnly")) {
      report("The AKS cluster must have its node resource group restricted to ReadOnly.");
    }
  }),
};

export const clusterDiskEncryptionSet: ResourceValidationPolicy = {
  name: "azure-containerservice-managedcluster-disk-encryption-set",
  description:
    "AKS clusters must encrypt OS and data disks with a customer-managed key (disk encryption set) where the pack config requires it.",
  severity: "medium",
  remediationSteps: "Set `diskEncryptionSetID` to a disk encryption set whose key lives in Key Vault.",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_117"],
    azurePolicy: ["7d7be79c-23ba-4033-84dd-45e2a5ccdd67"],
    tags: ["containerservice", "encryption", "aks:K19"],
  }),
  configSchema: {
    properties: {
      // Platform keys already encrypt at rest; a CMK is a compliance choice.
      required: { type: "boolean", default: false, description: "Require a disk encryption set on every cluster." },
    },
  },
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (cluster, args, report) => {
    const { required } = knobsOf<{ required: boolean }>(clusterDiskEncryptionSet, args);
    const des = cluster.diskEncryptionSetID;
    if (required && (des === undefined || des === "")) {
      report("The AKS cluster must encrypt its disks with a customer-managed key (diskEncryptionSetID).");
    }
  }),
};

export const poolNoPublicIp: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-node-public-ip-disabled",
  description: "AKS node pools (every pool of a cluster and every separate agent pool) must not give nodes public IP addresses.",
  severity: "high",
  remediationSteps: "Set `enableNodePublicIP: false` on every pool.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_143"],
    tags: ["containerservice", "network", "aks:K17"],
  }),
  validateResource: everyPool((pool, report) => {
    if (pool.props["enableNodePublicIP"] === true) report(`${pool.label} must not have node public IPs.`);
  }),
};

export const poolEncryptionAtHost: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-encryption-at-host",
  description: "AKS node pools must encrypt temp disks, caches and disk traffic at the VM host.",
  severity: "medium",
  remediationSteps: "Set `enableEncryptionAtHost: true` on every pool (the subscription needs the EncryptionAtHost feature).",
  ...mapped({
    atlas: ["AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_227"],
    azurePolicy: ["41425d9f-d1a5-499a-9932-f8ed8453932c"],
    tags: ["containerservice", "encryption", "aks:K18"],
  }),
  validateResource: everyPool((pool, report) => {
    if (pool.props["enableEncryptionAtHost"] !== true) report(`${pool.label} must have encryption at host enabled.`);
  }),
};

export const poolSshDisabled: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-ssh-disabled",
  description: "AKS node pools must disable SSH to the nodes.",
  severity: "medium",
  remediationSteps: "Set `securityProfile: { sshAccess: \"Disabled\" }` on every pool.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["28257686-e9db-403e-b9e2-a5eecbe03da9"],
    tags: ["containerservice", "aks:K24"],
  }),
  validateResource: everyPool((pool, report) => {
    if (!sameEnum(record(pool.props["securityProfile"])?.["sshAccess"], "Disabled")) report(`${pool.label} must have SSH access disabled.`);
  }),
};

export const poolEphemeralOsDisk: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-ephemeral-os-disk",
  description: "AKS node pools must use ephemeral OS disks, which keep no state past a reimage.",
  severity: "low",
  remediationSteps: "Set `osDiskType: \"Ephemeral\"` on a VM size with a cache or temp disk large enough for the OS disk.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_226"],
    tags: ["containerservice", "aks:K26"],
  }),
  validateResource: everyPool((pool, report) => {
    if (!sameEnum(pool.props["osDiskType"], "Ephemeral")) report(`${pool.label} must use an ephemeral OS disk.`);
  }),
};

export const poolScaleSetsZones: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-scale-sets-zones",
  description: "AKS node pools must be virtual machine scale sets spread over availability zones.",
  severity: "low",
  remediationSteps: "Set `type: \"VirtualMachineScaleSets\"` and `availabilityZones: [\"1\", \"2\", \"3\"]` on every pool.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_169"],
    tags: ["containerservice", "resilience", "aks:K34", "aks:K35"],
  }),
  validateResource: everyPool((pool, report) => {
    const type = pool.props["type"];
    // ARM's default type is VirtualMachineScaleSets.
    if (type !== undefined && !sameEnum(type, "VirtualMachineScaleSets")) report(`${pool.label} must be a virtual machine scale set.`);
    const zones = pool.props["availabilityZones"];
    if (!Array.isArray(zones) || zones.length < 2) report(`${pool.label} must span at least two availability zones.`);
  }),
};

export const poolSystemCriticalAddonsOnly: ResourceValidationPolicy = {
  name: "azure-containerservice-agentpool-system-critical-addons-only",
  description: "AKS system node pools must be tainted CriticalAddonsOnly, so workloads cannot land next to system pods.",
  severity: "medium",
  remediationSteps: "Add `nodeTaints: [\"CriticalAddonsOnly=true:NoSchedule\"]` to every pool with `mode: \"System\"`.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_232"],
    tags: ["containerservice", "aks:K27"],
  }),
  validateResource: everyPool((pool, report) => {
    if (!sameEnum(pool.props["mode"], "System")) return;
    const taints = pool.props["nodeTaints"];
    if (!Array.isArray(taints) || !taints.some((t) => typeof t === "string" && t.startsWith("CriticalAddonsOnly=true:NoSchedule"))) {
      report(`${pool.label} is a system pool and must have the CriticalAddonsOnly=true:NoSchedule taint.`);
    }
  }),
};

export const containerServicePolicies: readonly ResourceValidationPolicy[] = [
  clusterPrivateApiServer,
  clusterNoPublicFqdn,
  clusterRunCommandDisabled,
  clusterLocalAccountsDisabled,
  clusterEntraAzureRbac,
  clusterWorkloadIdentity,
  clusterManagedIdentity,
  clusterAzurePolicyAddon,
  clusterDefenderSensor,
  clusterNetworkPolicy,
  clusterAutoUpgrade,
  clusterImageCleaner,
  clusterContainerInsights,
  clusterRiskyAddonsDisabled,
  clusterSecretsRotation,
  clusterPaidSku,
  clusterNodeResourceGroupReadOnly,
  clusterDiskEncryptionSet,
  poolNoPublicIp,
  poolEncryptionAtHost,
  poolSshDisabled,
  poolEphemeralOsDisk,
  poolScaleSetsZones,
  poolSystemCriticalAddonsOnly,
];
