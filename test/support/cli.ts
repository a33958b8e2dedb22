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

export interface InProcessRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The command line in this process (`main` never exits the process), its output captured. */
export async function runInProcess(...argv: string[]): Promise<InProcessRun> {
  const { main } = await import("../../cli/main");
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false });
  return { code, out, err };
}
