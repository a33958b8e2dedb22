import type * as pulumi from "@pulumi/pulumi";
import type { BuiltInRole } from "../../../constants/roles";
import type { LockLevel, RoleAssignmentSpec } from "../../lib/azure";
import { firewallIpRule } from "../../lib/formats";
import type { PrivateEndpointSpec } from "../../lib/private-endpoint";

export const mlWorkspaceType = "secure-mlops:azure:MlWorkspace";

/** Managed virtual network isolation modes of an Azure ML workspace. */
export const MlIsolationMode = {
  AllowOnlyApprovedOutbound: "AllowOnlyApprovedOutbound",
  AllowInternetOutbound: "AllowInternetOutbound",
  Disabled: "Disabled",
} as const;
export type MlIsolationMode = (typeof MlIsolationMode)[keyof typeof MlIsolationMode];

/** How the workspace reaches its system datastores (the default storage account). */
export const MlDatastoreAuthMode = { Identity: "Identity", AccessKey: "AccessKey", UserDelegationSAS: "UserDelegationSAS" } as const;
export type MlDatastoreAuthMode = (typeof MlDatastoreAuthMode)[keyof typeof MlDatastoreAuthMode];

/** Who may open the applications (Jupyter, VS Code) of a compute instance. */
export const MlApplicationSharing = { Personal: "Personal", Shared: "Shared" } as const;
export type MlApplicationSharing = (typeof MlApplicationSharing)[keyof typeof MlApplicationSharing];

/** Replication of the workspace's storage account; locally redundant SKUs are refused by the pack. */
export type MlStorageReplication = "Standard_ZRS" | "Standard_GRS" | "Standard_GZRS" | "Standard_RAGRS" | "Standard_RAGZRS" | "Standard_LRS";

/** Allows the managed network to reach a host name (through the managed Azure Firewall). */
export interface MlFqdnOutboundRule {
  /** Rule name, the key of the rule in ARM: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly type: "FQDN";
  /** A host name such as `pypi.org`, or a wildcard `*.example.com`. No scheme, port or path. */
  readonly destination: string;
}

/** Creates a private endpoint from the managed network to another Azure resource. */
export interface MlPrivateEndpointOutboundRule {
  readonly name: string;
  readonly type: "PrivateEndpoint";
  /** ARM id of the target resource. */
  readonly serviceResourceId: pulumi.Input<string>;
  /** Its private link sub-resource, e.g. `blob`, `vault`, `registry`. */
  readonly subresourceTarget: string;
}

/** Allows an Azure service tag (and optional address prefixes) on given ports and protocol. */
export interface MlServiceTagOutboundRule {
  readonly name: string;
  readonly type: "ServiceTag";
  /** An Azure service tag such as `AzureMonitor` or `Storage.WestEurope`. */
  readonly serviceTag: string;
  readonly protocol: "TCP" | "UDP" | "ICMP" | "*";
  /** `443`, `80,443`, `8000-8080` or `*`. */
  readonly portRanges: string;
  /** IPv4 addresses or CIDR ranges that replace the tag's ranges. @default none */
  readonly addressPrefixes?: readonly string[];
}

export type MlOutboundRule = MlFqdnOutboundRule | MlPrivateEndpointOutboundRule | MlServiceTagOutboundRule;

/** A compute cluster (AmlCompute) of the workspace, keyed by `name`. */
export interface MlComputeClusterSpec {
  /** Compute name, 2-16 letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /** @default "Standard_DS3_v2" */
  readonly vmSize?: string;
  /** @default 0 (the cluster scales to zero when idle) */
  readonly minNodes?: number;
  /** @default 4 */
  readonly maxNodes?: number;
  /** Idle minutes before the cluster scales down. @default 15 */
  readonly idleMinutesBeforeScaleDown?: number;
  /** Low-priority (evictable, cheaper) nodes. @default false */
  readonly lowPriority?: boolean;
}

