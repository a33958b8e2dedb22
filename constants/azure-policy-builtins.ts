import type { BuiltInRole } from "./roles";

/**
 * The Azure Policy built-in definitions and initiatives the platform assigns after deployment, so
 * Azure keeps refusing (or flagging) what the CrossGuard pack refused before deployment. One row
 * per assignment: the `GovernanceAssignments` component assigns these, and the pack's
 * after-deployment table (policies/lib/after-deployment.ts) maps its policies onto the same rows,
 * so the two cannot disagree.
 *
 * Source: Azure/azure-policy `built-in-policies/policyDefinitions/{Container Registry,Machine
 * Learning,Key Vault,Storage,Kubernetes,Monitoring,Security Center}/*.json` and
 * `built-in-policies/policySetDefinitions/Kubernetes/PSPRestrictedStandard.json` @f4a50bac (names, display
 * names, the effect parameter's allowed values and the roles of `roleDefinitionIds`). The ALZ
 * guardrail sets are custom sets of Azure/Enterprise-Scale @dbd9bd21
 * (`Enforce-Guardrails-{MachineLearning,Kubernetes}.json`); a landing zone publishes them at its
 * management group, so the platform assigns their non-conflicting built-in members one by one
 * (`alz` names the member's reference id there).
 */
export const azurePolicyBuiltInsSource = "Azure/azure-policy built-in-policies @f4a50bac; Azure/Enterprise-Scale ALZ guardrails @dbd9bd21";

/** Effects a built-in definition's `effect` parameter may take (canonical spelling). */
export const PolicyEffect = {
  Audit: "Audit",
  Deny: "Deny",
  AuditIfNotExists: "AuditIfNotExists",
  DeployIfNotExists: "DeployIfNotExists",
  Modify: "Modify",
} as const;
export type PolicyEffect = (typeof PolicyEffect)[keyof typeof PolicyEffect];

/** Where an assignment goes: the platform's resource group, or its AKS cluster (in-cluster definitions, mode `Microsoft.Kubernetes.Data`). */
export type AssignmentTarget = "resourceGroup" | "cluster";

export interface AzurePolicyBuiltIn {
  /** Stable key: the assignment's name and its child resource's suffix. */
  readonly key: string;
  /** The definition's or initiative's name (a GUID, the same in every tenant). */
  readonly name: string;
  readonly kind: "definition" | "initiative";
  readonly displayName: string;
  /** Allowed values of the `effect` parameter, Disabled left out; the first is the definition's default. */
  readonly effects: readonly [PolicyEffect, ...PolicyEffect[]];
  readonly target: AssignmentTarget;
  /** Parameter values the platform always sets (besides `effect` and the namespace exclusions). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Roles the assignment's identity needs to remediate (the definition's `roleDefinitionIds`); only DeployIfNotExists and Modify have them. */
  readonly remediationRoles?: readonly BuiltInRole[];
  /** Members of an initiative, by definition name. */
  readonly members?: readonly string[];
  /** The member's reference id in an ALZ guardrail set, when it is one. */
  readonly alz?: string;
}

const auditDeny: readonly [PolicyEffect, ...PolicyEffect[]] = ["Audit", "Deny"];
const auditOnly: readonly [PolicyEffect, ...PolicyEffect[]] = ["Audit"];

/**
 * The Pod Security Standards "restricted" profile as upstream defines it: add only
 * NET_BIND_SERVICE, drop ALL. The initiative's own defaults allow fourteen capabilities and
 * require no drop (CONTROLS 5.4c), which is weaker than the pack's restricted checks.
 */
export const podSecurityRestrictedParameters = {
  allowedCapabilities: ["NET_BIND_SERVICE"],
  requiredDropCapabilities: ["ALL"],
} as const;

/** The namespaces every in-cluster built-in excludes by default; the platform adds its own to these. */
export const defaultExcludedNamespaces = ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"] as const;

