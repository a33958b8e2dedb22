import { LRUCache } from "lru-cache";
import { TransientVerificationError, messageOf, type TransientErrorCode } from "./errors";
import type { VerifierMetrics } from "./metrics";
import type { ActivePolicy } from "./policy";
import type { PinnedReference } from "./reference";
import type { ArtifactKind } from "./workload";

/**
 * The contract between the service and whatever proves an image or a model (the registry client
 * and `verify image` of the attestation library, wired in `adapters.ts`), and the verdict cache
 * with single flight in front of it.
 */

export type Decision = "allow" | "deny";

export interface Verdict {
  readonly decision: Decision;
  /** A stable code (`VERIFIED`, `UNSIGNED`, `SIGNER_NOT_ALLOWED`, ...): the metrics label and what tests match. */
  readonly code: string;
  /** One line a person can act on: what was missing or wrong, which predicate, which signer. */
  readonly reason: string;
  /**
   * For a deny: the answer will not change until the image or the policy does (unsigned, wrong
   * signer, missing evidence), so it may be cached briefly. An allow is always definite.
   */
  readonly definite: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface VerifyRequest {
  /** `registry/repository@sha256:<hex>`: never a tag. */
  readonly ref: string;
  readonly reference: PinnedReference;
  readonly policyHash: string;
  readonly policy: ActivePolicy;
  /** Aborted when the verification's own time is up; a verifier must stop its requests then. */
  readonly signal: AbortSignal;
}

/**
 * Proves an image. Resolves to a verdict about the image; throws `TransientVerificationError`
 * (or anything else, counted as INTERNAL) when it cannot reach one. Either way, a throw denies.
 */
export interface ImageVerifier {
  verifyImage(req: VerifyRequest): Promise<Verdict>;
}

/** Proves a model stored as an OCI artifact (its OMS `model.sig` and the policy's evidence rules). */
export interface ModelVerifier {
  verifyModel(req: VerifyRequest): Promise<Verdict>;
}

export interface Verifiers {
  readonly image: ImageVerifier;
  readonly model: ModelVerifier;
  /** False while trust material is not loaded: `/readyz` answers 503. @default always ready */
  readonly ready?: () => boolean;
  /** Releases what the verifiers hold (registry connections); called once the server has stopped. */
  readonly close?: () => void;
}

export type VerdictSource = "cache" | "fresh" | "shared";

export interface Outcome {
  readonly verdict: Verdict;
  readonly source: VerdictSource;
}

const MAX_REASON = 1000;

/** Turns what a verifier threw into a deny that is never cached. */
export function transientVerdict(err: unknown): Verdict {
  const code: TransientErrorCode = err instanceof TransientVerificationError ? err.code : "INTERNAL";
  const reason = err instanceof TransientVerificationError ? err.message : `internal error in the verifier (${messageOf(err)}); the image is refused until it can be verified`;
  return { decision: "deny", code, reason: reason.slice(0, MAX_REASON), definite: false };
}

/** A verifier's answer is outside input too: anything that is not a well-formed verdict denies. */
function checkedVerdict(v: unknown): Verdict {
  if (typeof v !== "object" || v === null) return transientVerdict(new Error("the verifier returned no verdict"));
  const r = v as Record<string, unknown>;
  if ((r["decision"] !== "allow" && r["decision"] !== "deny") || typeof r["reason"] !== "string" || typeof r["code"] !== "string") {
    return transientVerdict(new Error("the verifier returned a malformed verdict"));
  }
  const details = typeof r["details"] === "object" && r["details"] !== null ? (r["details"] as Record<string, unknown>) : undefined;
  return { decision: r["decision"], code: r["code"], reason: r["reason"].slice(0, MAX_REASON), definite: r["decision"] === "allow" || r["definite"] === true, ...(details ? { details } : {}) };
}

export interface CacheSettings {
  readonly maxEntries: number;
  readonly ttlSeconds: number;
  readonly failureTtlSeconds: number;
  /**
   * How long one shared verification may run, whatever the reviews waiting on it: a review that
   * reaches its own deadline is denied, but the verification goes on and fills the cache, so the
   * API server's retry (or the controller's next attempt) is answered from it.
   */
  readonly verificationTimeoutMs: number;
}

/**
 * Verdicts by artifact kind, digest reference and policy hash (never by tag); bounded LRU with a
 * TTL; definite denials kept `failureTtlSeconds`, transient errors never; one verification per
 * key at a time, shared by every review that asks meanwhile.
 */
export class VerdictCache {
  private readonly lru: LRUCache<string, Verdict>;
  private readonly inFlight = new Map<string, Promise<Verdict>>();

  constructor(
    readonly settings: CacheSettings,
    private readonly metrics: VerifierMetrics,
  ) {
    this.lru = new LRUCache<string, Verdict>({ max: settings.maxEntries, ttl: Math.max(1, settings.ttlSeconds) * 1000, allowStale: false, updateAgeOnGet: false });
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }

  /**
   * The verdict for one pinned reference under `policy`; resolves (never rejects) when `deadline`
   * aborts, to a DEADLINE_EXCEEDED deny.
   */
  async lookup(kind: ArtifactKind, reference: PinnedReference, policy: ActivePolicy, verify: (req: VerifyRequest) => Promise<Verdict>, deadline: AbortSignal): Promise<Outcome> {
    const key = `${policy.hash}\n${kind}\n${reference.canonical}`;
    const hit = this.lru.get(key);
    if (hit) {
      this.metrics.cacheLookups.inc({ result: "hit" });
      return { verdict: hit, source: "cache" };
    }
    let pending = this.inFlight.get(key);
    const source: VerdictSource = pending ? "shared" : "fresh";
    this.metrics.cacheLookups.inc({ result: pending ? "shared" : "miss" });
    if (!pending) {
      pending = this.run(key, reference, policy, verify);
      this.inFlight.set(key, pending);
    }
    return { verdict: await raceDeadline(pending, deadline), source };
  }

  private async run(key: string, reference: PinnedReference, policy: ActivePolicy, verify: (req: VerifyRequest) => Promise<Verdict>): Promise<Verdict> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TransientVerificationError("DEADLINE_EXCEEDED", `verification did not finish within ${this.settings.verificationTimeoutMs} ms`)), this.settings.verificationTimeoutMs);
    timer.unref();
    try {
      // raced against the verification's own timeout too: a verifier that ignores its signal
      // must not keep this key in flight (and every later review waiting) forever
      const verdict = await raceDeadline(
        Promise.resolve().then(async () => checkedVerdict(await verify({ ref: reference.canonical, reference, policyHash: policy.hash, policy, signal: controller.signal }))),
        controller.signal,
      );
      const ttl = verdict.decision === "allow" ? this.settings.ttlSeconds : verdict.definite ? this.settings.failureTtlSeconds : 0;
      if (ttl > 0) this.lru.set(key, verdict, { ttl: ttl * 1000 });
      return verdict;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(key);
    }
  }
}

/** `pending`'s verdict, or a DEADLINE_EXCEEDED deny if `deadline` aborts first. */
function raceDeadline(pending: Promise<Verdict>, deadline: AbortSignal): Promise<Verdict> {
  if (deadline.aborted) return Promise.resolve(transientVerdict(deadline.reason));
  return new Promise<Verdict>((resolve) => {
    const onAbort = (): void => resolve(transientVerdict(deadline.reason));
    deadline.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (v) => {
        deadline.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        deadline.removeEventListener("abort", onAbort);
        resolve(transientVerdict(err));
      },
    );
  });
}
