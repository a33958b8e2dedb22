import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The service's Prometheus metrics, on a registry of its own (so two servers in one process, as
 * in tests, never share counters). Label values are codes from a closed set, never image names
 * or messages, so the series count stays bounded whatever the cluster sends.
 */

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CODE_RE = /^[A-Z][A-Z0-9_]{0,47}$/;

/** A code fit for a label; anything else (a verifier's free text) is counted as OTHER. */
export function labelCode(code: string): string {
  return CODE_RE.test(code) ? code : "OTHER";
}

/** What a registry adapter reports per HTTP request: the status code, or `error` when none came back. */
export type RegistryRequestStatus = number | "error" | "timeout";

export class VerifierMetrics {
  readonly registry = new Registry();
  readonly reviews: Counter<"decision" | "code">;
  readonly reviewDuration: Histogram<"decision">;
  readonly verifications: Counter<"kind" | "decision" | "code" | "source">;
  readonly verificationDuration: Histogram<"kind" | "source">;
  readonly cacheLookups: Counter<"result">;
  readonly registryRequests: Counter<"status">;
  readonly inFlight: Gauge;
  readonly policyReloads: Counter<"result">;
  readonly policyReloadFailing: Gauge;
  readonly tlsReloads: Counter<"result">;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reviews = new Counter({ name: "secure_mlops_verifier_reviews_total", help: "AdmissionReviews answered, by decision (allow, deny, warn, error) and reason code.", labelNames: ["decision", "code"], registers });
    this.reviewDuration = new Histogram({ name: "secure_mlops_verifier_review_duration_seconds", help: "Time from request body to answer.", labelNames: ["decision"], buckets: LATENCY_BUCKETS, registers });
    this.verifications = new Counter({
      name: "secure_mlops_verifier_verifications_total",
      help: "Images and models judged, by kind, decision, reason code and source (static, cache, fresh, shared).",
      labelNames: ["kind", "decision", "code", "source"],
      registers,
    });
    this.verificationDuration = new Histogram({ name: "secure_mlops_verifier_verification_duration_seconds", help: "Time to a verdict for one image or model.", labelNames: ["kind", "source"], buckets: LATENCY_BUCKETS, registers });
    this.cacheLookups = new Counter({ name: "secure_mlops_verifier_cache_lookups_total", help: "Verdict cache lookups: hit, miss, or shared (joined a verification in flight).", labelNames: ["result"], registers });
    this.registryRequests = new Counter({ name: "secure_mlops_verifier_registry_requests_total", help: "Registry HTTP requests by status code (or error, timeout).", labelNames: ["status"], registers });
    this.inFlight = new Gauge({ name: "secure_mlops_verifier_reviews_in_flight", help: "Reviews being judged now.", registers });
    this.policyReloads = new Counter({ name: "secure_mlops_verifier_policy_reloads_total", help: "Policy reloads by result (ok, failed).", labelNames: ["result"], registers });
    this.policyReloadFailing = new Gauge({ name: "secure_mlops_verifier_policy_reload_failing", help: "1 while the policy file on disk is invalid and the previous policy is in force.", registers });
    this.tlsReloads = new Counter({ name: "secure_mlops_verifier_tls_reloads_total", help: "TLS certificate reloads by result (ok, failed).", labelNames: ["result"], registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "secure_mlops_verifier_" });
  }

  /** The hook a registry adapter calls once per HTTP request it makes. */
  registryRequest(status: RegistryRequestStatus): void {
    this.registryRequests.inc({ status: String(status) });
  }
}
