import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** The project's own source folders (published code: no tests, benchmarks or fixtures). */
export const sourceFolders = ["attestation", "cli", "components", "constants", "policies", "preview", "registry", "stacks", "tools", "verifier"] as const;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "node_modules" ? [] : sourceFiles(full);
    return entry.endsWith(".ts") && !entry.endsWith(".d.ts") ? [full] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && candidate.endsWith(".ts")) return candidate;
  }
  return undefined;
}

/**
 * Every relative import (static, dynamic `import()`, `require`, re-export) between the project's
 * source files, as file -> files, paths relative to `root`.
 */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of sourceFolders) {
    for (const file of sourceFiles(path.join(root, folder))) {
      const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
      const targets = info.importedFiles
        .map((f) => f.fileName)
        .filter((s) => s.startsWith("."))
        .map((s) => resolveRelative(file, s))
        .filter((t): t is string => t !== undefined)
        .map((t) => path.relative(root, t));
      graph.set(path.relative(root, file), [...new Set(targets)]);
    }
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself: the cycles. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}
