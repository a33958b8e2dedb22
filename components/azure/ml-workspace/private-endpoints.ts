import type * as pulumi from "@pulumi/pulumi";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import type * as storage from "@pulumi/azure-native/storage";
import { createPrivateEndpoint, type PrivateEndpointSpec } from "../../lib/private-endpoint";
import type { ResolvedMlWorkspaceArgs } from "./args";

/**
 * Private endpoints, with their DNS zones, for the workspace and the vault and storage account the
 * component created (existing ones keep their owner's endpoints).
 */
export function createPrivateEndpoints(
  parent: pulumi.Resource,
  a: ResolvedMlWorkspaceArgs,
  spec: PrivateEndpointSpec,
  targets: { readonly workspaceId: pulumi.Input<string>; readonly vault: keyvault.Vault | undefined; readonly account: storage.StorageAccount | undefined },
): void {
  const pe = (groupId: string, targetId: pulumi.Input<string>, zoneName: string, additionalZoneNames?: string[]): void => {
    createPrivateEndpoint({ name: a.name, parent, resourceGroupName: a.resourceGroupName, location: a.location, targetId, groupId, zoneName, additionalZoneNames, spec, tags: a.tags });
  };
  pe("amlworkspace", targets.workspaceId, "privatelink.api.azureml.ms", ["privatelink.notebooks.azure.net"]);
  if (targets.vault) pe("vault", targets.vault.id, "privatelink.vaultcore.azure.net");
  if (targets.account) {
    pe("blob", targets.account.id, "privatelink.blob.core.windows.net");
    pe("file", targets.account.id, "privatelink.file.core.windows.net");
  }
}
