export {
  SecureRegistry,
  secureRegistryDefaults,
  secureRegistryType,
  validateSecureRegistryArgs,
  defaultRegistryName,
} from "./azure/secure-registry";
export type { SecureRegistryArgs, RegistryRole, RegistryCustomerManagedKey } from "./azure/secure-registry";
export { ComponentArgumentError } from "./lib/errors";
export { AssignablePrincipalType, LockLevel } from "./lib/azure";
export type { RoleAssignmentSpec } from "./lib/azure";
export type { PrivateEndpointSpec } from "./lib/private-endpoint";
