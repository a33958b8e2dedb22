import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";

/** The Entra ID principal the program deploys as, resolved once per program. */
let entraClientConfig: pulumi.Output<azuread.GetClientConfigResult> | undefined;
export function currentEntraClientConfig(): pulumi.Output<azuread.GetClientConfigResult> {
  entraClientConfig ??= azuread.getClientConfigOutput();
  return entraClientConfig;
}

/**
 * The owners of an Entra object: the given object ids, plus the deploying principal when asked,
 * so the stack that creates a group or application can always manage it again.
 */
export function entraOwners(owners: readonly pulumi.Input<string>[], includeDeployer: boolean): pulumi.Output<string[]> {
  const all = includeDeployer ? [...owners, currentEntraClientConfig().objectId] : [...owners];
  // Entra refuses a duplicate owner; the deployer may also be listed explicitly.
  return pulumi.all(all).apply((ids) => [...new Set(ids)]);
}