/** A personal compute instance for one user, keyed by `name`. */
export interface MlComputeInstanceSpec {
  /** Compute name, 3-24 letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /** Entra object id of the one user who may use the instance (not a role assignment). */
  readonly assignedUserObjectId: pulumi.Input<string>;
  /** @default "Standard_DS3_v2" */
  readonly vmSize?: string;
  /** Idle minutes before the instance shuts down, 15-4320; `0` turns idle shutdown off. @default 60 */
  readonly idleMinutesBeforeShutdown?: number;
}

/** A customer-managed key that already exists (otherwise the component creates one in its vault). */
export interface MlCustomerManagedKey {
  /** ARM id of the Key Vault that holds the key. */
  readonly keyVaultId: pulumi.Input<string>;
  /** Key identifier with its version, `https://<vault>.vault.azure.net/keys/<name>/<version>`. */
  readonly keyIdentifier: pulumi.Input<string>;
}

/** Roles the component grants on the workspace to groups (never users). */
export type MlWorkspaceRole = "AzureML Data Scientist" | "AzureML Compute Operator" | "Reader";

export interface MlWorkspaceArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** @default the resource group's location */
  readonly location?: pulumi.Input<string>;
  /** Workspace name, 3-33 letters, digits, `-` and `_`. @default the component name */
  readonly workspaceName?: string;
  readonly friendlyName?: pulumi.Input<string>;
  readonly description?: pulumi.Input<string>;
  /** Log Analytics workspace that backs Application Insights and receives every diagnostic log. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /**
   * ARM id of the container registry the workspace uses (the platform's SecureRegistry). Required:
   * a workspace without one creates its own registry on first use, with the admin user enabled.
   */
  readonly containerRegistryId: pulumi.Input<string>;

  /** Use this Key Vault instead of creating one (its network, logs and lock stay with its owner). @default created */
  readonly existingKeyVaultId?: pulumi.Input<string>;
  /** Use this storage account instead of creating one. @default created */
  readonly existingStorageAccountId?: pulumi.Input<string>;
  /** Use this Application Insights instead of creating one. @default created */
  readonly existingApplicationInsightsId?: pulumi.Input<string>;
  /** Key Vault name, 3-24 letters, digits and single hyphens. @default `kv` + the component name, without dashes, truncated to 24 */
  readonly keyVaultName?: string;
  /** Storage account name, 3-24 lower-case letters and digits. @default `st` + the component name, letters and digits only, truncated to 24 */
  readonly storageAccountName?: string;
  /** @default `appi-` + the component name */
  readonly applicationInsightsName?: string;

  /**
   * Public network access to the workspace, its Key Vault, storage and Application Insights. When
   * on, Key Vault and storage accept only `allowedIpRanges`; the workspace API has no IP list.
   * @default false
   */
  readonly publicNetworkAccess?: boolean;
  /** IPv4 addresses or CIDR ranges allowed through Key Vault and storage firewalls when public access is on. @default [] */
  readonly allowedIpRanges?: readonly string[];
  /** Let trusted Azure services (Azure ML, Defender, CMK unwrap) through Key Vault and storage firewalls. @default true */
  readonly trustedServicesBypass?: boolean;
  /** @default "AllowOnlyApprovedOutbound" */
  readonly isolationMode?: MlIsolationMode;
  /** User-defined outbound rules of the managed network, keyed by `name`. @default [] */
  readonly outboundRules?: readonly MlOutboundRule[];
  /** Azure Firewall SKU the managed network uses for FQDN rules. @default "Standard" */
  readonly firewallSku?: "Standard" | "Basic";
  /** High business impact: the service collects less diagnostic data. @default true */
  readonly hbiWorkspace?: boolean;
  /**
   * Customer-managed key for the workspace and its storage account. `true` creates an HSM-backed
   * RSA key with a rotation policy in the component's Key Vault; an object uses an existing key;
   * `false` keeps Microsoft-managed keys. @default true
   */
  readonly customerManagedKey?: boolean | MlCustomerManagedKey;
  /** @default "Identity" */
  readonly systemDatastoresAuthMode?: MlDatastoreAuthMode;
  /** Private endpoints (workspace, vault, blob, file) in this subnet, with their DNS zones. @default none */
  readonly privateEndpoint?: PrivateEndpointSpec;

  /** @default "premium" (HSM-backed keys) */
  readonly keyVaultSku?: "standard" | "premium";
  /** @default true */
  readonly keyVaultPurgeProtection?: boolean;
  /** @default 90 */
  readonly keyVaultSoftDeleteDays?: number;
  /** @default "Standard_ZRS" */
  readonly storageReplication?: MlStorageReplication;
  /** @default false */
  readonly storageSharedKeyAccess?: boolean;
  /** @default true */
  readonly storageHttpsOnly?: boolean;
  /** @default "TLS1_2" */
  readonly storageMinimumTlsVersion?: "TLS1_2" | "TLS1_3" | "TLS1_0" | "TLS1_1";
  /** @default false */
  readonly storageBlobPublicAccess?: boolean;
  /** @default true */
  readonly storageInfrastructureEncryption?: boolean;
  /** @default false */
  readonly storageCrossTenantReplication?: boolean;
  /** SFTP/local users on the storage account. @default false */
  readonly storageLocalUsers?: boolean;
  /** Longest lifetime of a key-signed SAS, `D.HH:MM:SS`; an empty string removes the policy. @default "1.00:00:00" */
  readonly storageSasExpirationPeriod?: string;
  /** @default true */
  readonly blobVersioning?: boolean;
  /** Days deleted blobs and containers are kept; `0` turns soft delete off. @default 14 */
  readonly blobSoftDeleteDays?: number;
  /** @default false */
  readonly applicationInsightsLocalAuth?: boolean;

  /** Compute clusters, keyed by `name`. @default [{ name: "cpu-cluster" }] */
  readonly computeClusters?: readonly MlComputeClusterSpec[];
  /** Personal compute instances, keyed by `name`. @default [] */
  readonly computeInstances?: readonly MlComputeInstanceSpec[];
  /** @default false */
  readonly computeNodePublicIp?: boolean;
  /** Public SSH port on compute nodes. @default false */
  readonly computeSshPublicAccess?: boolean;
  /** Keys and tokens (local auth) on computes; off means Entra ID only. @default false */
  readonly computeLocalAuth?: boolean;
  /** Give computes a user-assigned identity (with AcrPull, blob and secret read roles). @default true */
  readonly computeManagedIdentity?: boolean;
  /** @default "Personal" */
  readonly computeInstanceSharing?: MlApplicationSharing;
  /** Subnet for computes when managed network isolation is `Disabled`. @default none */
  readonly computeSubnetId?: pulumi.Input<string>;

  /** Role assignments on the workspace for groups and service principals, keyed by `name`. @default [] */
  readonly roleAssignments?: readonly RoleAssignmentSpec<MlWorkspaceRole>[];
  /** Lock on the workspace, Key Vault and storage account it creates. @default undefined (no lock) */
  readonly lock?: LockLevel;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The component's secure defaults, in one place; each has an argument of the same name (compute
 * cluster and instance sizes in their specs) that overrides it, and a policy that catches the flip.
 */
