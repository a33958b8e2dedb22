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

type Memo<V> = WeakMap<PolicyResource, Map<string, V>>;

/** `compute()` once per resource object and key; a computation that throws is not remembered. */
function remembered<V>(memo: Memo<V>, resource: PolicyResource, key: string, compute: () => V): V {
  let mine = memo.get(resource);
  if (mine === undefined) {
    mine = new Map();
    memo.set(resource, mine);
  }
  if (mine.has(key)) return mine.get(key) as V;
  const value = compute();
  mine.set(key, value);
  return value;
}

const reads: Memo<unknown> = new WeakMap();
const lowered: Memo<string | undefined> = new WeakMap();

/**
 * `resource.props[key]`, read once per resource object. Stack policies compare pairs of
 * resources, so the same property is read once per other resource, and every read goes through
 * the pack's unknown-checking proxy: at 5,000 resources those reads were a fifth of the stack
 * analysis. The server builds new resource objects for every policy, so nothing is shared
 * between policies. A read that throws (an unknown value at preview) is not remembered and
 * throws again, as the direct read would.
 */
export function prop(resource: PolicyResource, key: string): unknown {
  return remembered(reads, resource, key, () => resource.props[key]);
}

/** `prop` lower-cased when it is a string (ids and names compare case-insensitively in Azure), else undefined. */
export function lowerCaseProp(resource: PolicyResource, key: string): string | undefined {
  return remembered(lowered, resource, key, () => {
    const value = prop(resource, key);
    return typeof value === "string" ? value.toLowerCase() : undefined;
  });
}

/** Human label for a resource in messages: its logical name and type token. */
export function describe(resource: PolicyResource): string {
  return `'${resource.name}' (${resource.type})`;
}
