import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { ReviewError, TransientVerificationError } from "./errors";
import { labelCode, type VerifierMetrics } from "./metrics";
import { modeFor, type ActivePolicy, type AdmissionMode } from "./policy";
import { isPinned, parsePinnedReference, registryAllowed } from "./reference";
import { parseAdmissionReviewText, reviewResponse, uidOf, type AdmissionRequest, type AdmissionResponse, type AdmissionReviewOut } from "./review";
import { VerdictCache, type Verdict, type VerdictSource, type Verifiers } from "./verification";
import { extractArtifacts, type Artifact } from "./workload";

/**
 * One AdmissionReview in, one verdict out: the whole decision, with no HTTP in it, so the server,
 * the fuzz tests and the bench drive the same code. Fail closed: every path that is not a proven
 * allow is a deny (or, in a namespace in warn mode, an allow with warnings).
 */

/** What the HTTP layer sends back. */
export type ReviewAnswer = { readonly status: 200; readonly body: AdmissionReviewOut } | { readonly status: 400; readonly body: { readonly error: string; readonly message: string } };

/** The judgement of one image or model of the workload. */
export interface ArtifactResult {
  readonly kind: Artifact["kind"];
  readonly where: string;
  readonly ref: string;
  readonly digest: string | undefined;
  readonly decision: Verdict["decision"];
  readonly code: string;
  readonly reason: string;
  readonly source: VerdictSource | "static";
  readonly ms: number;
}

const MAX_MESSAGE = 4000;
const MAX_WARNING = 120;
const MAX_WARNINGS = 30;

const GO_DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration (`10s`, `1m30s`, `2.5s`), as the API server writes `?timeout=`; `undefined` if it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  const re = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * GO_DURATION_UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * The review's budget: the API server's timeout (it stops waiting then, and applies the failure
 * policy) capped by the policy, minus a margin for the answer to travel back.
 */
export function budgetMs(timeoutParam: string | undefined, deadline: { readonly maxMs: number; readonly marginMs: number }): number {
  const fromServer = timeoutParam === undefined ? undefined : parseGoDuration(timeoutParam);
  return Math.min(fromServer ?? deadline.maxMs, deadline.maxMs) - deadline.marginMs;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function shownRef(ref: string): string {
  return JSON.stringify(truncate(ref, 200));
}

function objectName(request: AdmissionRequest): string {
  let name = request.name;
  if (name === "" && request.object) {
    const meta = request.object["metadata"];
    const generate = typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>)["generateName"] : undefined;
    if (typeof generate === "string") name = `${truncate(generate, 253)}*`;
  }
  // a CREATE may carry neither (the API server fills the name in later); say so, not "ns/"
  if (name === "") name = "(unnamed)";
  return request.namespace === "" ? name : `${request.namespace}/${name}`;
}

export interface AdmissionServiceOptions {
  readonly policy: ActivePolicy;
  readonly verifiers: Verifiers;
  readonly metrics: VerifierMetrics;
  readonly logger: Logger;
}

export class AdmissionService {
  private active: ActivePolicy;
  private cache: VerdictCache;
  private readonly verifiers: Verifiers;
  private readonly metrics: VerifierMetrics;
  private readonly logger: Logger;

  constructor(options: AdmissionServiceOptions) {
    this.active = options.policy;
    this.verifiers = options.verifiers;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.cache = this.newCache(options.policy);
  }

  get policy(): ActivePolicy {
    return this.active;
  }

  /** The verdict cache of the policy in force (tests and the bench read its size). */
  get verdicts(): VerdictCache {
    return this.cache;
  }

  ready(): boolean {
    return this.verifiers.ready?.() ?? true;
  }

  /**
   * Puts a new policy in force. Reviews already running finish under the policy they started
   * with; verdicts of the old policy are dropped (their keys carry its hash, so none could be
   * served, but they would hold memory until they aged out).
   */
  setPolicy(policy: ActivePolicy): void {
    if (policy.hash === this.active.hash) return;
    const old = this.cache.settings;
    const now = policy.admission.cache;
    this.active = policy;
    if (old.maxEntries !== now.maxEntries || old.ttlSeconds !== now.ttlSeconds || old.failureTtlSeconds !== now.failureTtlSeconds || old.verificationTimeoutMs !== policy.admission.deadline.maxMs) {
      this.cache = this.newCache(policy);
    } else {
      this.cache.clear();
    }
  }

  private newCache(policy: ActivePolicy): VerdictCache {
    return new VerdictCache({ ...policy.admission.cache, verificationTimeoutMs: policy.admission.deadline.maxMs }, this.metrics);
  }

