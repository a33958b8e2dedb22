/**
 * Exit codes of every `secure-mlops` command (see README "Command-line contract").
 * 0: success; 1: a verdict against the input (violation, verification failed);
 * 2: bad usage or unreadable input.
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
