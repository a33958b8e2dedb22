import { Command, CommanderError } from "commander";
import { ExitCode, isInputError, processIo, UsageError, type CommandRegistrar, type Io } from "./command";

/**
 * Runs the `secure-mlops` command line and resolves to the exit code. Never calls
 * `process.exit`, so it can be driven in-process by tests.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command("secure-mlops")
    .description("Secured MLOps platform: offline policy preview, model and dataset attestation, verification.")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(false);
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const named = commandNamed(argv);
  if (named) {
    (await named.load())(program, io, setExit);
  } else {
    // No command named (`--help`, nothing, a typo): the list of commands is all that is needed.
    for (const entry of commands) program.command(entry.name).description(entry.summary);
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are successes; every other commander error is bad usage
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof UsageError || isInputError(err)) {
      io.err(`secure-mlops: ${(err as Error).message}\n`);
      return ExitCode.usage;
    }
    throw err;
  }
  return exitCode;
}

/** One command group: its name and top-level summary, and its module, loaded only when it runs. */
export interface CommandEntry {
  readonly name: string;
  /** What `secure-mlops --help` lists; the module registers the same description (test/cli/main.test.ts). */
  readonly summary: string;
  readonly load: () => Promise<CommandRegistrar>;
}

// The one place that lists the CLI's surface: each command group lives in its own module and
// depends only on ./command, never on this file or on another command. A run loads the module of
// the command it names and nothing else, so `attest` never pays for gRPC or the Pulumi SDKs.
export const commands: readonly CommandEntry[] = [
  {
    name: "preview",
    summary: "Run a stack program on Pulumi's mock runtime and judge its resources with the CrossGuard pack, offline.",
    load: async () => (await import("./preview")).registerPreviewCommand,
  },
  {
    name: "audit",
    summary: "Judge a deployed stack (the JSON of `pulumi stack export`) with the CrossGuard pack, as `preview` judges a program.",
    load: async () => (await import("./audit")).registerAuditCommand,
  },
  {
    name: "report",
    summary: "Print the pack's MITRE ATLAS / NIST AI RMF matrix, with a stack's violations per policy (Markdown, JSON, an HTML page or an ATLAS Navigator layer).",
    load: async () => (await import("./report")).registerReportCommand,
  },
  {
    name: "attest",
    summary: "sign a model or dataset (OMS model.sig), evidence about it, or a container image in its registry",
    load: async () => (await import("./attest")).registerAttestCommand,
  },
  {
    name: "verify",
    summary: "verify a signed model or dataset (a folder or a registry reference) and its evidence against a policy, or a container image in its registry",
    load: async () => (await import("./verify")).registerVerifyCommand,
  },
  {
    name: "verifier",
    summary: "the attestation verifier: a fail-closed Kubernetes admission webhook",
    load: async () => (await import("./verifier")).registerVerifierCommand,
  },
];

/** The command the arguments name (`help <command>` included); the program has no options of its own before it. */
function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return commands.find((c) => c.name === name);
}
