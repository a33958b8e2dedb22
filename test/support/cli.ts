import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "./harness";

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A runner of the real binary, as a user would run it, from the repository's root. The bound is
 * per suite: a preview of a 1,000-resource program needs more than a report does.
 */
export function cliWithin(timeoutMs: number): (...args: string[]) => CliRun {
  return (...args) => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, "bin", "secure-mlops.cjs"), ...args], { cwd: repoRoot, encoding: "utf8", timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}
