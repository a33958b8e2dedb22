import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import Ajv, { type ValidateFunction } from "ajv";
import * as fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PolicyConfigError } from "../../preview/errors";
import type { PackInfo } from "../../preview/pack-client";
import { resolvePolicyConfig } from "../../preview/policy-config";
import { fullPolicyConfigSchema, policyConfigAjvOptions, policyConfigSchemaKey, type PolicyConfigSchema } from "../../preview/policy-config-schema";
import * as generated from "../../preview/policy-config-validators.generated";
import { generatedPath, packConfigSchemas, renderPolicyConfigValidators } from "../../tools/policy-config-validators";
import { repoRoot } from "../support/harness";

// resolvePolicyConfig validates the pack's config with Ajv's standalone code generated ahead of
// time from the schemas as the pack sends them; it must be what Ajv generates from them now, judge
// and fill defaults as Ajv compiling them at run time does, and leave Ajv unloaded.

const table = generated.validators as unknown as ReadonlyMap<string, ValidateFunction>;
let schemas: Map<string, PolicyConfigSchema>;
beforeAll(async () => {
  schemas = await packConfigSchemas();
}, 60_000);

type Schema = Record<string, unknown>;

/** Values a property may be given: mostly of its type and near its bounds, sometimes any JSON. */
function valueFor(schema: Schema): fc.Arbitrary<unknown> {
  const near = (): fc.Arbitrary<unknown> => {
    switch (schema["type"]) {
      case "boolean":
        return fc.boolean();
      case "integer": {
        const min = typeof schema["minimum"] === "number" ? schema["minimum"] : -100;
        const max = typeof schema["maximum"] === "number" ? schema["maximum"] : min + 200;
        // the bounds and either side of them, as often as anything within
        return fc.oneof(fc.constantFrom(min - 1, min, max, max + 1), fc.integer({ min, max }), fc.double({ min: min - 2, max: max + 2, noNaN: true }));
      }
      case "string": {
        const fitting: fc.Arbitrary<string>[] = [fc.string({ maxLength: 6 }), fc.constant("")];
        if (Array.isArray(schema["enum"])) fitting.push(fc.constantFrom(...(schema["enum"] as string[])));
        if (typeof schema["pattern"] === "string") fitting.push(fc.stringMatching(new RegExp(schema["pattern"], "u")));
        return fc.oneof(...fitting);
      }
      case "array":
        return fc.array(valueFor((schema["items"] ?? {}) as Schema), { maxLength: 4 });
      default:
        return fc.jsonValue();
    }
  };
  return fc.oneof({ arbitrary: near(), weight: 6 }, { arbitrary: fc.constant(schema["default"]), weight: 1 }, { arbitrary: fc.jsonValue(), weight: 1 });
}

/** A policy's config properties: some of the schema's, now and then one it does not name. */
function configFor(schema: PolicyConfigSchema): fc.Arbitrary<Record<string, unknown>> {
  const known = fc.record(
    Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name, valueFor(s as Schema)])),
    { requiredKeys: [] },
  );
  const extra = fc.option(fc.tuple(fc.oneof(fc.constant("unknownKnob"), fc.string({ maxLength: 6 })), fc.jsonValue()), { freq: 5 });
  return fc.tuple(known, extra).map(([props, more]) => (more ? { ...props, [more[0]]: more[1] } : props));
}

function outcome(resolve: () => unknown): { resolved: unknown } | { error: string } {
  try {
    return { resolved: resolve() };
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyConfigError);
    return { error: (err as Error).message };
  }
}

