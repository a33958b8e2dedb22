export {
  SecureRegistry,
  secureRegistryDefaults,
  secureRegistryType,
  validateSecureRegistryArgs,
  defaultRegistryName,
} from "./azure/secure-registry";
export type { SecureRegistryArgs, RegistryRole, RegistryCustomerManagedKey } from "./azure/secure-registry";
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
export { delegationCondition } from "./lib/rbac";
export { ComponentArgumentError } from "./lib/errors";
export { AssignablePrincipalType, LockLevel } from "./lib/azure";
export type { RoleAssignmentSpec } from "./lib/azure";
export type { PrivateEndpointSpec } from "./lib/private-endpoint";
