import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { machinelearningservices } from "./lib/type-tokens";
import { isoDurationSeconds } from "./lib/duration";
import { mapped } from "./lib/metadata";
import { isSetOrComputed, observe } from "./lib/preview";
import { refersTo } from "./lib/stack";
import { stackOfTypes } from "./lib/types";
import { sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Azure Machine Learning workspaces and computes. Checkov has six checks here and none for the
// workspace's customer-managed key, HBI flag, isolation mode or identity type; these policies
// cover those, every Azure Policy built-in that applies before deployment, and the compute
// settings Azure leaves open by default (node public IPs, shared applications).

const workspaceType = "azure-native:machinelearningservices:Workspace";
const computeType = "azure-native:machinelearningservices:Compute";
const storageType = "azure-native:storage:StorageAccount";

type Props = Record<string, unknown>;

function record(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

/** The compute's type and its inner (type-specific) properties. */
function computeOf(props: Props): { type: string; outer: Props; inner: Props } {
  const outer = record(props["properties"]) ?? {};
  const type = typeof outer["computeType"] === "string" ? outer["computeType"] : "";
  return { type, outer, inner: record(outer["properties"]) ?? {} };
}

function isAmlCompute(type: string): boolean {
  return sameEnum(type, "AmlCompute");
}
function isComputeInstance(type: string): boolean {
  return sameEnum(type, "ComputeInstance");
}

export const workspacePublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-public-network-disabled",
  description:
    "Machine learning workspaces must disable public network access (reach them through a private endpoint); " +
    "`allowPublic` permits it where an environment accepts Entra-only access from the internet.",
  severity: "high",
  remediationSteps:
    "Set `publicNetworkAccess: \"Disabled\"` and `allowPublicAccessWhenBehindVnet: false`, and add a private endpoint " +
    "for the `amlworkspace` sub-resource (MlWorkspace: `privateEndpoint: { subnetId }`).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_144", "CKV2_AZURE_49"],
    azurePolicy: ["438c38d2-3772-465a-a9cc-7a6666a275ce", "a10ee784-7409-4941-b091-663697637c0f"],
    tags: ["machinelearningservices", "network"],
  }),
  configSchema: {
    properties: {
      allowPublic: {
        type: "boolean",
        default: false,
        description: "Allow public network access (the workspace API has no IP allow list; access still needs Entra ID).",
      },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, args, report) => {
    const { allowPublic } = knobsOf<{ allowPublic: boolean }>(workspacePublicNetworkDisabled, args);
    if (allowPublic) return;
    // ARM's default is Enabled, and Checkov fails a missing value too.
    if (!sameEnum(ws.publicNetworkAccess, "Disabled")) {
      report("The machine learning workspace must have public network access disabled.");
    } else if (ws.allowPublicAccessWhenBehindVnet === true) {
      report("The machine learning workspace must not allow public access when behind a virtual network.");
    }
  }),
};

export const workspaceManagedNetworkIsolation: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-managed-network-isolation",
  description:
    "Machine learning workspaces must isolate their computes in a managed virtual network that allows only approved " +
    "outbound traffic (Checkov has no check for the isolation mode).",
  severity: "high",
  remediationSteps:
    "Set `managedNetwork: { isolationMode: \"AllowOnlyApprovedOutbound\", outboundRules: {...} }` and list the " +
    "destinations jobs need as outbound rules.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    azurePolicy: ["6ddb1705-c8cf-450e-aa4b-19ad6703c440"],
    tags: ["machinelearningservices", "network"],
  }),
  configSchema: {
    properties: {
      allowedModes: {
        type: "array",
        items: { type: "string", enum: ["AllowOnlyApprovedOutbound", "AllowInternetOutbound", "Disabled"] },
        default: ["AllowOnlyApprovedOutbound"],
        description: "Isolation modes this environment accepts.",
      },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, args, report) => {
    const { allowedModes } = knobsOf<{ allowedModes: string[] }>(workspaceManagedNetworkIsolation, args);
    // Without a managed network, ARM leaves the workspace in mode Disabled.
    const mode = ws.managedNetwork?.isolationMode ?? "Disabled";
    if (!allowedModes.some((m) => sameEnum(mode, m))) {
      report(`The machine learning workspace must use managed network isolation ${allowedModes.join(" or ")} (got ${JSON.stringify(mode)}).`);
    }
  }),
};

