import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Logger } from "pino";
import { verifyArtifact, type ArtifactVerification } from "../attestation/artifact";
import { createMemoryCache, verifyImage, type AttachmentReport, type ImageVerdict, type RegistryAnswerCache } from "../attestation/image-verify";
import { pullModel } from "../attestation/model-registry";
import { RegistryClient, type RegistryClientOptions } from "../registry/client";
import { isRegistryError } from "../registry/errors";
import { TransientVerificationError, messageOf, type TransientErrorCode } from "./errors";
import type { VerifierMetrics } from "./metrics";
import type { Verdict, Verifiers, VerifyRequest } from "./verification";

/**
 * The one module where the service meets the registry client (`registry/`) and the attestation
 * library's image and model verification (`verify image`, `verify model REF`). Nothing else in
 * `verifier/` knows them: the service sees only `Verifiers`.
 *
 * - One registry client per registry host for the whole process (keep-alive connections, tokens),
 *   each reporting every HTTP exchange to `metrics.registryRequest(status)`.
 * - Images: `verifyImage` of `attestation/image-verify.ts` with `req.ref` (always
 *   `registry/repo@sha256:...`), `req.policy.attestation` (signers and `images:` rules) and
 *   `req.signal`, through one bounded answer cache (manifests and blobs by digest; listings for
 *   a short TTL). Models: `pullModel` streams the artifact into a temporary folder (bounded,
 *   removed afterwards), then `verifyArtifact` checks its OMS `model.sig`, every file and the
 *   policy's evidence rules, as `secure-mlops verify model REF` does.
 * - A verdict about the image or model (verified; unsigned; wrong signer; subject mismatch;
 *   required predicate missing; evidence rule failed; bundle unparsable; unknown media type)
 *   becomes `verdictFromFailures(...)`: allow when there is no failure, else a definite deny.
 * - An error of the registry or the network (unreachable, timeout, 5xx, 429, a listing that
 *   failed or did not parse, too many referrers, aborted by `req.signal`) is thrown as
 *   `transient(code, message)`: never cached, always a deny. A listing error is never "no
 *   attestations" (retagger #1239).
 */

export interface VerifierContext {
  readonly metrics: VerifierMetrics;
  readonly logger: Logger;
}