  /** Judges one raw request body; `timeoutParam` is the `?timeout=` the API server sent. Never throws. */
  async review(body: string | Buffer, timeoutParam: string | undefined): Promise<ReviewAnswer> {
    const started = performance.now();
    this.metrics.inFlight.inc();
    try {
      let request: AdmissionRequest;
      try {
        request = parseAdmissionReviewText(body).request;
      } catch (err) {
        const e = err instanceof ReviewError ? err : new ReviewError("REVIEW_SHAPE", "the body could not be read as an AdmissionReview");
        return this.malformed(e, started, safeJson(body));
      }
      try {
        return await this.judge(request, timeoutParam, started);
      } catch (err) {
        // a bug of ours must still answer the API server, and with a deny
        return this.finish(request, started, this.active, "enforce", [], { code: "INTERNAL", reason: `internal error of the verifier (${err instanceof Error ? err.message : String(err)})`, status: 500 });
      }
    } finally {
      this.metrics.inFlight.dec();
    }
  }

  /** HTTP 400 for a body that is not an AdmissionReview (there may be no uid to answer to). */
  malformed(err: ReviewError, started: number, body: unknown): ReviewAnswer {
    const ms = performance.now() - started;
    this.metrics.reviews.inc({ decision: "error", code: err.code });
    this.metrics.reviewDuration.observe({ decision: "error" }, ms / 1000);
    this.logger.info({ uid: uidOf(body), decision: "error", code: err.code, reason: err.message, ms: round(ms) }, "review");
    return { status: 400, body: { error: err.code, message: err.message } };
  }

  private async judge(request: AdmissionRequest, timeoutParam: string | undefined, started: number): Promise<ReviewAnswer> {
    const policy = this.active;
    const settings = policy.admission;
    if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
      return this.finish(request, started, policy, "enforce", [], { allow: true, code: "OPERATION_NOT_VERIFIED", reason: `${request.operation} runs no image` });
    }
    const extraction = extractArtifacts(request);
    if (!extraction.workload) return this.finish(request, started, policy, "enforce", [], { allow: true, code: "NOT_A_WORKLOAD", reason: extraction.why });
    if (settings.exemptNamespaces.includes(request.namespace)) {
      return this.finish(request, started, policy, "enforce", [], { allow: true, code: "NAMESPACE_EXEMPT", reason: `namespace ${request.namespace} is exempt by the policy` });
    }
    const mode = modeFor(settings, request.namespace);
    if ("problem" in extraction) return this.finish(request, started, policy, mode, [], { code: "OBJECT_SHAPE", reason: extraction.problem, status: 400 });

