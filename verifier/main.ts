/**
 * The container's entry point: `secure-mlops verifier serve` with the arguments given to the
 * image, through the same CLI code (exit codes, one-line errors), without the rest of the CLI's
 * start-up (no tsx: this file runs compiled from `npm run build`).
 */
import { main } from "../cli/main";

main(["verifier", "serve", ...process.argv.slice(2)]).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`secure-mlops verifier: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
