/**
 * Typed errors of the OCI distribution client. Callers and tests match on `code`; the message is
 * one line naming the registry, the request and what went wrong. `registry` is the host[:port]
 * the error is about (empty for a reference that does not parse).
 */

export type RegistryErrorCode =
  /** The image reference does not follow the docker reference grammar. */
  | "REGISTRY_REFERENCE_INVALID"
  /** A non-loopback registry over plain HTTP without `plainHttp`. */
  | "REGISTRY_PLAIN_HTTP_REFUSED"
  /** Connection refused, reset, DNS failure, TLS failure. */
  | "REGISTRY_UNREACHABLE"
  /** A request took longer than its timeout. */
  | "REGISTRY_TIMEOUT"
  /** The caller's AbortSignal fired (deadline passed). */
  | "REGISTRY_ABORTED"
  /** 401/403 after authenticating, or a token endpoint that refused us. */
  | "REGISTRY_UNAUTHORIZED"
  /** `~/.docker/config.json` (or the given file) cannot be read or parsed. */
  | "REGISTRY_CREDENTIALS_INVALID"
  /** The manifest or blob asked for does not exist (404). */
  | "REGISTRY_NOT_FOUND"
  /** Any other status the request does not expect. */
  | "REGISTRY_HTTP_STATUS"
  /** A body larger than the bound for its kind (manifest, blob, index). */
  | "REGISTRY_TOO_LARGE"
  /** A body that is not what the registry must answer (bad JSON, wrong media type, bad descriptor). */
  | "REGISTRY_BAD_RESPONSE"
  /** Content whose digest is not the one asked for. */
  | "REGISTRY_DIGEST_MISMATCH"
  /** A referrers listing with more descriptors than the bound. */
  | "REGISTRY_TOO_MANY_REFERRERS";

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly registry: string;
  /** HTTP status, when the error comes from an answer. */
  readonly status: number | undefined;
  constructor(code: RegistryErrorCode, registry: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(registry ? `${registry}: ${message}` : message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RegistryError";
    this.code = code;
    this.registry = registry;
    this.status = options?.status;
  }
}

/** Narrows an unknown error to a registry error, by its code rather than its class. */
export function isRegistryError(err: unknown): err is RegistryError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "RegistryError" && typeof (err as { code?: unknown }).code === "string" && String((err as { code: string }).code).startsWith("REGISTRY_");
}

/** Registry errors that may go away by themselves: never cache a verdict built on one. */
export function isTransient(err: RegistryError): boolean {
  return err.code === "REGISTRY_UNREACHABLE" || err.code === "REGISTRY_TIMEOUT" || err.code === "REGISTRY_ABORTED" || (err.code === "REGISTRY_HTTP_STATUS" && (err.status ?? 0) >= 500);
}
