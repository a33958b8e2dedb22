import type * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as inputs from "@pulumi/azure-native/types/input";
import { createDiagnosticSetting } from "../../lib/diagnostics";
import type { MlOutboundRule, ResolvedMlWorkspaceArgs } from "./args";
import type { MlCustomerManagedKeyRefs } from "./vault";

/** What the workspace is built on: its identity, dependencies and key, and what it must wait for. */
export interface MlWorkspaceDependencies {
  readonly identity: managedidentity.UserAssignedIdentity;
  readonly keyVaultId: pulumi.Input<string>;
  readonly storageAccountId: pulumi.Input<string>;
  readonly applicationInsightsId: pulumi.Input<string>;
  readonly cmk: MlCustomerManagedKeyRefs | undefined;
  /** The identity's roles the workspace uses at creation (managed network endpoints, data, key). */
  readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * The workspace: its identity, no public access, the managed network with the user's outbound
 * rules, HBI, the customer-managed key, identity-based datastores; allLogs + metrics.
 */
export function createWorkspace(parent: pulumi.Resource, a: ResolvedMlWorkspaceArgs, deps: MlWorkspaceDependencies): machinelearningservices.Workspace {
  const { identity, cmk } = deps;
  const rules = a.outboundRules;
  const workspace = new machinelearningservices.Workspace(
    `${a.name}-workspace`,
    {
      workspaceName: a.workspaceName,
      resourceGroupName: a.resourceGroupName,
      location: a.location,
      friendlyName: a.friendlyName,
      description: a.description,
      kind: "Default",
      sku: { name: "Basic", tier: "Basic" },
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      primaryUserAssignedIdentity: identity.id,
      keyVault: deps.keyVaultId,
      storageAccount: deps.storageAccountId,
      applicationInsights: deps.applicationInsightsId,
      containerRegistry: a.containerRegistryId,
      publicNetworkAccess: a.publicNetworkAccess ? "Enabled" : "Disabled",
      allowPublicAccessWhenBehindVnet: false,
      hbiWorkspace: a.hbiWorkspace,
      systemDatastoresAuthMode: a.systemDatastoresAuthMode,
      v1LegacyMode: false,
      // Image builds run on a cluster inside the managed network: the registry is private.
      imageBuildCompute: a.computeClusters[0]?.name,
      managedNetwork: {
        isolationMode: a.isolationMode,
        firewallSku: rules.some((r) => r.type === "FQDN") ? a.firewallSku : undefined,
        outboundRules: rules.length > 0 ? Object.fromEntries(rules.map((r) => [r.name, outboundRule(r)])) : undefined,
      },
      encryption: cmk
        ? {
            status: "Enabled",
            keyVaultProperties: { keyVaultArmId: cmk.keyVaultId, keyIdentifier: cmk.keyIdentifier },
            identity: { userAssignedIdentity: identity.id },
          }
        : undefined,
      tags: a.tags,
    },
    { parent, dependsOn: [...deps.dependsOn] },
  );
  createDiagnosticSetting(`${a.name}-diagnostics`, parent, workspace.id, a.logAnalyticsWorkspaceId);
  return workspace;
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
