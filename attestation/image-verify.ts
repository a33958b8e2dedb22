import { createHash, verify as cryptoVerify } from "node:crypto";
import { RegistryClient, type RegistryClientOptions } from "../registry/client";
import { isRegistryError, isTransient, type RegistryError } from "../registry/errors";
import { parseManifest, type Descriptor, type ImageManifest } from "../registry/oci";
import { formatReference, parseReference, type ImageReference } from "../registry/reference";
import { listReferrers, readLegacyTags, type ReferrerSource } from "../registry/referrers";
import { keyBundleJson, parseBundle, type ParsedBundle } from "./bundle";
import { BundleError, SignatureError, StatementError, messageOf } from "./errors";
import type { NormalisedSeverity } from "./evidence";
import { ANNOTATION_PREDICATE_TYPE, BUNDLE_ARTIFACT_TYPES, COSIGN_SIGN_PREDICATE_TYPE, PREDICATE_TYPES_OF, IMAGE_ATTESTATION_KINDS, type ImageAttestationKind } from "./image";
import { severityOfResult, type ImagePolicy, type LoadedPolicy } from "./policy";
import { IN_TOTO_PAYLOAD_TYPE, parseStatement, type InTotoStatement } from "./statement";
import { trustLabel, verifyWithAny, type TrustPolicy, type VerifiedSigner } from "./verify";

/**
 * Verification of a container image's attestations, the library half of `verify image` and of
 * the admission verifier:
 *
 * - every attachment layout is read (referrers API, referrers tag index, cosign's legacy `.sig`
 *   and `.att` tags) and each attachment is verified on its own (signature by an allowed signer,
 *   in-toto statement whose subject digest is the image digest, exact predicate type);
 * - the policy's `images:` section is judged on the verified attachments only;
 * - fail closed: any registry error (down, slow, a listing that fails, an answer that does not
 *   parse) makes the outcome `error`, never "unsigned" and never "verified";
 * - `signal` aborts every request (a deadline); `cache` keeps registry answers: content-addressed
 *   ones (manifests and blobs by digest) for good, tag and referrer listings for its TTL.
 */

/** Registry answers kept between verifications (the admission verifier passes a bounded one). */
export interface RegistryAnswerCache {
  get(key: string): unknown;
  /** `mutable` entries (tags, listings) expire after the cache's TTL; digests never change. */
  set(key: string, value: unknown, mutable: boolean): void;
}

/** A bounded in-memory cache: least recently used out first, mutable entries for `ttlMs`. */
export function createMemoryCache(options: { maxEntries?: number; ttlMs?: number; now?: () => number } = {}): RegistryAnswerCache {
  const max = options.maxEntries ?? 10_000;
  const ttl = options.ttlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const map = new Map<string, { value: unknown; expires: number }>();
  return {
    get(key) {
      const e = map.get(key);
      if (!e) return undefined;
      if (e.expires < now()) {
        map.delete(key);
        return undefined;
      }
      map.delete(key);
      map.set(key, e);
      return e.value;
    },
    set(key, value, mutable) {
      map.delete(key);
      map.set(key, { value, expires: mutable ? now() + ttl : Number.POSITIVE_INFINITY });
      while (map.size > max) map.delete(map.keys().next().value!);
    },
  };
}

export type AttachmentLayout = ReferrerSource | "cosign-att" | "cosign-sig";

export interface AttachmentReport {
  readonly layout: AttachmentLayout;
  /** Digest of the attachment manifest. */
  readonly manifest: string;
  /** Layer index inside a legacy cosign manifest (one signature per layer). */
  readonly layer?: number;
  readonly predicateType?: string;
  readonly kind?: ImageAttestationKind;
  readonly status: "verified" | "refused" | "ignored";
  readonly code?: string;
  readonly reason?: string;
  readonly signer?: VerifiedSigner;
}

export interface ImageReason {
  readonly code: string;
  readonly message: string;
  readonly rule?: string;
}

