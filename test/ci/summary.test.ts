import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/harness";

// .ci/summary.cjs writes the last line CI reads, "N passed, N failed", from vitest's JSON report.

const scratch = mkdtempSync(path.join(tmpdir(), "ci-summary-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function summarize(report: unknown): { status: number | null; lines: string[] } {
  const file = path.join(scratch, `report-${Math.random().toString(36).slice(2)}.json`);
  if (report !== undefined) writeFileSync(file, JSON.stringify(report));
  const r = spawnSync(process.execPath, [path.join(repoRoot, ".ci", "summary.cjs"), file], { encoding: "utf8" });
  return { status: r.status, lines: r.stdout.trim().split("\n") };
}

const file = (status: string, assertions: string[], message = "") => ({
  name: `/repo/test/${status}.test.ts`,
  status,
  message,
  assertionResults: assertions.map((s) => ({ status: s })),
});

describe(".ci/summary.cjs", () => {
  it("ends with the plain line for a green run, and exits 0", () => {
    const r = summarize({ numPassedTests: 3, numFailedTests: 0, testResults: [file("passed", ["passed", "passed", "passed"])] });
    expect(r.lines.at(-1)).toBe("3 passed, 0 failed");
    expect(r.status).toBe(0);
  });

  it("counts failed tests", () => {
    const r = summarize({ numPassedTests: 1, numFailedTests: 1, testResults: [file("failed", ["passed", "failed"])] });
    expect(r.lines.at(-1)).toBe("1 passed, 1 failed");
    expect(r.status).toBe(1);
  });

  it("counts a file that failed outside its tests (a beforeAll that throws skips them), names it, and keeps the last line plain", () => {
    const r = summarize({
      numPassedTests: 2,
      numFailedTests: 0,
      numPendingTests: 5,
      testResults: [file("passed", ["passed", "passed"]), file("failed", ["skipped", "skipped", "skipped", "skipped", "skipped"], "Command failed: npm pack")],
    });
    expect(r.lines).toContain("failed outside its tests: /repo/test/failed.test.ts: Command failed: npm pack");
    expect(r.lines).toContain("5 skipped");
    expect(r.lines.at(-1)).toBe("2 passed, 1 failed");
    expect(r.status).toBe(1);
  });

  it("counts a file that did not load", () => {
    const r = summarize({ numPassedTests: 4, numFailedTests: 0, testResults: [file("failed", [], "SyntaxError")] });
    expect(r.lines.at(-1)).toBe("4 passed, 1 failed");
    expect(r.status).toBe(1);
  });

  it("reads a missing report as a failure", () => {
    const r = summarize(undefined);
    expect(r.lines.at(-1)).toBe("0 passed, 1 failed");
    expect(r.status).toBe(1);
  });
});
