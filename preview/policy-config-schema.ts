import type { PolicyInfo } from "./pack-client";

/**
 * The JSON schema a policy's config is validated with, as the Pulumi CLI builds it from the
 * pack's `configSchema`, and the key its validator is found by. Shared by resolvePolicyConfig and
 * tools/policy-config-validators.ts, which compiles these schemas ahead of time: both key a schema
 * the same way, so a precompiled validator is found only for a schema exactly as the pack sends it.
 */

export type PolicyConfigSchema = NonNullable<PolicyInfo["configSchema"]>;

/** Ajv's options for policy config: defaults filled in, the first error only, unknown keywords ignored. */
export const policyConfigAjvOptions = { useDefaults: true, allErrors: false, strict: false } as const;

/** Every property is optional unless required; a property the schema does not name is an error. */
export function fullPolicyConfigSchema(schema: PolicyConfigSchema): Record<string, unknown> {
  return { type: "object", properties: schema.properties, required: [...schema.required], additionalProperties: false };
}

/** The key of a schema's validator: its JSON text, in the order the pack sent its keys. */
export function policyConfigSchemaKey(schema: PolicyConfigSchema): string {
  return JSON.stringify(fullPolicyConfigSchema(schema));
}
