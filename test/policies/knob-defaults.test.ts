import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { knobsOf } from "../../policies/lib/config";

// A knob's default is written once, in its policy's configSchema; policies read knobs only through
// knobsOf, which falls back to that default. These tests hold the two together.

const knobbed = allPolicies.filter((p) => Object.keys(p.configSchema?.properties ?? {}).length > 0);

describe("policy knobs", () => {
  it("has policies with knobs to check", () => {
    expect(knobbed.length).toBeGreaterThan(40);
  });

  it("gives every knob of every policy a default in its schema", () => {
    const missing = knobbed.flatMap((p) =>
      Object.entries(p.configSchema?.properties ?? {})
        .filter(([, schema]) => typeof schema !== "object" || !("default" in schema))
        .map(([key]) => `${p.name}.${key}`),
    );
    expect(missing).toEqual([]);
  });

  it("reads each knob as configured, else as its schema's default", () => {
    const retention = allPolicies.find((p) => p.name === "azure-containerregistry-registry-retention-enabled");
    expect(retention).toBeDefined();
    const args = (config: object) => ({ getConfig: <T extends object>() => config as T });
    expect(knobsOf<{ maxDays: number }>(retention!, args({}))).toEqual({ maxDays: 30 });
    expect(knobsOf<{ maxDays: number }>(retention!, args({ maxDays: 7 }))).toEqual({ maxDays: 7 });
    expect(knobsOf<{ maxDays: number }>(retention!, args({ maxDays: null, other: 1 }))).toEqual({ maxDays: 30 });
  });

  it("has no policy source that reads its config around the schema", () => {
    const dir = path.resolve(__dirname, "../../policies");
    const sources = [
      ...readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => path.join(dir, f)),
      ...readdirSync(path.join(dir, "lib")).filter((f) => f.endsWith(".ts") && f !== "config.ts").map((f) => path.join(dir, "lib", f)),
    ];
    expect(sources.length).toBeGreaterThan(15);
    const offenders = sources.filter((file) => /\.getConfig\s*[<(]/.test(readFileSync(file, "utf8"))).map((f) => path.relative(dir, f));
    expect(offenders).toEqual([]);
  });
});
