// The library surface of secure-mlops: `import { SecureRegistry } from "secure-mlops"`.
export * from "./components";
export { builtInRoles, roleDefinitionId } from "./constants/roles";
export type { BuiltInRole } from "./constants/roles";
