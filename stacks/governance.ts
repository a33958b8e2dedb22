import type * as pulumi from "@pulumi/pulumi";
import { GovernanceAssignments } from "../components";
import type { BuiltInRole } from "../constants/roles";
import { azurePolicyBuiltIns } from "../constants/azure-policy-builtins";
import type { PlatformConfig } from "./config";
import type { EnvironmentProfile } from "./profiles";

export interface PlatformGovernanceArgs {
  readonly config: PlatformConfig;
  readonly profile: EnvironmentProfile;
  readonly resourceGroupId: pulumi.Input<string>;
  /** The cluster, when the stack has one: the scope of the in-cluster assignments. */
  readonly clusterId?: pulumi.Input<string>;
}

/** The namespace the Azure ML extension installs its own components in (fluent-bit, volcano, the router). */
const azureMlExtensionNamespace = "azureml";

/**
 * Roles the assignments' identities get to remediate: the deployer must be allowed to assign them.
 * All of them, whatever the stack excludes, so excluding an assignment never narrows the deployer's condition unseen.
 */
export const governanceRemediationRoles: readonly BuiltInRole[] = [...new Set(azurePolicyBuiltIns.flatMap((b) => b.remediationRoles ?? []))];

/** The environment's Azure Policy assignments: its profile, overridden by the stack file's `governance`. */
export function createPlatformGovernance(name: string, parent: pulumi.Resource, args: PlatformGovernanceArgs): GovernanceAssignments {
  const { config } = args;
  const governance = { ...args.profile.governance, ...config.governance };
  return new GovernanceAssignments(
    name,
    {
      resourceGroupId: args.resourceGroupId,
      location: config.location,
      clusterId: args.clusterId,
      enforcement: governance.enforcement,
      auditOnly: governance.auditOnly,
      exclude: governance.exclude,
      // The extension's own pods (a fluent-bit DaemonSet with host paths among them) are Microsoft's,
      // not the platform's; the inference deployments in their own namespace stay judged (CONTROLS C5).
      excludedNamespaces: config.aks?.mlInference ? [azureMlExtensionNamespace] : [],
      namePrefix: `${config.prefix}-${config.environment}`,
      exemptions: governance.exemptions,
    },
    { parent },
  );
}
