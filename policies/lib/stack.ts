import type { PolicyResource } from "@pulumi/policy";

/**
 * True when `dependent` refers to `target` through the property `property`: either the engine
 * recorded the dependency (the value came from `target`'s output) or the value equals the ARM id.
 * Both are checked because a program may paste an id as a string.
 */
export function refersTo(dependent: PolicyResource, property: string, target: PolicyResource): boolean {
  const deps = dependent.propertyDependencies[property];
  if (deps?.some((d) => d.urn === target.urn)) return true;
  const id: unknown = target.props["id"];
  if (typeof id !== "string" || id.length === 0) return false;
  const value: unknown = dependent.props[property];
  return typeof value === "string" && value.toLowerCase() === id.toLowerCase();
}

/** Human label for a resource in messages: its logical name and type token. */
export function describe(resource: PolicyResource): string {
  return `'${resource.name}' (${resource.type})`;
}
