import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { createRoleAssignments } from "../lib/azure";
import { createDiagnosticSetting } from "../lib/diagnostics";
import { checker } from "../lib/errors";

export const secureAksClusterType = "secure-mlops:azure:SecureAksCluster";

/** A node pool: the system pool is built into the cluster, user pools are separate `AgentPool` resources. */
export interface AksNodePoolSpec {
  /** Pool name, 1-12 lower-case letters and digits (AKS' rule for Linux pools); also the child key. */
  readonly name: string;
  /** @default "Standard_D4ds_v5" (has a temp disk large enough for an ephemeral OS disk) */
  readonly vmSize?: string;
  /** @default 3 */
  readonly count?: number;
  /** Subnet for the nodes; on Azure CNI overlay pods take addresses from the overlay, not this subnet. */
  readonly vnetSubnetId?: pulumi.Input<string>;
  readonly nodeLabels?: Readonly<Record<string, string>>;
  readonly nodeTaints?: readonly string[];
}

export interface SecureAksClusterArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** @default the resource group's location */
  readonly location?: pulumi.Input<string>;
  /** 1-63 letters, digits, dashes and underscores. @default the component name */
  readonly clusterName?: string;
  /** @default unset (AKS' default version, upgraded by the upgrade channel) */
  readonly kubernetesVersion?: string;
  /** Log Analytics workspace for Container Insights, the Defender sensor and the diagnostic settings. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** Entra tenant of the cluster's users. @default the deploying tenant */
  readonly tenantId?: pulumi.Input<string>;
  /** Entra groups that get cluster-admin through Azure RBAC's break-glass binding. @default [] */
  readonly adminGroupObjectIds?: readonly pulumi.Input<string>[];
  /** The container registry the kubelet pulls from; its identity gets AcrPull there. @default none */
  readonly registryId?: pulumi.Input<string>;
  /** The system pool (CriticalAddonsOnly). @default { name: "system" } */
  readonly systemPool?: AksNodePoolSpec;
  /** User pools, each a separate `AgentPool`. @default [] */
  readonly userPools?: readonly AksNodePoolSpec[];
  /** Disk encryption set for customer-managed keys on OS and data disks. @default none (platform keys) */
  readonly diskEncryptionSetId?: pulumi.Input<string>;
  /** Egress path; `userDefinedRouting` needs a route table to a firewall on the node subnet. @default ARM's `loadBalancer` */
  readonly outboundType?: "loadBalancer" | "userDefinedRouting" | "managedNATGateway" | "userAssignedNATGateway";

  /** @default true */
  readonly privateCluster?: boolean;
  /** Public DNS name for a private cluster's API server. @default false */
  readonly privateClusterPublicFqdn?: boolean;
  /** API server allow list, used only when the cluster is public. @default [] */
  readonly authorizedIpRanges?: readonly string[];
  /** @default true */
  readonly runCommandDisabled?: boolean;
  /** @default true */
  readonly localAccountsDisabled?: boolean;
  /** Kubernetes authorization by Azure RBAC role assignments on the cluster. @default true */
  readonly azureRbac?: boolean;
  /** Workload identity and the OIDC issuer it needs. @default true */
  readonly workloadIdentity?: boolean;
  /** @default true */
  readonly azurePolicyAddon?: boolean;
  /** The Defender for Containers sensor, reporting to the Log Analytics workspace. @default true */
  readonly defenderSensor?: boolean;
  /** @default "cilium" (Azure CNI powered by Cilium enforces it) */
  readonly networkPolicy?: "cilium" | "azure" | "calico" | "none";
  /** @default false */
  readonly nodePublicIp?: boolean;
  /** @default true */
  readonly encryptionAtHost?: boolean;
  /** @default "Disabled" */
  readonly nodeSshAccess?: "Disabled" | "LocalUser";
  /** @default true */
  readonly ephemeralOsDisk?: boolean;
  /** @default ["1", "2", "3"] */
  readonly availabilityZones?: readonly string[];
  /** Taint the system pool so only critical add-ons run there. @default true */
  readonly systemPoolCriticalAddonsOnly?: boolean;
  /** @default "stable" */
  readonly upgradeChannel?: "rapid" | "stable" | "patch" | "node-image" | "none";
  /** @default "NodeImage" */
  readonly nodeOsUpgradeChannel?: "NodeImage" | "SecurityPatch" | "Unmanaged" | "None";
  /** @default true */
  readonly imageCleaner?: boolean;
  /** @default 168 */
  readonly imageCleanerIntervalHours?: number;
  /** Container Insights (the monitoring add-on) with Entra authentication to the workspace. @default true */
  readonly containerInsights?: boolean;
  /** Key Vault Secrets Store CSI driver with rotation. @default true */
  readonly keyVaultSecretsProvider?: boolean;
  /** @default "Standard" */
  readonly skuTier?: "Free" | "Standard" | "Premium";
  /** Make the node resource group read-only to everyone but AKS. @default true */
  readonly nodeResourceGroupReadOnly?: boolean;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The component's secure defaults, in one place; each has an argument that overrides it. */