export interface ImageVerdict {
  /** `verified`: exit 0; `refused`: a verdict against the image (exit 1); `error`: no verdict could be reached (exit 2), never cached. */
  readonly outcome: "verified" | "refused" | "error";
  readonly verified: boolean;
  readonly reference: string;
  readonly registry: string;
  readonly repository: string;
  readonly digest?: string;
  readonly attachments: readonly AttachmentReport[];
  readonly reasons: readonly ImageReason[];
  /** Whether the outcome may be cached (false after a transient registry error). */
  readonly cacheable: boolean;
}

export interface VerifyImageOptions {
  readonly ref: string;
  /** The policy file: its signers and its `images:` section. */
  readonly policy?: LoadedPolicy;
  /** Signers besides the policy's (the CLI's --key, --identity). */
  readonly trust?: readonly TrustPolicy[];
  readonly signal?: AbortSignal;
  readonly registry?: Omit<RegistryClientOptions, "registry" | "signal">;
  readonly cache?: RegistryAnswerCache;
  /** Gives the client for a registry (tests, a shared pool); default: a new client per call. */
  readonly clientFor?: (registry: string) => RegistryClient;
}

const DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Registry reads through the cache. */
class Reader {
  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
    readonly cache: RegistryAnswerCache | undefined,
    readonly signal: AbortSignal | undefined,
  ) {}

  private key(kind: string, id: string): string {
    return `${kind}\u0000${this.client.registry}/${this.repository}\u0000${id}`;
  }

  async cached<T>(kind: string, id: string, mutable: boolean, load: () => Promise<T>): Promise<T> {
    const k = this.key(kind, id);
    const hit = this.cache?.get(k);
    if (hit !== undefined) return hit as T;
    const value = await load();
    this.cache?.set(k, value, mutable);
    return value;
  }

  manifest(digest: string): Promise<{ bytes: Buffer; mediaType: string }> {
    return this.cached("manifest", digest, false, async () => {
      const m = await this.client.getManifest(this.repository, digest, this.signal ? { signal: this.signal } : {});
      return { bytes: m.bytes, mediaType: m.mediaType };
    });
  }

  blob(d: Descriptor): Promise<Buffer> {
    if (d.size > this.client.limits.maxBlobBytes) throw new Refusal("IMAGE_ATTACHMENT_TOO_LARGE", `layer ${d.digest} declares ${d.size} bytes, more than ${this.client.limits.maxBlobBytes}`);
    return this.cached("blob", d.digest, false, () => this.client.getBlob(this.repository, d.digest, { maxBytes: d.size, ...(this.signal ? { signal: this.signal } : {}) }));
  }
}

function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