/** One reason an image or model is not proven, as the attestation library reports it. */
export interface ProofFailure {
  /** A stable code: `IMAGE_UNSIGNED`, `IMAGE_NOT_VERIFIED`, `IMAGE_PREDICATE_MISSING`, `POLICY_VIOLATION`, ... */
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

/** Settings of the adapters; the defaults are what `verifier serve` runs with. */
export interface AdapterOptions {
  /** Registry client settings (credentials, per-request timeout, limits). @default Docker's config.json, 10 s */
  readonly registry?: Omit<RegistryClientOptions, "registry" | "signal" | "onResponse">;
  /** Registry answers kept between verifications. @default 10,000 entries, listings 30 s */
  readonly answerCache?: { readonly maxEntries: number; readonly ttlMs: number };
  /** Largest model pulled, all files together. @default 8 GiB */
  readonly maxModelBytes?: number;
  /** Where models are pulled to (a folder per verification, removed afterwards). @default the OS temporary folder */
  readonly tempDir?: string;
}

export const adapterDefaults = {
  answerCache: { maxEntries: 10_000, ttlMs: 30_000 },
  maxModelBytes: 8 * 1024 ** 3,
} as const;

/**
 * The transient code of a registry error code: what the registry or the network did (down, slow,
 * 5xx, 429, refused credentials, a listing that did not parse, too many referrers, our deadline).
 * `undefined` for an answer about the artifact itself (not found, too large, wrong digest, a bad
 * reference): a definite deny.
 */
export function transientCodeOf(code: string): TransientErrorCode | undefined {
  switch (code) {
    case "REGISTRY_ABORTED":
      return "DEADLINE_EXCEEDED";
    case "REGISTRY_UNREACHABLE":
    case "REGISTRY_TIMEOUT":
      return code;
    case "REGISTRY_TOO_MANY_REFERRERS":
      return "TOO_MANY_REFERRERS";
    case "REGISTRY_BAD_RESPONSE":
      return "LISTING_FAILED";
    case "REGISTRY_NOT_FOUND":
    case "REGISTRY_TOO_LARGE":
    case "REGISTRY_DIGEST_MISMATCH":
    case "REGISTRY_REFERENCE_INVALID":
    case "REGISTRY_PLAIN_HTTP_REFUSED":
      return undefined;
    default:
      // REGISTRY_HTTP_STATUS (5xx, 429, any other status), REGISTRY_UNAUTHORIZED, REGISTRY_CREDENTIALS_INVALID
      return "REGISTRY_ERROR";
  }
}

/**
 * Maps `verifyImage`'s answer to a verdict. An `error` outcome (no verdict could be reached) is
 * always thrown as transient: never cached, and never read as "unsigned".
 */
export function imageVerdict(v: ImageVerdict): Verdict {
  if (v.outcome === "verified") return verdictFromFailures([], provenText(v.attachments));
  if (v.outcome === "refused") return verdictFromFailures(v.reasons, "");
  const reason = v.reasons[0] ?? { code: "REGISTRY_ERROR", message: `registry ${v.registry}: the verification did not finish` };
  throw transient(transientCodeOf(reason.code) ?? "REGISTRY_ERROR", `${reason.message}; the image is refused until the registry answers`);
}

function provenText(attachments: readonly AttachmentReport[]): string {
  const verified = attachments.filter((a) => a.status === "verified");
  const signers = [...new Set(verified.map((a) => a.signer?.label ?? "(unknown signer)"))];
  const types = [...new Set(verified.map((a) => a.predicateType).filter((p): p is string => p !== undefined))];
  return `signed by ${signers.join(", ")}; predicates ${types.join(", ")}`;
}

/** Maps `verifyArtifact`'s answer to a verdict: signature and file failures first, then policy rules. */
export function modelVerdict(result: ArtifactVerification): Verdict {
  const failures: ProofFailure[] = result.failures.map((f) => ({ code: f.code, message: f.message }));
  for (const f of result.policy?.failures ?? []) failures.push({ code: "POLICY_VIOLATION", message: `policy ${f.rule}: ${f.message}` });
  if (failures.length === 0 && !result.verified) failures.push({ code: "MODEL_NOT_VERIFIED", message: "the model did not verify" });
  const s = result.signer;
  const evidence = result.evidence?.accepted.length ?? 0;
  return verdictFromFailures(failures, `model.sig signed by ${s?.label ?? "(unknown signer)"}; ${result.fileCount ?? 0} files; ${evidence} evidence statement(s) verified`);
}

/**
 * What a verification threw: a transient registry error is thrown again as `transient(...)`, a
 * registry answer about the artifact (not found, too large, wrong digest) or an unusable artifact
 * (`INPUT_*`: not a model, a layer title escaping the folder) is a definite deny; anything else
 * is rethrown (the service denies it as INTERNAL).
 */
export function verdictOfError(err: unknown, what: "image" | "model"): Verdict {
  if (err instanceof TransientVerificationError) throw err;
  if (isRegistryError(err)) {
    const message = `registry ${err.registry}: ${messageOf(err).replace(`${err.registry}: `, "")}`;
    const code = transientCodeOf(err.code);
    if (code) throw transient(code, `${message}; the ${what} is refused until the registry answers`, err);
    return verdictFromFailures([{ code: err.code, message }], "");
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("INPUT_")) return verdictFromFailures([{ code, message: messageOf(err) }], "");
  throw err;
}

/** The verifiers `secure-mlops verifier serve` runs with. */
export function createVerifiers(context: VerifierContext, options: AdapterOptions = {}): Verifiers {
  const { metrics } = context;
  const onResponse = (status: number | "timeout" | "error"): void => metrics.registryRequest(status);
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string): RegistryClient => {
    let c = clients.get(registry);
    if (!c) {
      c = new RegistryClient({ ...options.registry, registry, onResponse });
      clients.set(registry, c);
    }
    return c;
  };
  const cache: RegistryAnswerCache = createMemoryCache(options.answerCache ?? adapterDefaults.answerCache);
  const maxModelBytes = options.maxModelBytes ?? adapterDefaults.maxModelBytes;

  const image = async (req: VerifyRequest): Promise<Verdict> => {
    let v: ImageVerdict;
    try {
      v = await verifyImage({ ref: req.ref, policy: req.policy.attestation, signal: req.signal, cache, clientFor });
    } catch (err) {
      return verdictOfError(err, "image");
    }
    return imageVerdict(v);
  };

  const model = async (req: VerifyRequest): Promise<Verdict> => {
    const tmp = await fsp.mkdtemp(path.join(options.tempDir ?? os.tmpdir(), "secure-mlops-verifier-model-"));
    try {
      const dir = path.join(tmp, "model");
      let pulled;
      try {
        pulled = await pullModel({ ref: req.ref, dest: dir, registry: { ...options.registry, onResponse }, signal: req.signal, maxBytes: maxModelBytes });
      } catch (err) {
        return verdictOfError(err, "model");
      }
      if (!(await fsp.stat(pulled.bundlePath).catch(() => undefined))) {
        return verdictFromFailures([{ code: "MODEL_UNSIGNED", message: `no OMS signature (model.sig, predicate https://model_signing/signature/v1.0) is attached to ${req.ref}` }], "");
      }
      if (req.signal.aborted) throw transient("DEADLINE_EXCEEDED", "the model was pulled, but the verification's time ran out before it was checked");
      const result = await verifyArtifact({ root: dir, kind: "model", trust: [], policy: req.policy.attestation });
      return modelVerdict(result);
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  };

  return {
    image: { verifyImage: image },
    model: { verifyModel: model },
    // built after the policy and its trust material (keys, roots) are loaded: ready from the start
    ready: () => true,
    close: () => {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
