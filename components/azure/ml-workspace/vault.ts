import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { currentClientConfig } from "../../lib/azure";
import { createDiagnosticSetting } from "../../lib/diagnostics";
import { parseKeyIdentifier } from "../../lib/formats";
import { isCustomerManagedKey, mlWorkspaceType, type ResolvedMlWorkspaceArgs } from "./args";

/** The customer-managed key the workspace and its storage encrypt with, created or given. */
export interface MlCustomerManagedKeyRefs {
  readonly keyVaultId: pulumi.Output<string>;
  readonly keyIdentifier: pulumi.Output<string>;
  /** The key's ARM id: the scope of the identity's crypto role. */
  readonly keyScope: pulumi.Output<string>;
  readonly keyName: pulumi.Output<string>;
  readonly vaultUri: pulumi.Output<string>;
}

/** Key Vault: RBAC only, purge protection, closed to the internet, logs to Log Analytics. */
export function createVault(parent: pulumi.Resource, a: ResolvedMlWorkspaceArgs): keyvault.Vault {
  const vault = new keyvault.Vault(
    `${a.name}-kv`,
    {
      vaultName: a.keyVaultName,
      resourceGroupName: a.resourceGroupName,
      location: a.location,
      properties: {
        tenantId: currentClientConfig().tenantId,
        sku: { family: "A", name: a.keyVaultSku },
        enableRbacAuthorization: true,
        accessPolicies: [],
        enableSoftDelete: true,
        softDeleteRetentionInDays: a.keyVaultSoftDeleteDays,
        enablePurgeProtection: a.keyVaultPurgeProtection,
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        publicNetworkAccess: a.publicNetworkAccess ? "Enabled" : "Disabled",
        networkAcls: {
          defaultAction: "Deny",
          bypass: a.trustedServicesBypass ? "AzureServices" : "None",
          ipRules: a.firewallIpRules.map((value) => ({ value })),
        },
      },
      tags: a.tags,
    },
    { parent },
  );
  createDiagnosticSetting(`${a.name}-kv-diagnostics`, parent, vault.id, a.logAnalyticsWorkspaceId);
  return vault;
}

/**
 * The customer-managed key: created in the component's vault (HSM-backed with a premium vault,
 * wrap/unwrap only, rotated yearly), or an existing key given by its identifier; none with
 * Microsoft-managed keys.
 */
export function createCustomerManagedKey(parent: pulumi.Resource, a: ResolvedMlWorkspaceArgs, vault: keyvault.Vault | undefined): MlCustomerManagedKeyRefs | undefined {
  const cmk = a.customerManagedKey;
  if (cmk === true && vault !== undefined) {
    const key = new keyvault.Key(
      `${a.name}-cmk`,
      {
        keyName: "cmk-workspace",
        vaultName: vault.name,
        resourceGroupName: a.resourceGroupName,
        properties: {
          kty: a.keyVaultSku === "premium" ? "RSA-HSM" : "RSA",
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
        tags: a.tags,
      },
      { parent },
    );
    return {
      keyVaultId: vault.id,
      keyIdentifier: key.keyUriWithVersion,
      keyScope: key.id,
      keyName: key.name,
      vaultUri: vault.properties.apply((p) => p.vaultUri ?? ""),
    };
  }
  if (isCustomerManagedKey(cmk)) {
    const parsed = pulumi.output(cmk.keyIdentifier).apply((id) => {
      const p = parseKeyIdentifier(id);
      if (p === undefined) throw new Error(`${mlWorkspaceType}: [customerManagedKey.keyIdentifier] is not a Key Vault key identifier: "${id}"`);
      return p;
    });
    const keyName = parsed.apply((p) => p.keyName);
    return {
      keyVaultId: pulumi.output(cmk.keyVaultId),
      keyIdentifier: pulumi.output(cmk.keyIdentifier),
      keyScope: pulumi.interpolate`${cmk.keyVaultId}/keys/${keyName}`,
      keyName,
      vaultUri: parsed.apply((p) => p.vaultUri),
    };
  }
  return undefined;
}
