import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pinnedActions } from "../components/github/files";
import { repoRoot } from "./support/harness";

const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");

describe("README.md", () => {
  it("gives the offline preview and the test command, and CI runs the same test command", () => {
    expect(readme).toContain("npm ci && npx secure-mlops preview --stack prod --policy-config policies/config/prod.json");
    expect(readme).toContain("```bash\nnpm test\n```");
    expect(fs.readFileSync(path.join(repoRoot, ".ci", "run"), "utf8")).toMatch(/^npm test$/m);
    expect(JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).scripts.test).toBe("vitest run");
  });

  it("shows the library example that the strict pack accepts", () => {
    const section = readme.slice(readme.indexOf("## Use it as a library"));
    const code = section.slice(section.indexOf("```ts\n") + 6, section.indexOf("```\n", section.indexOf("```ts\n") + 6));
    const fixture = fs.readFileSync(path.join(repoRoot, "test", "fixtures", "programs", "library-example", "index.ts"), "utf8");
    expect(code).toBe(fixture.replace('from "../../../../components";', 'from "secure-mlops";'));
    const r = spawnSync(process.execPath, [path.join(repoRoot, "bin", "secure-mlops.cjs"), "preview", "--program", "test/fixtures/programs/library-example", "--json"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { violations: unknown[] }).violations).toEqual([]);
  });

  it("shows a deploy workflow with pinned actions, least permissions and OIDC from the production environment", () => {
    const start = readme.indexOf("```yaml\nname: platform\n") + "```yaml\n".length;
    expect(start).toBeGreaterThan(10);
    const text = readme.slice(start, readme.indexOf("```\n", start));
    const workflow = parse(text) as { permissions: unknown; jobs: Record<string, { permissions: unknown; environment?: string; steps: { uses?: string; run?: string }[] }> };
    expect(workflow.permissions).toEqual({});
    expect(Object.fromEntries(Object.entries(workflow.jobs).map(([id, j]) => [id, [j.permissions, j.environment]]))).toEqual({
      "policy-check": [{ contents: "read" }, undefined],
      "deploy-prod": [{ contents: "read", "id-token": "write" }, "production"],
    });
    const pins = new Map<string, string>(Object.values(pinnedActions).map((a) => [a.uses, a.tag]));
    const uses = [...text.matchAll(/uses: (\S+) +# (v[\d.]+)/g)];
    expect(uses.length).toBe(Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses)).length);
    for (const [, ref, tag] of uses) expect(pins.get(ref as string), ref).toBe(tag);
    for (const step of Object.values(workflow.jobs).flatMap((j) => j.steps)) expect(step.run ?? "").not.toContain("${{");
  });

  it("links only to files that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)];
    expect(links.length).toBeGreaterThan(3);
    for (const [, target] of links) {
      expect(fs.existsSync(path.join(repoRoot, target ?? "")), target).toBe(true);
    }
  });
});
