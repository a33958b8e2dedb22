import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { readmePath, renderControlsTable, tableBegin, tableEnd, withTable } from "../../tools/controls-table";
import { azurePolicyNames } from "../../policies/lib/azure-policy-names";
import { tagPrefix } from "../../policies/lib/frameworks";
import { idsWithPrefix } from "../../policies/lib/metadata";
import { repoRoot } from "../support/harness";

const readme = fs.readFileSync(readmePath, "utf8");
const region = readme.slice(readme.indexOf(tableBegin) + tableBegin.length, readme.indexOf(tableEnd)).trim();

describe("the control table of policies/README.md", () => {
  it("is exactly what the policies' metadata generates (run `npx tsx tools/controls-table.ts` when this fails)", () => {
    expect(region).toBe(renderControlsTable(allPolicies));
  });

  it("has one row per policy of the pack, in pack order", () => {
    const named = region
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| Control"))
      .map((line) => /`([a-z0-9-]+)` \(/.exec(line)?.[1]);
    expect(named).toEqual(allPolicies.map((p) => p.name));
  });

  it("names every Azure Policy definition the pack cites", () => {
    const cited = [...new Set(allPolicies.flatMap((p) => idsWithPrefix(p.tags, tagPrefix.azurePolicy)))];
    expect(cited.length).toBeGreaterThan(20);
    for (const id of cited) {
      expect(id, "an Azure Policy definition name is a GUID").toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(azurePolicyNames[id], `add the display name of ${id} to policies/lib/azure-policy-names.ts`).toBeDefined();
    }
  });

  it("keeps the hand-written parts when regenerating, and refuses a README without markers", () => {
    const doc = `intro\n${tableBegin}\nold\n${tableEnd}\noutro\n`;
    expect(withTable(doc, "new")).toBe(`intro\n${tableBegin}\nnew\n${tableEnd}\noutro\n`);
    expect(() => withTable("no markers", "new")).toThrow(/has no generated region/);
  });

  it("checks from the command line without npm (npx tsx tools/controls-table.ts --check)", () => {
    const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
    expect(() => execFileSync(tsx, [path.join(repoRoot, "tools", "controls-table.ts"), "--check"], { cwd: repoRoot, stdio: "pipe" })).not.toThrow();
  });
});