/** Why one outbound rule reopens the internet, or undefined when it names a bounded destination. */
function outboundRuleProblem(name: string, rule: Props): string | undefined {
  const type = typeof rule["type"] === "string" ? rule["type"] : "";
  if (sameEnum(type, "FQDN")) {
    const destination = observe(() => rule["destination"]);
    if (!destination.known) return undefined;
    const host = typeof destination.value === "string" ? destination.value.trim() : "";
    const base = host.startsWith("*.") ? host.slice(2) : host;
    // A wildcard must sit under a registered domain (`*.example.com`, not `*.com`).
    const bounded = !/[*/:\s]/.test(base) && /^[^.]+(\.[^.]+)+$/.test(base);
    if (!bounded) {
      return `The outbound rule '${name}' must name one host or a wildcard under a registered domain, not ${JSON.stringify(destination.value ?? null)}.`;
    }
    return undefined;
  }
  if (sameEnum(type, "ServiceTag")) {
    const destination = record(rule["destination"]) ?? {};
    if (sameEnum(destination["action"], "Deny")) return undefined;
    const tag = typeof destination["serviceTag"] === "string" ? destination["serviceTag"] : "";
    if (sameEnum(tag, "Internet") || tag === "*") {
      return `The outbound rule '${name}' must not allow the service tag ${JSON.stringify(tag)}.`;
    }
    const prefixes = Array.isArray(destination["addressPrefixes"]) ? (destination["addressPrefixes"] as unknown[]) : [];
    const open = prefixes.find((p) => typeof p === "string" && (p === "*" || /\/0$/.test(p) || p === "0.0.0.0"));
    if (open !== undefined) return `The outbound rule '${name}' must not allow the address prefix ${JSON.stringify(open)}.`;
    return undefined;
  }
  if (sameEnum(type, "PrivateEndpoint")) {
    const destination = record(rule["destination"]) ?? {};
    if (!isSetOrComputed(() => destination["serviceResourceId"]) || !isSetOrComputed(() => destination["subresourceTarget"])) {
      return `The outbound rule '${name}' must name the target resource and its private link sub-resource.`;
    }
    return undefined;
  }
  return `The outbound rule '${name}' has an unknown type ${JSON.stringify(type)}.`;
}

export const workspaceOutboundRulesRestricted: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-outbound-rules-restricted",
  description:
    "A managed network's outbound rules must each name a bounded destination: no `*` FQDN, no `Internet` service tag, " +
    "no 0.0.0.0/0 prefix, and private endpoint rules with their target, so an approved-outbound network stays closed.",
  severity: "high",
  remediationSteps:
    "Replace the open rule with FQDN rules for the hosts jobs need (e.g. `pypi.org`), service tags of Azure services, " +
    "or private endpoint rules to the resources.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0011"],
    nist: ["MEASURE-2.7", "GOVERN-6.1"],
    tags: ["machinelearningservices", "network", "exfiltration"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, _args, report) => {
    const rules = record(ws.managedNetwork?.outboundRules);
    if (rules === undefined) return;
    for (const [name, value] of Object.entries(rules)) {
      const problem = outboundRuleProblem(name, record(value) ?? {});
      if (problem !== undefined) report(problem);
    }
  }),
};