export const mlWorkspaceDefaults = {
  publicNetworkAccess: false,
  trustedServicesBypass: true,
  isolationMode: MlIsolationMode.AllowOnlyApprovedOutbound,
  hbiWorkspace: true,
  customerManagedKey: true,
  systemDatastoresAuthMode: MlDatastoreAuthMode.Identity,
  keyVaultSku: "premium",
  keyVaultPurgeProtection: true,
  keyVaultSoftDeleteDays: 90,
  storageReplication: "Standard_ZRS",
  storageSharedKeyAccess: false,
  storageHttpsOnly: true,
  storageMinimumTlsVersion: "TLS1_2",
  storageBlobPublicAccess: false,
  storageInfrastructureEncryption: true,
  storageCrossTenantReplication: false,
  storageLocalUsers: false,
  storageSasExpirationPeriod: "1.00:00:00",
  blobVersioning: true,
  blobSoftDeleteDays: 14,
  applicationInsightsLocalAuth: false,
  computeNodePublicIp: false,
  computeSshPublicAccess: false,
  computeLocalAuth: false,
  computeManagedIdentity: true,
  computeInstanceSharing: MlApplicationSharing.Personal,
  clusterMinNodes: 0,
  clusterIdleMinutesBeforeScaleDown: 15,
  instanceIdleMinutesBeforeShutdown: 60,
} as const;

