/**
 * The Azure Policy built-ins that keep enforcing, after deployment, what a pack policy checks
 * before it: keyed by pack policy name, each with the definitions (or initiatives) an assignment
 * names. Data only; the report prints the pairs.
 *
 * Ids and display names from the Azure/azure-policy repository (built-in definitions and
 * `policySetDefinitions/Kubernetes` @f4a50bac), as the control catalogue lists them in its
 * Azure Policy sections (Machine Learning, Container Registry, Key Vault, Storage, AKS, and the
 * pod-security initiatives).
 */
export interface AzurePolicyDefinitionRef {
  readonly id: string;
  readonly displayName: string;
  readonly kind: "definition" | "initiative";
}

const definition = (id: string, displayName: string): AzurePolicyDefinitionRef => ({ id, displayName, kind: "definition" });
const initiative = (id: string, displayName: string): AzurePolicyDefinitionRef => ({ id, displayName, kind: "initiative" });

const podSecurityRestricted = initiative("42b8ef37-b724-4e24-bbc8-7a7708edfe00", "Kubernetes cluster pod security restricted standards for Linux-based workloads");

export const afterDeployment: Readonly<Record<string, readonly AzurePolicyDefinitionRef[]>> = {
  "azure-containerregistry-registry-admin-user-disabled": [definition("dc921057-6b28-4fbe-9b83-f7bec05db6c2", "Container registries should have local admin account disabled")],
  "azure-containerregistry-registry-anonymous-pull-disabled": [definition("9f2dea28-e834-476c-99c5-3507b4728395", "Container registries should have anonymous authentication disabled")],
  "azure-containerregistry-registry-public-network-disabled": [definition("0fdf0491-d080-4575-b627-ad0e843cba0f", "Public network access should be disabled for Container registries")],
  "azure-machinelearningservices-workspace-public-network-disabled": [
    definition("438c38d2-3772-465a-a9cc-7a6666a275ce", "Azure Machine Learning Workspaces should disable public network access"),
  ],
  "azure-machinelearningservices-workspace-managed-network-isolation": [
    definition("6ddb1705-c8cf-450e-aa4b-19ad6703c440", "Azure Machine Learning and Ai Studio should use Allow Only Approved Outbound Managed Vnet mode"),
  ],
  "azure-keyvault-vault-public-network-disabled": [definition("405c5871-3e91-4644-8a63-58e19d68ff5b", "Azure Key Vault should disable public network access")],
  "azure-storage-account-public-network-disabled": [definition("b2982f36-99f2-4db5-8eff-283140c09693", "Storage accounts should disable public network access")],
  "azure-storage-account-shared-key-disabled": [definition("8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", "Storage accounts should prevent shared key access")],
  "azure-containerservice-managedcluster-private-api-server": [definition("040732e8-d947-40b8-95d6-854c95024bf8", "Azure Kubernetes Service Private Clusters should be enabled")],
  "azure-containerservice-managedcluster-local-accounts-disabled": [definition("993c2fcd-2b29-49d2-9eb0-df2c3a730c32", "AKS Clusters should have local authentication methods disabled")],
  "kubernetes-pod-security-privileged": [definition("95edb821-ddaf-4404-9732-666045e056b4", "Kubernetes cluster should not allow privileged containers"), podSecurityRestricted],
};