export const workspaceCustomerManagedKey: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-customer-managed-key",
  description:
    "Machine learning workspaces must be encrypted with a customer-managed key from Key Vault, unwrapped by a " +
    "user-assigned identity; `required: false` lets an environment keep Microsoft-managed keys (a configured key " +
    "must still be complete). Checkov has no check for this.",
  severity: "medium",
  remediationSteps:
    "Set `encryption: { status: \"Enabled\", keyVaultProperties: { keyVaultArmId, keyIdentifier }, identity: " +
    "{ userAssignedIdentity } }`; the identity needs Key Vault Crypto Service Encryption User on the key.",
  ...mapped({
    atlas: ["AML.M0012", "AML.M0005"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["ba769a63-b8cc-4b2d-abf6-ac33c7204be8", "7f40cee6-e933-4d0f-a782-b96615e0f4a6"],
    tags: ["machinelearningservices", "encryption"],
  }),
  configSchema: {
    properties: {
      required: { type: "boolean", default: true, description: "Require a customer-managed key on every workspace." },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, args, report) => {
    const { required } = knobsOf<{ required: boolean }>(workspaceCustomerManagedKey, args);
    const encryption = ws.encryption;
    if (encryption === undefined || !sameEnum(encryption.status, "Enabled")) {
      if (required) report("The machine learning workspace must be encrypted with a customer-managed key.");
      return;
    }
    const kv = record(encryption.keyVaultProperties) ?? {};
    const identity = record(encryption.identity) ?? {};
    if (
      !isSetOrComputed(() => kv["keyVaultArmId"]) ||
      !isSetOrComputed(() => kv["keyIdentifier"]) ||
      !isSetOrComputed(() => identity["userAssignedIdentity"])
    ) {
      report("The machine learning workspace's customer-managed key must name its Key Vault, key and user-assigned identity.");
    }
  }),
};

export const workspaceHighBusinessImpact: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-hbi-enabled",
  description:
    "Machine learning workspaces must set the high business impact flag, so the service collects less diagnostic data " +
    "from them (Checkov and Azure Policy have no check for it).",
  severity: "medium",
  remediationSteps: "Set `hbiWorkspace: true` (it can only be set when the workspace is created).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0012"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    tags: ["machinelearningservices", "data-protection"],
  }),
  configSchema: {
    properties: {
      required: { type: "boolean", default: true, description: "Require the HBI flag on every workspace." },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, args, report) => {
    const { required } = knobsOf<{ required: boolean }>(workspaceHighBusinessImpact, args);
    if (required && ws.hbiWorkspace !== true) {
      report("The machine learning workspace must be flagged as high business impact.");
    }
  }),
};

export const workspaceUserAssignedIdentity: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-user-assigned-identity",
  description:
    "Machine learning workspaces must use a user-assigned managed identity as their primary identity, so its roles " +
    "are granted before the workspace exists and outlive it (Checkov has no identity-type check).",
  severity: "medium",
  remediationSteps:
    "Set `identity: { type: \"UserAssigned\", userAssignedIdentities: [id] }` and `primaryUserAssignedIdentity: id`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    azurePolicy: ["5f0c7d88-c7de-45b8-ac49-db49e72eaa78"],
    tags: ["machinelearningservices", "identity"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, _args, report) => {
    const type = ws.identity?.type ?? "";
    if (!type.toLowerCase().includes("userassigned")) {
      report(`The machine learning workspace must use a user-assigned managed identity (got ${JSON.stringify(ws.identity?.type ?? null)}).`);
    } else if (!isSetOrComputed(() => ws.primaryUserAssignedIdentity)) {
      report("The machine learning workspace must name its user-assigned identity as the primary identity.");
    }
  }),
};