export const secureAksClusterDefaults = {
  privateCluster: true,
  privateClusterPublicFqdn: false,
  authorizedIpRanges: [] as readonly string[],
  runCommandDisabled: true,
  localAccountsDisabled: true,
  azureRbac: true,
  workloadIdentity: true,
  azurePolicyAddon: true,
  defenderSensor: true,
  networkPolicy: "cilium",
  nodePublicIp: false,
  encryptionAtHost: true,
  nodeSshAccess: "Disabled",
  ephemeralOsDisk: true,
  availabilityZones: ["1", "2", "3"] as readonly string[],
  systemPoolCriticalAddonsOnly: true,
  upgradeChannel: "stable",
  nodeOsUpgradeChannel: "NodeImage",
  imageCleaner: true,
  imageCleanerIntervalHours: 168,
  containerInsights: true,
  keyVaultSecretsProvider: true,
  skuTier: "Standard",
  nodeResourceGroupReadOnly: true,
} as const;

const clusterNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
const poolNamePattern = /^[a-z][a-z0-9]{0,11}$/;
const cidrPattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const criticalAddonsOnlyTaint = "CriticalAddonsOnly=true:NoSchedule";
const defaultVmSize = "Standard_D4ds_v5";

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming
 * the first bad one. Exported so callers can validate config before building anything.
 */
export function validateSecureAksClusterArgs(name: string, args: SecureAksClusterArgs): void {
  const check = checker(secureAksClusterType);
  const d = secureAksClusterDefaults;
  const clusterName = args.clusterName ?? name;
  check(clusterNamePattern.test(clusterName), "clusterName", `must be 1-63 letters, digits, dashes and underscores, got "${clusterName}"`);
  const pools: [string, AksNodePoolSpec][] = [
    ["systemPool", args.systemPool ?? { name: "system" }],
    ...(args.userPools ?? []).map((p, i): [string, AksNodePoolSpec] => [`userPools[${i}]`, p]),
  ];
  const seen = new Set<string>();
  for (const [path, pool] of pools) {
    check(poolNamePattern.test(pool.name), `${path}.name`, `must be 1-12 lower-case letters and digits starting with a letter, got "${pool.name}"`);
    check(!seen.has(pool.name), `${path}.name`, `"${pool.name}" is used twice`);
    seen.add(pool.name);
    const count = pool.count ?? 3;
    check(Number.isInteger(count) && count >= 1 && count <= 1000, `${path}.count`, `must be an integer from 1 to 1000, got ${count}`);
  }
  const hours = args.imageCleanerIntervalHours ?? d.imageCleanerIntervalHours;
  check(Number.isInteger(hours) && hours >= 24 && hours <= 2160, "imageCleanerIntervalHours", `must be an integer from 24 to 2160, got ${hours}`);
  (args.authorizedIpRanges ?? []).forEach((range, i) =>
    check(cidrPattern.test(range), `authorizedIpRanges[${i}]`, `must be an IPv4 CIDR range, got "${range}"`),
  );
  const isPrivate = args.privateCluster ?? d.privateCluster;
  check(
    isPrivate || (args.privateClusterPublicFqdn ?? d.privateClusterPublicFqdn) === false,
    "privateClusterPublicFqdn",
    "applies only to a private cluster; leave it unset when privateCluster is false",
  );
  check(
    !isPrivate || (args.authorizedIpRanges ?? []).length === 0,
    "authorizedIpRanges",
    "applies only to a public API server; a private cluster is reached through its private endpoint",
  );
}

