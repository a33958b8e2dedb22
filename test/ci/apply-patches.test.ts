import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/harness";

// tools/apply-patches.cjs, npm's prepare step: patches node_modules in a development checkout,
// and stays out of the way where there is nothing to patch or nothing to patch with.

const scratch = mkdtempSync(path.join(tmpdir(), "apply-patches-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the script and patches/ in a fresh folder, with these packages under node_modules. */
function checkout(installed: string[]): string {
  const root = mkdtempSync(path.join(scratch, "co-"));
  mkdirSync(path.join(root, "tools"));
  copyFileSync(path.join(repoRoot, "tools", "apply-patches.cjs"), path.join(root, "tools", "apply-patches.cjs"));
  cpSync(path.join(repoRoot, "patches"), path.join(root, "patches"), { recursive: true });
  for (const name of installed) {
    mkdirSync(path.join(root, "node_modules", name), { recursive: true });
    writeFileSync(path.join(root, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.21.0" }));
  }
  return root;
}

function run(root: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, "tools", "apply-patches.cjs")], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_PATH: "" } });
  return { status: r.status, stderr: r.stderr };
}

describe("tools/apply-patches.cjs", () => {
  it("leaves a folder without node_modules alone (a copy being packed)", () => {
    const r = run(checkout([]));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("no node_modules here for @pulumi/policy; nothing to patch");
  });

  it("leaves the packages as published when dev dependencies were omitted (no patch-package)", () => {
    const r = run(checkout(["@pulumi/policy"]));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("patch-package is not installed (dev dependencies omitted); @pulumi/policy left as published");
  });
});
