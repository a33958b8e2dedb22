import { readFileSync } from "node:fs";
import Ajv from "ajv";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as generated from "../../stacks/config-validator.generated";
import { platformConfigSchema } from "../../stacks/config";
import { loadProgramSource } from "../../preview/run-program";
import { repoRoot } from "../support/harness";
import { generatedPath, renderConfigValidator } from "../../tools/config-validator";

// stacks/config.ts validates with Ajv's standalone code generated from its schema ahead of time;
// it must be the code Ajv generates from the schema as it is now, and judge as Ajv would.

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

describe("the generated config validator", () => {
  it("is exactly what the schema generates (run `npx tsx tools/config-validator.ts` when this fails)", () => {
    expect(readFileSync(generatedPath, "utf8")).toBe(renderConfigValidator());
  });

  it("accepts and refuses what Ajv compiling the schema at run time does, with the same first error", () => {
    const atRunTime = new Ajv({ allErrors: false, strict: true, useDefaults: false }).compile(platformConfigSchema) as Validate;
    const ahead = generated.validate as unknown as Validate;
    // the prod stack's config, as stacks/read-config.ts reads it (JSON where the text is JSON)
    const source = loadProgramSource(repoRoot, "prod");
    const valid = Object.fromEntries(
      Object.keys(platformConfigSchema.properties)
        .filter((key) => source.config[`${source.project}:${key}`] !== undefined)
        .map((key) => {
          const text = source.config[`${source.project}:${key}`] as string;
          try {
            return [key, JSON.parse(text) as unknown];
          } catch {
            return [key, text];
          }
        }),
    );
    expect(atRunTime(valid)).toBe(true);
    const samples = fc.sample(
      fc.oneof(
        fc.constant<unknown>(valid),
        fc.record({ ...Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.oneof(fc.constant(v), fc.jsonValue())])) }),
        fc.jsonValue(),
      ),
      { numRuns: 500, seed: 20261201 },
    );
    expect(samples.length).toBe(500);
    let accepted = 0;
    for (const sample of samples) {
      const verdict = atRunTime(sample);
      expect(ahead(sample)).toBe(verdict);
      if (verdict) accepted++;
      else expect(ahead.errors).toEqual(atRunTime.errors);
    }
    // both outcomes were exercised
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(samples.length);
  });
});