/** What AKS needs to know about one node pool, shared by the built-in system pool and user pools. */
function poolProfile(
  pool: AksNodePoolSpec,
  mode: "System" | "User",
  settings: {
    readonly nodePublicIp: boolean;
    readonly encryptionAtHost: boolean;
    readonly sshAccess: string;
    readonly ephemeralOsDisk: boolean;
    readonly zones: readonly string[];
    readonly taints: readonly string[];
  },
): azureInputs.containerservice.ManagedClusterAgentPoolProfileArgs {
  return {
    name: pool.name,
    mode,
    type: "VirtualMachineScaleSets",
    osType: "Linux",
    osSKU: "AzureLinux",
    vmSize: pool.vmSize ?? defaultVmSize,
    count: pool.count ?? 3,
    vnetSubnetID: pool.vnetSubnetId,
    availabilityZones: settings.zones.length > 0 ? [...settings.zones] : undefined,
    enableNodePublicIP: settings.nodePublicIp,
    enableEncryptionAtHost: settings.encryptionAtHost,
    osDiskType: settings.ephemeralOsDisk ? "Ephemeral" : "Managed",
    securityProfile: { sshAccess: settings.sshAccess },
    nodeLabels: pool.nodeLabels ? { ...pool.nodeLabels } : undefined,
    nodeTaints: settings.taints.length > 0 ? [...settings.taints] : undefined,
  };
}

/**
 * An AKS cluster as the platform runs it: private API server, Entra ID with Azure RBAC and no
 * local accounts, workload identity, Azure Policy, the Defender sensor, Azure CNI overlay with
 * Cilium network policy, hardened nodes (no public IPs, encryption at host, no SSH, ephemeral OS
 * disks, zones), automatic upgrades, image cleaner, Container Insights and diagnostic settings.
 * The subscription's Defender for Containers plan is not a child: it belongs to `DefenderPlans`.
 */
export class SecureAksCluster extends pulumi.ComponentResource {
  readonly cluster: containerservice.ManagedCluster;
  readonly clusterId: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** The API server's private DNS name (the only one when the cluster is private). */
  readonly privateFqdn: pulumi.Output<string>;
  /** The OIDC issuer that workload identity federated credentials trust. */
  readonly oidcIssuerUrl: pulumi.Output<string | undefined>;
  /** Object id of the kubelet identity, which pulls images. */
  readonly kubeletObjectId: pulumi.Output<string | undefined>;
  readonly userPools: containerservice.AgentPool[];

