import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { atlasMitigations, atlasTechniques, mitigatedTechniques } from "../../policies/lib/frameworks";
import { navigatorLayer, type NavigatorLayer } from "../../preview/navigator";
import type { PackInfo, PolicyInfo } from "../../preview/pack-client";
import { cliWithin, type CliRun } from "../support/cli";
import { repoRoot } from "../support/harness";

const cli = cliWithin(120_000);
const schema = JSON.parse(readFileSync(path.join(repoRoot, "test", "fixtures", "navigator", "layer-4.3.schema.json"), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function policy(name: string, atlas: string): PolicyInfo {
  return { name, description: "", enforcementLevel: "mandatory", policyType: "resource", severity: "high", framework: { name: "MITRE ATLAS", version: "5", reference: atlas, specification: "" }, tags: [], remediationSteps: "" };
}
const pack = (...policies: PolicyInfo[]): PackInfo => ({ name: "p", version: "1", policies });

describe("report --format navigator", () => {
  let r: CliRun;
  let layer: NavigatorLayer;
  beforeAll(() => {
    r = cli("report", "--format", "navigator");
    layer = JSON.parse(r.stdout) as NavigatorLayer;
  }, 120_000);

  it("prints a layer that validates against the layer format's published fields", () => {
    expect(r.status).toBe(0);
    expect(validate(layer), JSON.stringify(validate.errors)).toBe(true);
    expect(layer.domain).toBe("atlas-atlas");
    expect(layer.versions).toEqual({ layer: "4.3", navigator: "4.6.4" });
    expect(layer.gradient.maxValue).toBeGreaterThan(layer.gradient.minValue);
  });

  it("names only ATLAS techniques the project knows, and scores every technique a mitigation of the pack answers", () => {
    expect(layer.techniques.length).toBeGreaterThan(0);
    for (const t of layer.techniques) expect(Object.keys(atlasTechniques), t.techniqueID).toContain(t.techniqueID);
    const answered = new Set(Object.values(mitigatedTechniques).flat());
    expect([...answered].sort()).toEqual(layer.techniques.filter((t) => t.score !== undefined).map((t) => t.techniqueID));
  });

  it("scores a technique with the number of policies whose mitigations answer it", () => {
    // AML.T0059 (Erode Dataset Integrity) is answered by AML.M0007 alone.
    expect(mitigatedTechniques["AML.M0007"]).toContain("AML.T0059");
    expect(Object.entries(mitigatedTechniques).filter(([, ts]) => ts.includes("AML.T0059")).map(([m]) => m)).toEqual(["AML.M0007"]);
    const sanitizers = JSON.parse(cli("report", "--format", "json").stdout) as { rows: { atlas: string; policy: string }[] };
    const expected = new Set(sanitizers.rows.filter((row) => row.atlas === "AML.M0007").map((row) => row.policy)).size;
    expect(expected).toBeGreaterThan(0);
    const t = layer.techniques.find((x) => x.techniqueID === "AML.T0059");
    expect(t?.score).toBe(expected);
    expect(t?.metadata).toEqual([
      { name: "mitigations", value: "AML.M0007" },
      { name: "policies", value: String(expected) },
    ]);
  });
});

describe("navigatorLayer", () => {
  it("counts a policy once per technique, lists its mitigations, and expands parents of scored sub-techniques", () => {
    const layer = navigatorLayer(pack(policy("a", "AML.M0011 AML.M0016"), policy("b", "AML.M0016"), policy("c", "AML.M0005")));
    const malicious = layer.techniques.find((t) => t.techniqueID === "AML.T0011.001");
    expect(malicious).toMatchObject({ score: 2, metadata: [{ name: "mitigations", value: "AML.M0011 AML.M0016" }, { name: "policies", value: "2" }] });
    expect(layer.techniques.find((t) => t.techniqueID === "AML.T0011")).toMatchObject({ score: 2, showSubtechniques: true });
    // AML.T0048.004 comes from AML.M0005; its parent is answered by no mitigation, so it is listed unscored and open.
    expect(layer.techniques.find((t) => t.techniqueID === "AML.T0048")).toEqual({ techniqueID: "AML.T0048", enabled: true, showSubtechniques: true });
    expect(validate(layer), JSON.stringify(validate.errors)).toBe(true);
  });

  it("adds, for a previewed stack, the violations of each technique's policies", () => {
    const p = pack(policy("a", "AML.M0016"), policy("b", "AML.M0016"));
    const v = { policyPackName: "p", urn: "u", resourceName: "r", resourceType: "t", message: "m", enforcementLevel: "mandatory" as const, severity: "high" as const, frameworks: [], remediationSteps: "" };
    const layer = navigatorLayer(p, { project: "x", stack: "dev", pack: p, resources: [], violations: [{ ...v, policyName: "a" }, { ...v, policyName: "a" }], mandatoryCount: 2 });
    expect(layer.name).toBe("p@1 mitigations (dev)");
    expect(layer.techniques.find((t) => t.techniqueID === "AML.T0011")?.metadata).toEqual([
      { name: "mitigations", value: "AML.M0016" },
      { name: "policies", value: "2" },
      { name: "violations (dev)", value: "2" },
    ]);
    expect(layer.metadata).toContainEqual({ name: "violations", value: "2" });
    expect(validate(layer), JSON.stringify(validate.errors)).toBe(true);
  });

  it("ignores ids that are not ATLAS mitigations of the project", () => {
    const layer = navigatorLayer(pack(policy("x", "AML.M9999")));
    expect(layer.techniques).toEqual([]);
    expect(layer.gradient).toEqual({ colors: ["#e8f1fb", "#2b6cb0"], minValue: 0, maxValue: 1 });
  });

  it("keeps every mitigation's techniques inside the known technique table", () => {
    expect(Object.keys(mitigatedTechniques).sort()).toEqual(Object.keys(atlasMitigations).sort());
    for (const ts of Object.values(mitigatedTechniques)) {
      expect(ts.length).toBeGreaterThan(0);
      for (const t of ts) expect(atlasTechniques[t]).toBeTruthy();
    }
  });

  it("has a schema that refuses what the format does not define", () => {
    const ok = navigatorLayer(pack(policy("a", "AML.M0016")));
    expect(validate(ok)).toBe(true);
    expect(validate({ ...ok, techniques: [{ techniqueID: "AML.M0016" }] })).toBe(false);
    expect(validate({ ...ok, versions: { layer: "4.5", navigator: "4.6.4" } })).toBe(false);
    expect(validate({ ...ok, scores: [] })).toBe(false);
    const { name: _name, ...nameless } = ok;
    expect(validate(nameless)).toBe(false);
  });
});
