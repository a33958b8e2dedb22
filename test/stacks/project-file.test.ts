import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadProgramSource } from "../../preview/run-program";
import { environments, parsePlatformConfig, platformConfigSchema } from "../../stacks/config";
import { repoRoot } from "../support/harness";

interface ProjectFile {
  name: string;
  runtime: { name: string; options: { typescript: boolean } };
  main: string;
  stackConfigDir: string;
  config: Record<string, { type: string; description: string }>;
  template: { description: string; config: Record<string, { description: string; default: string }> };
}
const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as ProjectFile;
const schemaKeys = Object.keys(platformConfigSchema.properties);

describe("Pulumi.yaml", () => {
  it("runs the TypeScript stack program from stacks/ with stack files there", () => {
    expect(project.name).toBe("secure-mlops");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
    expect(project.main).toBe("stacks/");
    expect(project.stackConfigDir).toBe("stacks");
  });
  it("declares the scalar config keys with the schema's types", () => {
    expect(Object.keys(project.config).length).toBeGreaterThan(3);
    for (const [key, decl] of Object.entries(project.config)) {
      const schema = (platformConfigSchema.properties as Record<string, { type: string }>)[key];
      expect(schema, key).toBeDefined();
      expect(decl.type, key).toBe(schema?.type);
    }
    const scalars = schemaKeys.filter((k) => ["string", "boolean", "integer"].includes((platformConfigSchema.properties as Record<string, { type: string }>)[k]?.type ?? ""));
    expect(Object.keys(project.config).sort()).toEqual(scalars.sort());
  });
  it("has a template whose defaults make a valid config", () => {
    const raw: Record<string, unknown> = {};
    expect(Object.keys(project.template.config).length).toBeGreaterThan(3);
    for (const [key, t] of Object.entries(project.template.config)) {
      const short = key.replace(/^secure-mlops:/, "");
      expect(schemaKeys, key).toContain(short);
      try {
        raw[short] = JSON.parse(t.default);
      } catch {
        raw[short] = t.default;
      }
    }
    expect(Object.keys(raw).sort()).toEqual([...schemaKeys].sort());
    expect(() => parsePlatformConfig("secure-mlops", raw)).not.toThrow();
  });
});

describe("the stack files", () => {
  for (const env of environments) {
    it(`stacks/Pulumi.${env}.yaml is a valid ${env} config`, () => {
      const source = loadProgramSource(repoRoot, env);
      const raw: Record<string, unknown> = {};
      for (const [key, text] of Object.entries(source.config)) {
        if (!key.startsWith("secure-mlops:")) continue;
        try {
          raw[key.slice("secure-mlops:".length)] = JSON.parse(text);
        } catch {
          raw[key.slice("secure-mlops:".length)] = text;
        }
      }
      expect(parsePlatformConfig("secure-mlops", raw).environment).toBe(env);
      expect(source.secretKeys).toEqual([]);
    });
  }
});
