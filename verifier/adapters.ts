import type { Logger } from "pino";
import { TransientVerificationError, type TransientErrorCode } from "./errors";
import type { VerifierMetrics } from "./metrics";
import type { Verdict, Verifiers } from "./verification";

/**
 * The one module where the service meets the registry client (`registry/`) and the attestation
 * library's image and model verification (`verify image`, issue 11). Nothing else in `verifier/`
 * knows them: the service sees only `Verifiers`.
 *
 * Until that code is in this tree the verifiers below are not ready: `/readyz` answers 503 and
 * every image and model is denied with VERIFIER_NOT_READY (fail closed, never allow). Wiring
 * them is this file only: build one registry client per process with
 * `onResponse: (status) => metrics.registryRequest(status)`, and in `verifyImage` /
 * `verifyModel` call the library with `req.ref` (always `registry/repo@sha256:...`),
 * `req.policy.attestation` (the loaded `AttestationPolicy`) and `req.signal`, then:
 * - a verdict about the image (verified; unsigned; wrong signer; subject mismatch; required
 *   predicate missing; evidence rule failed; bundle unparsable; unknown media type) becomes
 *   `verdictFromFailures(...)`: allow when there is no failure, else a definite deny;
 * - an error of the registry or the network (unreachable, timeout, 5xx, 429, listing failed,
 *   too many referrers, aborted by `req.signal`) is thrown as `transient(code, message)`: never
 *   cached, always a deny. A listing error is never "no attestations" (retagger #1239).
 */

export interface VerifierContext {
  readonly metrics: VerifierMetrics;
  readonly logger: Logger;
}

/** One reason an image or model is not proven, as the attestation library reports it. */
export interface ProofFailure {
  /** A stable code: `UNSIGNED`, `SIGNER_NOT_ALLOWED`, `SUBJECT_MISMATCH`, `EVIDENCE_MISSING`, ... */
  readonly code: string;
  readonly message: string;
}

/**
 * The verdict for a finished verification: allow when nothing failed, else a deny naming every
 * failure (first code for the metrics). Definite: only a new signature or policy changes it.
 */
export function verdictFromFailures(failures: readonly ProofFailure[], proven: string): Verdict {
  if (failures.length === 0) return { decision: "allow", code: "VERIFIED", reason: proven, definite: true };
  return { decision: "deny", code: failures[0]!.code, reason: failures.map((f) => f.message).join("; "), definite: true };
}

/** The error to throw for a verification that could not finish (never cached, always a deny). */
export function transient(code: TransientErrorCode, message: string, cause?: unknown): TransientVerificationError {
  return new TransientVerificationError(code, message, { cause });
}

function notWired(what: string): Promise<Verdict> {
  return Promise.reject(
    new TransientVerificationError("VERIFIER_NOT_READY", `${what} verification is not available in this build (the registry client and verify image are not wired in verifier/adapters.ts), so it is refused`),
  );
}

/** The verifiers `secure-mlops verifier serve` runs with. */
export function createVerifiers(_context: VerifierContext): Verifiers {
  return {
    image: { verifyImage: () => notWired("image") },
    model: { verifyModel: () => notWired("model") },
    ready: () => false,
  };
}
