import { checkRoleAssignments } from "../../lib/checks";
import { checker } from "../../lib/errors";
import { firewallIpRule, isArmIdOf, isFqdn, isGuid, isIpv4AddressOrCidr, isPortRanges, parseKeyIdentifier } from "../../lib/formats";
import {
  MlDatastoreAuthMode,
  MlIsolationMode,
  defaultKeyVaultName,
  defaultStorageAccountName,
  isCustomerManagedKey,
  mlComputeSizing,
  mlPrivateDnsZones,
  mlWorkspaceDefaults,
  mlWorkspaceType,
  type MlWorkspaceArgs,
} from "./args";

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

function isLiteral(value: unknown): value is string {
  return typeof value === "string";
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
      check(isGuid(c.assignedUserObjectId), `${at}.assignedUserObjectId`, `must be an Entra object id (GUID), got "${c.assignedUserObjectId}"`);
    }
  });

  checkRoleAssignments(check, args.roleAssignments ?? []);
}
