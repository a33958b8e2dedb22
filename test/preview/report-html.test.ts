import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PreviewResult, Violation } from "../../preview/engine";
import type { PackInfo, PolicyInfo } from "../../preview/pack-client";
import { buildCoverage } from "../../preview/report-html/coverage";
import { buildHeatMap, heatLevel, heatMapHtml, levelRange, serviceOf } from "../../preview/report-html/heat-map";
import { esc } from "../../preview/report-html/html";
import { reportHtml } from "../../preview/report-html/page";
import { buildPairs } from "../../preview/report-html/pairs";
import { verdictsHtml } from "../../preview/report-html/verdicts";

function policy(name: string, atlas: string, tags: string[] = []): PolicyInfo {
  return { name, description: "", enforcementLevel: "mandatory", policyType: "resource", severity: "high", framework: { name: "MITRE ATLAS", version: "5", reference: atlas, specification: "" }, tags, remediationSteps: "" };
}
const pack = (...policies: PolicyInfo[]): PackInfo => ({ name: "pack", version: "1.0.0", policies });

function violation(policyName: string, over: Partial<Violation> = {}): Violation {
  return { policyName, policyPackName: "pack", urn: `urn:pulumi:s::p::t::${policyName}`, resourceName: "r1", resourceType: "azure-native:x:Y", message: "m", enforcementLevel: "mandatory", severity: "high", frameworks: ["AML.M0005"], remediationSteps: "", ...over };
}
function preview(p: PackInfo, violations: Violation[]): PreviewResult {
  return { project: "p", stack: "test", pack: p, resources: [{ urn: "u", type: "t", name: "n", custom: true }], violations, mandatoryCount: violations.filter((v) => v.enforcementLevel === "mandatory").length };
}

