/**
 * Azure built-in role definition GUIDs (the same in every tenant), from Azure Verified Modules'
 * `builtInRoleNames`. Components resolve a role by name here; nothing else types a GUID.
 */
export const builtInRoles = {
  "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  "AzureML Compute Operator": "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
  "AzureML Registry User": "1823dd4f-9b8c-4ab6-ab4e-7397a3684615",
  "AzureML Metrics Writer (preview)": "635dd51f-9968-44d3-b7fb-6d9a6bd613ae",
  AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  AcrQuarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
  AcrQuarantineWriter: "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
  "Container Registry Repository Reader": "b93aa761-3e63-49ed-ac28-beffa264f7ac",
  "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328",
  "Container Registry Repository Contributor": "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
  "Container Registry Repository Catalog Lister": "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  // ML workspace identity (AVM builtInRoleNames; the approver role is the one Azure ML's managed
  // network needs on associated resources since it stopped auto-granting it on 2025-04-30).
  "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Azure AI Enterprise Network Connection Approver": "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
  // Azure Policy remediation: the roles the AKS add-on DeployIfNotExists definition (a8eff44f) names.
  "Azure Kubernetes Service Contributor Role": "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
  "Azure Kubernetes Service Policy Add-on Deployment": "18ed5180-3e48-46fd-8541-4ea054d57064",
  // Creates the platform's Azure Policy assignments and exemptions (Contributor cannot).
  "Resource Policy Contributor": "36243c78-bf99-498c-9df9-86d9f8d28608",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
} as const;
export type BuiltInRole = keyof typeof builtInRoles;

/** Roles that let their holder grant access to others: never assigned above resource-group scope. */
export const privilegedRoles: readonly BuiltInRole[] = ["Owner", "User Access Administrator", "Contributor"];

/** The ARM id of a built-in role definition under a subscription. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}`;
}

/**
 * Roles whose holder can create role assignments (`Microsoft.Authorization/roleAssignments/write`):
 * given only with an ABAC condition that limits which roles and principal types they may assign.
 */
export const roleAssignmentWriterRoles: readonly BuiltInRole[] = [
  "Owner",
  "User Access Administrator",
  "Role Based Access Control Administrator",
];

/** Roles that only read (control or data plane); every other role writes something. */
export const readOnlyRoles: readonly BuiltInRole[] = [
  "Reader",
  "AcrPull",
  "AcrQuarantineReader",
  "Container Registry Repository Reader",
  "Container Registry Repository Catalog Lister",
  "Storage Blob Data Reader",
  "Key Vault Secrets User",
  "AzureML Registry User",
];

/** The built-in role a role definition id (ARM id or bare GUID) names, case-insensitively. */
export function builtInRoleOf(roleDefinition: string): BuiltInRole | undefined {
  const guid = roleDefinition.trim().split("/").pop()?.toLowerCase() ?? "";
  return (Object.keys(builtInRoles) as BuiltInRole[]).find((role) => builtInRoles[role] === guid);
}