export const azurePolicyBuiltIns: readonly AzurePolicyBuiltIn[] = [
  // Container Registry
  { key: "acr-admin-user-disabled", name: "dc921057-6b28-4fbe-9b83-f7bec05db6c2", kind: "definition", displayName: "Container registries should have local admin account disabled.", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-anonymous-pull-disabled", name: "9f2dea28-e834-476c-99c5-3507b4728395", kind: "definition", displayName: "Container registries should have anonymous authentication disabled.", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-public-network-disabled", name: "0fdf0491-d080-4575-b627-ad0e843cba0f", kind: "definition", displayName: "Public network access should be disabled for Container registries", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-private-link-sku", name: "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", kind: "definition", displayName: "Container registries should have SKUs that support Private Links", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-exports-disabled", name: "524b0254-c285-4903-bee6-bb8126cde579", kind: "definition", displayName: "Container registries should have exports disabled", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-arm-token-auth-disabled", name: "42781ec6-6127-4c30-bdfa-fb423a0047d3", kind: "definition", displayName: "Container registries should have ARM audience token authentication disabled.", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-repository-tokens-disabled", name: "ff05e24e-195c-447e-b322-5e90c9f9f366", kind: "definition", displayName: "Container registries should have repository scoped access token disabled.", effects: auditDeny, target: "resourceGroup" },
  { key: "acr-cache-rules-prevented", name: "84497762-32b6-4ab3-80b6-732ea48b85a2", kind: "definition", displayName: "Container registries should prevent cache rule creation", effects: auditDeny, target: "resourceGroup" },

  // Machine Learning (with the ALZ Enforce-Guardrails-MachineLearning members that do not conflict)
  { key: "mlw-public-network-disabled", name: "438c38d2-3772-465a-a9cc-7a6666a275ce", kind: "definition", displayName: "Azure Machine Learning Workspaces should disable public network access", effects: auditDeny, target: "resourceGroup" },
  { key: "mlw-public-network-modify", name: "a10ee784-7409-4941-b091-663697637c0f", kind: "definition", displayName: "Configure Azure Machine Learning Workspaces to disable public network access", effects: ["Modify"], target: "resourceGroup", remediationRoles: ["Contributor"], alz: "Modify-ML-Public-Network-Access" },
  { key: "mlw-approved-outbound-only", name: "6ddb1705-c8cf-450e-aa4b-19ad6703c440", kind: "definition", displayName: "Azure Machine Learning and Ai Studio should use Allow Only Approved Outbound Managed Vnet mode", effects: auditDeny, target: "resourceGroup" },
  { key: "mlw-customer-managed-key", name: "ba769a63-b8cc-4b2d-abf6-ac33c7204be8", kind: "definition", displayName: "Azure Machine Learning workspaces should be encrypted with a customer-managed key", effects: auditDeny, target: "resourceGroup" },
  { key: "mlw-user-assigned-identity", name: "5f0c7d88-c7de-45b8-ac49-db49e72eaa78", kind: "definition", displayName: "Azure Machine Learning workspaces should use user-assigned managed identity", effects: auditDeny, target: "resourceGroup", alz: "Deny-ML-User-Assigned-Identity" },
  { key: "mlw-private-link", name: "45e05259-1eb5-4f70-9574-baf73e9d219b", kind: "definition", displayName: "Azure Machine Learning workspaces should use private link", effects: auditOnly, target: "resourceGroup", alz: "Audit-ML-Private-Link" },
  { key: "mlw-resource-logs", name: "afe0c3be-ba3b-4544-ba52-0c99672a8ad6", kind: "definition", displayName: "Resource logs in Azure Machine Learning Workspaces should be enabled", effects: ["AuditIfNotExists"], target: "resourceGroup", alz: "Aine-ML-Resource-Logs" },
  { key: "mlc-local-auth-disabled", name: "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f", kind: "definition", displayName: "Azure Machine Learning Computes should have local authentication methods disabled", effects: auditDeny, target: "resourceGroup", alz: "Deny-ML-Local-Auth" },
  { key: "mlc-local-auth-modify", name: "a6f9a2d0-cff7-4855-83ad-4cd750666512", kind: "definition", displayName: "Configure Azure Machine Learning Computes to disable local authentication methods", effects: ["Modify"], target: "resourceGroup", remediationRoles: ["Contributor"], alz: "Modify-ML-Local-Auth" },
  { key: "mlc-idle-shutdown", name: "679ddf89-ab8f-48a5-9029-e76054077449", kind: "definition", displayName: "Azure Machine Learning Compute Instance should have idle shutdown.", effects: auditDeny, target: "resourceGroup", alz: "Deny-ML-Idle-Shutdown" },

  // Key Vault
  { key: "kv-rbac-authorization", name: "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", kind: "definition", displayName: "Azure Key Vault should use RBAC permission model", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-purge-protection", name: "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", kind: "definition", displayName: "Key vaults should have deletion protection enabled", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-soft-delete", name: "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d", kind: "definition", displayName: "Key vaults should have soft delete enabled", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-public-network-disabled", name: "405c5871-3e91-4644-8a63-58e19d68ff5b", kind: "definition", displayName: "Azure Key Vault should disable public network access", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-firewall-enabled", name: "55615ac9-af46-4a59-874e-391cc3dfb490", kind: "definition", displayName: "Azure Key Vault should have firewall enabled or public network access disabled", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-key-expiration", name: "152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0", kind: "definition", displayName: "Key Vault keys should have an expiration date", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-key-hsm-backed", name: "587c79fe-dd04-4a5e-9d0b-f89598c7261b", kind: "definition", displayName: "Keys should be backed by a hardware security module (HSM)", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-secret-expiration", name: "98728c90-32c7-4049-8429-847dc0f4fe37", kind: "definition", displayName: "Key Vault secrets should have an expiration date", effects: auditDeny, target: "resourceGroup" },
  { key: "kv-resource-logs", name: "cf820ca0-f99e-4f3e-84fb-66e913812d21", kind: "definition", displayName: "Resource logs in Key Vault should be enabled", effects: ["AuditIfNotExists"], target: "resourceGroup" },

  // Storage
  { key: "st-secure-transfer", name: "404c3081-a854-4457-ae30-26a93ef643f9", kind: "definition", displayName: "Secure transfer to storage accounts should be enabled", effects: auditDeny, target: "resourceGroup" },
  { key: "st-minimum-tls", name: "fe83a0eb-a853-422d-aac2-1bffd182c5d0", kind: "definition", displayName: "Storage accounts should have the specified minimum TLS version", effects: auditDeny, target: "resourceGroup" },
  { key: "st-blob-public-access-disallowed", name: "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", kind: "definition", displayName: "Storage account public access should be disallowed", effects: auditDeny, target: "resourceGroup" },
  { key: "st-public-network-disabled", name: "b2982f36-99f2-4db5-8eff-283140c09693", kind: "definition", displayName: "Storage accounts should disable public network access", effects: auditDeny, target: "resourceGroup" },
  { key: "st-network-restricted", name: "34c877ad-507e-4c82-993e-3452a6e0ad3c", kind: "definition", displayName: "Storage accounts should restrict network access", effects: auditDeny, target: "resourceGroup" },
  { key: "st-shared-key-disabled", name: "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", kind: "definition", displayName: "Storage accounts should prevent shared key access", effects: auditDeny, target: "resourceGroup" },
  { key: "st-infrastructure-encryption", name: "4733ea7b-a883-42fe-8cac-97454c2a9e4a", kind: "definition", displayName: "Storage accounts should have infrastructure encryption", effects: auditDeny, target: "resourceGroup" },
  { key: "st-cross-tenant-replication-disabled", name: "92a89a79-6c52-4a7e-a03f-61306fc49312", kind: "definition", displayName: "Storage accounts should prevent cross tenant object replication", effects: auditDeny, target: "resourceGroup" },
  { key: "st-customer-managed-key", name: "6fac406b-40ca-413b-bf8e-0bf964659c25", kind: "definition", displayName: "Storage accounts should use customer-managed key for encryption", effects: auditOnly, target: "resourceGroup" },

  // Application Insights (Monitoring)
  { key: "appi-workspace-based", name: "d550e854-df1a-4de9-bf44-cd894b39a95e", kind: "definition", displayName: "Azure Monitor Logs for Application Insights should be linked to a Log Analytics workspace", effects: auditDeny, target: "resourceGroup" },
  { key: "appi-local-auth-disabled", name: "199d5677-e4d9-4264-9465-efe1839c06bd", kind: "definition", displayName: "Application Insights components should block non-Azure Active Directory based ingestion.", effects: auditDeny, target: "resourceGroup" },
  { key: "appi-public-network-disabled", name: "1bc02227-0cb6-4e11-8f53-eb0b22eab7e8", kind: "definition", displayName: "Application Insights components should block log ingestion and querying from public networks", effects: auditDeny, target: "resourceGroup" },

  // AKS, the cluster resource (with the ALZ Enforce-Guardrails-Kubernetes members that do not conflict)
  { key: "aks-private-cluster", name: "040732e8-d947-40b8-95d6-854c95024bf8", kind: "definition", displayName: "Azure Kubernetes Service Private Clusters should be enabled", effects: auditDeny, target: "resourceGroup", alz: "Deny-Aks-Private-Cluster" },
  { key: "aks-local-accounts-disabled", name: "993c2fcd-2b29-49d2-9eb0-df2c3a730c32", kind: "definition", displayName: "Azure Kubernetes Service Clusters should have local authentication methods disabled", effects: auditDeny, target: "resourceGroup", alz: "Deny-Aks-Local-Auth" },
  { key: "aks-encryption-at-host", name: "41425d9f-d1a5-499a-9932-f8ed8453932c", kind: "definition", displayName: "Temp disks and cache for agent node pools in Azure Kubernetes Service clusters should be encrypted at host", effects: auditDeny, target: "resourceGroup", alz: "Deny-Aks-Temp-Disk-Encryption" },
  { key: "aks-entra-integration", name: "450d2877-ebea-41e8-b00c-e286317d21bf", kind: "definition", displayName: "Azure Kubernetes Service Clusters should enable Microsoft Entra ID integration", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-kubernetes-rbac", name: "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457", kind: "definition", displayName: "Role-Based Access Control (RBAC) should be used on Kubernetes Services", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-workload-identity", name: "2cc2e023-0dac-4046-875b-178f683929d5", kind: "definition", displayName: "Azure Kubernetes Service Clusters should enable workload identity", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-managed-identity", name: "da6e2401-19da-4532-9141-fb8fbde08431", kind: "definition", displayName: "Azure Kubernetes Service Clusters should use managed identities", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-policy-addon", name: "0a15ec92-a229-4763-bb14-0ea34a568f8d", kind: "definition", displayName: "Azure Policy Add-on for Kubernetes service (AKS) should be installed and enabled on your clusters", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-policy-addon-deploy", name: "a8eff44f-8c92-45c3-a3fb-9880802d67a7", kind: "definition", displayName: "Deploy Azure Policy Add-on to Azure Kubernetes Service clusters", effects: ["DeployIfNotExists"], target: "resourceGroup", remediationRoles: ["Azure Kubernetes Service Contributor Role", "Azure Kubernetes Service Policy Add-on Deployment"], alz: "Dine-Aks-Policy" },
  { key: "aks-defender-profile", name: "a1840de2-8088-4ea8-b153-b4c723e9cb01", kind: "definition", displayName: "Azure Kubernetes Service clusters should have Defender profile enabled", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-azure-cni", name: "46238e2f-3f6f-4589-9f3f-77bed4116e67", kind: "definition", displayName: "Azure Kubernetes Clusters should use Azure CNI", effects: auditOnly, target: "resourceGroup", alz: "Deny-Aks-Cni" },
  { key: "aks-cluster-auto-upgrade", name: "5c345cdf-2049-47e0-b8fe-b0e96bc2df35", kind: "definition", displayName: "Azure Kubernetes Service Clusters should enable cluster auto-upgrade", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-node-os-auto-upgrade", name: "04408ca5-aa10-42ce-8536-98955cdddd4c", kind: "definition", displayName: "Azure Kubernetes Service Clusters should enable node os auto-upgrade", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-image-cleaner", name: "af3c26b2-6fad-493e-9236-9c68928516ab", kind: "definition", displayName: "Azure Kubernetes Service Clusters should enable Image Cleaner", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-command-invoke-disabled", name: "89f2d532-c53c-4f8f-9afa-4927b1114a0d", kind: "definition", displayName: "Azure Kubernetes Service Clusters should disable Command Invoke", effects: auditOnly, target: "resourceGroup" },
  { key: "aks-node-ssh-disabled", name: "28257686-e9db-403e-b9e2-a5eecbe03da9", kind: "definition", displayName: "Azure Kubernetes Clusters should disable SSH", effects: auditOnly, target: "resourceGroup" },

  // In the cluster (Gatekeeper, through the Azure Policy add-on)
  {
    key: "k8s-pod-security-restricted",
    name: "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
    kind: "initiative",
    displayName: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
    effects: auditDeny,
    target: "cluster",
    parameters: podSecurityRestrictedParameters,
    members: [
      "95edb821-ddaf-4404-9732-666045e056b4",
      "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
      "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
      "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
      "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
      "16697877-1118-4fb1-9b65-9898ec2509ec",
      "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
      "975ce327-682c-4f2e-aa46-b9598289b86c",
    ],
  },
  { key: "k8s-no-default-namespace", name: "9f061a12-e40d-4183-a00e-171812443373", kind: "definition", displayName: "Kubernetes clusters should not use the default namespace", effects: auditDeny, target: "cluster", alz: "Deny-Aks-Default-Namespace" },
  { key: "k8s-no-latest-tag", name: "021f8078-41a0-40e6-81b6-c6597da9f3ee", kind: "definition", displayName: "Kubernetes cluster container images should not include latest image tag", effects: auditDeny, target: "cluster" },
  { key: "k8s-no-automount-token", name: "423dd1ba-798e-40e4-9c4d-b6902674b423", kind: "definition", displayName: "Kubernetes clusters should disable automounting API credentials", effects: auditDeny, target: "cluster" },
  { key: "k8s-probes", name: "b1a9997f-2883-4f12-bdff-2280f99b5915", kind: "definition", displayName: "Ensure cluster containers have readiness or liveness probes configured", effects: auditDeny, target: "cluster", alz: "Deny-Aks-ReadinessOrLiveness-Probes" },
  { key: "k8s-minimal-wildcard-roles", name: "ca8d5704-aa2b-40cf-b110-dc19052825ad", kind: "definition", displayName: "Kubernetes clusters should minimize wildcard use in role and cluster role", effects: auditOnly, target: "cluster" },
];

/**
 * Built-ins of the ALZ guardrail sets the platform deliberately does not assign, with the reason
 * (CONTROLS 5.9). Data for the docs and tests; never assigned.
 */
export const conflictingBuiltIns: Readonly<Record<string, string>> = {
  "e413671a-dd10-4cc1-a943-45b598596cb7":
    "Deny-ML-Legacy-Mode requires v1LegacyMode, which turns off the v2 network isolation and managed online endpoints the platform uses.",
  "7804b5c7-01dc-4723-969b-ae300cc07ff1":
    "Audit-ML-Virtual-Network only reads the compute's own subnet and flags every compute of a managed-network workspace.",
  "f110a506-2dcb-422e-bcea-d533fc8c35e2": "Deny-ML-Outdated-Os judges an operation (recreating compute instances), not configuration.",
};

/** The ARM id of a built-in definition or initiative. */
export function builtInDefinitionId(builtIn: Pick<AzurePolicyBuiltIn, "name" | "kind">): string {
  const collection = builtIn.kind === "initiative" ? "policySetDefinitions" : "policyDefinitions";
  return `/providers/Microsoft.Authorization/${collection}/${builtIn.name}`;
}

/** The built-in a definition id (ARM id or bare name) names, case-insensitively. */
export function builtInOf(definitionId: string): AzurePolicyBuiltIn | undefined {
  const name = definitionId.trim().split("/").pop()?.toLowerCase() ?? "";
  return azurePolicyBuiltIns.find((b) => b.name === name);
}

/** True when the built-in changes resources (DeployIfNotExists, Modify), so its assignment needs an identity with roles. */
export function remediates(builtIn: AzurePolicyBuiltIn): boolean {
  return builtIn.effects.some((e) => e === PolicyEffect.DeployIfNotExists || e === PolicyEffect.Modify);
}

/**
 * The effect an assignment of `builtIn` uses. `enforce`: Deny where the definition allows it, the
 * remediating effect for DeployIfNotExists/Modify, otherwise the definition's own. `audit`: Audit
 * (or AuditIfNotExists) where allowed; a definition with no auditing effect keeps its effect and
 * its assignment is not enforced (`enforcementMode: DoNotEnforce`), so compliance is still reported.
 */
export function effectFor(builtIn: AzurePolicyBuiltIn, level: "audit" | "enforce"): PolicyEffect {
  const has = (e: PolicyEffect): boolean => builtIn.effects.includes(e);
  if (level === "enforce") return has("Deny") ? "Deny" : builtIn.effects[0];
  if (has("Audit")) return "Audit";
  if (has("AuditIfNotExists")) return "AuditIfNotExists";
  return builtIn.effects[0];
}

/** True when `effect` is the one `effectFor(builtIn, "enforce")` picks: anything else leaves a deniable resource standing. */
export function isEnforcingEffect(builtIn: AzurePolicyBuiltIn, effect: string): boolean {
  return effect.toLowerCase() === effectFor(builtIn, "enforce").toLowerCase();
}
