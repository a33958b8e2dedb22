import { azurePolicyBuiltIns, builtInDefinitionId, type AzurePolicyBuiltIn } from "../../constants/azure-policy-builtins";

/**
 * Before deployment the pack refuses a configuration; after deployment the Azure Policy
 * assignments of `GovernanceAssignments` keep refusing (or flagging) it. This table says, for
 * each pack policy, which of those built-ins enforce the same control, so a reviewer sees both
 * halves of every control (policies/README.md prints it). It is built from the same rows the
 * component assigns (`constants/azure-policy-builtins.ts`, Azure/azure-policy @f4a50bac), by key,
 * so the table and the assignments cannot disagree. A policy without a built-in twin has no entry.
 */

export interface AzurePolicyDefinitionRef {
  /** Full resource id, e.g. /providers/Microsoft.Authorization/policyDefinitions/<guid> or .../policySetDefinitions/<guid>. */
  readonly id: string;
  readonly displayName: string;
  readonly kind: "definition" | "initiative";
}

/** Pack policy name -> keys of the assigned built-ins (constants/azure-policy-builtins.ts). */
const assignmentsByPolicy: Readonly<Record<string, readonly string[]>> = {
  "azure-containerregistry-registry-admin-user-disabled": ["acr-admin-user-disabled"],
  "azure-containerregistry-registry-anonymous-pull-disabled": ["acr-anonymous-pull-disabled"],
  "azure-containerregistry-registry-public-network-disabled": ["acr-public-network-disabled"],
  "azure-containerregistry-registry-premium-sku": ["acr-private-link-sku"],
  "azure-containerregistry-registry-export-disabled": ["acr-exports-disabled"],
  "azure-containerregistry-registry-arm-token-auth-disabled": ["acr-arm-token-auth-disabled"],
  "azure-containerregistry-token-forbidden": ["acr-repository-tokens-disabled"],
  "azure-containerregistry-cache-rule-forbidden": ["acr-cache-rules-prevented"],

  "azure-monitor-diagnostic-settings-present": ["mlw-resource-logs", "kv-resource-logs"],
  "azure-network-private-endpoint-present": ["mlw-private-link"],
  "azure-machinelearningservices-workspace-public-network-disabled": ["mlw-public-network-disabled", "mlw-public-network-modify"],
  "azure-machinelearningservices-workspace-managed-network-isolation": ["mlw-approved-outbound-only"],
  "azure-machinelearningservices-workspace-customer-managed-key": ["mlw-customer-managed-key"],
  "azure-machinelearningservices-workspace-user-assigned-identity": ["mlw-user-assigned-identity"],
  "azure-machinelearningservices-compute-local-auth-disabled": ["mlc-local-auth-disabled", "mlc-local-auth-modify"],
  "azure-machinelearningservices-compute-instance-idle-shutdown": ["mlc-idle-shutdown"],

  "azure-containerservice-managedcluster-private-api-server": ["aks-private-cluster"],
  "azure-containerservice-managedcluster-run-command-disabled": ["aks-command-invoke-disabled"],
  "azure-containerservice-managedcluster-local-accounts-disabled": ["aks-local-accounts-disabled"],
  "azure-containerservice-managedcluster-entra-azure-rbac": ["aks-entra-integration", "aks-kubernetes-rbac"],
  "azure-containerservice-managedcluster-workload-identity": ["aks-workload-identity"],
  "azure-containerservice-managedcluster-managed-identity": ["aks-managed-identity"],
  "azure-containerservice-managedcluster-azure-policy-addon": ["aks-policy-addon", "aks-policy-addon-deploy"],
  "azure-containerservice-managedcluster-defender-sensor": ["aks-defender-profile"],
  "azure-containerservice-managedcluster-network-policy": ["aks-azure-cni"],
  "azure-containerservice-managedcluster-auto-upgrade": ["aks-cluster-auto-upgrade", "aks-node-os-auto-upgrade"],
  "azure-containerservice-managedcluster-image-cleaner": ["aks-image-cleaner"],
  "azure-containerservice-agentpool-encryption-at-host": ["aks-encryption-at-host"],
  "azure-containerservice-agentpool-ssh-disabled": ["aks-node-ssh-disabled"],

  "azure-keyvault-vault-rbac-authorization": ["kv-rbac-authorization"],
  "azure-keyvault-vault-purge-protection": ["kv-purge-protection"],
  "azure-keyvault-vault-soft-delete": ["kv-soft-delete"],
  "azure-keyvault-vault-public-network-disabled": ["kv-public-network-disabled", "kv-firewall-enabled"],
  "azure-keyvault-key-expiration": ["kv-key-expiration"],
  "azure-keyvault-key-hsm-backed": ["kv-key-hsm-backed"],
  "azure-keyvault-secret-expiration": ["kv-secret-expiration"],

  "azure-storage-account-https-only": ["st-secure-transfer"],
  "azure-storage-account-minimum-tls": ["st-minimum-tls"],
  "azure-storage-account-blob-public-access-disabled": ["st-blob-public-access-disallowed"],
  "azure-storage-account-public-network-disabled": ["st-public-network-disabled"],
  "azure-storage-account-network-default-deny": ["st-network-restricted"],
  "azure-storage-account-shared-key-disabled": ["st-shared-key-disabled"],
  "azure-storage-account-infrastructure-encryption": ["st-infrastructure-encryption"],
  "azure-storage-account-cross-tenant-replication-disabled": ["st-cross-tenant-replication-disabled"],
  "azure-storage-account-customer-managed-key": ["st-customer-managed-key"],

  "azure-applicationinsights-component-workspace-based": ["appi-workspace-based"],
  "azure-applicationinsights-component-local-auth-disabled": ["appi-local-auth-disabled"],
  "azure-applicationinsights-component-public-network-disabled": ["appi-public-network-disabled"],

  // The restricted initiative covers these checks of the Pod Security Standards.
  "kubernetes-pod-security-host-namespaces": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-privileged": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-capabilities-baseline": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-host-ports": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-seccomp-profile-baseline": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-restricted-volumes": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-allow-privilege-escalation": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-run-as-non-root": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-run-as-user": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-seccomp-profile-restricted": ["k8s-pod-security-restricted"],
  "kubernetes-pod-security-capabilities-restricted": ["k8s-pod-security-restricted"],
  "kubernetes-workload-image-digest": ["k8s-no-latest-tag"],
  "kubernetes-workload-namespace": ["k8s-no-default-namespace"],
  "kubernetes-workload-service-account-token": ["k8s-no-automount-token"],
  "kubernetes-workload-probes": ["k8s-probes"],
  "kubernetes-rbac-no-wildcards": ["k8s-minimal-wildcard-roles"],
};

function refOf(key: string): AzurePolicyDefinitionRef {
  const builtIn: AzurePolicyBuiltIn | undefined = azurePolicyBuiltIns.find((b) => b.key === key);
  // A typo here must fail when the module loads, not print an empty cell.
  if (builtIn === undefined) throw new Error(`policies/lib/after-deployment.ts: no built-in "${key}" in constants/azure-policy-builtins.ts`);
  return { id: builtInDefinitionId(builtIn), displayName: builtIn.displayName, kind: builtIn.kind };
}

/** For each pack policy name, the built-in definitions that enforce the same control after deployment. */
export const afterDeployment: Readonly<Record<string, readonly AzurePolicyDefinitionRef[]>> = Object.fromEntries(
  Object.entries(assignmentsByPolicy).map(([policy, keys]) => [policy, keys.map(refOf)]),
);

/** The keys behind `afterDeployment`, for tests that tie the table to the assignments. */
export const afterDeploymentKeys: Readonly<Record<string, readonly string[]>> = assignmentsByPolicy;