/** Sizes, not security: what a cluster or instance gets when its spec says nothing. */
export const mlComputeSizing = {
  clusterVmSize: "Standard_DS3_v2",
  clusterMaxNodes: 4,
  instanceVmSize: "Standard_DS3_v2",
  firewallSku: "Standard",
  defaultClusters: [{ name: "cpu-cluster" }] as readonly MlComputeClusterSpec[],
} as const;

/** Who gets what: the identities' role assignments, least privilege, at the narrowest scope. */
export interface MlIdentityRole {
  /** Child key: `${name}-role-${key}`. */
  readonly key: string;
  readonly identity: "workspace" | "compute";
  readonly target: "storage" | "keyVault" | "key" | "registry" | "applicationInsights" | "workspace";
  readonly role: BuiltInRole;
  /** Why the identity needs it. */
  readonly reason: string;
  /** Only when a customer-managed key is used. */
  readonly cmkOnly?: boolean;
}

export const mlIdentityRoles: readonly MlIdentityRole[] = [
  { key: "ws-storage-blob", identity: "workspace", target: "storage", role: "Storage Blob Data Contributor", reason: "system datastores by identity (shared keys are off)" },
  { key: "ws-storage-file", identity: "workspace", target: "storage", role: "Storage File Data Privileged Contributor", reason: "the code and notebooks file share, by identity" },
  { key: "ws-storage-approver", identity: "workspace", target: "storage", role: "Azure AI Enterprise Network Connection Approver", reason: "the managed network's private endpoints to the storage account" },
  { key: "ws-kv-secrets", identity: "workspace", target: "keyVault", role: "Key Vault Secrets Officer", reason: "connection secrets the workspace stores (RBAC vault, no access policies)" },
  { key: "ws-kv-approver", identity: "workspace", target: "keyVault", role: "Azure AI Enterprise Network Connection Approver", reason: "the managed network's private endpoint to the vault" },
  { key: "ws-cmk", identity: "workspace", target: "key", role: "Key Vault Crypto Service Encryption User", reason: "wrap/unwrap with the customer-managed key (workspace and storage), on the key only", cmkOnly: true },
  { key: "ws-acr-push", identity: "workspace", target: "registry", role: "AcrPush", reason: "environment images the workspace builds" },
  { key: "ws-acr-approver", identity: "workspace", target: "registry", role: "Azure AI Enterprise Network Connection Approver", reason: "the managed network's private endpoint to the registry" },
  { key: "ws-appi-metrics", identity: "workspace", target: "applicationInsights", role: "Monitoring Metrics Publisher", reason: "telemetry with Entra ID, since local auth is off" },
  { key: "compute-acr-pull", identity: "compute", target: "registry", role: "AcrPull", reason: "job and environment images" },
  { key: "compute-storage-blob", identity: "compute", target: "storage", role: "Storage Blob Data Contributor", reason: "job inputs and outputs in the system datastores" },
  { key: "compute-kv-secrets", identity: "compute", target: "keyVault", role: "Key Vault Secrets User", reason: "datastore connection secrets, read only" },
  { key: "compute-metrics", identity: "compute", target: "workspace", role: "AzureML Metrics Writer (preview)", reason: "MLflow metrics from jobs, nothing else in the workspace" },
];

/** The private DNS zones of the workspace's endpoints (workspace, vault, blob, file). */
export const mlPrivateDnsZones: readonly string[] = [
  "privatelink.api.azureml.ms",
  "privatelink.notebooks.azure.net",
  "privatelink.vaultcore.azure.net",
  "privatelink.blob.core.windows.net",
  "privatelink.file.core.windows.net",
];

