import { AssignablePrincipalType, childKeyPattern, type RoleAssignmentSpec } from "./azure";

/**
 * Argument checks more than one component makes, with one wording. Each takes the component's
 * `checker(...)`, so the error names that component and the argument's path.
 */

/** A component's argument check: throws `ComponentArgumentError` naming `argument` unless `ok`. */
export type Check = (ok: boolean, argument: string, detail: string) => void;

/**
 * Checks one child key of a keyed list at a time (in the caller's loop, so the first bad argument
 * is still the first reported): lower-case letters, digits and dashes, and not used before.
 */
export function childKeyChecker(check: Check): (key: string, argument: string) => void {
  const seen = new Set<string>();
  return (key, argument) => {
    check(childKeyPattern.test(key), argument, `must be lower-case letters, digits and dashes, got "${key}"`);
    check(!seen.has(key), argument, `"${key}" is used twice`);
    seen.add(key);
  };
}

/** Checks the `name` keys of a list argument (`list[i].name`): child key format, no repeats. */
export function checkUniqueKeys(check: Check, items: readonly { readonly name: string }[], list: string): void {
  const key = childKeyChecker(check);
  items.forEach((item, i) => key(item.name, `${list}[${i}].name`));
}

/** Checks a component's `roleAssignments`: keys, and principals that are groups or service principals, never users. */
export function checkRoleAssignments(check: Check, specs: readonly RoleAssignmentSpec[], list = "roleAssignments"): void {
  const key = childKeyChecker(check);
  specs.forEach((ra, i) => {
    key(ra.name, `${list}[${i}].name`);
    check(
      ra.principalType === undefined || Object.values(AssignablePrincipalType).includes(ra.principalType),
      `${list}[${i}].principalType`,
      `must be ServicePrincipal or Group (never a user), got "${String(ra.principalType)}"`,
    );
  });
}
