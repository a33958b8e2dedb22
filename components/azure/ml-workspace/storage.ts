import type * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as storage from "@pulumi/azure-native/storage";
import { createDiagnosticSetting } from "../../lib/diagnostics";
import type { ResolvedMlWorkspaceArgs } from "./args";
import type { MlCustomerManagedKeyRefs } from "./vault";

/**
 * The workspace's storage account: no shared keys, no public blobs, TLS 1.2, infrastructure
 * encryption, the customer-managed key through the workspace identity, closed to the internet;
 * blob and file services with versioning and soft delete, their logs to Log Analytics.
 */
export function createStorage(
  parent: pulumi.Resource,
  a: ResolvedMlWorkspaceArgs,
  identity: managedidentity.UserAssignedIdentity,
  cmk: MlCustomerManagedKeyRefs | undefined,
  cmkAssignment: authorization.RoleAssignment | undefined,
): storage.StorageAccount {
  const { name, resourceGroupName } = a;
  const period = a.storageSasExpirationPeriod;
  const account = new storage.StorageAccount(
    `${name}-st`,
    {
      accountName: a.storageAccountName,
      resourceGroupName,
      location: a.location,
      kind: "StorageV2",
      sku: { name: a.storageReplication },
      accessTier: "Hot",
      enableHttpsTrafficOnly: a.storageHttpsOnly,
      minimumTlsVersion: a.storageMinimumTlsVersion,
      allowBlobPublicAccess: a.storageBlobPublicAccess,
      allowSharedKeyAccess: a.storageSharedKeyAccess,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: a.storageCrossTenantReplication,
      isLocalUserEnabled: a.storageLocalUsers,
      isSftpEnabled: false,
      // Azure ML does not support a hierarchical namespace on its default storage.
      isHnsEnabled: false,
      publicNetworkAccess: a.publicNetworkAccess ? "Enabled" : "Disabled",
      networkRuleSet: {
        defaultAction: "Deny",
        bypass: a.trustedServicesBypass ? "AzureServices" : "None",
        ipRules: a.firewallIpRules.map((value) => ({ action: "Allow", iPAddressOrRange: value })),
      },
      sasPolicy: period === "" ? undefined : { sasExpirationPeriod: period, expirationAction: "Block" },
      identity: cmk ? { type: "UserAssigned", userAssignedIdentities: [identity.id] } : undefined,
      encryption: {
        requireInfrastructureEncryption: a.storageInfrastructureEncryption,
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
      tags: a.tags,
    },
    { parent, dependsOn: cmkAssignment ? [cmkAssignment] : [] },
  );
  const retention = a.blobSoftDeleteDays > 0 ? { enabled: true, days: a.blobSoftDeleteDays } : { enabled: false };
  const blobService = new storage.BlobServiceProperties(
    `${name}-st-blob`,
    {
      accountName: account.name,
      resourceGroupName,
      blobServicesName: "default",
      isVersioningEnabled: a.blobVersioning,
      deleteRetentionPolicy: retention,
      containerDeleteRetentionPolicy: retention,
    },
    { parent },
  );
  const fileService = new storage.FileServiceProperties(
    `${name}-st-file`,
    { accountName: account.name, resourceGroupName, fileServicesName: "default", shareDeleteRetentionPolicy: retention },
    { parent },
  );
  // Storage logs live on the services; the account itself only has metrics.
  createDiagnosticSetting(`${name}-st-blob-diagnostics`, parent, blobService.id, a.logAnalyticsWorkspaceId, { metrics: false });
  createDiagnosticSetting(`${name}-st-file-diagnostics`, parent, fileService.id, a.logAnalyticsWorkspaceId, { metrics: false });
  return account;
}
