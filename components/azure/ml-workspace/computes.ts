import type * as pulumi from "@pulumi/pulumi";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import { currentClientConfig } from "../../lib/azure";
import { mlComputeSizing, mlWorkspaceDefaults, type ResolvedMlWorkspaceArgs } from "./args";

function minutes(n: number): string {
  return `PT${n}M`;
}

/**
 * Clusters and personal instances, keyed by name: no public IP, no SSH, Entra ID only, the
 * compute identity, scaled down or shut down when idle. Returns their names, clusters first.
 */
export function createComputes(
  parent: pulumi.Resource,
  a: ResolvedMlWorkspaceArgs,
  workspace: machinelearningservices.Workspace,
  computeIdentity: managedidentity.UserAssignedIdentity | undefined,
  computeRoles: readonly pulumi.Resource[],
): string[] {
  const d = mlWorkspaceDefaults;
  const { name, resourceGroupName, location, tags } = a;
  const identity = computeIdentity ? { type: "UserAssigned", userAssignedIdentities: [computeIdentity.id] } : undefined;
  const ssh = a.computeSshPublicAccess ? "Enabled" : "Disabled";
  const disableLocalAuth = !a.computeLocalAuth;
  const subnet = a.computeSubnetId !== undefined ? { id: a.computeSubnetId } : undefined;
  const names: string[] = [];
  for (const c of a.computeClusters) {
    names.push(c.name);
    new machinelearningservices.Compute(
      `${name}-cluster-${c.name}`,
      {
        computeName: c.name,
        workspaceName: workspace.name,
        resourceGroupName,
        location,
        identity,
        properties: {
          computeType: "AmlCompute",
          disableLocalAuth,
          properties: {
            vmSize: c.vmSize ?? mlComputeSizing.clusterVmSize,
            vmPriority: c.lowPriority === true ? "LowPriority" : "Dedicated",
            osType: "Linux",
            enableNodePublicIp: a.computeNodePublicIp,
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
      { parent, dependsOn: [...computeRoles] },
    );
  }
  const tenantId = currentClientConfig().tenantId;
  for (const c of a.computeInstances) {
    names.push(c.name);
    const idle = c.idleMinutesBeforeShutdown ?? d.instanceIdleMinutesBeforeShutdown;
    new machinelearningservices.Compute(
      `${name}-instance-${c.name}`,
      {
        computeName: c.name,
        workspaceName: workspace.name,
        resourceGroupName,
        location,
        identity,
        properties: {
          computeType: "ComputeInstance",
          disableLocalAuth,
          properties: {
            vmSize: c.vmSize ?? mlComputeSizing.instanceVmSize,
            enableNodePublicIp: a.computeNodePublicIp,
            idleTimeBeforeShutdown: idle > 0 ? minutes(idle) : undefined,
            applicationSharingPolicy: a.computeInstanceSharing,
            computeInstanceAuthorizationType: "personal",
            personalComputeInstanceSettings: { assignedUser: { objectId: c.assignedUserObjectId, tenantId } },
            sshSettings: { sshPublicAccess: ssh },
            subnet,
          },
        },
        tags,
      },
      { parent, dependsOn: [...computeRoles] },
    );
  }
  return names;
}