function alnum(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, "").toLowerCase();
}

/** The Key Vault name the component uses for `name` and `args`. */
export function defaultKeyVaultName(name: string): string {
  return `kv${alnum(name)}`.slice(0, 24);
}

/** The storage account name the component uses for `name` and `args`. */
export function defaultStorageAccountName(name: string): string {
  return `st${alnum(name)}`.slice(0, 24);
}

export function isCustomerManagedKey(value: MlWorkspaceArgs["customerManagedKey"]): value is MlCustomerManagedKey {
  return typeof value === "object" && value !== null;
}

/**
 * The arguments with every default applied, resolved once when the component starts: the helpers
 * that build its children read only this, so no default is written twice.
 */
export interface ResolvedMlWorkspaceArgs {
  /** The component name, the prefix of every child's name. */
  readonly name: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string> | undefined;
  readonly tags: MlWorkspaceArgs["tags"];
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  readonly containerRegistryId: pulumi.Input<string>;
  readonly workspaceName: string;
  readonly friendlyName: pulumi.Input<string> | undefined;
  readonly description: pulumi.Input<string> | undefined;
  readonly existingKeyVaultId: pulumi.Input<string> | undefined;
  readonly existingStorageAccountId: pulumi.Input<string> | undefined;
  readonly existingApplicationInsightsId: pulumi.Input<string> | undefined;
  readonly keyVaultName: string;
  readonly storageAccountName: string;
  readonly applicationInsightsName: string;
  readonly publicNetworkAccess: boolean;
  /** The allowed ranges in the form Key Vault and storage firewalls take; none when public access is off. */
  readonly firewallIpRules: readonly string[];
  readonly trustedServicesBypass: boolean;
  readonly isolationMode: MlIsolationMode;
  readonly outboundRules: readonly MlOutboundRule[];
  readonly firewallSku: "Standard" | "Basic";
  readonly hbiWorkspace: boolean;
  readonly customerManagedKey: boolean | MlCustomerManagedKey;
  readonly systemDatastoresAuthMode: MlDatastoreAuthMode;
  readonly privateEndpoint: PrivateEndpointSpec | undefined;
  readonly keyVaultSku: "standard" | "premium";
  readonly keyVaultPurgeProtection: boolean;
  readonly keyVaultSoftDeleteDays: number;
  readonly storageReplication: MlStorageReplication;
  readonly storageSharedKeyAccess: boolean;
  readonly storageHttpsOnly: boolean;
  readonly storageMinimumTlsVersion: "TLS1_2" | "TLS1_3" | "TLS1_0" | "TLS1_1";
  readonly storageBlobPublicAccess: boolean;
  readonly storageInfrastructureEncryption: boolean;
  readonly storageCrossTenantReplication: boolean;
  readonly storageLocalUsers: boolean;
  readonly storageSasExpirationPeriod: string;
  readonly blobVersioning: boolean;
  readonly blobSoftDeleteDays: number;
  readonly applicationInsightsLocalAuth: boolean;
  readonly computeClusters: readonly MlComputeClusterSpec[];
  readonly computeInstances: readonly MlComputeInstanceSpec[];
  readonly computeNodePublicIp: boolean;
  readonly computeSshPublicAccess: boolean;
  readonly computeLocalAuth: boolean;
  readonly computeManagedIdentity: boolean;
  readonly computeInstanceSharing: MlApplicationSharing;
  readonly computeSubnetId: pulumi.Input<string> | undefined;
  readonly roleAssignments: readonly RoleAssignmentSpec<MlWorkspaceRole>[];
  readonly lock: LockLevel | undefined;
}

