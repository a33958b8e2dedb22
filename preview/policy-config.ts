import * as fs from "node:fs";
import type AjvClass from "ajv";
import type { ValidateFunction } from "ajv";
import type { EnforcementLevel, PackInfo, ResolvedPolicyConfig } from "./pack-client";
import { PolicyConfigError } from "./errors";
import { fullPolicyConfigSchema, policyConfigAjvOptions, policyConfigSchemaKey, type PolicyConfigSchema } from "./policy-config-schema";
import * as generated from "./policy-config-validators.generated";

/**
 * Reads a `--policy-pack-config` file (the Pulumi CLI's format) and resolves it against the pack,
 * as the CLI does before `Configure`: a level or `{ enforcementLevel, ...properties }` per policy,
 * `all` for every policy, properties validated by each policy's schema with its defaults filled.
 */

const levels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

type Entry = { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> };

function parseEntry(file: string, key: string, value: unknown): Entry {
  if (typeof value === "string") {
    if (!levels.includes(value as EnforcementLevel)) {
      throw new PolicyConfigError(`${file}: "${key}" must be one of ${levels.join(", ")}, got "${value}"`);
    }
    return { enforcementLevel: value as EnforcementLevel, properties: {} };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PolicyConfigError(`${file}: "${key}" must be an enforcement level or an object`);
  }
  const { enforcementLevel, ...properties } = value as Record<string, unknown>;
  if (enforcementLevel !== undefined && !levels.includes(enforcementLevel as EnforcementLevel)) {
    throw new PolicyConfigError(
      `${file}: "${key}.enforcementLevel" must be one of ${levels.join(", ")}, got ${JSON.stringify(enforcementLevel)}`,
    );
  }
  return { enforcementLevel: enforcementLevel as EnforcementLevel | undefined, properties };
}

/** Parses the file's JSON; a missing file or bad JSON is a PolicyConfigError. */
export function readPolicyConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new PolicyConfigError(`cannot read policy config ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PolicyConfigError(`policy config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new PolicyConfigError(`policy config ${file} must be a JSON object keyed by policy name`);
  }
  return parsed as Record<string, unknown>;
}

// The pack's schemas compiled ahead of time (tools/policy-config-validators.ts): compiling them
// here, and loading Ajv to do it, cost the CLI ~0.25 s of CPU in every preview.
const precompiled = generated.validators as unknown as ReadonlyMap<string, ValidateFunction>;

/**
 * Compiles a schema the generated table does not have (another pack, or a schema changed since
 * the table was generated) with the options the table was generated with. Ajv is loaded only then.
 */
function compiler(): (schema: Record<string, unknown>) => ValidateFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on this path only: the pack's own schemas never need it
  const { default: Ajv } = require("ajv") as { default: typeof AjvClass };
  const ajv = new Ajv(policyConfigAjvOptions);
  return (schema) => ajv.compile(schema);
}

/**
 * Resolves raw config (already parsed) for every policy of the pack. `validators` are the compiled
 * schemas by key, the generated table unless a test passes its own; a schema it lacks is compiled.
 */
export function resolvePolicyConfig(
  pack: PackInfo,
  raw: Record<string, unknown>,
  file = "policy config",
  validators: ReadonlyMap<string, ValidateFunction> = precompiled,
): ResolvedPolicyConfig {
  const known = new Set(pack.policies.map((p) => p.name));
  for (const key of Object.keys(raw)) {
    if (key !== "all" && !known.has(key)) {
      throw new PolicyConfigError(`${file}: "${key}" is not a policy of pack ${pack.name}`);
    }
  }
  const all = raw["all"] === undefined ? undefined : parseEntry(file, "all", raw["all"]);
  if (all && Object.keys(all.properties).length > 0) {
    throw new PolicyConfigError(`${file}: "all" takes only an enforcement level`);
  }
  // Policies of a family share a schema (76 policies of the pack have one, 44 distinct): one
  // compiled for this call is compiled once.
  const compiled = new Map<string, ValidateFunction>();
  let compile: ReturnType<typeof compiler> | undefined;
  const validatorFor = (schema: PolicyConfigSchema): ValidateFunction => {
    const key = policyConfigSchemaKey(schema);
    let validate = validators.get(key) ?? compiled.get(key);
    if (validate === undefined) {
      compile ??= compiler();
      validate = compile(fullPolicyConfigSchema(schema));
      compiled.set(key, validate);
    }
    return validate;
  };
  const resolved: Record<string, { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> }> = {};
  for (const policy of pack.policies) {
    const entry = raw[policy.name] === undefined ? undefined : parseEntry(file, policy.name, raw[policy.name]);
    const properties = { ...(entry?.properties ?? {}) };
    if (policy.configSchema) {
      const validate = validatorFor(policy.configSchema);
      if (!validate(properties)) {
        const e = validate.errors?.[0];
        const where = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : String(e?.params["additionalProperty"] ?? "");
        throw new PolicyConfigError(`${file}: "${policy.name}${where ? "." + where : ""}" ${e?.message ?? "is invalid"}`);
      }
    } else if (Object.keys(properties).length > 0) {
      throw new PolicyConfigError(`${file}: "${policy.name}" takes no properties, got ${Object.keys(properties).join(", ")}`);
    }
    // Like the CLI, send every policy an explicit level: the wire default (0) means "advisory".
    const enforcementLevel = entry?.enforcementLevel ?? all?.enforcementLevel ?? policy.enforcementLevel;
    resolved[policy.name] = { enforcementLevel, properties };
  }
  return resolved;
}
