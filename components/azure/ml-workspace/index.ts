import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import { createRoleAssignments } from "../../lib/azure";
import { createApplicationInsights } from "./application-insights";
import { mlIdentityRoles, mlWorkspaceType, resolveMlWorkspaceArgs, type MlIdentityRole, type MlWorkspaceArgs } from "./args";
import { createComputes } from "./computes";
import { assignIdentityRole, createIdentities, identityRole } from "./identities";
import { createPrivateEndpoints } from "./private-endpoints";
import { createStorage } from "./storage";
import { validateMlWorkspaceArgs } from "./validate";
import { createCustomerManagedKey, createVault } from "./vault";
import { createWorkspace } from "./workspace";

export {
  MlApplicationSharing,
  MlDatastoreAuthMode,
  MlIsolationMode,
  defaultKeyVaultName,
  defaultStorageAccountName,
  mlComputeSizing,
  mlIdentityRoles,
  mlPrivateDnsZones,
  mlWorkspaceDefaults,
  mlWorkspaceType,
} from "./args";
export type {
  MlComputeClusterSpec,
  MlComputeInstanceSpec,
  MlCustomerManagedKey,
  MlFqdnOutboundRule,
  MlIdentityRole,
  MlOutboundRule,
  MlPrivateEndpointOutboundRule,
  MlServiceTagOutboundRule,
  MlStorageReplication,
  MlWorkspaceArgs,
  MlWorkspaceRole,
} from "./args";
export { validateMlWorkspaceArgs } from "./validate";

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
    const a = resolveMlWorkspaceArgs(name, args);
    const identities = createIdentities(this, a);
    const identity = identities.workspace;

    const vault = a.existingKeyVaultId === undefined ? createVault(this, a) : undefined;
    const keyVaultId = vault ? vault.id : pulumi.output(a.existingKeyVaultId as pulumi.Input<string>);
    const cmk = createCustomerManagedKey(this, a, vault);
    // The workspace identity's key role comes first: storage and the workspace unwrap at creation.
    const cmkAssignment = cmk ? assignIdentityRole(this, name, identityRole("ws-cmk"), cmk.keyScope, identity.principalId) : undefined;

    const account = a.existingStorageAccountId === undefined ? createStorage(this, a, identity, cmk, cmkAssignment) : undefined;
    const storageAccountId = account ? account.id : pulumi.output(a.existingStorageAccountId as pulumi.Input<string>);
    const appInsights = a.existingApplicationInsightsId === undefined ? createApplicationInsights(this, a) : undefined;
    const applicationInsightsId = appInsights ? appInsights.id : pulumi.output(a.existingApplicationInsightsId as pulumi.Input<string>);

    // The identities' roles, each at the one resource it is about (the workspace's own once it exists).
    const scopes: Record<MlIdentityRole["target"], pulumi.Input<string> | undefined> = {
      storage: storageAccountId,
      keyVault: keyVaultId,
      key: cmk?.keyScope,
      registry: a.containerRegistryId,
      applicationInsights: applicationInsightsId,
      workspace: undefined,
    };
    const workspaceRoles = mlIdentityRoles
      .filter((r) => r.identity === "workspace" && r.cmkOnly !== true)
      .map((r) => assignIdentityRole(this, name, r, scopes[r.target] as pulumi.Input<string>, identity.principalId));

    this.workspace = createWorkspace(this, a, {
      identity,
      keyVaultId,
      storageAccountId,
      applicationInsightsId,
      cmk,
      dependsOn: [...workspaceRoles, ...(cmkAssignment ? [cmkAssignment] : [])],
    });
    this.workspaceId = this.workspace.id;
    this.workspaceName = this.workspace.name;

    if (a.privateEndpoint !== undefined) {
      createPrivateEndpoints(this, a, a.privateEndpoint, { workspaceId: this.workspace.id, vault, account });
    }

    const computeIdentity = identities.compute;
    scopes.workspace = this.workspace.id;
    const computeRoles = computeIdentity
      ? mlIdentityRoles
          .filter((r) => r.identity === "compute")
          .map((r) => assignIdentityRole(this, name, r, scopes[r.target] as pulumi.Input<string>, computeIdentity.principalId))
      : [];
    const computeNames = createComputes(this, a, this.workspace, computeIdentity, computeRoles);

    createRoleAssignments(`${name}-access`, this, this.workspace.id, a.roleAssignments);

    if (a.lock !== undefined) {
      const locked: [string, pulumi.Input<string>][] = [["workspace", this.workspace.id]];
      if (vault) locked.push(["kv", vault.id]);
      if (account) locked.push(["st", account.id]);
      for (const [key, scope] of locked) {
        new authorization.ManagementLockByScope(`${name}-lock-${key}`, { scope, level: a.lock, notes: "Managed by secure-mlops; remove through Pulumi." }, { parent: this });
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
