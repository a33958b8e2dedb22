/**
 * A component argument is invalid. Thrown synchronously from the constructor, before any child
 * resource is registered, so a bad argument never leaves half a platform behind.
 */
export class ComponentArgumentError extends Error {
  readonly code = "INVALID_ARGUMENT" as const;
  constructor(
    /** The component type token, e.g. `secure-mlops:azure:SecureRegistry`. */
    readonly component: string,
    /** The argument path, e.g. `roleAssignments[2].name`. */
    readonly argument: string,
    detail: string,
  ) {
    super(`${component}: [${argument}] ${detail}`);
    this.name = "ComponentArgumentError";
  }
}

/** Collects argument checks for one component and throws on the first failure, naming it. */
export function checker(component: string): (ok: boolean, argument: string, detail: string) => void {
  return (ok, argument, detail) => {
    if (!ok) throw new ComponentArgumentError(component, argument, detail);
  };
}
