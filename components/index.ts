// `secure-mlops`: the platform's Pulumi components, their arguments and secure defaults.
export {
  SecureRegistry,
  secureRegistryDefaults,
  secureRegistryType,
  validateSecureRegistryArgs,
  defaultRegistryName,
} from "./azure/secure-registry";
export type { SecureRegistryArgs, RegistryRole, RegistryCustomerManagedKey } from "./azure/secure-registry";
export { DefenderPlans, DefenderPlan, defenderPlansDefaults, defenderPlansType } from "./azure/defender-plans";
export type { DefenderPlansArgs } from "./azure/defender-plans";
export {
  GovernanceAssignments,
  GovernanceEnforcement,
  ExemptionCategory,
  governanceAssignmentsDefaults,
  governanceAssignmentsType,
  validateGovernanceAssignmentsArgs,
} from "./azure/governance-assignments";
export type { GovernanceAssignmentsArgs, GovernanceExemptionSpec } from "./azure/governance-assignments";
export {
  SecureAksCluster,
  secureAksClusterDefaults,
  secureAksClusterType,
  validateSecureAksClusterArgs,
} from "./azure/secure-aks-cluster";
export type { SecureAksClusterArgs, AksNodePoolSpec } from "./azure/secure-aks-cluster";
export {
  AttestationVerifier,
  attestationVerifierDefaults,
  attestationVerifierType,
  validateAttestationVerifierArgs,
  webhookRules,
} from "./kubernetes/attestation-verifier";
export type { AttestationVerifierArgs, AttestationVerifierCluster } from "./kubernetes/attestation-verifier";
export { AksMlInference, aksMlInferenceDefaults, aksMlInferenceType, validateAksMlInferenceArgs } from "./azure/aks-ml-inference";
export type { AksMlInferenceArgs, AksMlInferenceTls, AksMlDeploymentSpec } from "./azure/aks-ml-inference";
export {
  MlWorkspace,
  mlWorkspaceDefaults,
  mlWorkspaceType,
  mlComputeSizing,
  mlIdentityRoles,
  mlPrivateDnsZones,
  validateMlWorkspaceArgs,
  defaultKeyVaultName,
  defaultStorageAccountName,
  MlIsolationMode,
  MlDatastoreAuthMode,
  MlApplicationSharing,
} from "./azure/ml-workspace";
export type {
  MlWorkspaceArgs,
  MlOutboundRule,
  MlFqdnOutboundRule,
  MlPrivateEndpointOutboundRule,
  MlServiceTagOutboundRule,
  MlComputeClusterSpec,
  MlComputeInstanceSpec,
  MlCustomerManagedKey,
  MlWorkspaceRole,
  MlStorageReplication,
  MlIdentityRole,
} from "./azure/ml-workspace";
export {
  AccessGroups,
  accessGroupsDefaults,
  accessGroupsType,
  validateAccessGroupsArgs,
} from "./azuread/access-groups";
export type { AccessGroupsArgs, PersonaSpec, GroupRoleSpec } from "./azuread/access-groups";
export {
  GithubOidcPrincipal,
  githubOidcPrincipalDefaults,
  githubOidcPrincipalType,
  validateGithubOidcPrincipalArgs,
  FederatedEntity,
  SubjectFormat,
} from "./azuread/github-oidc-principal";
export type {
  GithubOidcPrincipalArgs,
  GithubFederatedCredentialSpec,
  PrincipalRoleAssignmentSpec,
  AzureLoginVariables,
} from "./azuread/github-oidc-principal";
export {
  ProtectedRepository,
  ProtectionMode,
  defaultBranchRules,
  defaultEnvironments,
  branchesDeployingTo,
  codeqlInterpretedLanguages,
  protectedRepositoryDefaults,
  protectedRepositoryType,
  validateProtectedRepositoryArgs,
} from "./github/protected-repository";
export type { BranchRule, ProtectedRepositoryArgs, RepositoryEnvironmentSpec } from "./github/protected-repository";
export {
  ProtectedEnvironment,
  protectedEnvironmentDefaults,
  protectedEnvironmentType,
  validateProtectedEnvironmentArgs,
} from "./github/protected-environment";
export type { ProtectedEnvironmentArgs } from "./github/protected-environment";
export { managedCheckNames, pinnedActions, pinnedHooks, githubActionsAppId } from "./github/files";
export type { CodeOwnerRule } from "./github/files";
export { deliveryWorkflowDefaults, deliveryWorkflowPaths } from "./github/delivery-workflows";
export type { DeliveryStack, DeliveryWorkflowOptions } from "./github/delivery-workflows";
export { delegationCondition } from "./lib/rbac";
export { ComponentArgumentError } from "./lib/errors";
export { AssignablePrincipalType, LockLevel } from "./lib/azure";
export type { RoleAssignmentSpec } from "./lib/azure";
export type { PrivateEndpointSpec } from "./lib/private-endpoint";
export { builtInRoles, roleDefinitionId } from "../constants/roles";
export type { BuiltInRole } from "../constants/roles";
