import { Command, CommanderError } from "commander";
import { ExitCode, isInputError, processIo, UsageError, type CommandRegistrar, type Io } from "./command";
import { registerAttestCommand } from "./attest";
import { registerAuditCommand } from "./audit";
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
  for (const register of commands) register(program, io, setExit);
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

// The one place that lists the CLI's surface: each command group lives in its own module and
// depends only on ./command, never on this file or on another command.
const commands: readonly CommandRegistrar[] = [registerPreviewCommand, registerAuditCommand, registerReportCommand, registerAttestCommand, registerVerifyCommand, registerVerifierCommand];