export const workspaceIdentityDatastoreAuth: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-identity-datastore-auth",
  description:
    "Machine learning workspaces must reach their system datastores with Entra identities, not storage account keys.",
  severity: "medium",
  remediationSteps: "Set `systemDatastoresAuthMode: \"Identity\"` and disable shared key access on the storage account.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_40"],
    azurePolicy: ["8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"],
    tags: ["machinelearningservices", "identity"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, _args, report) => {
    // ARM's default is AccessKey.
    if (!sameEnum(ws.systemDatastoresAuthMode, "Identity")) {
      report(`The machine learning workspace must authenticate to its datastores by identity (got ${JSON.stringify(ws.systemDatastoresAuthMode ?? null)}).`);
    }
  }),
};

export const workspaceContainerRegistrySet: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-workspace-container-registry-set",
  description:
    "Machine learning workspaces must name their container registry: without one, Azure ML creates a registry on first " +
    "use with the admin user enabled, outside every registry policy.",
  severity: "high",
  remediationSteps: "Set `containerRegistry` to the ARM id of the platform's hardened registry (SecureRegistry).",
  ...mapped({
    atlas: ["AML.M0011", "AML.M0005"],
    nist: ["GOVERN-6.1", "MANAGE-3.1"],
    checkov: ["CKV_AZURE_137"],
    tags: ["machinelearningservices", "containerregistry", "supply-chain"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Workspace, (ws, _args, report) => {
    if (!isSetOrComputed(() => ws.containerRegistry)) {
      report("The machine learning workspace must name its container registry.");
    }
  }),
};

export const computeLocalAuthDisabled: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-local-auth-disabled",
  description: "Machine learning computes must disable local authentication (keys, tokens), so only Entra ID identities reach them.",
  severity: "high",
  remediationSteps: "Set `properties: { disableLocalAuth: true, ... }` on the compute.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_142"],
    azurePolicy: ["e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f", "a6f9a2d0-cff7-4855-83ad-4cd750666512"],
    tags: ["machinelearningservices", "compute", "identity"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, _args, report) => {
    const { outer } = computeOf(compute as unknown as Props);
    if (outer["disableLocalAuth"] !== true) {
      report("The machine learning compute must have local authentication disabled.");
    }
  }),
};

export const computeNoPublicIp: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-no-public-ip",
  description:
    "Machine learning compute clusters and instances must not give their nodes public IP addresses (Azure's default " +
    "gives them one).",
  severity: "high",
  remediationSteps: "Set `enableNodePublicIp: false` in the compute's properties (managed network or a subnet required).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["7804b5c7-01dc-4723-969b-ae300cc07ff1"],
    tags: ["machinelearningservices", "compute", "network"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, _args, report) => {
    const { type, inner } = computeOf(compute as unknown as Props);
    if (!isAmlCompute(type) && !isComputeInstance(type)) return;
    if (inner["enableNodePublicIp"] !== false) {
      report(`The machine learning ${isAmlCompute(type) ? "compute cluster" : "compute instance"} must not have node public IP addresses.`);
    }
  }),
};

export const computeSshDisabled: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-ssh-disabled",
  description:
    "Machine learning compute clusters and instances must close the public SSH port and carry no administrator password.",
  severity: "high",
  remediationSteps:
    "Clusters: set `remoteLoginPortPublicAccess: \"Disabled\"` and remove `userAccountCredentials.adminUserPassword`. " +
    "Instances: set `sshSettings: { sshPublicAccess: \"Disabled\" }`.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["machinelearningservices", "compute", "network"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, _args, report) => {
    const { type, inner } = computeOf(compute as unknown as Props);
    if (isAmlCompute(type)) {
      // NotSpecified leaves the port open on clusters outside a virtual network.
      if (!sameEnum(inner["remoteLoginPortPublicAccess"], "Disabled")) {
        report("The machine learning compute cluster must have its public SSH port disabled.");
      }
      const credentials = record(inner["userAccountCredentials"]);
      if (credentials !== undefined && isSetOrComputed(() => credentials["adminUserPassword"])) {
        report("The machine learning compute cluster must not have an administrator password.");
      }
    } else if (isComputeInstance(type)) {
      const ssh = record(inner["sshSettings"]);
      if (ssh !== undefined && sameEnum(ssh["sshPublicAccess"], "Enabled")) {
        report("The machine learning compute instance must have its public SSH port disabled.");
      }
    }
  }),
};

