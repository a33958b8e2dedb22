import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as tls from "@pulumi/tls";
import { AksMlInference, AttestationVerifier, DefenderPlans, SecureAksCluster, SecureRegistry, mlWorkspaceType, secureRegistryType, type GovernanceAssignments, type MlWorkspace } from "../components";
import type { PlatformConfig } from "./config";
import { createPlatformGithub, type PlatformGithub } from "./github";
import { createPlatformGovernance, governanceRemediationRoles } from "./governance";
import { createPlatformIdentity, type PlatformIdentity } from "./identity";
import { createPlatformMlWorkspace, mlWorkloadRoles } from "./ml-workspace";
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
  /** The subscription's Defender plans for the registry, storage and vaults this stack creates. */
  readonly defenderPlans: DefenderPlans;
  /** The Azure ML workspace, with its Key Vault, storage, Application Insights and computes. */
  readonly mlWorkspace: MlWorkspace;
  /** The AKS cluster, when the stack configures one. */
  readonly aks?: SecureAksCluster;
  /** The attestation verifier and its admission webhook on the cluster, when configured. */
  readonly verifier?: AttestationVerifier;
  /** Azure ML serving on the cluster, when configured. */
  readonly mlInference?: AksMlInference;
  /** Azure Policy assignments that keep enforcing after deployment what the pack checks before it. */
  readonly governance: GovernanceAssignments;
  /** Entra ID groups with their roles, and the GitHub Actions deployer of this environment. */
  readonly identity: PlatformIdentity;
  /** The GitHub repository (in the stack that owns it) and this stack's GitHub environment. */
  readonly github: PlatformGithub;

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
        privateEndpoint: { subnetId: endpointSubnet.id, virtualNetworkId: vnet.id },
        tags,
      },
      parent,
    );

    // Subscription-wide, so once per stack. The plans were children of the registry and the
    // workspace before; the aliases keep them in place rather than re-creating and deleting them.
    const pricing = "azure-native:security:Pricing";
    const ml = { ...profile.mlWorkspace, ...config.mlWorkspace };
    this.defenderPlans = new DefenderPlans(
      `${name}-defender`,
      {
        containers: config.defenderForContainers,
        storage: ml.defenderForStorage,
        keyVault: ml.defenderForKeyVault,
        previousUrns: {
          containers: [pulumi.createUrn(`${name}-acr-defender-containers`, pricing, pulumi.createUrn(`${name}-acr`, secureRegistryType, this))],
          storage: [pulumi.createUrn(`${name}-mlw-defender-storage`, pricing, pulumi.createUrn(`${name}-mlw`, mlWorkspaceType, this))],
          keyVault: [pulumi.createUrn(`${name}-mlw-defender-keyvault`, pricing, pulumi.createUrn(`${name}-mlw`, mlWorkspaceType, this))],
        },
      },
      parent,
    );

    this.mlWorkspace = createPlatformMlWorkspace(`${name}-mlw`, this, {
      config,
      profile,
      resourceGroupName: group.name,
      logAnalyticsWorkspaceId: logs.id,
      containerRegistryId: this.registry.registryId,
      privateEndpointSubnetId: endpointSubnet.id,
      virtualNetworkId: vnet.id,
      tags,
    });

    if (config.aks) {
      const aksSubnet = new network.Subnet(
        `${name}-snet-aks`,
        {
          subnetName: "snet-aks-nodes",
          resourceGroupName: group.name,
          virtualNetworkName: vnet.name,
          addressPrefix: config.aks.nodeSubnet,
          defaultOutboundAccess: false,
        },
        { ...parent, dependsOn: [endpointSubnet] },
      );
      this.aks = new SecureAksCluster(
        `${name}-aks`,
        {
          clusterName: `aks-${base}`,
          resourceGroupName: group.name,
          location: config.location,
          logAnalyticsWorkspaceId: logs.id,
          registryId: this.registry.registryId,
          systemPool: { name: "system", count: config.aks.systemNodeCount, vnetSubnetId: aksSubnet.id },
          userPools: (config.aks.userPools ?? []).map((pool) => ({ ...pool, vnetSubnetId: aksSubnet.id })),
          tags,
        },
        parent,
      );
      const verifier = config.aks.verifier;
      if (verifier) {
        this.verifier = new AttestationVerifier(
          `${name}-verifier`,
          {
            cluster: { resourceGroupName: group.name, clusterName: this.aks.clusterName },
            image: verifier.image,
            policy: JSON.stringify(verifier.policy),
            replicas: verifier.replicas,
            resourceGroupName: group.name,
            location: config.location,
            oidcIssuerUrl: this.aks.oidcIssuerUrl.apply((url) => url ?? ""),
            registryId: this.registry.registryId,
            // The registry's private endpoint lives in this subnet. Workload identity's token
            // exchange also needs Entra ID's addresses (service tag AzureActiveDirectory), given
            // in the stack file because a NetworkPolicy takes no service tags or names.
            egressCidrs: [config.network.privateEndpointSubnet, ...(verifier.egressCidrs ?? [])],
            tags,
          },
          { ...parent, dependsOn: [this.aks] },
        );
      }
    }

    const inference = config.aks?.mlInference;
    if (this.aks && inference) {
      // A self-signed serving certificate for the inference router until the organisation's CA
      // issues one (docs/aks.md); the key stays a Pulumi secret in the extension's protected settings.
      const key = new tls.PrivateKey(`${name}-ml-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, parent);
      const cert = new tls.SelfSignedCert(
        `${name}-ml-tls-cert`,
        {
          privateKeyPem: key.privateKeyPem,
          dnsNames: [inference.sslCname],
          subject: { commonName: inference.sslCname },
          validityPeriodHours: 24 * 90,
          earlyRenewalHours: 24 * 30,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        parent,
      );
      this.mlInference = new AksMlInference(
        `${name}-ml-inference`,
        {
          resourceGroupName: group.name,
          location: config.location,
          clusterName: this.aks.clusterName,
          clusterId: this.aks.clusterId,
          workspaceName: this.mlWorkspace.workspaceName,
          tls: { cname: inference.sslCname, certPem: cert.certPem, keyPem: key.privateKeyPem },
          endpointName: inference.endpointName,
          tags,
        },
        parent,
      );
    }

    this.governance = createPlatformGovernance(`${name}-governance`, this, {
      config,
      profile,
      resourceGroupId: group.id,
      clusterId: this.aks?.clusterId,
    });

    // Scopes of the access table (components/azuread/access-groups.ts): each persona's roles go
    // on the narrowest of these. Add a component's resources here (workspace, keyVault,
    // storageAccount, storageContainer) when it joins the platform, and the roles it grants its
    // own identities to `workloadRoles`, so the deployer may assign them.
    this.identity = createPlatformIdentity(name, this, {
      config,
      resourceGroupId: group.id,
      scopes: {
        resourceGroup: group.id,
        registry: this.registry.registryId,
        workspace: this.mlWorkspace.workspaceId,
        keyVault: this.mlWorkspace.keyVaultId,
        storageAccount: this.mlWorkspace.storageAccountId,
      },
      workloadRoles: [...mlWorkloadRoles, ...governanceRemediationRoles],
    });

    // The repository and its branch rules in one stack (prod by default); in every stack, the
    // GitHub environment its deployer trusts, carrying that deployer's login variables.
    this.github = createPlatformGithub(name, this, { config, profile, deployer: this.identity.deployer });

    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      virtualNetworkId: this.virtualNetworkId,
      privateEndpointSubnetId: this.privateEndpointSubnetId,
      registryLoginServer: this.registry.loginServer,
      mlWorkspaceName: this.mlWorkspace.workspaceName,
      groupObjectIds: this.identity.accessGroups.groupObjectIds,
      deployerWorkflowVariables: this.identity.deployer?.workflowVariables,
      githubRepository: this.github.repository?.fullName,
      githubEnvironment: this.github.environment?.environmentName,
      aksClusterName: this.aks?.clusterName,
      verifierNamespace: this.verifier?.namespace,
    });
  }
}
