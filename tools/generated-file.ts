import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The command-line half of a generator under tools/: rewrites `file` with `rendered` when they
 * differ, or with `--check` in `argv` only says it is stale (naming `command`, the generator to
 * run) and returns 1. Returns the exit code.
 */
export function writeOrCheck(file: string, rendered: string, argv: readonly string[], command: string): number {
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (current === rendered) return 0;
  if (argv.includes("--check")) {
    process.stderr.write(`${path.relative(process.cwd(), file)} is stale: run ${command}\n`);
    return 1;
  }
  fs.writeFileSync(file, rendered);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  return 0;
}