export const computeManagedIdentity: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-managed-identity",
  description:
    "Machine learning compute clusters and instances must have a managed identity, so jobs reach data and images with " +
    "Entra ID instead of keys; `userAssignedOnly` also refuses system-assigned identities.",
  severity: "medium",
  remediationSteps: "Set `identity: { type: \"UserAssigned\", userAssignedIdentities: [id] }` on the compute.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["machinelearningservices", "compute", "identity"],
  }),
  configSchema: {
    properties: {
      userAssignedOnly: { type: "boolean", default: false, description: "Refuse system-assigned identities on computes." },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, args, report) => {
    const { type } = computeOf(compute as unknown as Props);
    if (!isAmlCompute(type) && !isComputeInstance(type)) return;
    const { userAssignedOnly } = knobsOf<{ userAssignedOnly: boolean }>(computeManagedIdentity, args);
    const identityType = (compute.identity?.type ?? "None").toLowerCase();
    const ok = userAssignedOnly ? identityType.includes("userassigned") : identityType !== "none" && identityType !== "";
    if (!ok) {
      report(`The machine learning compute must have a ${userAssignedOnly ? "user-assigned " : ""}managed identity (got ${JSON.stringify(compute.identity?.type ?? null)}).`);
    }
  }),
};

export const computeClusterScaleDown: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-cluster-scale-down",
  description:
    "Machine learning compute clusters must scale to zero nodes when idle, within a bounded idle time, so no node " +
    "waits unattended (and unbilled work cannot hide on it).",
  severity: "low",
  remediationSteps: "Set `scaleSettings: { minNodeCount: 0, nodeIdleTimeBeforeScaleDown: \"PT15M\", maxNodeCount }`.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_AZURE_150"],
    tags: ["machinelearningservices", "compute", "cost"],
  }),
  configSchema: {
    properties: {
      maxIdleMinutes: { type: "integer", minimum: 1, default: 30, description: "Longest idle time before scale-down." },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, args, report) => {
    const { type, inner } = computeOf(compute as unknown as Props);
    if (!isAmlCompute(type)) return;
    const scale = record(inner["scaleSettings"]) ?? {};
    const min = scale["minNodeCount"] ?? 0;
    if (min !== 0) report(`The machine learning compute cluster must scale down to 0 nodes (got minimum ${JSON.stringify(min)}).`);
    const { maxIdleMinutes } = knobsOf<{ maxIdleMinutes: number }>(computeClusterScaleDown, args);
    // ARM's default idle time is 120 seconds.
    const idle = scale["nodeIdleTimeBeforeScaleDown"];
    const seconds = typeof idle === "string" ? isoDurationSeconds(idle) : idle === undefined ? 120 : undefined;
    if (seconds === undefined || seconds > maxIdleMinutes * 60) {
      report(`The machine learning compute cluster must scale down after at most ${maxIdleMinutes} idle minutes (got ${JSON.stringify(idle)}).`);
    }
  }),
};

export const computeInstanceIdleShutdown: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-instance-idle-shutdown",
  description: "Machine learning compute instances must shut down after a bounded idle time.",
  severity: "low",
  remediationSteps: "Set `idleTimeBeforeShutdown: \"PT60M\"` (15 minutes to 3 days) in the instance's properties.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    azurePolicy: ["679ddf89-ab8f-48a5-9029-e76054077449"],
    tags: ["machinelearningservices", "compute", "cost"],
  }),
  configSchema: {
    properties: {
      maxIdleMinutes: { type: "integer", minimum: 15, default: 120, description: "Longest idle time before shutdown." },
    },
  },
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, args, report) => {
    const { type, inner } = computeOf(compute as unknown as Props);
    if (!isComputeInstance(type)) return;
    const { maxIdleMinutes } = knobsOf<{ maxIdleMinutes: number }>(computeInstanceIdleShutdown, args);
    const idle = inner["idleTimeBeforeShutdown"];
    const seconds = typeof idle === "string" ? isoDurationSeconds(idle) : undefined;
    if (seconds === undefined || seconds === 0) {
      report("The machine learning compute instance must have idle shutdown enabled.");
    } else if (seconds > maxIdleMinutes * 60) {
      report(`The machine learning compute instance must shut down after at most ${maxIdleMinutes} idle minutes (got ${JSON.stringify(idle)}).`);
    }
  }),
};

