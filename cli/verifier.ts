import type { Command } from "commander";
import type { VerifierServer } from "../verifier/server";
import { ExitCode, UsageError, errorCode, type CommandRegistrar } from "./command";

/**
 * `secure-mlops verifier serve`: runs the admission webhook until SIGTERM or SIGINT, then stops
 * accepting, finishes the reviews in flight and exits 0. Logs are JSON lines on stdout. Exit 2
 * when it cannot start (policy, TLS files, port), with one line saying what and where.
 */

interface ServeFlags {
  policy: string;
  tlsCert: string;
  tlsKey: string;
  port: string;
  metricsPort: string;
  host: string;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,5}$/.test(value) || n > 65535) throw new UsageError(`${flag}: must be a port number (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

/** The service's start-up errors (verifier/errors.ts), by code, as the flag they are about. */
function asUsage(err: unknown): never {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code?.startsWith("ADMISSION_POLICY_")) throw new UsageError(`--policy: ${message}`, { cause: err });
  if (code === "LISTEN_FAILED" || code === "TLS_UNREADABLE" || code === "TLS_INVALID") {
    const flag = code === "LISTEN_FAILED" ? "--port/--metrics-port" : message.includes("TLS key") ? "--tls-key" : "--tls-cert";
    throw new UsageError(`${flag}: ${message}`, { cause: err });
  }
  throw err;
}

/** Resolves on the first SIGTERM or SIGINT. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

export const registerVerifierCommand: CommandRegistrar = (program, _io, setExit) => {
  const verifier = program.command("verifier").description("the attestation verifier: a fail-closed Kubernetes admission webhook");
  verifier
    .command("serve")
    .description("serve AdmissionReview v1 over HTTPS: POST /validate, GET /healthz, GET /readyz; Prometheus metrics on --metrics-port")
    .requiredOption("--policy <file>", "attestation policy (YAML) with its admission: section; reloaded when it changes")
    .requiredOption("--tls-cert <file>", "server certificate (PEM); reloaded when it changes")
    .requiredOption("--tls-key <file>", "server private key (PEM); reloaded when it changes")
    .option("--port <n>", "HTTPS port for reviews", "8443")
    .option("--metrics-port <n>", "HTTP port for GET /metrics", "9090")
    .option("--host <addr>", "address to listen on (0.0.0.0 in a pod)", "127.0.0.1")
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = cmd.opts<ServeFlags>();
      const options = { port: port(flags.port, "--port"), metricsPort: port(flags.metricsPort, "--metrics-port") };
      // fastify, pino and prom-client load only for this command, not for every CLI run
      const [{ startVerifierServer }, { createVerifiers }] = await Promise.all([import("../verifier/server"), import("../verifier/adapters")]);
      let server: VerifierServer;
      try {
        server = await startVerifierServer({ policyFile: flags.policy, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, host: flags.host, ...options, verifiers: createVerifiers });
      } catch (err) {
        asUsage(err);
      }
      await stopSignal();
      await server.close();
      setExit(ExitCode.ok);
    });
};
