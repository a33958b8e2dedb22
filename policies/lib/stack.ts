import type { PolicyResource } from "@pulumi/policy";

/**
 * True when `dependent` refers to `target` through the property `property`: either the engine
 * recorded the dependency (the value came from `target`'s output) or the value equals the ARM id.
 * Both are checked because a program may paste an id as a string.
 */
export function refersTo(dependent: PolicyResource, property: string, target: PolicyResource): boolean {
  const deps = dependent.propertyDependencies[property];
  if (deps?.some((d) => d.urn === target.urn)) return true;
  const id = lowerCaseProp(target, "id");
  if (id === undefined || id.length === 0) return false;
  return lowerCaseProp(dependent, property) === id;
}

const reads = new WeakMap<PolicyResource, Map<string, unknown>>();

/**
 * `resource.props[key]`, read once per resource object. Stack policies compare pairs of
 * resources, so the same property is read once per other resource, and every read goes through
 * the pack's unknown-checking proxy: at 5,000 resources those reads were a fifth of the stack
 * analysis. The server builds new resource objects for every policy, so nothing is shared
 * between policies. A read that throws (an unknown value at preview) is not remembered and
 * throws again, as the direct read would.
 */
export function prop(resource: PolicyResource, key: string): unknown {
  let mine = reads.get(resource);
  if (mine === undefined) {
    mine = new Map();
    reads.set(resource, mine);
  }
  if (mine.has(key)) return mine.get(key);
  const value: unknown = resource.props[key];
  mine.set(key, value);
  return value;
}

const lowered = new WeakMap<PolicyResource, Map<string, string | undefined>>();

/** `prop` lower-cased when it is a string (ids and names compare case-insensitively in Azure), else undefined. */
export function lowerCaseProp(resource: PolicyResource, key: string): string | undefined {
  let mine = lowered.get(resource);
  if (mine === undefined) {
    mine = new Map();
    lowered.set(resource, mine);
  }
  if (mine.has(key)) return mine.get(key);
  const value = prop(resource, key);
  const lower = typeof value === "string" ? value.toLowerCase() : undefined;
  mine.set(key, lower);
  return lower;
}

/** Human label for a resource in messages: its logical name and type token. */
export function describe(resource: PolicyResource): string {
  return `'${resource.name}' (${resource.type})`;
}
