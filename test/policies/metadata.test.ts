import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { atlasMitigations, nistAiRmf, tagPrefix } from "../../policies/lib/frameworks";
import { idsWithPrefix } from "../../policies/lib/metadata";

describe("every policy of the pack", () => {
  it("has policies to check", () => {
    expect(allPolicies.length).toBeGreaterThan(100);
  });
  it("has a unique kebab-case name with its provider first", () => {
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^(azure|azuread|github|kubernetes)-[a-z0-9]+(-[a-z0-9]+)+$/);
  });
  for (const policy of allPolicies) {
    describe(policy.name, () => {
      it("states its severity, remediation and a full-sentence description", () => {
        expect(["low", "medium", "high", "critical"]).toContain(policy.severity);
        expect(policy.remediationSteps?.length ?? 0).toBeGreaterThan(10);
        expect(policy.description).toMatch(/^[A-Z].*\.$/s);
      });
      it("maps to known MITRE ATLAS mitigations and NIST AI RMF subcategories", () => {
        const atlas = (policy.framework?.reference ?? "").split(" ").filter(Boolean);
        expect(policy.framework?.name).toBe("MITRE ATLAS");
        expect(atlas.length).toBeGreaterThan(0);
        for (const id of atlas) expect(Object.keys(atlasMitigations)).toContain(id);
        expect(idsWithPrefix(policy.tags, tagPrefix.atlas)).toEqual(atlas);
        const nist = idsWithPrefix(policy.tags, tagPrefix.nist);
        expect(nist.length).toBeGreaterThan(0);
        for (const id of nist) expect(Object.keys(nistAiRmf)).toContain(id);
      });
      it("gives every config knob a default, so the pack is complete with no config", () => {
        for (const [knob, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
          expect((schema as { default?: unknown }).default, knob).toBeDefined();
        }
      });
    });
  }
});