export const computeInstancePersonal: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-compute-instance-personal",
  description:
    "Machine learning compute instances must keep their applications (Jupyter, VS Code, terminals) personal to their " +
    "assigned user; Azure's default shares them with every workspace user.",
  severity: "medium",
  remediationSteps: "Set `applicationSharingPolicy: \"Personal\"` in the instance's properties.",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["machinelearningservices", "compute", "identity"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.Compute, (compute, _args, report) => {
    const { type, inner } = computeOf(compute as unknown as Props);
    if (!isComputeInstance(type)) return;
    if (!sameEnum(inner["applicationSharingPolicy"], "Personal")) {
      report("The machine learning compute instance must keep its applications personal.");
    }
  }),
};

/** The stack's storage account that a workspace names, if the stack creates it. */
function storageOf(ws: PolicyResource, resources: readonly PolicyResource[]): PolicyResource | undefined {
  return resources.find((r) => r.type === storageType && refersTo(ws, "storageAccount", r));
}

export const workspaceHbiStoragePrivate: StackValidationPolicy = {
  name: "azure-machinelearningservices-workspace-hbi-storage-private",
  description:
    "The storage account of a high business impact workspace must not be reachable from public networks; " +
    "`allowPublicWithIpRules` accepts a deny-by-default IP allow list.",
  severity: "high",
  remediationSteps:
    "Set the workspace storage account's `publicNetworkAccess: \"Disabled\"` and reach it through private endpoints.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0007"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_AZURE_50"],
    tags: ["machinelearningservices", "storage", "network"],
  }),
  configSchema: {
    properties: {
      allowPublicWithIpRules: {
        type: "boolean",
        default: false,
        description: "Accept public access when the storage firewall denies by default and lists IP ranges.",
      },
    },
  },
  validateStack: stackOfTypes([workspaceType], (args, report) => {
    const { allowPublicWithIpRules } = knobsOf<{ allowPublicWithIpRules: boolean }>(workspaceHbiStoragePrivate, args);
    for (const ws of args.resources.filter((r) => r.type === workspaceType && r.props["hbiWorkspace"] === true)) {
      const account = storageOf(ws, args.resources);
      if (account === undefined) continue;
      const access = observe(() => account.props["publicNetworkAccess"]);
      if (!access.known || sameEnum(access.value, "Disabled")) continue;
      const rules = record(account.props["networkRuleSet"]);
      const ipRules = rules !== undefined && Array.isArray(rules["ipRules"]) ? rules["ipRules"] : [];
      if (allowPublicWithIpRules && rules !== undefined && sameEnum(rules["defaultAction"], "Deny") && ipRules.length > 0) continue;
      report(`The storage account '${account.name}' of the high business impact workspace '${ws.name}' must not be publicly accessible.`, account.urn);
    }
  }),
};

