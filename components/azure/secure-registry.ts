import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import {
  createRoleAssignments,
  type LockLevel,
  type RoleAssignmentSpec,
} from "../lib/azure";
import { createDiagnosticSetting } from "../lib/diagnostics";
import { checkRoleAssignments } from "../lib/checks";
import { checker } from "../lib/errors";
import { isIpv4AddressOrCidr } from "../lib/formats";
import { createPrivateEndpoint, type PrivateEndpointSpec } from "../lib/private-endpoint";

export const secureRegistryType = "secure-mlops:azure:SecureRegistry";

/** Roles the registry grants; AcrPush only to CI identities, AcrPull to runtimes. */
export type RegistryRole =
  | "AcrPull"
  | "AcrPush"
  | "AcrQuarantineReader"
  | "AcrQuarantineWriter"
  | "Container Registry Repository Reader"
  | "Container Registry Repository Writer";

/** A customer-managed key for the registry (Azure Verified Modules' `customerManagedKey`). */
export interface RegistryCustomerManagedKey {
  /** Versionless Key Vault key URI, so Azure rotates to new key versions. */
  readonly keyIdentifier: pulumi.Input<string>;
  /** Resource id of the user-assigned identity that unwraps the key. */
  readonly userAssignedIdentityId: pulumi.Input<string>;
  /** Client id of that identity. */
  readonly userAssignedIdentityClientId: pulumi.Input<string>;
}

export interface SecureRegistryArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** @default the resource group's location */
  readonly location?: pulumi.Input<string>;
  /** Globally unique registry name, 5-50 letters and digits. @default the component name without dashes */
  readonly registryName?: string;
  /** Log Analytics workspace that receives the registry's logs and metrics. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** @default "Premium" */
  readonly sku?: "Basic" | "Standard" | "Premium";
  /** @default false */
  readonly adminUserEnabled?: boolean;
  /** @default false */
  readonly anonymousPullEnabled?: boolean;
  /** @default false */
  readonly publicNetworkAccess?: boolean;
  /** IPv4 addresses or CIDR ranges allowed when public network access is on. @default [] */
  readonly allowedIpRanges?: readonly string[];
  /** Let trusted Azure services (e.g. ML, Defender) reach a closed registry. @default true */
  readonly trustedServicesBypass?: boolean;
  /** @default true */
  readonly quarantinePolicyEnabled?: boolean;
  /** Days an untagged manifest is kept; `0` turns retention off. @default 7 */
  readonly untaggedRetentionDays?: number;
  /** @default false */
  readonly exportPolicyEnabled?: boolean;
  /** Accept ARM-audience Entra tokens as well as registry-audience ones. @default false */
  readonly armAudienceTokensEnabled?: boolean;
  /** @default true */
  readonly zoneRedundancy?: boolean;
  /** @default true */
  readonly dataEndpointEnabled?: boolean;
  /** @default undefined (Microsoft-managed keys) */
  readonly customerManagedKey?: RegistryCustomerManagedKey;
  /** Private endpoint for the `registry` sub-resource. @default none */
  readonly privateEndpoint?: PrivateEndpointSpec;
  /** Role assignments on the registry, keyed by `name`. @default [] */
  readonly roleAssignments?: readonly RoleAssignmentSpec<RegistryRole>[];
  /** @default undefined (no lock) */
  readonly lock?: LockLevel;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The component's secure defaults, in one place; each has an argument that overrides it. */
export const secureRegistryDefaults = {
  sku: "Premium",
  adminUserEnabled: false,
  anonymousPullEnabled: false,
  publicNetworkAccess: false,
  allowedIpRanges: [] as readonly string[],
  trustedServicesBypass: true,
  quarantinePolicyEnabled: true,
  untaggedRetentionDays: 7,
  exportPolicyEnabled: false,
  armAudienceTokensEnabled: false,
  zoneRedundancy: true,
  dataEndpointEnabled: true,
} as const;

const registryNamePattern = /^[a-zA-Z0-9]{5,50}$/;

/** The registry name the component uses for `name` and `args`. */
export function defaultRegistryName(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, "").toLowerCase();
}

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming
 * the first bad one. Exported so callers can validate config before building anything.
 */
export function validateSecureRegistryArgs(name: string, args: SecureRegistryArgs): void {
  const check = checker(secureRegistryType);
  const registryName = args.registryName ?? defaultRegistryName(name);
  check(
    registryNamePattern.test(registryName),
    "registryName",
    `must be 5-50 letters and digits, got "${registryName}"`,
  );
  const days = args.untaggedRetentionDays ?? secureRegistryDefaults.untaggedRetentionDays;
  check(Number.isInteger(days) && days >= 0 && days <= 365, "untaggedRetentionDays", `must be an integer from 0 to 365, got ${days}`);
  (args.allowedIpRanges ?? []).forEach((range, i) =>
    check(isIpv4AddressOrCidr(range), `allowedIpRanges[${i}]`, `must be an IPv4 address or CIDR range, got "${range}"`),
  );
  checkRoleAssignments(check, args.roleAssignments ?? []);
  const pe = args.privateEndpoint;
  // A private DNS zone answers only inside the networks linked to it: a created zone needs one.
  check(
    pe === undefined || pe.privateDnsZoneId !== undefined || pe.virtualNetworkId !== undefined,
    "privateEndpoint.virtualNetworkId",
    "is required when no privateDnsZoneId is given, so the created privatelink.azurecr.io zone is linked to a network",
  );
  const sku = args.sku ?? secureRegistryDefaults.sku;
  check(
    sku === "Premium" || (args.privateEndpoint === undefined && args.customerManagedKey === undefined),
    "sku",
    `must be Premium for a private endpoint or a customer-managed key, got "${sku}"`,
  );
}

