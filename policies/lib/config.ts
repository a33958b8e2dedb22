/**
 * A policy's knobs, read through its own `configSchema`: the schema's `default` is the only
 * default of a knob. The Pulumi engine fills defaults before it configures the pack; reading
 * through the schema keeps a policy right where nothing filled them (a pack run without config),
 * and leaves no second default written in the policy's code.
 */

/** The part of a policy this reads: its config schema's properties and their defaults. */
export interface KnobbedPolicy {
  readonly name: string;
  readonly configSchema?: { readonly properties?: Readonly<Record<string, { readonly default?: unknown }>> };
}

/** The arguments a validation receives, as far as config goes. */
export interface ConfigArgs {
  getConfig<T extends object>(): T;
}

/**
 * The policy's config: each property of its schema, as configured or else the schema's default.
 * `T` names the knobs with the types their schema gives them.
 */
export function knobsOf<T extends object>(policy: KnobbedPolicy, args: ConfigArgs): T {
  const given = args.getConfig<Record<string, unknown>>();
  const knobs: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    const value = given[key];
    knobs[key] = value === undefined || value === null ? schema.default : value;
  }
  return knobs as T;
}