export const computeNetworkIsolated: StackValidationPolicy = {
  name: "azure-machinelearningservices-compute-network-isolated",
  description:
    "Machine learning compute clusters and instances must run in a virtual network: a subnet of theirs, or their " +
    "workspace's managed network (Azure Policy 7804b5c7 only sees the subnet and flags managed-network computes).",
  severity: "high",
  remediationSteps:
    "Give the workspace `managedNetwork.isolationMode` AllowOnlyApprovedOutbound (or AllowInternetOutbound), or set the " +
    "compute's `subnet: { id }`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    azurePolicy: ["7804b5c7-01dc-4723-969b-ae300cc07ff1"],
    tags: ["machinelearningservices", "compute", "network"],
  }),
  validateStack: stackOfTypes([computeType], (args, report) => {
    const workspaces = args.resources.filter((r) => r.type === workspaceType);
    for (const compute of args.resources.filter((r) => r.type === computeType)) {
      const { type, inner } = computeOf(compute.props);
      if (!isAmlCompute(type) && !isComputeInstance(type)) continue;
      if (isSetOrComputed(() => record(inner["subnet"])?.["id"])) continue;
      const ws = workspaces.find(
        (w) =>
          compute.propertyDependencies["workspaceName"]?.some((dep) => dep.urn === w.urn) === true ||
          (typeof compute.props["workspaceName"] === "string" && compute.props["workspaceName"] === w.props["name"]),
      );
      // A compute of a workspace outside this stack: its network is not visible here.
      if (ws === undefined) continue;
      const network = record(ws.props["managedNetwork"]);
      const mode = network?.["isolationMode"];
      if (mode !== undefined && !sameEnum(mode, "Disabled")) continue;
      report(
        `The machine learning compute '${compute.name}' must run in a virtual network: give it a subnet or its workspace '${ws.name}' a managed network.`,
        compute.urn,
      );
    }
  }),
};

export const onlineEndpointEntraAuth: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-onlineendpoint-entra-auth",
  description: "Online endpoints must authenticate callers with Entra ID tokens (AADToken) or Azure ML tokens, never static keys.",
  severity: "high",
  remediationSteps: "Set `properties: { authMode: \"AADToken\" }` and grant callers the Azure ML data-plane role.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    tags: ["machinelearningservices", "endpoint", "identity"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.OnlineEndpoint, (endpoint, _args, report) => {
    const mode = (endpoint.properties as unknown as Props | undefined)?.["authMode"];
    if (!sameEnum(mode, "AADToken") && !sameEnum(mode, "AMLToken")) {
      report(`The online endpoint must use Entra ID (AADToken) or Azure ML token authentication, got ${JSON.stringify(mode ?? null)}.`);
    }
  }),
};

export const onlineEndpointPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-machinelearningservices-onlineendpoint-public-network-disabled",
  description: "Online endpoints must disable public network access; callers come through the workspace's private endpoint.",
  severity: "high",
  remediationSteps: "Set `properties: { publicNetworkAccess: \"Disabled\" }`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    tags: ["machinelearningservices", "endpoint", "network"],
  }),
  validateResource: validateResourceOfType(machinelearningservices.OnlineEndpoint, (endpoint, _args, report) => {
    // ARM's default is Enabled, so only an explicit Disabled passes.
    if (!sameEnum((endpoint.properties as unknown as Props | undefined)?.["publicNetworkAccess"], "Disabled")) {
      report("The online endpoint must have public network access disabled.");
    }
  }),
};

export const machineLearningPolicies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  workspacePublicNetworkDisabled,
  workspaceManagedNetworkIsolation,
  workspaceOutboundRulesRestricted,
  workspaceCustomerManagedKey,
  workspaceHighBusinessImpact,
  workspaceUserAssignedIdentity,
  workspaceIdentityDatastoreAuth,
  workspaceContainerRegistrySet,
  workspaceHbiStoragePrivate,
  computeLocalAuthDisabled,
  computeNoPublicIp,
  computeSshDisabled,
  computeManagedIdentity,
  computeClusterScaleDown,
  computeInstanceIdleShutdown,
  computeInstancePersonal,
  computeNetworkIsolated,
  onlineEndpointEntraAuth,
  onlineEndpointPublicNetworkDisabled,
];