/** Applies the defaults to `args` (already validated). */
export function resolveMlWorkspaceArgs(name: string, args: MlWorkspaceArgs): ResolvedMlWorkspaceArgs {
  const d = mlWorkspaceDefaults;
  const publicNetworkAccess = args.publicNetworkAccess ?? d.publicNetworkAccess;
  return {
    name,
    resourceGroupName: args.resourceGroupName,
    location: args.location,
    tags: args.tags,
    logAnalyticsWorkspaceId: args.logAnalyticsWorkspaceId,
    containerRegistryId: args.containerRegistryId,
    workspaceName: args.workspaceName ?? name,
    friendlyName: args.friendlyName,
    description: args.description,
    existingKeyVaultId: args.existingKeyVaultId,
    existingStorageAccountId: args.existingStorageAccountId,
    existingApplicationInsightsId: args.existingApplicationInsightsId,
    keyVaultName: args.keyVaultName ?? defaultKeyVaultName(name),
    storageAccountName: args.storageAccountName ?? defaultStorageAccountName(name),
    applicationInsightsName: args.applicationInsightsName ?? `appi-${name}`,
    publicNetworkAccess,
    firewallIpRules: publicNetworkAccess ? (args.allowedIpRanges ?? []).map((r) => firewallIpRule(r) ?? r) : [],
    trustedServicesBypass: args.trustedServicesBypass ?? d.trustedServicesBypass,
    isolationMode: args.isolationMode ?? d.isolationMode,
    outboundRules: args.outboundRules ?? [],
    firewallSku: args.firewallSku ?? mlComputeSizing.firewallSku,
    hbiWorkspace: args.hbiWorkspace ?? d.hbiWorkspace,
    customerManagedKey: args.customerManagedKey ?? d.customerManagedKey,
    systemDatastoresAuthMode: args.systemDatastoresAuthMode ?? d.systemDatastoresAuthMode,
    privateEndpoint: args.privateEndpoint,
    keyVaultSku: args.keyVaultSku ?? d.keyVaultSku,
    keyVaultPurgeProtection: args.keyVaultPurgeProtection ?? d.keyVaultPurgeProtection,
    keyVaultSoftDeleteDays: args.keyVaultSoftDeleteDays ?? d.keyVaultSoftDeleteDays,
    storageReplication: args.storageReplication ?? d.storageReplication,
    storageSharedKeyAccess: args.storageSharedKeyAccess ?? d.storageSharedKeyAccess,
    storageHttpsOnly: args.storageHttpsOnly ?? d.storageHttpsOnly,
    storageMinimumTlsVersion: args.storageMinimumTlsVersion ?? d.storageMinimumTlsVersion,
    storageBlobPublicAccess: args.storageBlobPublicAccess ?? d.storageBlobPublicAccess,
    storageInfrastructureEncryption: args.storageInfrastructureEncryption ?? d.storageInfrastructureEncryption,
    storageCrossTenantReplication: args.storageCrossTenantReplication ?? d.storageCrossTenantReplication,
    storageLocalUsers: args.storageLocalUsers ?? d.storageLocalUsers,
    storageSasExpirationPeriod: args.storageSasExpirationPeriod ?? d.storageSasExpirationPeriod,
    blobVersioning: args.blobVersioning ?? d.blobVersioning,
    blobSoftDeleteDays: args.blobSoftDeleteDays ?? d.blobSoftDeleteDays,
    applicationInsightsLocalAuth: args.applicationInsightsLocalAuth ?? d.applicationInsightsLocalAuth,
    computeClusters: args.computeClusters ?? mlComputeSizing.defaultClusters,
    computeInstances: args.computeInstances ?? [],
    computeNodePublicIp: args.computeNodePublicIp ?? d.computeNodePublicIp,
    computeSshPublicAccess: args.computeSshPublicAccess ?? d.computeSshPublicAccess,
    computeLocalAuth: args.computeLocalAuth ?? d.computeLocalAuth,
    computeManagedIdentity: args.computeManagedIdentity ?? d.computeManagedIdentity,
    computeInstanceSharing: args.computeInstanceSharing ?? d.computeInstanceSharing,
    computeSubnetId: args.computeSubnetId,
    roleAssignments: args.roleAssignments ?? [],
    lock: args.lock,
  };
}
