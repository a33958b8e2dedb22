import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isBroadScope, scopeLevel } from "../../constants/scopes";

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

describe("scopeLevel", () => {
  const cases: [string, string][] = [
    ["/", "root"],
    ["/providers/Microsoft.Management/managementGroups/contoso", "managementGroup"],
    [sub, "subscription"],
    [`${sub}/`, "subscription"],
    [`${sub}/resourceGroups/rg`, "resourceGroup"],
    [`${sub.toUpperCase()}/RESOURCEGROUPS/rg`, "resourceGroup"],
    [`${sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr`, "resource"],
    [`${sub}/providers/Microsoft.Security/pricings/Containers`, "resource"],
    [`${sub}/resourceGroups`, "unknown"],
    ["subscriptions/x", "unknown"],
    ["", "unknown"],
    [`${sub}//resourceGroups/rg`, "unknown"],
  ];
  for (const [scope, level] of cases) it(`reads ${JSON.stringify(scope)} as ${level}`, () => expect(scopeLevel(scope)).toBe(level));
  it("never calls anything at or below a resource group broad", () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
    fc.assert(
      fc.property(seg, seg, fc.array(seg, { maxLength: 6 }), (s, rg, rest) => {
        const scope = ["", "subscriptions", s, "resourceGroups", rg, ...rest].join("/");
        expect(isBroadScope(scope)).toBe(false);
      }),
    );
  });
});
