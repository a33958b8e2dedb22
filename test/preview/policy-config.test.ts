import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PackInfo } from "../../preview/pack-client";
import { PolicyConfigError } from "../../preview/errors";
import { resolvePolicyConfig } from "../../preview/policy-config";

const pack: PackInfo = {
  name: "secure-mlops",
  version: "0.1.0",
  policies: [
    { name: "plain", description: "", enforcementLevel: "mandatory", policyType: "resource", severity: "high", tags: [], remediationSteps: "" },
    {
      name: "knobbed",
      description: "",
      enforcementLevel: "mandatory",
      policyType: "resource",
      severity: "low",
      tags: [],
      remediationSteps: "",
      configSchema: { properties: { maxDays: { type: "integer", minimum: 1, default: 30 }, strict: { type: "boolean", default: false } }, required: [] },
    },
  ],
};

describe("resolvePolicyConfig", () => {
  it("gives every policy its own level and fills schema defaults when there is no file", () => {
    expect(resolvePolicyConfig(pack, {})).toEqual({
      plain: { enforcementLevel: "mandatory", properties: {} },
      knobbed: { enforcementLevel: "mandatory", properties: { maxDays: 30, strict: false } },
    });
  });
  it("applies `all`, then per-policy levels and properties", () => {
    expect(resolvePolicyConfig(pack, { all: "advisory", knobbed: { enforcementLevel: "disabled", maxDays: 7 } })).toEqual({
      plain: { enforcementLevel: "advisory", properties: {} },
      knobbed: { enforcementLevel: "disabled", properties: { maxDays: 7, strict: false } },
    });
  });
  const bad: [string, Record<string, unknown>, string][] = [
    ["an unknown policy", { nope: "advisory" }, 'f.json: "nope" is not a policy of pack secure-mlops'],
    ["an unknown level", { plain: "warn" }, 'f.json: "plain" must be one of advisory, mandatory, remediate, disabled, got "warn"'],
    ["a property out of range", { knobbed: { maxDays: 0 } }, 'f.json: "knobbed.maxDays" must be >= 1'],
    ["an unknown property", { knobbed: { maxDayz: 3 } }, 'f.json: "knobbed.maxDayz" must NOT have additional properties'],
    ["properties for a policy without a schema", { plain: { x: 1 } }, 'f.json: "plain" takes no properties, got x'],
    ["properties under all", { all: { enforcementLevel: "advisory", maxDays: 3 } }, 'f.json: "all" takes only an enforcement level'],
  ];
  for (const [what, raw, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => resolvePolicyConfig(pack, raw, "f.json")).toThrow(new PolicyConfigError(message));
    });
  }
  it("never throws anything but a PolicyConfigError", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("all", "plain", "knobbed", "other"), fc.jsonValue()), (raw) => {
        try {
          resolvePolicyConfig(pack, raw, "f.json");
        } catch (err) {
          expect(err).toBeInstanceOf(PolicyConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