  constructor(name: string, args: SecureAksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(secureAksClusterType, name, {}, opts);
    validateSecureAksClusterArgs(name, args);
    const d = secureAksClusterDefaults;
    const isPrivate = args.privateCluster ?? d.privateCluster;
    const workloadIdentity = args.workloadIdentity ?? d.workloadIdentity;
    const defenderSensor = args.defenderSensor ?? d.defenderSensor;
    const networkPolicy = args.networkPolicy ?? d.networkPolicy;
    const imageCleaner = args.imageCleaner ?? d.imageCleaner;
    const nodeSettings = {
      nodePublicIp: args.nodePublicIp ?? d.nodePublicIp,
      encryptionAtHost: args.encryptionAtHost ?? d.encryptionAtHost,
      sshAccess: args.nodeSshAccess ?? d.nodeSshAccess,
      ephemeralOsDisk: args.ephemeralOsDisk ?? d.ephemeralOsDisk,
      zones: args.availabilityZones ?? d.availabilityZones,
    };
    const systemPool = args.systemPool ?? { name: "system" };
    const systemTaints = [
      ...((args.systemPoolCriticalAddonsOnly ?? d.systemPoolCriticalAddonsOnly) ? [criticalAddonsOnlyTaint] : []),
      ...(systemPool.nodeTaints ?? []),
    ];
    const workspace = args.logAnalyticsWorkspaceId;
    const clusterName = args.clusterName ?? name;

    const addonProfiles: Record<string, azureInputs.containerservice.ManagedClusterAddonProfileArgs> = {};
    if (args.azurePolicyAddon ?? d.azurePolicyAddon) addonProfiles["azurepolicy"] = { enabled: true, config: { version: "v2" } };
    if (args.containerInsights ?? d.containerInsights) {
      addonProfiles["omsagent"] = {
        enabled: true,
        config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" },
      };
    }
    if (args.keyVaultSecretsProvider ?? d.keyVaultSecretsProvider) {
      addonProfiles["azureKeyvaultSecretsProvider"] = {
        enabled: true,
        config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
      };
    }

    this.cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceName: clusterName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        dnsPrefix: clusterName.toLowerCase().replace(/_/g, "-"),
        kubernetesVersion: args.kubernetesVersion,
        sku: { name: "Base", tier: args.skuTier ?? d.skuTier },
        identity: { type: "SystemAssigned" },
        enableRBAC: true,
        disableLocalAccounts: args.localAccountsDisabled ?? d.localAccountsDisabled,
        aadProfile: {
          managed: true,
          enableAzureRBAC: args.azureRbac ?? d.azureRbac,
          tenantID: args.tenantId,
          adminGroupObjectIDs: args.adminGroupObjectIds && args.adminGroupObjectIds.length > 0 ? [...args.adminGroupObjectIds] : undefined,
        },
        apiServerAccessProfile: isPrivate
          ? {
              enablePrivateCluster: true,
              enablePrivateClusterPublicFQDN: args.privateClusterPublicFqdn ?? d.privateClusterPublicFqdn,
              privateDNSZone: "system",
              disableRunCommand: args.runCommandDisabled ?? d.runCommandDisabled,
            }
          : {
              enablePrivateCluster: false,
              authorizedIPRanges: [...(args.authorizedIpRanges ?? d.authorizedIpRanges)],
              disableRunCommand: args.runCommandDisabled ?? d.runCommandDisabled,
            },
        oidcIssuerProfile: { enabled: workloadIdentity },
        securityProfile: {
          workloadIdentity: { enabled: workloadIdentity },
          defender: defenderSensor
            ? { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: workspace }
            : { securityMonitoring: { enabled: false } },
          imageCleaner: imageCleaner
            ? { enabled: true, intervalHours: args.imageCleanerIntervalHours ?? d.imageCleanerIntervalHours }
            : { enabled: false },
        },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          // Azure's own policy engine and Calico do not run on the Cilium dataplane.
          networkDataplane: networkPolicy === "cilium" ? "cilium" : "azure",
          networkPolicy,
          outboundType: args.outboundType,
          loadBalancerSku: "standard",
        },
        autoUpgradeProfile: {
          upgradeChannel: args.upgradeChannel ?? d.upgradeChannel,
          nodeOSUpgradeChannel: args.nodeOsUpgradeChannel ?? d.nodeOsUpgradeChannel,
        },
        diskEncryptionSetID: args.diskEncryptionSetId,
        nodeResourceGroupProfile: {
          restrictionLevel: (args.nodeResourceGroupReadOnly ?? d.nodeResourceGroupReadOnly) ? "ReadOnly" : "Unrestricted",
        },
        addonProfiles,
        agentPoolProfiles: [poolProfile(systemPool, "System", { ...nodeSettings, taints: systemTaints })],
        tags: args.tags,
      },
      // User pools are separate resources; the cluster must not fight them over the profile list.
      { parent: this, ignoreChanges: ["agentPoolProfiles[0].count"] },
    );
    this.clusterId = this.cluster.id;
    this.clusterName = this.cluster.name;
    this.privateFqdn = this.cluster.privateFQDN;
    this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => p?.issuerURL);
    this.kubeletObjectId = this.cluster.identityProfile.apply((p) => p?.["kubeletidentity"]?.objectId);

    this.userPools = (args.userPools ?? []).map((pool) => {
      const { name: poolName, ...profile } = poolProfile(pool, "User", { ...nodeSettings, taints: pool.nodeTaints ?? [] });
      return new containerservice.AgentPool(
        `${name}-pool-${pool.name}`,
        {
          ...profile,
          agentPoolName: poolName,
          resourceName: this.cluster.name,
          resourceGroupName: args.resourceGroupName,
        },
        { parent: this, ignoreChanges: ["count"] },
      );
    });

    createDiagnosticSetting(`${name}-diagnostics`, this, this.cluster.id, workspace);

    if (args.registryId !== undefined) {
      createRoleAssignments(`${name}-kubelet`, this, args.registryId, [
        {
          name: "acrpull",
          role: "AcrPull",
          principalId: this.kubeletObjectId.apply((id) => id ?? ""),
          description: "The AKS kubelet identity pulls images from the platform registry.",
        },
      ]);
    }

    this.registerOutputs({
      clusterId: this.clusterId,
      clusterName: this.clusterName,
      privateFqdn: this.privateFqdn,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeletObjectId: this.kubeletObjectId,
    });
  }
}
