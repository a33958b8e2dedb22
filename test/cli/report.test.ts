import { describe, expect, it } from "vitest";
import type { Matrix } from "../../preview/matrix";
import { cliWithin } from "../support/cli";

const cli = cliWithin(120_000);

describe("secure-mlops report", () => {
  it("prints the matrix from the policies' metadata with the prod stack's violations", () => {
    const r = cli("report", "--stack", "prod", "--format", "json");
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout) as Matrix;
    expect(m.stack).toBe("prod");
    const admin = m.rows.filter((row) => row.policy === "azure-containerregistry-registry-admin-user-disabled");
    expect(admin).toEqual([
      { atlas: "AML.M0005", policy: admin[0]?.policy, severity: "high", enforcementLevel: "mandatory", nist: ["MEASURE-2.7"], controls: ["checkov:CKV_AZURE_137", "azure-policy:dc921057-6b28-4fbe-9b83-f7bec05db6c2"], violations: 0 },
      { atlas: "AML.M0019", policy: admin[0]?.policy, severity: "high", enforcementLevel: "mandatory", nist: ["MEASURE-2.7"], controls: ["checkov:CKV_AZURE_137", "azure-policy:dc921057-6b28-4fbe-9b83-f7bec05db6c2"], violations: 0 },
    ]);
    expect(m.rows.every((row) => row.atlas.startsWith("AML.M"))).toBe(true);
    expect(m.rows.reduce((n, row) => n + (row.violations ?? 0), 0)).toBe(0);
  });
  it("prints a Markdown table by default", () => {
    const r = cli("report");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").slice(0, 4)).toEqual([
      "# Threat matrix of secure-mlops@0.1.0",
      "",
      "| ATLAS | Policy | Severity | NIST AI RMF | Controls |",
      "|---|---|---|---|---|",
    ]);
  });
  it("exits 2 for an unknown format", () => {
    const r = cli("report", "--format", "pdf");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('secure-mlops: --format must be md, html, json or navigator, got "pdf"\n');
  });
});
