import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as storage from "@pulumi/azure-native/storage";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { BuiltInRole } from "../../constants/roles";
import {
  AssignablePrincipalType,
  builtInRoleId,
  childKeyPattern,
  createRoleAssignments,
  currentClientConfig,
  type LockLevel,
  type RoleAssignmentSpec,
} from "../lib/azure";
import { createDiagnosticSetting } from "../lib/diagnostics";
import { checker } from "../lib/errors";
import { firewallIpRule, isArmIdOf, isFqdn, isIpv4AddressOrCidr, isPortRanges, parseKeyIdentifier } from "../lib/formats";
import { createPrivateEndpoint, type PrivateEndpointSpec } from "../lib/private-endpoint";

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

const workspaceNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
const keyVaultNamePattern = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const storageNamePattern = /^[a-z0-9]{3,24}$/;
const appInsightsNamePattern = /^[a-zA-Z0-9()._-]{1,255}$/;
const ruleNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;
const clusterNamePattern = /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/;
const instanceNamePattern = /^[a-zA-Z][a-zA-Z0-9-]{2,23}$/;
const serviceTagPattern = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/;
const subresourcePattern = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
const sasPeriodPattern = /^(\d{1,3})\.([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

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

function isLiteral(value: unknown): value is string {
  return typeof value === "string";
}

function isCustomerManagedKey(value: MlWorkspaceArgs["customerManagedKey"]): value is MlCustomerManagedKey {
  return typeof value === "object" && value !== null;
}

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming the
 * first bad one. Values given as outputs are checked when they are plain strings.
 */
export function validateMlWorkspaceArgs(name: string, args: MlWorkspaceArgs): void {
  const check = checker(mlWorkspaceType);
  const d = mlWorkspaceDefaults;
  const workspaceName = args.workspaceName ?? name;
  check(workspaceNamePattern.test(workspaceName), "workspaceName", `must be 3-33 letters, digits, "-" and "_", starting with a letter or digit, got "${workspaceName}"`);
  if (args.existingKeyVaultId === undefined) {
    const kvName = args.keyVaultName ?? defaultKeyVaultName(name);
    check(keyVaultNamePattern.test(kvName), "keyVaultName", `must be 3-24 letters, digits and single hyphens, starting with a letter, got "${kvName}"`);
  }
  if (args.existingStorageAccountId === undefined) {
    const stName = args.storageAccountName ?? defaultStorageAccountName(name);
    check(storageNamePattern.test(stName), "storageAccountName", `must be 3-24 lower-case letters and digits, got "${stName}"`);
  }
  if (args.applicationInsightsName !== undefined) {
    check(appInsightsNamePattern.test(args.applicationInsightsName), "applicationInsightsName", `must be 1-255 letters, digits and ()._-, got "${args.applicationInsightsName}"`);
  }
  const ids: [keyof MlWorkspaceArgs, string][] = [
    ["containerRegistryId", "Microsoft.ContainerRegistry/registries"],
    ["logAnalyticsWorkspaceId", "Microsoft.OperationalInsights/workspaces"],
    ["existingKeyVaultId", "Microsoft.KeyVault/vaults"],
    ["existingStorageAccountId", "Microsoft.Storage/storageAccounts"],
    ["existingApplicationInsightsId", "Microsoft.Insights/components"],
  ];
  for (const [arg, type] of ids) {
    const value: unknown = args[arg];
    if (isLiteral(value)) check(isArmIdOf(value, type), arg, `must be the ARM id of a ${type} resource, got "${value}"`);
  }

  const ranges = args.allowedIpRanges ?? [];
  ranges.forEach((range, i) => {
    check(isIpv4AddressOrCidr(range), `allowedIpRanges[${i}]`, `must be an IPv4 address or CIDR range like 203.0.113.0/24, got "${range}"`);
    check(firewallIpRule(range) !== undefined, `allowedIpRanges[${i}]`, `must not be a /31 range (Key Vault and storage firewalls refuse it; list the two addresses), got "${range}"`);
  });
  const publicAccess = args.publicNetworkAccess ?? d.publicNetworkAccess;
  check(!publicAccess || ranges.length > 0, "allowedIpRanges", "must name at least one IPv4 range when publicNetworkAccess is true");

  const mode = args.isolationMode ?? d.isolationMode;
  check(Object.values(MlIsolationMode).includes(mode), "isolationMode", `must be one of ${Object.values(MlIsolationMode).join(", ")}, got "${String(mode)}"`);
  const ruleNames = new Set<string>();
  (args.outboundRules ?? []).forEach((rule, i) => {
    const at = `outboundRules[${i}]`;
    check(ruleNamePattern.test(rule.name), `${at}.name`, `must be 1-64 letters, digits, "-" and "_", got "${rule.name}"`);
    check(!ruleNames.has(rule.name.toLowerCase()), `${at}.name`, `"${rule.name}" is used twice`);
    ruleNames.add(rule.name.toLowerCase());
    check(mode !== MlIsolationMode.Disabled, at, "needs a managed network: isolationMode is Disabled");
    switch (rule.type) {
      case "FQDN":
        check(
          isFqdn(rule.destination, { wildcard: true }),
          `${at}.destination`,
          `must be a host name like "pypi.org" or "*.example.com" (no scheme, port, path or bare "*"), got "${rule.destination}"`,
        );
        check(mode === MlIsolationMode.AllowOnlyApprovedOutbound, at, `FQDN rules need isolationMode AllowOnlyApprovedOutbound, got "${mode}"`);
        break;
      case "PrivateEndpoint":
        check(subresourcePattern.test(rule.subresourceTarget), `${at}.subresourceTarget`, `must be a private link sub-resource like "blob", got "${rule.subresourceTarget}"`);
        if (isLiteral(rule.serviceResourceId)) {
          check(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i.test(rule.serviceResourceId), `${at}.serviceResourceId`, `must be an ARM resource id, got "${rule.serviceResourceId}"`);
        }
        break;
      case "ServiceTag":
        check(serviceTagPattern.test(rule.serviceTag), `${at}.serviceTag`, `must be an Azure service tag like "AzureMonitor" or "Storage.WestEurope", got "${rule.serviceTag}"`);
        check(["TCP", "UDP", "ICMP", "*"].includes(rule.protocol), `${at}.protocol`, `must be TCP, UDP, ICMP or *, got "${String(rule.protocol)}"`);
        check(isPortRanges(rule.portRanges), `${at}.portRanges`, `must be ports or ranges within 1-65535 like "443" or "8000-8080", got "${rule.portRanges}"`);
        (rule.addressPrefixes ?? []).forEach((prefix, j) =>
          check(isIpv4AddressOrCidr(prefix), `${at}.addressPrefixes[${j}]`, `must be an IPv4 address or CIDR range, got "${prefix}"`),
        );
        break;
      default:
        check(false, `${at}.type`, `must be FQDN, PrivateEndpoint or ServiceTag, got "${String((rule as { type?: unknown }).type)}"`);
    }
  });

  const cmk = args.customerManagedKey ?? d.customerManagedKey;
  if (isCustomerManagedKey(cmk)) {
    if (isLiteral(cmk.keyVaultId)) {
      check(isArmIdOf(cmk.keyVaultId, "Microsoft.KeyVault/vaults"), "customerManagedKey.keyVaultId", `must be the ARM id of a Key Vault, got "${cmk.keyVaultId}"`);
    }
    if (isLiteral(cmk.keyIdentifier)) {
      check(
        parseKeyIdentifier(cmk.keyIdentifier)?.version !== undefined,
        "customerManagedKey.keyIdentifier",
        `must be a versioned key identifier https://<vault>.vault.azure.net/keys/<name>/<version>, got "${cmk.keyIdentifier}"`,
      );
    }
  } else if (cmk === true) {
    check(
      args.existingKeyVaultId === undefined,
      "customerManagedKey",
      "cannot create a key in an existing Key Vault; pass { keyVaultId, keyIdentifier } of an existing key",
    );
  }
  const auth = args.systemDatastoresAuthMode ?? d.systemDatastoresAuthMode;
  check(Object.values(MlDatastoreAuthMode).includes(auth), "systemDatastoresAuthMode", `must be one of ${Object.values(MlDatastoreAuthMode).join(", ")}, got "${String(auth)}"`);
  const pe = args.privateEndpoint;
  if (pe !== undefined) {
    check(pe.privateDnsZoneId === undefined, "privateEndpoint.privateDnsZoneId", "is ambiguous for a workspace (five zones); pass privateDnsZoneIds keyed by zone name");
    const unknownZone = Object.keys(pe.privateDnsZoneIds ?? {}).find((zone) => !mlPrivateDnsZones.includes(zone));
    check(unknownZone === undefined, "privateEndpoint.privateDnsZoneIds", `has a zone the workspace does not use: "${String(unknownZone)}" (it uses ${mlPrivateDnsZones.join(", ")})`);
    // A zone the component creates resolves nothing until a network is linked to it.
    const created = mlPrivateDnsZones.filter((zone) => pe.privateDnsZoneIds?.[zone] === undefined);
    check(
      created.length === 0 || pe.virtualNetworkId !== undefined,
      "privateEndpoint.virtualNetworkId",
      `is required to link the private DNS zones the component creates (${created.join(", ")}), or pass them all in privateDnsZoneIds`,
    );
  }

  const kvDays = args.keyVaultSoftDeleteDays ?? d.keyVaultSoftDeleteDays;
  check(Number.isInteger(kvDays) && kvDays >= 7 && kvDays <= 90, "keyVaultSoftDeleteDays", `must be an integer from 7 to 90, got ${kvDays}`);
  const blobDays = args.blobSoftDeleteDays ?? d.blobSoftDeleteDays;
  check(Number.isInteger(blobDays) && blobDays >= 0 && blobDays <= 365, "blobSoftDeleteDays", `must be an integer from 0 to 365, got ${blobDays}`);
  const sas = args.storageSasExpirationPeriod ?? d.storageSasExpirationPeriod;
  check(sas === "" || sasPeriodPattern.test(sas), "storageSasExpirationPeriod", `must be "D.HH:MM:SS" like "1.00:00:00", or "" for none, got "${sas}"`);

  const computeNames = new Set<string>();
  const unique = (at: string, computeName: string): void => {
    check(!computeNames.has(computeName.toLowerCase()), at, `"${computeName}" is used twice (cluster and instance names share one namespace)`);
    computeNames.add(computeName.toLowerCase());
  };
  (args.computeClusters ?? mlComputeSizing.defaultClusters).forEach((c, i) => {
    const at = `computeClusters[${i}]`;
    check(clusterNamePattern.test(c.name), `${at}.name`, `must be 2-16 letters, digits and hyphens, starting with a letter, got "${c.name}"`);
    unique(`${at}.name`, c.name);
    const min = c.minNodes ?? d.clusterMinNodes;
    const max = c.maxNodes ?? mlComputeSizing.clusterMaxNodes;
    check(Number.isInteger(min) && min >= 0, `${at}.minNodes`, `must be a non-negative integer, got ${min}`);
    check(Number.isInteger(max) && max >= 1 && max >= min, `${at}.maxNodes`, `must be an integer >= 1 and >= minNodes (${min}), got ${max}`);
    const idle = c.idleMinutesBeforeScaleDown ?? d.clusterIdleMinutesBeforeScaleDown;
    check(Number.isInteger(idle) && idle >= 1 && idle <= 10080, `${at}.idleMinutesBeforeScaleDown`, `must be an integer from 1 to 10080, got ${idle}`);
  });
  (args.computeInstances ?? []).forEach((c, i) => {
    const at = `computeInstances[${i}]`;
    check(instanceNamePattern.test(c.name), `${at}.name`, `must be 3-24 letters, digits and hyphens, starting with a letter, got "${c.name}"`);
    unique(`${at}.name`, c.name);
    const idle = c.idleMinutesBeforeShutdown ?? d.instanceIdleMinutesBeforeShutdown;
    check(Number.isInteger(idle) && (idle === 0 || (idle >= 15 && idle <= 4320)), `${at}.idleMinutesBeforeShutdown`, `must be 0 (off) or an integer from 15 to 4320, got ${idle}`);
    if (isLiteral(c.assignedUserObjectId)) {
      check(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c.assignedUserObjectId), `${at}.assignedUserObjectId`, `must be an Entra object id (GUID), got "${c.assignedUserObjectId}"`);
    }
  });

  const keys = new Set<string>();
  (args.roleAssignments ?? []).forEach((ra, i) => {
    check(childKeyPattern.test(ra.name), `roleAssignments[${i}].name`, `must be lower-case letters, digits and dashes, got "${ra.name}"`);
    check(!keys.has(ra.name), `roleAssignments[${i}].name`, `"${ra.name}" is used twice`);
    keys.add(ra.name);
    check(
      ra.principalType === undefined || Object.values(AssignablePrincipalType).includes(ra.principalType),
      `roleAssignments[${i}].principalType`,
      `must be ServicePrincipal or Group (never a user), got "${String(ra.principalType)}"`,
    );
  });
}

function minutes(n: number): string {
  return `PT${n}M`;
}

/**
 * An Azure Machine Learning workspace a security team can sign off: user-assigned identity with
 * least-privilege roles, no public network access, managed network allowing only approved
 * outbound, HBI, customer-managed key, identity-based datastores, its Key Vault, storage and
 * Application Insights hardened and logging to Log Analytics, private endpoints with DNS, and
 * compute that has no public IP, no SSH, no local auth and scales down when idle.
 */
export class MlWorkspace extends pulumi.ComponentResource {
  readonly workspace: machinelearningservices.Workspace;
  readonly workspaceId: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  readonly keyVaultId: pulumi.Output<string>;
  readonly storageAccountId: pulumi.Output<string>;
  readonly applicationInsightsId: pulumi.Output<string>;
  /** The workspace's user-assigned identity. */
  readonly identityId: pulumi.Output<string>;
  readonly identityPrincipalId: pulumi.Output<string>;
  /** The computes' user-assigned identity (undefined when `computeManagedIdentity` is false). */
  readonly computeIdentityPrincipalId: pulumi.Output<string | undefined>;
  /** The customer-managed key identifier (undefined with Microsoft-managed keys). */
  readonly customerManagedKeyId: pulumi.Output<string | undefined>;
  readonly computeNames: pulumi.Output<string[]>;

  constructor(name: string, args: MlWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(mlWorkspaceType, name, {}, opts);
    validateMlWorkspaceArgs(name, args);
    const d = mlWorkspaceDefaults;
    const parent = { parent: this };
    const rg = args.resourceGroupName;
    const location = args.location;
    const tags = args.tags;
    const publicAccess = args.publicNetworkAccess ?? d.publicNetworkAccess;
    const ipRules = publicAccess ? (args.allowedIpRanges ?? []).map((r) => firewallIpRule(r) ?? r) : [];
    const bypass = args.trustedServicesBypass ?? d.trustedServicesBypass;
    const cmkArg = args.customerManagedKey ?? d.customerManagedKey;
    const tenantId = currentClientConfig().tenantId;

    const identity = new managedidentity.UserAssignedIdentity(`${name}-identity`, { resourceName: `id-${name}`, resourceGroupName: rg, location, tags }, parent);
    const computeIdentity =
      (args.computeManagedIdentity ?? d.computeManagedIdentity)
        ? new managedidentity.UserAssignedIdentity(`${name}-compute-identity`, { resourceName: `id-${name}-compute`, resourceGroupName: rg, location, tags }, parent)
        : undefined;

    // Key Vault: RBAC only, purge protection, closed to the internet, logs to Log Analytics.
    let vault: keyvault.Vault | undefined;
    if (args.existingKeyVaultId === undefined) {
      vault = new keyvault.Vault(
        `${name}-kv`,
        {
          vaultName: args.keyVaultName ?? defaultKeyVaultName(name),
          resourceGroupName: rg,
          location,
          properties: {
            tenantId,
            sku: { family: "A", name: args.keyVaultSku ?? d.keyVaultSku },
            enableRbacAuthorization: true,
            accessPolicies: [],
            enableSoftDelete: true,
            softDeleteRetentionInDays: args.keyVaultSoftDeleteDays ?? d.keyVaultSoftDeleteDays,
            enablePurgeProtection: args.keyVaultPurgeProtection ?? d.keyVaultPurgeProtection,
            enabledForDeployment: false,
            enabledForDiskEncryption: false,
            enabledForTemplateDeployment: false,
            publicNetworkAccess: publicAccess ? "Enabled" : "Disabled",
            networkAcls: {
              defaultAction: "Deny",
              bypass: bypass ? "AzureServices" : "None",
              ipRules: ipRules.map((value) => ({ value })),
            },
          },
          tags,
        },
        parent,
      );
      createDiagnosticSetting(`${name}-kv-diagnostics`, this, vault.id, args.logAnalyticsWorkspaceId);
    }
    const keyVaultId = vault ? vault.id : pulumi.output(args.existingKeyVaultId as pulumi.Input<string>);

    // The customer-managed key: HSM-backed (premium vault), wrap/unwrap only, rotated yearly.
    let cmk: { keyVaultId: pulumi.Output<string>; keyIdentifier: pulumi.Output<string>; keyScope: pulumi.Output<string>; keyName: pulumi.Output<string>; vaultUri: pulumi.Output<string> } | undefined;
    if (cmkArg === true && vault !== undefined) {
      const premium = (args.keyVaultSku ?? d.keyVaultSku) === "premium";
      const key = new keyvault.Key(
        `${name}-cmk`,
        {
          keyName: "cmk-workspace",
          vaultName: vault.name,
          resourceGroupName: rg,
          properties: {
            kty: premium ? "RSA-HSM" : "RSA",
            keySize: 3072,
            keyOps: ["wrapKey", "unwrapKey"],
            attributes: { enabled: true, exportable: false },
            rotationPolicy: {
              attributes: { expiryTime: "P2Y" },
              lifetimeActions: [
                { action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } },
                { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
              ],
            },
          },
          tags,
        },
        parent,
      );
      cmk = {
        keyVaultId: vault.id,
        keyIdentifier: key.keyUriWithVersion,
        keyScope: key.id,
        keyName: key.name,
        vaultUri: vault.properties.apply((p) => p.vaultUri ?? ""),
      };
    } else if (isCustomerManagedKey(cmkArg)) {
      const parsed = pulumi.output(cmkArg.keyIdentifier).apply((id) => {
        const p = parseKeyIdentifier(id);
        if (p === undefined) throw new Error(`${mlWorkspaceType}: [customerManagedKey.keyIdentifier] is not a Key Vault key identifier: "${id}"`);
        return p;
      });
      const keyName = parsed.apply((p) => p.keyName);
      cmk = {
        keyVaultId: pulumi.output(cmkArg.keyVaultId),
        keyIdentifier: pulumi.output(cmkArg.keyIdentifier),
        keyScope: pulumi.interpolate`${cmkArg.keyVaultId}/keys/${keyName}`,
        keyName,
        vaultUri: parsed.apply((p) => p.vaultUri),
      };
    }

    // The workspace identity's CMK role comes first: storage and the workspace unwrap at creation.
    const roleOf = (key: string): MlIdentityRole => {
      const role = mlIdentityRoles.find((r) => r.key === key);
      if (role === undefined) throw new Error(`${mlWorkspaceType}: no identity role "${key}"`);
      return role;
    };
    const assign = (role: MlIdentityRole, scope: pulumi.Input<string>, principalId: pulumi.Input<string>, dependsOn: pulumi.Resource[] = []): authorization.RoleAssignment =>
      new authorization.RoleAssignment(
        `${name}-role-${role.key}`,
        {
          scope,
          principalId,
          principalType: AssignablePrincipalType.ServicePrincipal,
          roleDefinitionId: builtInRoleId(role.role),
          description: `${role.identity} identity of ${name}: ${role.reason}`,
        },
        { parent: this, dependsOn },
      );
    const cmkAssignment = cmk ? assign(roleOf("ws-cmk"), cmk.keyScope, identity.principalId) : undefined;

    // Storage: no shared keys, no public blobs, TLS 1.2, infrastructure encryption, CMK, closed.
    let account: storage.StorageAccount | undefined;
    if (args.existingStorageAccountId === undefined) {
      account = new storage.StorageAccount(
        `${name}-st`,
        {
          accountName: args.storageAccountName ?? defaultStorageAccountName(name),
          resourceGroupName: rg,
          location,
          kind: "StorageV2",
          sku: { name: args.storageReplication ?? d.storageReplication },
          accessTier: "Hot",
          enableHttpsTrafficOnly: args.storageHttpsOnly ?? d.storageHttpsOnly,
          minimumTlsVersion: args.storageMinimumTlsVersion ?? d.storageMinimumTlsVersion,
          allowBlobPublicAccess: args.storageBlobPublicAccess ?? d.storageBlobPublicAccess,
          allowSharedKeyAccess: args.storageSharedKeyAccess ?? d.storageSharedKeyAccess,
          defaultToOAuthAuthentication: true,
          allowCrossTenantReplication: args.storageCrossTenantReplication ?? d.storageCrossTenantReplication,
          isLocalUserEnabled: args.storageLocalUsers ?? d.storageLocalUsers,
          isSftpEnabled: false,
          // Azure ML does not support a hierarchical namespace on its default storage.
          isHnsEnabled: false,
          publicNetworkAccess: publicAccess ? "Enabled" : "Disabled",
          networkRuleSet: {
            defaultAction: "Deny",
            bypass: bypass ? "AzureServices" : "None",
            ipRules: ipRules.map((value) => ({ action: "Allow", iPAddressOrRange: value })),
          },
          sasPolicy: (() => {
            const period = args.storageSasExpirationPeriod ?? d.storageSasExpirationPeriod;
            return period === "" ? undefined : { sasExpirationPeriod: period, expirationAction: "Block" };
          })(),
          identity: cmk ? { type: "UserAssigned", userAssignedIdentities: [identity.id] } : undefined,
          encryption: {
            requireInfrastructureEncryption: args.storageInfrastructureEncryption ?? d.storageInfrastructureEncryption,
            services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
            ...(cmk
              ? {
                  keySource: "Microsoft.Keyvault",
                  // No key version: storage follows the key's rotation.
                  keyVaultProperties: { keyName: cmk.keyName, keyVaultUri: cmk.vaultUri },
                  encryptionIdentity: { encryptionUserAssignedIdentity: identity.id },
                }
              : { keySource: "Microsoft.Storage" }),
          },
          tags,
        },
        { parent: this, dependsOn: cmkAssignment ? [cmkAssignment] : [] },
      );
      const blobDays = args.blobSoftDeleteDays ?? d.blobSoftDeleteDays;
      const retention = blobDays > 0 ? { enabled: true, days: blobDays } : { enabled: false };
      const blobService = new storage.BlobServiceProperties(
        `${name}-st-blob`,
        {
          accountName: account.name,
          resourceGroupName: rg,
          blobServicesName: "default",
          isVersioningEnabled: args.blobVersioning ?? d.blobVersioning,
          deleteRetentionPolicy: retention,
          containerDeleteRetentionPolicy: retention,
        },
        parent,
      );
      const fileService = new storage.FileServiceProperties(
        `${name}-st-file`,
        { accountName: account.name, resourceGroupName: rg, fileServicesName: "default", shareDeleteRetentionPolicy: retention },
        parent,
      );
      // Storage logs live on the services; the account itself only has metrics.
      createDiagnosticSetting(`${name}-st-blob-diagnostics`, this, blobService.id, args.logAnalyticsWorkspaceId, { metrics: false });
      createDiagnosticSetting(`${name}-st-file-diagnostics`, this, fileService.id, args.logAnalyticsWorkspaceId, { metrics: false });
    }
    const storageAccountId = account ? account.id : pulumi.output(args.existingStorageAccountId as pulumi.Input<string>);

    const appInsights =
      args.existingApplicationInsightsId === undefined
        ? new applicationinsights.Component(
            `${name}-appi`,
            {
              resourceName: args.applicationInsightsName ?? `appi-${name}`,
              resourceGroupName: rg,
              location,
              kind: "web",
              applicationType: "web",
              // Workspace-based: classic (ingestionMode ApplicationInsights) is retired.
              workspaceResourceId: args.logAnalyticsWorkspaceId,
              ingestionMode: "LogAnalytics",
              disableLocalAuth: !(args.applicationInsightsLocalAuth ?? d.applicationInsightsLocalAuth),
              publicNetworkAccessForIngestion: publicAccess ? "Enabled" : "Disabled",
              publicNetworkAccessForQuery: publicAccess ? "Enabled" : "Disabled",
              tags,
            },
            parent,
          )
        : undefined;
    const applicationInsightsId = appInsights ? appInsights.id : pulumi.output(args.existingApplicationInsightsId as pulumi.Input<string>);

    // Workspace identity roles the workspace needs at creation (managed network endpoints, data).
    const scopes: Record<MlIdentityRole["target"], pulumi.Input<string> | undefined> = {
      storage: storageAccountId,
      keyVault: keyVaultId,
      key: cmk?.keyScope,
      registry: args.containerRegistryId,
      applicationInsights: applicationInsightsId,
      workspace: undefined,
    };
    const workspaceRoles = mlIdentityRoles
      .filter((r) => r.identity === "workspace" && r.cmkOnly !== true)
      .map((r) => assign(r, scopes[r.target] as pulumi.Input<string>, identity.principalId));

    const mode = args.isolationMode ?? d.isolationMode;
    const rules = args.outboundRules ?? [];
    const clusters = args.computeClusters ?? mlComputeSizing.defaultClusters;
    this.workspace = new machinelearningservices.Workspace(
      `${name}-workspace`,
      {
        workspaceName: args.workspaceName ?? name,
        resourceGroupName: rg,
        location,
        friendlyName: args.friendlyName,
        description: args.description,
        kind: "Default",
        sku: { name: "Basic", tier: "Basic" },
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        primaryUserAssignedIdentity: identity.id,
        keyVault: keyVaultId,
        storageAccount: storageAccountId,
        applicationInsights: applicationInsightsId,
        containerRegistry: args.containerRegistryId,
        publicNetworkAccess: publicAccess ? "Enabled" : "Disabled",
        allowPublicAccessWhenBehindVnet: false,
        hbiWorkspace: args.hbiWorkspace ?? d.hbiWorkspace,
        systemDatastoresAuthMode: args.systemDatastoresAuthMode ?? d.systemDatastoresAuthMode,
        v1LegacyMode: false,
        // Image builds run on a cluster inside the managed network: the registry is private.
        imageBuildCompute: clusters[0]?.name,
        managedNetwork: {
          isolationMode: mode,
          firewallSku: rules.some((r) => r.type === "FQDN") ? (args.firewallSku ?? mlComputeSizing.firewallSku) : undefined,
          outboundRules: rules.length > 0 ? Object.fromEntries(rules.map((r) => [r.name, outboundRule(r)])) : undefined,
        },
        encryption: cmk
          ? {
              status: "Enabled",
              keyVaultProperties: { keyVaultArmId: cmk.keyVaultId, keyIdentifier: cmk.keyIdentifier },
              identity: { userAssignedIdentity: identity.id },
            }
          : undefined,
        tags,
      },
      { parent: this, dependsOn: [...workspaceRoles, ...(cmkAssignment ? [cmkAssignment] : [])] },
    );
    this.workspaceId = this.workspace.id;
    this.workspaceName = this.workspace.name;
    createDiagnosticSetting(`${name}-diagnostics`, this, this.workspace.id, args.logAnalyticsWorkspaceId);

    if (args.privateEndpoint !== undefined) {
      const pe = (groupId: string, targetId: pulumi.Input<string>, zoneName: string, additionalZoneNames?: string[]): void => {
        createPrivateEndpoint({ name, parent: this, resourceGroupName: rg, location, targetId, groupId, zoneName, additionalZoneNames, spec: args.privateEndpoint as PrivateEndpointSpec, tags });
      };
      pe("amlworkspace", this.workspace.id, "privatelink.api.azureml.ms", ["privatelink.notebooks.azure.net"]);
      if (vault) pe("vault", vault.id, "privatelink.vaultcore.azure.net");
      if (account) {
        pe("blob", account.id, "privatelink.blob.core.windows.net");
        pe("file", account.id, "privatelink.file.core.windows.net");
      }
    }

    // Computes: no public IP, no SSH, Entra ID only, a managed identity, scale down when idle.
    const computeIdentityArg = computeIdentity ? { type: "UserAssigned", userAssignedIdentities: [computeIdentity.id] } : undefined;
    const computeRoles = computeIdentity
      ? mlIdentityRoles
          .filter((r) => r.identity === "compute")
          .map((r) => assign(r, r.target === "workspace" ? this.workspace.id : (scopes[r.target] as pulumi.Input<string>), computeIdentity.principalId))
      : [];
    const nodePublicIp = args.computeNodePublicIp ?? d.computeNodePublicIp;
    const ssh = (args.computeSshPublicAccess ?? d.computeSshPublicAccess) ? "Enabled" : "Disabled";
    const disableLocalAuth = !(args.computeLocalAuth ?? d.computeLocalAuth);
    const subnet = args.computeSubnetId !== undefined ? { id: args.computeSubnetId } : undefined;
    const computeNames: string[] = [];
    for (const c of clusters) {
      computeNames.push(c.name);
      new machinelearningservices.Compute(
        `${name}-cluster-${c.name}`,
        {
          computeName: c.name,
          workspaceName: this.workspace.name,
          resourceGroupName: rg,
          location,
          identity: computeIdentityArg,
          properties: {
            computeType: "AmlCompute",
            disableLocalAuth,
            properties: {
              vmSize: c.vmSize ?? mlComputeSizing.clusterVmSize,
              vmPriority: c.lowPriority === true ? "LowPriority" : "Dedicated",
              osType: "Linux",
              enableNodePublicIp: nodePublicIp,
              remoteLoginPortPublicAccess: ssh,
              scaleSettings: {
                minNodeCount: c.minNodes ?? d.clusterMinNodes,
                maxNodeCount: c.maxNodes ?? mlComputeSizing.clusterMaxNodes,
                nodeIdleTimeBeforeScaleDown: minutes(c.idleMinutesBeforeScaleDown ?? d.clusterIdleMinutesBeforeScaleDown),
              },
              subnet,
            },
          },
          tags,
        },
        { parent: this, dependsOn: computeRoles },
      );
    }
    for (const c of args.computeInstances ?? []) {
      computeNames.push(c.name);
      const idle = c.idleMinutesBeforeShutdown ?? d.instanceIdleMinutesBeforeShutdown;
      new machinelearningservices.Compute(
        `${name}-instance-${c.name}`,
        {
          computeName: c.name,
          workspaceName: this.workspace.name,
          resourceGroupName: rg,
          location,
          identity: computeIdentityArg,
          properties: {
            computeType: "ComputeInstance",
            disableLocalAuth,
            properties: {
              vmSize: c.vmSize ?? mlComputeSizing.instanceVmSize,
              enableNodePublicIp: nodePublicIp,
              idleTimeBeforeShutdown: idle > 0 ? minutes(idle) : undefined,
              applicationSharingPolicy: args.computeInstanceSharing ?? d.computeInstanceSharing,
              computeInstanceAuthorizationType: "personal",
              personalComputeInstanceSettings: { assignedUser: { objectId: c.assignedUserObjectId, tenantId } },
              sshSettings: { sshPublicAccess: ssh },
              subnet,
            },
          },
          tags,
        },
        { parent: this, dependsOn: computeRoles },
      );
    }

    createRoleAssignments(`${name}-access`, this, this.workspace.id, args.roleAssignments ?? []);

    if (args.lock !== undefined) {
      const locked: [string, pulumi.Input<string>][] = [["workspace", this.workspace.id]];
      if (vault) locked.push(["kv", vault.id]);
      if (account) locked.push(["st", account.id]);
      for (const [key, scope] of locked) {
        new authorization.ManagementLockByScope(
          `${name}-lock-${key}`,
          { scope, level: args.lock, notes: "Managed by secure-mlops; remove through Pulumi." },
          parent,
        );
      }
    }

    this.keyVaultId = keyVaultId;
    this.storageAccountId = storageAccountId;
    this.applicationInsightsId = applicationInsightsId;
    this.identityId = identity.id;
    this.identityPrincipalId = identity.principalId;
    this.computeIdentityPrincipalId = computeIdentity ? computeIdentity.principalId : pulumi.output(undefined);
    this.customerManagedKeyId = cmk ? cmk.keyIdentifier : pulumi.output(undefined);
    this.computeNames = pulumi.output(computeNames);
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceName: this.workspaceName,
      keyVaultId: this.keyVaultId,
      storageAccountId: this.storageAccountId,
      applicationInsightsId: this.applicationInsightsId,
      identityId: this.identityId,
      identityPrincipalId: this.identityPrincipalId,
      computeIdentityPrincipalId: this.computeIdentityPrincipalId,
      customerManagedKeyId: this.customerManagedKeyId,
      computeNames: this.computeNames,
    });
  }
}

type OutboundRuleArg =
  | inputs.machinelearningservices.FqdnOutboundRuleArgs
  | inputs.machinelearningservices.PrivateEndpointOutboundRuleArgs
  | inputs.machinelearningservices.ServiceTagOutboundRuleArgs;

function outboundRule(rule: MlOutboundRule): OutboundRuleArg {
  switch (rule.type) {
    case "FQDN":
      return { type: "FQDN", category: "UserDefined", destination: rule.destination };
    case "PrivateEndpoint":
      return {
        type: "PrivateEndpoint",
        category: "UserDefined",
        destination: { serviceResourceId: rule.serviceResourceId, subresourceTarget: rule.subresourceTarget, sparkEnabled: false },
      };
    case "ServiceTag":
      return {
        type: "ServiceTag",
        category: "UserDefined",
        destination: {
          serviceTag: rule.serviceTag,
          protocol: rule.protocol,
          portRanges: rule.portRanges,
          action: "Allow",
          addressPrefixes: rule.addressPrefixes === undefined ? undefined : [...rule.addressPrefixes],
        },
      };
  }
}
