import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph } from "./import-graph";

const root = path.resolve(__dirname, "../..");
const graph = importGraph(root);
const folderOf = (file: string): string => file.split(path.sep)[0]!;

describe("the source's import graph", () => {
  it("has the project's source files in it", () => {
    expect(graph.size).toBeGreaterThan(80);
    expect(graph.get(path.join("cli", "main.ts"))).toContain(path.join("cli", "command.ts"));
  });

  it("has no import cycle", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const cyclic = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["d.ts"]], ["e.ts", ["a.ts"]]]);
    expect(importCycles(cyclic)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  });

  it("keeps cli/command.ts a leaf and command modules independent of each other", () => {
    const cli = [...graph.keys()].filter((f) => folderOf(f) === "cli");
    expect(cli.length).toBeGreaterThan(4);
    expect(graph.get(path.join("cli", "command.ts"))).toEqual([]);
    // A command module registers a command; the other cli modules are helpers commands share.
    const commands = cli.filter((f) => /export (const|function) register\w*Command/.test(readFileSync(path.join(root, f), "utf8")));
    expect(commands.length).toBeGreaterThan(3);
    const forbidden = new Set([...commands, path.join("cli", "main.ts")]);
    const offenders = cli.flatMap((f) => (graph.get(f) ?? []).filter((t) => forbidden.has(t) && f !== path.join("cli", "main.ts")).map((t) => `${f} -> ${t}`));
    expect(offenders).toEqual([]);
  });

  it("points dependencies one way: policies and constants import nothing of the platform's code", () => {
    const allowed: Record<string, readonly string[]> = {
      constants: ["constants"],
      policies: ["policies", "constants"],
      attestation: ["attestation", "registry"],
      registry: ["registry"],
      components: ["components", "constants"],
    };
    const offenders = [...graph.entries()].flatMap(([file, targets]) => {
      const rule = allowed[folderOf(file)];
      return rule ? targets.filter((t) => !rule.includes(folderOf(t))).map((t) => `${file} -> ${t}`) : [];
    });
    expect(offenders).toEqual([]);
  });
});
