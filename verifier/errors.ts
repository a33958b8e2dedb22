/**
 * Typed errors of the verifier service. Callers and tests match on `code`, never on the message;
 * the message is one line a person can act on (what, which image, what to do).
 *
 * Three families:
 * - `ReviewError`: the HTTP request is not an AdmissionReview v1 we can answer (HTTP 400);
 * - `TransientVerificationError`: a verification could not finish (registry unreachable or slow,
 *   a listing that failed, the deadline): the image is denied and the verdict is never cached;
 * - `AdmissionPolicyError`: the policy file's `admission:` section (or the file) is unusable:
 *   at start the command exits 2, on reload the old policy stays.
 */

/** Base class: every error of the verifier has a string-literal `code` and an optional `cause`. */
export abstract class VerifierError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type ReviewErrorCode =
  | "REVIEW_TOO_LARGE"
  | "REVIEW_NOT_JSON"
  | "REVIEW_CONTENT_TYPE"
  | "REVIEW_NOT_ADMISSION_REVIEW"
  | "REVIEW_VERSION"
  | "REVIEW_SHAPE";

/** The request body is not a well-formed AdmissionReview v1: answered with HTTP 400. */
export class ReviewError extends VerifierError<ReviewErrorCode> {
  constructor(code: ReviewErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ReviewError";
  }
}

export type TransientErrorCode =
  | "REGISTRY_UNREACHABLE"
  | "REGISTRY_TIMEOUT"
  | "REGISTRY_ERROR"
  | "LISTING_FAILED"
  | "TOO_MANY_REFERRERS"
  | "DEADLINE_EXCEEDED"
  | "VERIFIER_NOT_READY"
  | "INTERNAL";

/**
 * A verification that could not reach a verdict. Verifiers throw it (or any other error, which
 * counts as `INTERNAL`); the service denies the image with the message and never caches it, so
 * the next review tries again.
 */
export class TransientVerificationError extends VerifierError<TransientErrorCode> {
  constructor(code: TransientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "TransientVerificationError";
  }
}

export type AdmissionPolicyErrorCode = "ADMISSION_POLICY_UNREADABLE" | "ADMISSION_POLICY_NOT_YAML" | "ADMISSION_POLICY_SCHEMA" | "ADMISSION_POLICY_ATTESTATION";

/** The policy file cannot serve admission: unreadable, not YAML, a bad `admission:` section, or a bad attestation part. */
export class AdmissionPolicyError extends VerifierError<AdmissionPolicyErrorCode> {
  /** Every problem, each as `file:line:col: /json/pointer message`. */
  readonly problems: readonly string[];
  constructor(code: AdmissionPolicyErrorCode, message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super(code, message, options);
    this.name = "AdmissionPolicyError";
    this.problems = options?.problems ?? [];
  }
}

export type ServerErrorCode = "TLS_UNREADABLE" | "TLS_INVALID" | "LISTEN_FAILED";

/** The server cannot start: TLS files unreadable or not a matching certificate and key, port taken. */
export class ServerError extends VerifierError<ServerErrorCode> {
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ServerError";
  }
}

/** Message of any thrown value, for wrapping foreign errors as a `cause`. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
