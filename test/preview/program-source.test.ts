import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ProgramError } from "../../preview/errors";
import { loadProgramSource } from "../../preview/run-program";

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proj-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("loadProgramSource", () => {
  it("passes config to the program as the Pulumi CLI does: strings as is, the rest as JSON, namespaced", () => {
    const dir = project({
      "Pulumi.yaml": "name: demo\nruntime: nodejs\nconfig:\n  region:\n    type: string\n    default: westeurope\n",
      "Pulumi.dev.yaml": stringify({ config: { "demo:count": 3, "demo:net": { a: "10.0.0.0/16" }, "azure-native:location": "northeurope", "demo:token": { secure: "v1:abc" } } }),
    });
    const s = loadProgramSource(dir, "dev");
    expect(s.project).toBe("demo");
    expect(s.programDir).toBe(dir);
    expect(s.config).toEqual({
      "demo:region": "westeurope",
      "demo:count": "3",
      "demo:net": '{"a":"10.0.0.0/16"}',
      "azure-native:location": "northeurope",
      "demo:token": "[secret]",
    });
    expect(s.secretKeys).toEqual(["demo:token"]);
  });
  it("names the file and line of invalid YAML", () => {
    const dir = project({ "Pulumi.yaml": "name: demo\n", "Pulumi.dev.yaml": "config:\n  demo:a: [1,\n" });
    expect(() => loadProgramSource(dir, "dev")).toThrow(ProgramError);
    expect(() => loadProgramSource(dir, "dev")).toThrow(/Pulumi\.dev\.yaml:\d+:\d+ is not valid YAML/);
  });
  it("refuses a config that is not a mapping", () => {
    const dir = project({ "Pulumi.yaml": "name: demo\n", "Pulumi.dev.yaml": "config: just-a-string\n" });
    expect(() => loadProgramSource(dir, "dev")).toThrow(`${path.join(dir, "Pulumi.dev.yaml")}: \`config\` must be a mapping of keys to values`);
  });
  it("never throws anything but a ProgramError for any stack file content", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => stringify({ config: v }))), (text) => {
        const dir = project({ "Pulumi.yaml": "name: demo\n", "Pulumi.dev.yaml": text });
        try {
          loadProgramSource(dir, "dev");
        } catch (err) {
          expect(err).toBeInstanceOf(ProgramError);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 200 },
    );
  });
});