/**
 * An Azure Container Registry as it should run in production: Premium, no admin user or anonymous
 * pull, closed to the internet behind a private endpoint, quarantine and retention on, exports off,
 * zone redundant, logs to Log Analytics. Defender for Containers, which scans what is pushed, is a
 * subscription-wide plan: `DefenderPlans` enables it once for the stack.
 */
export class SecureRegistry extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  readonly registryId: pulumi.Output<string>;
  readonly registryName: pulumi.Output<string>;
  readonly loginServer: pulumi.Output<string>;
  /** Principal id of the registry's system-assigned identity. */
  readonly principalId: pulumi.Output<string | undefined>;
  readonly privateEndpointId: pulumi.Output<string | undefined>;

  constructor(name: string, args: SecureRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(secureRegistryType, name, {}, opts);
    validateSecureRegistryArgs(name, args);
    const d = secureRegistryDefaults;
    const sku = args.sku ?? d.sku;
    const publicAccess = args.publicNetworkAccess ?? d.publicNetworkAccess;
    const ipRanges = args.allowedIpRanges ?? d.allowedIpRanges;
    const retentionDays = args.untaggedRetentionDays ?? d.untaggedRetentionDays;
    const cmk = args.customerManagedKey;
    const premium = sku === "Premium";

    this.registry = new containerregistry.Registry(
      `${name}-registry`,
      {
        registryName: args.registryName ?? defaultRegistryName(name),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: sku },
        adminUserEnabled: args.adminUserEnabled ?? d.adminUserEnabled,
        anonymousPullEnabled: args.anonymousPullEnabled ?? d.anonymousPullEnabled,
        publicNetworkAccess: publicAccess ? "Enabled" : "Disabled",
        networkRuleSet:
          premium && publicAccess && ipRanges.length > 0
            ? { defaultAction: "Deny", ipRules: ipRanges.map((value) => ({ action: "Allow", iPAddressOrRange: value })) }
            : undefined,
        networkRuleBypassOptions: (args.trustedServicesBypass ?? d.trustedServicesBypass) ? "AzureServices" : "None",
        // Quarantine, retention, export and zone settings exist only on Premium.
        policies: premium
          ? {
              quarantinePolicy: { status: (args.quarantinePolicyEnabled ?? d.quarantinePolicyEnabled) ? "enabled" : "disabled" },
              retentionPolicy: retentionDays > 0 ? { status: "enabled", days: retentionDays } : { status: "disabled" },
              exportPolicy: { status: (args.exportPolicyEnabled ?? d.exportPolicyEnabled) ? "enabled" : "disabled" },
              azureADAuthenticationAsArmPolicy: {
                status: (args.armAudienceTokensEnabled ?? d.armAudienceTokensEnabled) ? "enabled" : "disabled",
              },
            }
          : undefined,
        zoneRedundancy: premium && (args.zoneRedundancy ?? d.zoneRedundancy) ? "Enabled" : "Disabled",
        dataEndpointEnabled: premium && (args.dataEndpointEnabled ?? d.dataEndpointEnabled),
        identity: cmk
          ? {
              type: "SystemAssigned, UserAssigned",
              // ARM keys user-assigned identities by resource id.
              userAssignedIdentities: pulumi.output(cmk.userAssignedIdentityId).apply((id) => ({ [id]: {} })),
            }
          : { type: "SystemAssigned" },
        encryption: cmk
          ? {
              status: "enabled",
              keyVaultProperties: { keyIdentifier: cmk.keyIdentifier, identity: cmk.userAssignedIdentityClientId },
            }
          : undefined,
        tags: args.tags,
      },
      { parent: this },
    );
    this.registryId = this.registry.id;
    this.registryName = this.registry.name;
    this.loginServer = this.registry.loginServer;
    this.principalId = this.registry.identity.apply((i) => i?.principalId);

    createDiagnosticSetting(`${name}-diagnostics`, this, this.registry.id, args.logAnalyticsWorkspaceId);

    const endpoint = args.privateEndpoint
      ? createPrivateEndpoint({
          name,
          parent: this,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          targetId: this.registry.id,
          groupId: "registry",
          zoneName: "privatelink.azurecr.io",
          spec: args.privateEndpoint,
          tags: args.tags,
        })
      : undefined;
    this.privateEndpointId = endpoint ? endpoint.endpoint.id : pulumi.output(undefined);

    createRoleAssignments(`${name}-role`, this, this.registry.id, args.roleAssignments ?? []);

    if (args.lock !== undefined) {
      new authorization.ManagementLockByScope(
        `${name}-lock`,
        { scope: this.registry.id, level: args.lock, notes: "Managed by secure-mlops; remove through Pulumi." },
        { parent: this },
      );
    }

    this.registerOutputs({
      registryId: this.registryId,
      registryName: this.registryName,
      loginServer: this.loginServer,
      principalId: this.principalId,
      privateEndpointId: this.privateEndpointId,
    });
  }
}
