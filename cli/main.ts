import { Command, CommanderError } from "commander";
import { ExitCode, processIo, UsageError, type Io } from "./exit";
import { registerAttestCommand } from "./attest";
import { registerPreviewCommand } from "./preview";
import { registerVerifyCommand } from "./verify";
import { registerVerifierCommand } from "./verifier";
import { registerReportCommand } from "./report";

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
  registerPreviewCommand(program, io, setExit);
  registerReportCommand(program, io, setExit);
  for (const register of optionalCommands) register(program, io, setExit);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are successes; every other commander error is bad usage
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof UsageError) {
      io.err(`secure-mlops: ${err.message}\n`);
      return ExitCode.usage;
    }
    throw err;
  }
  return exitCode;
}

/** Registers one command group on the program; its actions report their exit code through `setExit`. */
export type CommandRegistrar = (program: Command, io: Io, setExit: (code: number) => void) => void;

// Command groups that live in their own modules (attest, verify, verifier, report) add
// themselves here, so this file stays the one place that lists the CLI's surface.
const optionalCommands: CommandRegistrar[] = [registerAttestCommand, registerVerifyCommand, registerVerifierCommand];