/** Checks a verified payload: in-toto, subject digest = image digest; returns the statement. */
function checkStatement(payloadType: string, payload: Buffer, imageDigest: string): InTotoStatement {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new Refusal("STATEMENT_PAYLOAD_TYPE", `payload type ${payloadType} is not in-toto`);
  const statement = parseStatement(payload);
  const [alg] = imageDigest.split(":") as [string];
  const hex = hexOf(imageDigest);
  if (!statement.subject.some((s) => s.digest[alg] === hex)) {
    const named = statement.subject.map((s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`).join(",")).join("; ");
    throw new Refusal("IMAGE_SUBJECT_MISMATCH", `statement subject is ${named}, not the image digest ${imageDigest}`);
  }
  return statement;
}

function verifyBundleFor(bundle: ParsedBundle, trusts: readonly TrustPolicy[], imageDigest: string): { statement: InTotoStatement; signer: VerifiedSigner } {
  const outcome = verifyWithAny(bundle, trusts);
  if ("failures" in outcome) throw new Refusal(outcome.failures[0]!.code, outcome.failures.map((f) => f.message).join("; "));
  return { statement: checkStatement(outcome.verified.payloadType, outcome.verified.payload, imageDigest), signer: outcome.verified.signer };
}

function refusalOf(err: unknown): { code: string; reason: string } {
  if (err instanceof Refusal) return { code: err.code, reason: err.message };
  if (err instanceof BundleError || err instanceof StatementError || err instanceof SignatureError) return { code: err.code, reason: err.message };
  if (isRegistryError(err) && (err.code === "REGISTRY_BAD_RESPONSE" || err.code === "REGISTRY_TOO_LARGE" || err.code === "REGISTRY_DIGEST_MISMATCH")) return { code: err.code, reason: err.message };
  throw err;
}

const trustIds = new WeakMap<TrustPolicy, number>();
let nextTrustId = 0;

/** A name for this list of signer objects, for cache keys: the same objects give the same name. */
function trustKey(trusts: readonly TrustPolicy[]): string {
  return trusts
    .map((t) => {
      let id = trustIds.get(t);
      if (id === undefined) trustIds.set(t, (id = nextTrustId++));
      return id;
    })
    .join(",");
}

/**
 * A referrer in the cosign v3 bundle layout. Its report is cached with the registry answers: the
 * manifest digest pins the bundle bytes, and verification depends only on those bytes, the image
 * digest and the signers (a key's signature, or a certificate judged at the log's integrated time,
 * not at the time of asking), so a warm review does no parsing or crypto again. Registry errors
 * throw and are never cached.
 */
function readBundleReferrer(reader: Reader, d: Descriptor, layout: ReferrerSource, imageDigest: string, trusts: readonly TrustPolicy[]): Promise<AttachmentReport> {
  const id = [d.digest, layout, d.artifactType ?? "", d.annotations?.[ANNOTATION_PREDICATE_TYPE] ?? "", imageDigest, trustKey(trusts)].join("\u0000");
  return reader.cached("attachment", id, false, () => judgeBundleReferrer(reader, d, layout, imageDigest, trusts));
}

async function judgeBundleReferrer(reader: Reader, d: Descriptor, layout: ReferrerSource, imageDigest: string, trusts: readonly TrustPolicy[]): Promise<AttachmentReport> {
  const base = { layout, manifest: d.digest } as const;
  if (d.artifactType !== undefined && !BUNDLE_ARTIFACT_TYPES.includes(d.artifactType)) {
    return { ...base, status: "ignored", code: "IMAGE_ARTIFACT_TYPE", reason: `artifact type ${d.artifactType} is not a Sigstore bundle` };
  }
  const indexed = d.annotations?.[ANNOTATION_PREDICATE_TYPE];
  try {
    const m = await reader.manifest(d.digest);
    const manifest = parseManifest(m.bytes, reader.client.registry, `referrer ${d.digest}`, reader.client.limits, m.mediaType);
    const type = manifest.artifactType ?? manifest.config.mediaType;
    if (!BUNDLE_ARTIFACT_TYPES.includes(type)) return { ...base, status: "ignored", code: "IMAGE_ARTIFACT_TYPE", reason: `artifact type ${type} is not a Sigstore bundle` };
    if (manifest.subject?.digest !== imageDigest) throw new Refusal("IMAGE_REFERRER_SUBJECT_MISMATCH", `referrer manifest's subject is ${manifest.subject?.digest ?? "(none)"}, not ${imageDigest}`);
    const layer = manifest.layers[0];
    if (manifest.layers.length !== 1 || !layer || !BUNDLE_ARTIFACT_TYPES.includes(layer.mediaType)) throw new Refusal("IMAGE_ATTACHMENT_LAYOUT", "a bundle referrer must have exactly one layer holding the bundle");
    const bundle = parseBundle(await reader.blob(layer));
    const { statement, signer } = verifyBundleFor(bundle, trusts, imageDigest);
    const annotated = manifest.annotations?.[ANNOTATION_PREDICATE_TYPE] ?? indexed;
    if (annotated !== undefined && annotated !== statement.predicateType) {
      throw new Refusal("IMAGE_PREDICATE_TYPE_MISMATCH", `annotation says predicate type ${annotated}, the signed statement says ${statement.predicateType}`);
    }
    const kind = kindOf(statement.predicateType);
    return { ...base, predicateType: statement.predicateType, ...(kind ? { kind } : {}), status: "verified", signer, ...({ statement } as object) } as AttachmentReport;
  } catch (err) {
    const r = refusalOf(err);
    return { ...base, ...(indexed ? { predicateType: indexed } : {}), status: "refused", ...r };
  }
}

function kindOf(predicateType: string): ImageAttestationKind | undefined {
  for (const k of IMAGE_ATTESTATION_KINDS) if (PREDICATE_TYPES_OF[k].includes(predicateType)) return k;
  return undefined;
}

/** Cosign legacy `.att`: one DSSE envelope per layer, public keys only (keyless needs the Rekor bundle annotation). */
async function readLegacyAtt(reader: Reader, manifestDigest: string, manifest: ImageManifest, imageDigest: string, trusts: readonly TrustPolicy[]): Promise<AttachmentReport[]> {
  const out: AttachmentReport[] = [];
  const keys = trusts.filter((t): t is Extract<TrustPolicy, { method: "public-key" }> => t.method === "public-key");
  for (const [i, layer] of manifest.layers.entries()) {
    const base = { layout: "cosign-att" as const, manifest: manifestDigest, layer: i };
    const declared = layer.annotations?.["predicateType"];
    try {
      if (layer.mediaType !== DSSE_ENVELOPE) throw new Refusal("IMAGE_ATTACHMENT_LAYOUT", `layer media type ${layer.mediaType} is not a DSSE envelope`);
      if (keys.length === 0) throw new Refusal("IMAGE_LEGACY_KEYLESS_UNSUPPORTED", "cosign .att attestations are verified with public keys only; the policy names none");
      const envelope = JSON.parse((await reader.blob(layer)).toString("utf8")) as { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown }[] };
      const sig = Array.isArray(envelope.signatures) ? envelope.signatures[0]?.sig : undefined;
      if (typeof envelope.payload !== "string" || typeof envelope.payloadType !== "string" || typeof sig !== "string") throw new Refusal("BUNDLE_INVALID_ENVELOPE", "not a DSSE envelope");
      let last: Refusal | undefined;
      let found: AttachmentReport | undefined;
      for (const key of keys) {
        const bundle = parseBundle(JSON.stringify(keyBundleJson({ payload: Buffer.from(envelope.payload, "base64"), payloadType: envelope.payloadType, signature: Buffer.from(sig, "base64"), hint: key.key.hint })));
        try {
          const { statement, signer } = verifyBundleFor(bundle, [key], imageDigest);
          const kind = kindOf(statement.predicateType);
          found = { ...base, predicateType: statement.predicateType, ...(kind ? { kind } : {}), status: "verified", signer, ...({ statement } as object) } as AttachmentReport;
          break;
        } catch (err) {
          if (!(err instanceof Refusal)) throw err;
          last = err;
        }
      }
      if (!found) throw last ?? new Refusal("SIGNATURE_INVALID", "no key verified the envelope");
      out.push(found);
    } catch (err) {
      if (err instanceof SyntaxError) {
        out.push({ ...base, status: "refused", code: "BUNDLE_NOT_JSON", reason: "DSSE envelope is not JSON" });
        continue;
      }
      out.push({ ...base, ...(declared ? { predicateType: declared } : {}), status: "refused", ...refusalOf(err) });
    }
  }
  return out;
}

/** Cosign legacy `.sig`: simple-signing payloads signed with a key, over the payload bytes. */
async function readLegacySig(reader: Reader, manifestDigest: string, manifest: ImageManifest, imageDigest: string, trusts: readonly TrustPolicy[]): Promise<AttachmentReport[]> {
  const keys = trusts.filter((t): t is Extract<TrustPolicy, { method: "public-key" }> => t.method === "public-key");
  const out: AttachmentReport[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const base = { layout: "cosign-sig" as const, manifest: manifestDigest, layer: i, predicateType: COSIGN_SIGN_PREDICATE_TYPE };
    try {
      if (layer.mediaType !== SIMPLE_SIGNING) throw new Refusal("IMAGE_ATTACHMENT_LAYOUT", `layer media type ${layer.mediaType} is not cosign simple signing`);
      const sigText = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      if (!sigText) throw new Refusal("IMAGE_ATTACHMENT_LAYOUT", `layer has no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
      if (keys.length === 0) throw new Refusal("IMAGE_LEGACY_KEYLESS_UNSUPPORTED", "cosign .sig signatures are verified with public keys only; the policy names none");
      const payload = await reader.blob(layer);
      const key = keys.find((k) => cryptoVerify(k.key.hash, payload, { key: k.key.key, dsaEncoding: "der" }, Buffer.from(sigText, "base64")));
      if (!key) throw new Refusal("SIGNATURE_INVALID", `simple signing signature does not verify with ${keys.map(trustLabel).join(", ")}`);
      const json = JSON.parse(payload.toString("utf8")) as { critical?: { image?: { "docker-manifest-digest"?: unknown } } };
      const signed = json.critical?.image?.["docker-manifest-digest"];
      if (signed !== imageDigest) throw new Refusal("IMAGE_SUBJECT_MISMATCH", `simple signing payload names ${String(signed)}, not the image digest ${imageDigest}`);
      out.push({ ...base, kind: "signature", status: "verified", signer: { method: "public-key", label: trustLabel(key), keyHint: key.key.hint, curve: key.key.curve } });
    } catch (err) {
      if (err instanceof SyntaxError) {
        out.push({ ...base, status: "refused", code: "STATEMENT_NOT_JSON", reason: "simple signing payload is not JSON" });
        continue;
      }
      out.push({ ...base, status: "refused", ...refusalOf(err) });
    }
  }
  return out;
}

const SEVERITY_RANK: Readonly<Record<"none" | NormalisedSeverity, number>> = { none: 0, low: 1, medium: 2, high: 3, critical: 4, unknown: 5 };

function statementOf(a: AttachmentReport): InTotoStatement | undefined {
  return (a as { statement?: InTotoStatement }).statement;
}

function matchesRequirement(a: AttachmentReport, wanted: string): boolean {
  if ((IMAGE_ATTESTATION_KINDS as readonly string[]).includes(wanted)) return a.kind === wanted;
  return a.predicateType === wanted;
}

/** The SBOM's component licences (CycloneDX `licenses[].license.id|name` or `expression`). */
export function sbomLicenses(bom: Readonly<Record<string, unknown>>): { component: string; licenses: string[] }[] {
  const out: { component: string; licenses: string[] }[] = [];
  const components = Array.isArray(bom["components"]) ? (bom["components"] as unknown[]) : [];
  for (const c of components.slice(0, 100_000)) {
    if (typeof c !== "object" || c === null) continue;
    const comp = c as Record<string, unknown>;
    const name = `${typeof comp["name"] === "string" ? comp["name"] : "(unnamed)"}${typeof comp["version"] === "string" ? `@${comp["version"]}` : ""}`;
    const licenses: string[] = [];
    for (const l of Array.isArray(comp["licenses"]) ? (comp["licenses"] as unknown[]) : []) {
      if (typeof l !== "object" || l === null) continue;
      const entry = l as Record<string, unknown>;
      if (typeof entry["expression"] === "string") licenses.push(entry["expression"]);
      const lic = entry["license"];
      if (typeof lic === "object" && lic !== null) {
        const id = (lic as Record<string, unknown>)["id"] ?? (lic as Record<string, unknown>)["name"];
        if (typeof id === "string") licenses.push(id);
      }
    }
    out.push({ component: name, licenses });
  }
  return out;
}

function list(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Judges the `images:` rules on the verified attachments. */
export function evaluateImagePolicy(rules: ImagePolicy | undefined, verified: readonly AttachmentReport[]): ImageReason[] {
  const reasons: ImageReason[] = [];
  const found = [...new Set(verified.map((a) => a.predicateType).filter((p): p is string => p !== undefined))];
  for (const wanted of rules?.requirePredicates ?? []) {
    if (!verified.some((a) => matchesRequirement(a, wanted))) {
      const types = (IMAGE_ATTESTATION_KINDS as readonly string[]).includes(wanted) ? ` (${PREDICATE_TYPES_OF[wanted as ImageAttestationKind].join(" or ")})` : "";
      reasons.push({ code: "IMAGE_PREDICATE_MISSING", rule: "images.requirePredicates", message: `required predicate ${wanted}${types} has no verified attestation; verified: ${found.length ? found.join(", ") : "none"}` });
    }
  }
  if (rules?.vulnerabilities) {
    const scans = verified.filter((a) => a.kind === "vulnerability-scan");
    if (scans.length === 0) reasons.push({ code: "IMAGE_PREDICATE_MISSING", rule: "images.vulnerabilities", message: "vulnerability rule: no verified vulnerability scan of this image" });
    const max = SEVERITY_RANK[rules.vulnerabilities.maxSeverity];
    const unknownAs = rules.vulnerabilities.unknownSeverityAs ?? "critical";
    for (const a of scans) {
      const scanner = statementOf(a)?.predicate["scanner"];
      const results = typeof scanner === "object" && scanner !== null && Array.isArray((scanner as Record<string, unknown>)["result"]) ? ((scanner as Record<string, unknown>)["result"] as unknown[]) : undefined;
      if (!results) {
        reasons.push({ code: "IMAGE_VULNERABILITY", rule: "images.vulnerabilities", message: `scan ${a.manifest} has no scanner.result list` });
        continue;
      }
      const over = results
        .map((r) => {
          const declared = severityOfResult(r);
          const id = typeof r === "object" && r !== null && typeof (r as Record<string, unknown>)["id"] === "string" ? ((r as Record<string, unknown>)["id"] as string) : "(no id)";
          return { id, declared, severity: declared === "unknown" ? unknownAs : declared };
        })
        .filter((r) => SEVERITY_RANK[r.severity] > max);
      if (over.length > 0) {
        reasons.push({ code: "IMAGE_VULNERABILITY", rule: "images.vulnerabilities", message: `${over.length} finding${over.length === 1 ? "" : "s"} above ${rules.vulnerabilities.maxSeverity}: ${list(over.map((o) => `${o.id} (${o.declared})`))}` });
      }
    }
  }
  if (rules?.licenses) {
    const sboms = verified.filter((a) => a.kind === "sbom");
    if (sboms.length === 0) reasons.push({ code: "IMAGE_PREDICATE_MISSING", rule: "images.licenses", message: "licence rule: no verified SBOM of this image" });
    const allowed = (rules.licenses.allowed ?? []).map((l) => l.toLowerCase());
    const denied = (rules.licenses.denied ?? []).map((l) => l.toLowerCase());
    for (const a of sboms) {
      const bad: string[] = [];
      for (const c of sbomLicenses(statementOf(a)?.predicate ?? {})) {
        const names = c.licenses.map((l) => l.toLowerCase());
        if (names.some((n) => denied.includes(n))) bad.push(`${c.component} (${c.licenses.join(" ")}: denied)`);
        else if (allowed.length > 0 && (names.length === 0 || !names.some((n) => allowed.includes(n)))) bad.push(`${c.component} (${c.licenses.join(" ") || "no licence"}: not allowed)`);
      }
      if (bad.length > 0) reasons.push({ code: "IMAGE_LICENSE", rule: "images.licenses", message: `${bad.length} component${bad.length === 1 ? "" : "s"} break the licence rule: ${list(bad)}` });
    }
  }
  return reasons;
}

function registryAllowed(rules: ImagePolicy | undefined, ref: ImageReference): boolean {
  const globs = rules?.allowedRegistries;
  if (!globs) return true;
  const full = `${ref.registry}/${ref.repository}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a policy lists registries
  const picomatch = require("picomatch") as typeof import("picomatch");
  return globs.some((g) => picomatch.isMatch(ref.registry, g, { dot: true }) || picomatch.isMatch(full, g, { dot: true }));
}

/**
 * Verifies an image against the signers and the `images:` rules. Never throws for what the
 * registry does (that is an `error` outcome naming the registry); throws only for a reference
 * that does not parse (REGISTRY_REFERENCE_INVALID) or when no signer is given.
 */
export async function verifyImage(options: VerifyImageOptions): Promise<ImageVerdict> {
  const ref = parseReference(options.ref);
  const trusts = [...(options.trust ?? []), ...(options.policy?.signers ?? [])];
  const rules = options.policy?.policy.images;
  const base = { reference: formatReference(ref), registry: ref.registry, repository: ref.repository };
  if (!registryAllowed(rules, ref)) {
    return {
      ...base,
      outcome: "refused",
      verified: false,
      attachments: [],
      cacheable: true,
      reasons: [{ code: "IMAGE_REGISTRY_NOT_ALLOWED", rule: "images.allowedRegistries", message: `registry ${ref.registry} (${ref.registry}/${ref.repository}) is not in the allowed list (${rules!.allowedRegistries!.join(", ")})` }],
    };
  }
  if (trusts.length === 0) throw new SignatureError("SIGNATURE_MATERIAL_MISMATCH", "no signer to verify with: give a key or identity, or a policy with signers");
  const client = options.clientFor?.(ref.registry) ?? new RegistryClient({ ...options.registry, registry: ref.registry, ...(options.signal ? { signal: options.signal } : {}) });
  const reader = new Reader(client, ref.repository, options.cache, options.signal);
  let digest: string | undefined = ref.digest;
  try {
    if (!digest) {
      const tag = ref.tag ?? "latest";
      digest = await reader.cached("tag", tag, true, async () => (await client.resolve(ref.repository, tag, options.signal)).digest);
    }
    const imageDigest = digest;
    // the layouts are independent: read them at once (latency of a cold verification)
    const [listing, legacy] = await Promise.all([
      reader.cached("referrers", imageDigest, true, () => listReferrers(client, ref.repository, imageDigest, options.signal)),
      reader.cached("legacy", imageDigest, true, () => readLegacyTags(client, ref.repository, imageDigest, options.signal)),
    ]);
    const attachments: AttachmentReport[] = await Promise.all(listing.descriptors.map((d) => readBundleReferrer(reader, d, listing.source, imageDigest, trusts)));
    for (const t of legacy) {
      const cached = await reader.cached("manifest", t.digest, false, () => Promise.resolve({ bytes: t.bytes, mediaType: t.mediaType }));
      let manifest: ImageManifest;
      try {
        manifest = parseManifest(cached.bytes, client.registry, `cosign tag ${t.tag}`, client.limits, cached.mediaType);
      } catch (err) {
        attachments.push({ layout: t.kind === "att" ? "cosign-att" : "cosign-sig", manifest: t.digest, status: "refused", ...refusalOf(err) });
        continue;
      }
      attachments.push(...(t.kind === "att" ? await readLegacyAtt(reader, t.digest, manifest, imageDigest, trusts) : await readLegacySig(reader, t.digest, manifest, imageDigest, trusts)));
    }
    const verified = attachments.filter((a) => a.status === "verified");
    const reasons: ImageReason[] = [];
    const considered = attachments.filter((a) => a.status !== "ignored");
    if (considered.length === 0) {
      reasons.push({ code: "IMAGE_UNSIGNED", message: `no signature or attestation is attached to ${ref.registry}/${ref.repository}@${imageDigest}` });
    } else if (verified.length === 0) {
      const refused = considered.map((a) => `${a.code}: ${a.reason}`);
      reasons.push({ code: "IMAGE_NOT_VERIFIED", message: `none of the ${considered.length} attachment(s) verified: ${list([...new Set(refused)], 3)}` });
    } else {
      reasons.push(...evaluateImagePolicy(rules, verified));
    }
    const ok = reasons.length === 0;
    return { ...base, outcome: ok ? "verified" : "refused", verified: ok, digest: imageDigest, attachments: attachments.map(publicReport), reasons, cacheable: true };
  } catch (err) {
    if (!isRegistryError(err)) throw err;
    const e = err as RegistryError;
    if (e.code === "REGISTRY_NOT_FOUND" && !digest) {
      return { ...base, outcome: "refused", verified: false, attachments: [], cacheable: false, reasons: [{ code: "IMAGE_NOT_FOUND", message: e.message }] };
    }
    return { ...base, outcome: "error", verified: false, ...(digest ? { digest } : {}), attachments: [], cacheable: !isTransient(e), reasons: [{ code: e.code, message: `registry ${e.registry}: ${messageOf(e).replace(`${e.registry}: `, "")}` }] };
  } finally {
    if (!options.clientFor) client.close();
  }
}

/** The report without the statement carried for the policy (predicates can be large). */
function publicReport(a: AttachmentReport): AttachmentReport {
  const { statement: _statement, ...rest } = a as AttachmentReport & { statement?: unknown };
  return rest;
}

/** SHA-256 of the policy's identity, for cache keys of verdicts (digest + policy). */
export function policyHash(policy: LoadedPolicy | undefined, trust: readonly TrustPolicy[] = []): string {
  return createHash("sha256")
    .update(JSON.stringify({ p: policy?.policy ?? null, t: [...trust, ...(policy?.signers ?? [])].map(trustLabel) }))
    .digest("hex");
}