    const budget = budgetMs(timeoutParam, settings.deadline);
    const controller = new AbortController();
    const deadlineError = new TransientVerificationError(
      "DEADLINE_EXCEEDED",
      `verification timed out: not finished within the ${Math.max(0, Math.round(budget))} ms budget (the API server's timeout${timeoutParam === undefined ? "" : ` ${timeoutParam}`}, at most ${settings.deadline.maxMs} ms, minus ${settings.deadline.marginMs} ms); retry, the result is cached once it completes`,
    );
    const timer = setTimeout(() => controller.abort(deadlineError), Math.max(0, budget));
    if (budget <= 0) controller.abort(deadlineError);
    try {
      const unique = new Map<string, Promise<Omit<ArtifactResult, "where">>>();
      const results = await Promise.all(
        extraction.artifacts.map(async (a): Promise<ArtifactResult> => {
          const key = `${a.kind}\n${a.ref}`;
          let p = unique.get(key);
          if (!p) {
            p = this.judgeArtifact(a, policy, controller.signal);
            unique.set(key, p);
          }
          return { ...(await p), where: a.where };
        }),
      );
      return this.finish(request, started, policy, mode, results, undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  private async judgeArtifact(a: Artifact, policy: ActivePolicy, deadline: AbortSignal): Promise<Omit<ArtifactResult, "where">> {
    const t0 = performance.now();
    const noun = a.kind === "model" ? "model" : "image";
    const parsed = parsePinnedReference(a.ref);
    const done = (r: { digest: string | undefined; verdict: Pick<Verdict, "decision" | "code" | "reason">; source: ArtifactResult["source"] }): Omit<ArtifactResult, "where"> => {
      const ms = performance.now() - t0;
      this.metrics.verifications.inc({ kind: a.kind, decision: r.verdict.decision, code: labelCode(r.verdict.code), source: r.source });
      this.metrics.verificationDuration.observe({ kind: a.kind, source: r.source }, ms / 1000);
      return { kind: a.kind, ref: a.ref, digest: r.digest, decision: r.verdict.decision, code: r.verdict.code, reason: r.verdict.reason, source: r.source, ms: round(ms) };
    };
    if (!isPinned(parsed)) return done({ digest: undefined, source: "static", verdict: { decision: "deny", code: parsed.code, reason: `${noun} ${shownRef(a.ref)} ${parsed.message}` } });
    if (!registryAllowed(parsed, policy.admission.allowedRegistries)) {
      return done({
        digest: parsed.digest,
        source: "static",
        verdict: { decision: "deny", code: "REGISTRY_NOT_ALLOWED", reason: `${noun} ${shownRef(a.ref)} is from registry ${parsed.registry}, which the policy does not allow (allowed: ${policy.admission.allowedRegistries.join(", ")})` },
      });
    }
    const verify = a.kind === "model" ? (req: Parameters<Verifiers["model"]["verifyModel"]>[0]) => this.verifiers.model.verifyModel(req) : (req: Parameters<Verifiers["image"]["verifyImage"]>[0]) => this.verifiers.image.verifyImage(req);
    const outcome = await this.cache.lookup(a.kind, parsed, policy, verify, deadline);
    const v = outcome.verdict;
    return done({ digest: parsed.digest, source: outcome.source, verdict: { decision: v.decision, code: v.code, reason: v.decision === "deny" ? `${noun} ${parsed.canonical}: ${v.reason}` : v.reason } });
  }

  private finish(
    request: AdmissionRequest,
    started: number,
    policy: ActivePolicy,
    mode: AdmissionMode,
    results: readonly ArtifactResult[],
    whole: { allow?: true; code: string; reason: string; status?: number } | undefined,
  ): ReviewAnswer {
    const denials = results.filter((r) => r.decision === "deny").map((r) => ({ code: r.code, text: `${r.where}: ${r.reason}` }));
    if (whole && !whole.allow) denials.unshift({ code: whole.code, text: whole.reason });
    let response: AdmissionResponse;
    let decision: "allow" | "deny" | "warn";
    const code = denials[0]?.code ?? whole?.code ?? "VERIFIED";
    if (denials.length === 0) {
      decision = "allow";
      response = { uid: request.uid, allowed: true };
    } else if (mode === "warn") {
      decision = "warn";
      const warnings = denials.slice(0, MAX_WARNINGS).map((d) => truncate(`secure-mlops (warn mode): ${d.text}`, MAX_WARNING));
      if (denials.length > MAX_WARNINGS) warnings.push(`secure-mlops (warn mode): ${denials.length - MAX_WARNINGS} more refusals, see the verifier's log`);
      response = { uid: request.uid, allowed: true, warnings };
    } else {
      decision = "deny";
      const status = whole?.status ?? statusFor(denials.map((d) => d.code));
      const message = truncate(`secure-mlops verifier denied ${request.kind.kind} ${objectName(request)}: ${denials.map((d) => d.text).join("; ")}`, MAX_MESSAGE);
      response = { uid: request.uid, allowed: false, status: { code: status, message } };
    }
    const ms = performance.now() - started;
    this.metrics.reviews.inc({ decision, code: labelCode(code) });
    this.metrics.reviewDuration.observe({ decision }, ms / 1000);
    this.logger.info(
      {
        uid: request.uid,
        kind: request.kind.kind,
        namespace: request.namespace,
        name: request.name,
        operation: request.operation,
        subResource: request.subResource || undefined,
        dryRun: request.dryRun,
        user: request.username,
        mode,
        policy: policy.hash.slice(0, 12),
        decision,
        code,
        reason: denials.length > 0 ? truncate(denials.map((d) => d.text).join("; "), MAX_MESSAGE) : whole?.reason,
        artifacts: results.map((r) => ({ kind: r.kind, where: r.where, ref: truncate(r.ref, 512), digest: r.digest, decision: r.decision, code: r.code, reason: r.decision === "deny" ? r.reason : undefined, source: r.source, ms: r.ms })),
        ms: round(ms),
      },
      "review",
    );
    return { status: 200, body: reviewResponse(response) };
  }
}

/** 403 for a verdict about the workload; 503 when a retry may succeed (registry, deadline); 500 for our own failure. */
function statusFor(codes: readonly string[]): number {
  if (codes.includes("INTERNAL")) return 500;
  if (codes.some((c) => TRANSIENT_CODES.has(c))) return 503;
  return 403;
}

const TRANSIENT_CODES: ReadonlySet<string> = new Set(["REGISTRY_UNREACHABLE", "REGISTRY_TIMEOUT", "REGISTRY_ERROR", "LISTING_FAILED", "TOO_MANY_REFERRERS", "DEADLINE_EXCEEDED", "VERIFIER_NOT_READY"]);

/** The body decoded for the log's uid only; `undefined` when it is not JSON or too big to bother. */
function safeJson(body: string | Buffer): unknown {
  if (body.length > 65_536) return undefined;
  try {
    return JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
