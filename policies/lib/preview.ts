import { UnknownValueError } from "@pulumi/policy";

/**
 * What a policy can learn from one property while previewing: a value computed by another
 * resource (a key's URI, a vault's id) is unknown until that resource exists. Reading it through
 * the policy SDK's proxy throws, which turns the whole policy into an advisory "can't run"; these
 * helpers let a policy decide explicitly what unknown means for each property.
 */
export type Observed<T> = { readonly known: true; readonly value: T } | { readonly known: false };

/** Reads a property; `{ known: false }` when its value is computed during the update. */
export function observe<T>(read: () => T): Observed<T> {
  try {
    return { known: true, value: read() };
  } catch (err) {
    if (err instanceof UnknownValueError) return { known: false };
    throw err;
  }
}

/**
 * True when the property is a non-empty string, or will be set during the update. For
 * references (ids, key URIs) an unknown value is a reference that will exist, so it counts as set.
 */
export function isSetOrComputed(read: () => unknown): boolean {
  const seen = observe(read);
  if (!seen.known) return true;
  return typeof seen.value === "string" ? seen.value.length > 0 : seen.value !== undefined && seen.value !== null;
}