describe("the generated policy config validators", () => {
  it("are exactly what the pack's schemas generate (run `npx tsx tools/policy-config-validators.ts` when this fails)", () => {
    expect(readFileSync(generatedPath, "utf8")).toBe(renderPolicyConfigValidators(schemas));
  });

  it("cover every config schema of the pack, by the key resolvePolicyConfig computes", () => {
    expect(schemas.size).toBeGreaterThan(10);
    expect([...table.keys()].sort()).toEqual([...schemas.keys()].sort());
  });

  it("accept, refuse and fill in defaults as Ajv compiling the schemas at run time does, with the same errors", () => {
    expect(schemas.size).toBeGreaterThan(0);
    expect(table.size).toBe(schemas.size);
    const ajv = new Ajv(policyConfigAjvOptions);
    let seed = 20261201;
    const refusedFor = new Set<string>();
    for (const [key, schema] of schemas) {
      const ahead = table.get(key)!;
      const atRunTime = ajv.compile(fullPolicyConfigSchema(schema));
      const pack: PackInfo = {
        name: "secure-mlops",
        version: "0.1.0",
        policies: [{ name: "knobbed", description: "", enforcementLevel: "mandatory", policyType: "resource", severity: "low", tags: [], remediationSteps: "", configSchema: schema }],
      };
      const samples = fc.sample(fc.oneof({ arbitrary: configFor(schema), weight: 9 }, { arbitrary: fc.jsonValue(), weight: 1 }), { numRuns: 150, seed: seed++ });
      expect(samples.length).toBe(150);
      let accepted = 0;
      for (const sample of samples) {
        const a = structuredClone(sample);
        const b = structuredClone(sample);
        const verdict = atRunTime(b);
        expect(ahead(a), `${key}: ${JSON.stringify(sample)}`).toBe(verdict);
        expect(a).toEqual(b);
        if (verdict) accepted++;
        else {
          expect(ahead.errors).toEqual(atRunTime.errors);
          refusedFor.add(atRunTime.errors![0]!.keyword);
        }
        if (typeof sample === "object" && sample !== null && !Array.isArray(sample)) {
          // The PolicyConfigError text, or the resolved properties, through resolvePolicyConfig.
          const raw = { knobbed: sample };
          expect(outcome(() => resolvePolicyConfig(pack, raw, "f.json"))).toEqual(
            outcome(() => resolvePolicyConfig(pack, raw, "f.json", new Map([[key, atRunTime]]))),
          );
        }
      }
      // both outcomes were exercised for every schema
      expect(accepted, key).toBeGreaterThan(0);
      expect(accepted, key).toBeLessThan(samples.length);
    }
    // every keyword the pack's schemas use refused something
    const used = new Set([...schemas.keys()].flatMap((key) => [...key.matchAll(/"(minimum|maximum|enum|pattern|minLength)"/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(0);
    expect([...refusedFor].sort()).toEqual([...used, "type", "additionalProperties"].sort());
  });

  it("fall back to Ajv for a schema they do not have, which still validates and fills defaults", () => {
    const schema: PolicyConfigSchema = { properties: { maxDays: { type: "integer", minimum: 1, default: 30 }, tiers: { type: "array", items: { type: "string" } } }, required: ["tiers"] };
    expect(table.has(policyConfigSchemaKey(schema))).toBe(false);
    const pack: PackInfo = {
      name: "other-pack",
      version: "1.0.0",
      policies: [{ name: "retention", description: "", enforcementLevel: "advisory", policyType: "resource", severity: "low", tags: [], remediationSteps: "", configSchema: schema }],
    };
    expect(resolvePolicyConfig(pack, { retention: { tiers: ["hot"] } }, "f.json")).toEqual({
      retention: { enforcementLevel: "advisory", properties: { maxDays: 30, tiers: ["hot"] } },
    });
    expect(() => resolvePolicyConfig(pack, { retention: { tiers: ["hot"], maxDays: 0 } }, "f.json")).toThrow(
      new PolicyConfigError('f.json: "retention.maxDays" must be >= 1'),
    );
    expect(() => resolvePolicyConfig(pack, { retention: {} }, "f.json")).toThrow(
      new PolicyConfigError("f.json: \"retention\" must have required property 'tiers'"),
    );
  });

  it("leave Ajv unloaded when the prod config is resolved against the pack, and load it for an unknown schema", () => {
    // A process of its own: this one has Ajv loaded already. Ajv's small runtime helpers
    // (ajv/dist/runtime/) are what the generated code requires.
    const script = `
      const ajvFiles = () => Object.keys(require.cache).filter((k) => k.includes("/node_modules/ajv/") && !k.includes("/ajv/dist/runtime/"));
      const { startConfiguredPack } = require("./preview/engine.ts");
      const { resolvePolicyConfig } = require("./preview/policy-config.ts");
      (async () => {
        const { client, pack, config } = await startConfiguredPack("policies", "policies/config/prod.json");
        client.close();
        const afterProd = ajvFiles();
        const unknown = { ...pack.policies[0], name: "other", configSchema: { properties: { n: { type: "integer", default: 1 } }, required: [] } };
        const other = resolvePolicyConfig({ name: "other", version: "1", policies: [unknown] }, {});
        console.log(JSON.stringify({ policies: pack.policies.length, configured: Object.keys(config).length, withSchema: pack.policies.filter((p) => p.configSchema).length, afterProd, other, afterUnknown: ajvFiles().length }));
      })().catch((err) => { console.error(err); process.exitCode = 1; });`;
    const r = spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), "-e", script], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: "--no-deprecation --no-warnings" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const seen = JSON.parse(r.stdout) as { policies: number; configured: number; withSchema: number; afterProd: string[]; other: unknown; afterUnknown: number };
    expect(seen.withSchema).toBeGreaterThan(10);
    expect(seen.configured).toBe(seen.policies);
    expect(seen.afterProd).toEqual([]);
    expect(seen.other).toEqual({ other: { enforcementLevel: expect.any(String), properties: { n: 1 } } });
    expect(seen.afterUnknown).toBeGreaterThan(0);
  }, 60_000);
});

