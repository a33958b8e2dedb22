/**
 * Typed errors of the attestation library. Callers and tests match on `code`, never on the
 * message; the message is one line that says what is wrong and where (file, field, flag).
 *
 * Two families matter to callers:
 * - errors about the verifier's own inputs (its key, root, policy, the directory it was pointed
 *   at): the caller cannot get a verdict, so they are thrown (the CLI exits 2);
 * - errors about what is being judged (bundle, statement, model files): `verifyDirectory` turns
 *   them into `VerificationFailure`s (the CLI exits 1). They are thrown only by the low-level
 *   parsers, which the verifier catches.
 */

/** Base class: every error of this library has a string-literal `code` and an optional `cause`. */
export abstract class AttestationError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type ManifestErrorCode =
  | "MANIFEST_NOT_FOUND"
  | "MANIFEST_UNREADABLE"
  | "MANIFEST_EMPTY"
  | "MANIFEST_SYMLINK"
  | "MANIFEST_SYMLINK_OUTSIDE_ROOT"
  | "MANIFEST_SPECIAL_FILE"
  | "MANIFEST_CHANGED_DURING_HASHING"
  | "MANIFEST_BAD_NAME"
  | "MANIFEST_UNSUPPORTED_HASH"
  | "MANIFEST_BAD_OPTIONS";

/** The model or dataset tree cannot be hashed as asked (symlink, special file, change while hashing...). */
export class ManifestError extends AttestationError<ManifestErrorCode> {
  /** Path relative to the model root when the error is about one entry. */
  readonly path: string | undefined;
  constructor(code: ManifestErrorCode, message: string, options?: { cause?: unknown; path?: string }) {
    super(code, message, options);
    this.name = "ManifestError";
    this.path = options?.path;
  }
}

export type BundleErrorCode =
  | "BUNDLE_TOO_LARGE"
  | "BUNDLE_EMPTY"
  | "BUNDLE_NOT_JSON"
  | "BUNDLE_NOT_OBJECT"
  | "BUNDLE_MEDIA_TYPE"
  | "BUNDLE_MISSING_ENVELOPE"
  | "BUNDLE_MISSING_VERIFICATION_MATERIAL"
  | "BUNDLE_MISSING_TLOG_ENTRIES"
  | "BUNDLE_INVALID_ENVELOPE"
  | "BUNDLE_INVALID_FIELD";

/** A Sigstore bundle that does not have the shape of an OMS signature. */
export class BundleError extends AttestationError<BundleErrorCode> {
  constructor(code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "BundleError";
  }
}

export type StatementErrorCode =
  | "STATEMENT_PAYLOAD_TYPE"
  | "STATEMENT_NOT_JSON"
  | "STATEMENT_TYPE"
  | "STATEMENT_PREDICATE_TYPE"
  | "STATEMENT_SUBJECT"
  | "STATEMENT_PREDICATE"
  | "STATEMENT_RESOURCE"
  | "STATEMENT_SERIALIZATION"
  | "STATEMENT_ROOT_DIGEST_MISMATCH";

/** A signed payload that is not a well-formed in-toto statement of the expected kind. */
export class StatementError extends AttestationError<StatementErrorCode> {
  constructor(code: StatementErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "StatementError";
  }
}

export type SignatureErrorCode =
  | "SIGNATURE_INVALID"
  | "SIGNATURE_MATERIAL_MISMATCH"
  | "SIGNATURE_KEY_MISMATCH"
  | "SIGNATURE_UNSUPPORTED_KEY"
  | "SIGNATURE_CHAIN_INVALID"
  | "SIGNATURE_CHAIN_UNTRUSTED"
  | "SIGNATURE_CERTIFICATE_USAGE"
  | "SIGNATURE_IDENTITY_MISMATCH"
  | "SIGNATURE_ISSUER_MISMATCH"
  | "SIGNATURE_EXTENSION_MISMATCH"
  | "SIGNATURE_EXTENSION_INVALID"
  | "SIGNATURE_CERTIFICATE_NOT_VALID_AT_TIME"
  | "SIGNATURE_TLOG_ENTRY_MISMATCH"
  | "SIGNATURE_TLOG_SET_INVALID"
  | "SIGNATURE_TLOG_INCLUSION_INVALID"
  | "SIGNATURE_TIMESTAMP_INVALID"
  | "SIGNATURE_SIGSTORE";

/** The bundle's signature, key, certificate chain or signer identity does not verify. */
export class SignatureError extends AttestationError<SignatureErrorCode> {
  constructor(code: SignatureErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SignatureError";
  }
}

export type InputErrorCode =
  | "INPUT_NOT_FOUND"
  | "INPUT_UNREADABLE"
  | "INPUT_KEY_INVALID"
  | "INPUT_KEY_UNSUPPORTED"
  | "INPUT_CERTIFICATE_INVALID"
  | "INPUT_TRUSTED_ROOT_INVALID"
  | "INPUT_EVIDENCE_INVALID"
  | "INPUT_OPTIONS_INVALID";

/** One of the caller's own inputs (key, certificate, trusted root, evidence source) is unusable. */
export class InputError extends AttestationError<InputErrorCode> {
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;
  constructor(code: InputErrorCode, message: string, options?: { cause?: unknown; file?: string }) {
    super(code, message, options);
    this.name = "InputError";
    this.file = options?.file;
  }
}

export type PolicyFileErrorCode = "POLICY_UNREADABLE" | "POLICY_NOT_YAML" | "POLICY_SCHEMA" | "POLICY_REFERENCE";

/** The policy file cannot be read, is not YAML, or does not match the policy schema. */
export class PolicyFileError extends AttestationError<PolicyFileErrorCode> {
  /** Every schema problem, each as `file:line:col: /json/pointer message`. */
  readonly problems: readonly string[];
  constructor(code: PolicyFileErrorCode, message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super(code, message, options);
    this.name = "PolicyFileError";
    this.problems = options?.problems ?? [];
  }
}

export type SigningErrorCode = "SIGNING_KEY_INVALID" | "SIGNING_KEY_UNSUPPORTED" | "SIGNING_KEYLESS_FAILED" | "SIGNING_IDENTITY_TOKEN_INVALID";

/** Signing could not happen (bad private key, keyless signing refused by Fulcio/Rekor). */
export class SigningError extends AttestationError<SigningErrorCode> {
  constructor(code: SigningErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SigningError";
  }
}

/** Every error code this library throws. */
export type AttestationErrorCode =
  | ManifestErrorCode
  | BundleErrorCode
  | StatementErrorCode
  | SignatureErrorCode
  | InputErrorCode
  | PolicyFileErrorCode
  | SigningErrorCode;

/**
 * Codes of failures that are only ever reported, never thrown: what verification finds about the
 * files and the evidence it judges (`VerificationFailure.code`, `RejectedEvidence.code`).
 */
export type FindingCode = "FILE_CHANGED" | "FILE_MISSING" | "FILE_EXTRA" | "KIND_MISMATCH" | "BUNDLE_NOT_FOUND" | "EVIDENCE_OTHER_SUBJECT";

/** Every code a verification result can carry. */
export type VerificationFailureCode = AttestationErrorCode | FindingCode;

/** Narrows an unknown error to one of this library's errors. */
export function isAttestationError(err: unknown): err is AttestationError<AttestationErrorCode> {
  return err instanceof AttestationError;
}

/** Message of any thrown value, for wrapping foreign errors as a `cause`. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
