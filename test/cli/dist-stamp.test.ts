import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/harness";

// A package in miniature: the real bin/secure-mlops.cjs and bin/dist-stamp.cjs, a cli/main.ts
// that says "sources" and a dist/cli/main.js that says "dist", so each run shows which one the
// bin chose. The rule under test: dist/ runs only while the sources match what built it.

let pkg: string;
const source = 'export async function main(): Promise<number> {\n  process.stdout.write("sources\\n");\n  return 0;\n}\n';

function runBin(env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [path.join(pkg, "bin", "secure-mlops.cjs")], { cwd: pkg, encoding: "utf8", env: { ...process.env, SECURE_MLOPS_FROM_SOURCES: "", ...env }, timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

function stamp(): number | null {
  for (const step of ["begin", "end"]) {
    const r = spawnSync(process.execPath, [path.join(pkg, "bin", "dist-stamp.cjs"), step], { encoding: "utf8" });
    if (r.status !== 0) return r.status;
  }
  return 0;
}

beforeAll(() => {
  pkg = mkdtempSync(path.join(tmpdir(), "dist-stamp-"));
  mkdirSync(path.join(pkg, "bin"));
  mkdirSync(path.join(pkg, "cli"));
  mkdirSync(path.join(pkg, "dist", "cli"), { recursive: true });
  for (const f of ["secure-mlops.cjs", "dist-stamp.cjs"]) copyFileSync(path.join(repoRoot, "bin", f), path.join(pkg, "bin", f));
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(pkg, "node_modules"));
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "secure-mlops" }));
  writeFileSync(path.join(pkg, "tsconfig.build.json"), '// as the real one: a comment, then the folders\n{ "include": ["cli"] }\n');
  writeFileSync(path.join(pkg, "cli", "main.ts"), source);
  writeFileSync(path.join(pkg, "dist", "cli", "main.js"), 'exports.main = async () => { process.stdout.write("dist\\n"); return 0; };\n');
  // preloaded where a start must not hash: any load of node:crypto throws
  writeFileSync(
    path.join(pkg, "no-crypto.cjs"),
    'const Module = require("node:module");\nconst load = Module._load;\nModule._load = function (request, ...rest) {\n  if (request === "node:crypto" || request === "crypto") throw new Error("node:crypto loaded");\n  return load.call(this, request, ...rest);\n};\n',
  );
});

afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

describe("bin/secure-mlops.cjs chooses dist/ only when it was built from the sources beside it", () => {
  it("runs the sources while dist/ has no build stamp", () => {
    expect(runBin()).toBe("sources");
  });

  it("runs dist/ once stamped, and the sources when asked to", () => {
    expect(stamp()).toBe(0);
    expect(JSON.parse(readFileSync(path.join(pkg, "dist", "build-stamp.json"), "utf8")).files).toHaveProperty(["cli/main.ts"]);
    expect(runBin()).toBe("dist");
    expect(runBin({ SECURE_MLOPS_FROM_SOURCES: "1" })).toBe("sources");
  });

  it("keeps dist/ when a source is touched but not changed (a checkout, an unpacked tarball)", () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(pkg, "cli", "main.ts"), later, later);
    expect(runBin()).toBe("dist");
  });

  it("records the moved mtime of an unchanged source, so the next start need not hash it", () => {
    const npmDate = new Date("1985-10-26T08:15:00.000Z");
    utimesSync(path.join(pkg, "cli", "main.ts"), npmDate, npmDate);
    const recorded = () => (JSON.parse(readFileSync(path.join(pkg, "dist", "build-stamp.json"), "utf8")) as { files: Record<string, { mtimeMs: number }> }).files["cli/main.ts"]?.mtimeMs;
    expect(recorded()).not.toBe(npmDate.getTime());
    expect(runBin()).toBe("dist");
    expect(recorded()).toBe(npmDate.getTime());
    // told by stats alone now: a start that cannot load node:crypto still runs dist/
    expect(runBin({ NODE_OPTIONS: `--require ${path.join(pkg, "no-crypto.cjs")}` })).toBe("dist");
    // and an edit is still seen
    writeFileSync(path.join(pkg, "cli", "main.ts"), source.replace("sources", "edited-after-restamp"));
    expect(runBin()).toBe("edited-after-restamp");
    writeFileSync(path.join(pkg, "cli", "main.ts"), source);
    expect(runBin()).toBe("dist");
  });

  it("runs the sources after an edit, even one of the same size, and dist/ again when it is undone", () => {
    writeFileSync(path.join(pkg, "cli", "main.ts"), source.replace("sources", "SOURCES"));
    expect(runBin()).toBe("SOURCES");
    writeFileSync(path.join(pkg, "cli", "main.ts"), source);
    expect(runBin()).toBe("dist");
  });

  it("runs the sources when a source file is added or removed since the build", () => {
    writeFileSync(path.join(pkg, "cli", "extra.ts"), "export const extra = 1;\n");
    expect(runBin()).toBe("sources");
    rmSync(path.join(pkg, "cli", "extra.ts"));
    expect(runBin()).toBe("dist");
    rmSync(path.join(pkg, "cli", "main.ts"));
    writeFileSync(path.join(pkg, "cli", "other.ts"), "export {};\n");
    writeFileSync(path.join(pkg, "cli", "main.ts"), source);
    expect(runBin()).toBe("sources");
    rmSync(path.join(pkg, "cli", "other.ts"));
  });

  it("gives commander a stand-in for node:child_process that loads it on first use, and nobody else", () => {
    const main = path.join(pkg, "dist", "cli", "main.js");
    const before = readFileSync(main, "utf8");
    writeFileSync(
      main,
      [
        'const commander = require("commander");',
        "exports.main = async () => {",
        '  const loaded = () => process.moduleLoadList.includes("NativeModule child_process");',
        "  const atStart = loaded();",
        "  const own = require(\"node:child_process\");",
        '  process.stdout.write(JSON.stringify([atStart, typeof commander.Command, typeof own.spawn, loaded()]) + "\\n");',
        "  return 0;",
        "};",
        "",
      ].join("\n"),
    );
    try {
      expect(runBin()).toBe('[false,"function","function",true]');
    } finally {
      writeFileSync(main, before);
    }
  });

  it("leaves no stamp when the sources change while tsc runs, or when the build fails", () => {
    expect(spawnSync(process.execPath, [path.join(pkg, "bin", "dist-stamp.cjs"), "begin"]).status).toBe(0);
    expect(runBin()).toBe("sources");
    writeFileSync(path.join(pkg, "cli", "main.ts"), source.replace("sources", "edited"));
    const end = spawnSync(process.execPath, [path.join(pkg, "bin", "dist-stamp.cjs"), "end"], { encoding: "utf8" });
    expect(end.status).toBe(1);
    expect(end.stderr).toBe("dist-stamp: sources changed while building; dist/ is left unstamped and the CLI will run the sources\n");
    expect(runBin()).toBe("edited");
  });
});
