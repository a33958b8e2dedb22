import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request as httpsRequest } from "node:https";
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { VerifierMetrics } from "../../verifier/metrics";
import { loadActivePolicy } from "../../verifier/policy";
import { AdmissionService } from "../../verifier/service";
import type { Verifiers } from "../../verifier/verification";

export const ADMISSION = path.resolve(__dirname, "../fixtures/admission");
export const POLICY = path.join(ADMISSION, "policy.yaml");

/** A review fixture, decoded (a fresh copy each call, so tests may change it). */
export function fixture(name: string): Record<string, unknown> & { request: Record<string, unknown> & { object: Record<string, unknown> } } {
  return JSON.parse(readFileSync(path.join(ADMISSION, `${name}.json`), "utf8")) as ReturnType<typeof fixture>;
}

const made: string[] = [];

export function tempDir(prefix = "verifier-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of the fixture policy in a temporary directory, for tests that rewrite it. */
export function policyCopy(): string {
  const file = path.join(tempDir(), "policy.yaml");
  copyFileSync(POLICY, file);
  return file;
}

/** A pino logger whose JSON lines are collected in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString("utf8").split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ base: undefined }, stream), lines };
}

/** A service on the fixture policy; `silent` drops the log (the fuzz would otherwise keep every line in `lines`). */
export async function makeService(verifiers: Verifiers, policyFile = POLICY, silent = false): Promise<{ service: AdmissionService; metrics: VerifierMetrics; lines: Record<string, unknown>[] }> {
  const { logger, lines } = silent ? { logger: pino({ level: "silent" }), lines: [] } : captureLogger();
  const metrics = new VerifierMetrics({ defaultMetrics: false });
  const service = new AdmissionService({ policy: await loadActivePolicy(policyFile), verifiers, metrics, logger });
  return { service, metrics, lines };
}

/** A self-signed P-256 certificate for 127.0.0.1 made by openssl for this test run (never committed). */
export function makeCertificate(dir: string, name: string, cn = "127.0.0.1"): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=IP:${cn}`], { stdio: "ignore" });
  return { cert, key };
}

/** An AdmissionReview answer as the webhook sends it. */
export interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[]; patch?: unknown };
}

/** POSTs a review to a running verifier over HTTPS, trusting `ca`, as the API server does. */
export function postReview(url: string, ca: string, body: unknown): Promise<ReviewAnswer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL("/validate?timeout=10s", url),
      { method: "POST", ca, agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString("utf8")}`));
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReviewAnswer);
        });
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
