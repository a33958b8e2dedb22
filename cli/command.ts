/**
 * What every `secure-mlops` command shares: exit codes, the usage error, output streams, the
 * registrar type, and how a thrown error is classified. A leaf: it imports nothing of ours, so
 * command modules depend on it and never on each other or on `main.ts`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { SingleBar } from "cli-progress";
import type { Command } from "commander";

/**
 * Exit codes of every command (README "Command-line contract"). 0: success; 1: a verdict against
 * the input (violation, verification failed); 2: bad usage or unreadable input.
 */
export const ExitCode = {
  ok: 0,
  verdict: 1,
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Thrown for bad usage or unreadable input; `main` prints `secure-mlops: <message>` on one line
 * and exits 2. The message must say what is wrong and where (flag, file, key).
 */
export class UsageError extends Error {
  readonly code = "USAGE" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Output streams, injectable so commands can be tested in-process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: Boolean(process.stderr.isTTY),
};

/** Registers one command group on the program; its actions report their exit code through `setExit`. */
export type CommandRegistrar = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** The package's root folder (holds `stacks/`, `policies/`, `package.json`), from sources or `dist/`. */
export const packageRoot: string = findPackageRoot(__dirname);

function findPackageRoot(from: string): string {
  // Sources live one level below the root (cli/), compiled code two (dist/cli/).
  for (const candidate of [path.resolve(from, ".."), path.resolve(from, "..", "..")]) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(candidate, "package.json"), "utf8")) as { name?: unknown };
      if (pkg.name === "secure-mlops") return candidate;
    } catch {
      // not this one
    }
  }
  return path.resolve(from, "..");
}

/** The package's version, recorded in what the tool signs; undefined when unreadable. */
export function toolVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Commander accumulator for repeatable options. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Codes of errors about the caller's own input: the command cannot reach a verdict, so they exit 2.
 * Classified by `code` (every error of ours carries one) so the CLI never loads a module only to
 * test `instanceof`. A code not listed here is either a verdict the command reports itself, or an
 * internal error.
 */
const inputCodePrefixes = ["INPUT_", "POLICY_", "SIGNING_", "REGISTRY_INPUT_"] as const;
const inputCodes: ReadonlySet<string> = new Set([
  "MANIFEST_NOT_FOUND",
  "MANIFEST_UNREADABLE",
  "MANIFEST_BAD_OPTIONS",
  "PROGRAM_FAILED",
  "INVALID_POLICY_CONFIG",
  "INVALID_CONFIG",
  "USAGE",
]);

/** The `code` of an error of ours, or undefined for anything else. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** True when the error is about the caller's own input (exit 2). */
export function isInputError(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  return inputCodes.has(code) || inputCodePrefixes.some((prefix) => code.startsWith(prefix));
}

/**
 * Turns an error about the caller's own input into a `UsageError` naming the flag; anything else
 * is rethrown unchanged.
 */
export function asUsageError(err: unknown, flag?: string): never {
  if (err instanceof UsageError) throw err;
  if (isInputError(err)) {
    const prefix = flag ? `${flag}: ` : "";
    throw new UsageError(`${prefix}${(err as Error).message}`, { cause: err });
  }
  throw err;
}

/** Progress of a long job, in bytes. */
export interface ByteProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/**
 * A progress bar on stderr when it is a terminal; nothing otherwise. The bar's library loads in
 * the background (a pipe or a CI log never pays for it); updates before it is there are skipped.
 */
export function progressReporter(io: Io, label: string): { onProgress?: (p: ByteProgress) => void; stop: () => void } {
  if (!io.isTty) return { stop: () => undefined };
  let bar: SingleBar | undefined;
  let stopped = false;
  void import("cli-progress").then(({ Presets, SingleBar }) => {
    if (stopped) return;
    bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
      Presets.shades_classic,
    );
  }, () => undefined);
  let started = false;
  const mib = (n: number): string => (n / 1048576).toFixed(0);
  return {
    onProgress: (p) => {
      if (!bar) return;
      if (!started) {
        bar.start(Math.max(1, p.bytesTotal), 0, { doneMiB: "0", totalMiB: mib(p.bytesTotal) });
        started = true;
      }
      bar.update(p.bytesDone, { doneMiB: mib(p.bytesDone), totalMiB: mib(p.bytesTotal) });
    },
    stop: () => {
      stopped = true;
      if (started) bar?.stop();
    },
  };
}