describe("the HTML report's views", () => {
  it("escapes every text that comes from policies and the stack", () => {
    const hostile = '<script>alert("x")</script>';
    const p = pack(policy(`azure-storage-${hostile}`, "AML.M0005", [`checkov:${hostile}`]));
    const html = reportHtml(p, preview(p, [violation(`azure-storage-${hostile}`, { message: hostile, resourceName: hostile })]));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toMatch(/<link|<img|src=|url\(|@import/);
  });

  it("escapes the five characters HTML gives meaning to, and only those", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = esc(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
        expect(out.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")).toBe(s);
      }),
    );
  });

  it("counts policies per mitigation and service, with the stack's violations in the cell", () => {
    const p = pack(policy("azure-storage-a", "AML.M0005 AML.M0012"), policy("azure-storage-b", "AML.M0005"), policy("github-repository-c", "AML.M0013"), policy("azuread-group-d", "AML.M0005"));
    const h = buildHeatMap(p, preview(p, [violation("azure-storage-b"), violation("azure-storage-b")]));
    expect(h.services).toEqual(["storage", "github", "azuread"]);
    expect(h.mitigations.map((m) => m.id)).toEqual(["AML.M0005", "AML.M0012", "AML.M0013"]);
    expect(h.cells[0]).toEqual([{ policies: ["azure-storage-a", "azure-storage-b"], violations: 2 }, { policies: [], violations: 0 }, { policies: ["azuread-group-d"], violations: 0 }]);
    expect(h.max).toBe(2);
    expect(buildHeatMap(p).cells[0]?.[0]).toEqual({ policies: ["azure-storage-a", "azure-storage-b"], violations: undefined });
    const html = heatMapHtml(h);
    expect(html).toContain('<td class="heat h5 violated"><span class="count" title="azure-storage-a\nazure-storage-b">2</span><span class="violations">2 violations</span></td>');
    expect(html).toContain('<tr><th scope="row">Policies per service</th><td class="total">2</td><td class="total">1</td><td class="total">1</td></tr>');
  });

  it("names the service from the policy name", () => {
    expect(["azure-containerregistry-registry-x", "azuread-application-y", "github-branch-z", "kubernetes-pod-security-w"].map(serviceOf)).toEqual(["containerregistry", "azuread", "github", "kubernetes"]);
  });

  it("shades by count and prints the counts each shade stands for", () => {
    expect([0, 1, 7, 8, 35].map((n) => heatLevel(n, 35))).toEqual([0, 1, 1, 2, 5]);
    expect([0, 1, 2, 3, 4, 5].map((l) => levelRange(l, 35))).toEqual(["0", "1-7", "8-14", "15-21", "22-28", "29-35"]);
    // With few policies some shades stand for no count and leave the legend.
    expect([0, 1, 2, 3, 4, 5].map((l) => levelRange(l, 2))).toEqual(["0", undefined, undefined, "1", undefined, "2"]);
    // Every count falls inside the range its shade's legend prints.
    for (let max = 1; max <= 40; max++) {
      for (let n = 1; n <= max; n++) {
        const [low, high = low] = (levelRange(heatLevel(n, max), max) ?? "").split("-").map(Number);
        expect(n >= (low ?? NaN) && n <= (high ?? NaN), `${n} of ${max}`).toBe(true);
      }
    }
  });

  it("reports coverage per anchor: covered by a policy, not judged with the reason, or listed and not mapped", () => {
    const p = pack(policy("azure-containerregistry-x", "AML.M0005", ["checkov:CKV_AZURE_137", "azure-policy:dc921057-6b28-4fbe-9b83-f7bec05db6c2", "scorecard:Branch-Protection/T1/block-deletion"]));
    const [checkov, azure, scorecard] = buildCoverage(p);
    expect(checkov?.rows.find((r) => r.id === "CKV_AZURE_137")).toEqual({ id: "CKV_AZURE_137", title: undefined, policies: ["azure-containerregistry-x"], status: "covered", reason: undefined });
    expect(checkov?.rows.find((r) => r.id === "CKV_GITHUB_15")).toMatchObject({ status: "not judged", reason: "Inactive branches are found by a periodic scan, not at deployment." });
    expect(checkov?.rows.find((r) => r.id === "CKV_GIT_1")).toMatchObject({ status: "not mapped", policies: [] });
    expect(azure?.rows.find((r) => r.id === "dc921057-6b28-4fbe-9b83-f7bec05db6c2")).toMatchObject({ status: "covered", title: "Container registries should have local admin account disabled" });
    expect(azure?.rows.filter((r) => r.status === "covered").length).toBe(1);
    expect(scorecard?.listed).toBe(11);
    expect(scorecard?.rows.filter((r) => r.status === "covered").map((r) => r.id)).toEqual(["Branch-Protection/T1/block-deletion"]);
  });

  it("pairs a pack policy with the Azure Policy built-ins that enforce it after deployment", () => {
    const p = pack(policy("azure-storage-a", "AML.M0005"), policy("azure-storage-b", "AML.M0005"));
    const table = { "azure-storage-a": [{ id: "g-1", displayName: "Storage should", kind: "definition" as const }], "not-in-pack": [{ id: "g-2", displayName: "x", kind: "initiative" as const }] };
    expect(buildPairs(p, preview(p, [violation("azure-storage-a")]), table)).toEqual([{ policy: "azure-storage-a", severity: "high", violations: 1, after: table["azure-storage-a"] }]);
    expect(buildPairs(p, undefined, table)[0]?.violations).toBeUndefined();
  });

  it("states the stack's verdict and lists mandatory violations first", () => {
    const p = pack(policy("azure-storage-a", "AML.M0005"), policy("azure-storage-b", "AML.M0005"));
    const html = verdictsHtml(preview(p, [violation("azure-storage-a", { enforcementLevel: "advisory", message: "advice" }), violation("azure-storage-b", { message: "refused" })]));
    expect(html).toContain('<p class="verdict fail"><strong>Fails:</strong> test stack, 1 resource judged by 2 policies; 1 mandatory violation, 1 other finding.</p>');
    expect(html.indexOf("refused")).toBeLessThan(html.indexOf("advice"));
    expect(verdictsHtml(undefined)).toContain("No stack was previewed");
  });
});
