import { promises as fsp } from "node:fs";
import { RegistryClient, type RegistryClientOptions } from "../registry/client";
import { OCI_MANIFEST, parseManifest, type Descriptor } from "../registry/oci";
import { parseReference, type ImageReference } from "../registry/reference";
import { listReferrers, pushReferrer } from "../registry/referrers";
import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V01_MEDIA_TYPE, parseBundle, type ParsedBundle } from "./bundle";
import type { LoadedPublicKey } from "./keys";
import { verifyBundleSignature } from "./verify";
import { InputError, messageOf } from "./errors";
import { VULNS_PREDICATE_TYPE, parseScanReport, vulnsPredicate } from "./evidence";
import type { SignerSpec } from "./sign";
import { IN_TOTO_STATEMENT_V1, encodeStatement, type InTotoStatement } from "./statement";

/**
 * Attestations of container images: in-toto statements whose subject is the image manifest
 * digest, signed into Sigstore bundles v0.3 and attached to the image the way cosign v3 does
 * (an OCI manifest with artifactType `application/vnd.dev.sigstore.bundle.v0.3+json`, the empty
 * config, the bundle as its one layer, `subject` = the image). Registry I/O goes through
 * `registry/`; this module decides what is signed and how it is laid out.
 */

/** cosign v3 `sign`: the signature of an image is itself a statement with this predicate type. */
export const COSIGN_SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
/** CycloneDX SBOM of any spec version (cosign `attest --type cyclonedx`). */
export const CYCLONEDX_BOM_PREDICATE_TYPE = "https://cyclonedx.org/bom";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

export const IMAGE_ATTESTATION_KINDS = ["signature", "sbom", "vulnerability-scan", "provenance"] as const;
export type ImageAttestationKind = (typeof IMAGE_ATTESTATION_KINDS)[number];

/** The predicate types each kind is written with, and read as (first one written). */
export const PREDICATE_TYPES_OF: Readonly<Record<ImageAttestationKind, readonly string[]>> = {
  signature: [COSIGN_SIGN_PREDICATE_TYPE],
  sbom: [CYCLONEDX_BOM_PREDICATE_TYPE, "https://cyclonedx.org/bom/v1.4", "https://cyclonedx.org/bom/v1.5", "https://cyclonedx.org/bom/v1.6"],
  "vulnerability-scan": [VULNS_PREDICATE_TYPE],
  provenance: [SLSA_PROVENANCE_V1],
};

/** Bundle media types accepted as attachments (the current one is written). */
export const BUNDLE_ARTIFACT_TYPES: readonly string[] = [BUNDLE_V03_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V01_MEDIA_TYPE];

export const ANNOTATION_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType";
export const ANNOTATION_BUNDLE_CONTENT = "dev.sigstore.bundle.content";
export const ANNOTATION_CREATED = "org.opencontainers.image.created";

/** Kind of a predicate type, when it is one of ours. */
export function kindOfPredicate(predicateType: string): ImageAttestationKind | undefined {
  for (const k of IMAGE_ATTESTATION_KINDS) if (PREDICATE_TYPES_OF[k].includes(predicateType)) return k;
  return undefined;
}

/** The in-toto subject of an image: its name without tag, and the manifest digest. */
export function imageSubject(ref: ImageReference, digest: string): InTotoStatement["subject"][number] {
  const [alg, hex] = digest.split(":") as [string, string];
  return { name: `${ref.registry}/${ref.repository}`, digest: { [alg]: hex } };
}

export function imageStatement(ref: ImageReference, digest: string, predicateType: string, predicate: Record<string, unknown>): InTotoStatement {
  return { _type: IN_TOTO_STATEMENT_V1, subject: [imageSubject(ref, digest)], predicateType, predicate };
}

const MAX_INPUT_BYTES = 64 * 1024 * 1024;

async function readJson(file: string, what: string): Promise<unknown> {
  let data: Buffer;
  try {
    const st = await fsp.stat(file);
    if (st.size > MAX_INPUT_BYTES) throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: ${what} is ${st.size} bytes, more than ${MAX_INPUT_BYTES}`, { file });
    data = await fsp.readFile(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "INPUT_NOT_FOUND" : "INPUT_UNREADABLE", `${file}: cannot read ${what} (${code ?? messageOf(err)})`, { cause: err, file });
  }
  try {
    return JSON.parse(data.toString("utf8"));
  } catch (err) {
    throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: ${what} is not JSON`, { cause: err, file });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A CycloneDX JSON SBOM from any tool (syft, trivy, cdxgen): the predicate is the BOM itself. */
export async function sbomPredicate(file: string): Promise<Record<string, unknown>> {
  const json = await readJson(file, "SBOM");
  if (!isRecord(json) || json["bomFormat"] !== "CycloneDX") throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: not a CycloneDX JSON SBOM (bomFormat is not "CycloneDX")`, { file });
  if (typeof json["specVersion"] !== "string") throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: CycloneDX SBOM has no specVersion`, { file });
  return json;
}

/** A Trivy or Grype JSON report, normalised into the in-toto vulns v0.1 predicate. */
export async function scanPredicate(file: string): Promise<Record<string, unknown>> {
  const json = await readJson(file, "scan report");
  const report = parseScanReport(json, file);
  if (report.format !== "trivy" && report.format !== "grype") throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: an image scan must be a Trivy or Grype JSON report, got ${report.format}`, { file });
  const st = await fsp.stat(file);
  const finished = st.mtime.toISOString();
  return vulnsPredicate(report, { started: finished, finished });
}

/** SLSA v1 provenance from a file: a provenance predicate, or an in-toto statement holding one. */
export async function provenanceFromFile(file: string): Promise<Record<string, unknown>> {
  const json = await readJson(file, "provenance");
  if (isRecord(json) && json["_type"] === IN_TOTO_STATEMENT_V1) {
    if (json["predicateType"] !== SLSA_PROVENANCE_V1 || !isRecord(json["predicate"])) throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: statement predicateType is not ${SLSA_PROVENANCE_V1}`, { file });
    return json["predicate"];
  }
  if (!isRecord(json) || !isRecord(json["buildDefinition"]) || !isRecord(json["runDetails"])) {
    throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: not SLSA v1 provenance (no buildDefinition and runDetails)`, { file });
  }
  return json;
}

/**
 * SLSA v1 provenance of a GitHub Actions run, from the workflow's environment (the layout of
 * actions/attest-build-provenance, buildType `https://actions.github.io/buildtypes/workflow/v1`).
 */
export function githubActionsProvenance(env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (env["GITHUB_ACTIONS"] !== "true") throw new InputError("INPUT_OPTIONS_INVALID", "provenance from GitHub Actions: not running in GitHub Actions (GITHUB_ACTIONS is not true)");
  const need = ["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_REF", "GITHUB_SHA", "GITHUB_WORKFLOW_REF", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_EVENT_NAME"];
  const missing = need.filter((k) => !env[k]);
  if (missing.length > 0) throw new InputError("INPUT_OPTIONS_INVALID", `provenance from GitHub Actions: ${missing.join(", ")} unset`);
  const server = env["GITHUB_SERVER_URL"]!;
  const repo = env["GITHUB_REPOSITORY"]!;
  const workflowRef = env["GITHUB_WORKFLOW_REF"]!;
  // owner/repo/.github/workflows/x.yml@refs/heads/main
  const at = workflowRef.indexOf("@");
  const workflowPath = (at === -1 ? workflowRef : workflowRef.slice(0, at)).split("/").slice(2).join("/");
  return {
    buildDefinition: {
      buildType: "https://actions.github.io/buildtypes/workflow/v1",
      externalParameters: { workflow: { ref: env["GITHUB_REF"], repository: `${server}/${repo}`, path: workflowPath } },
      internalParameters: {
        github: {
          event_name: env["GITHUB_EVENT_NAME"],
          ...(env["GITHUB_REPOSITORY_ID"] ? { repository_id: env["GITHUB_REPOSITORY_ID"] } : {}),
          ...(env["GITHUB_REPOSITORY_OWNER_ID"] ? { repository_owner_id: env["GITHUB_REPOSITORY_OWNER_ID"] } : {}),
          ...(env["RUNNER_ENVIRONMENT"] ? { runner_environment: env["RUNNER_ENVIRONMENT"] } : {}),
        },
      },
      resolvedDependencies: [{ uri: `git+${server}/${repo}@${env["GITHUB_REF"]}`, digest: { gitCommit: env["GITHUB_SHA"] } }],
    },
    runDetails: {
      builder: { id: `${server}/${workflowRef}` },
      metadata: { invocationId: `${server}/${repo}/actions/runs/${env["GITHUB_RUN_ID"]}/attempts/${env["GITHUB_RUN_ATTEMPT"]}` },
    },
  };
}

export interface AttestImageOptions {
  readonly ref: string;
  readonly signer: SignerSpec;
  /** CycloneDX JSON file. */
  readonly sbom?: string;
  /** Trivy or Grype JSON report. */
  readonly scan?: string;
  /** SLSA v1 provenance: a file, or `{ githubActions: env }` to build it from the workflow. */
  readonly provenance?: string | { readonly githubActions: NodeJS.ProcessEnv };
  /** Leave out the signature statement (only evidence). @default false */
  readonly noSignature?: boolean;
  readonly registry?: Omit<RegistryClientOptions, "registry">;
  readonly signal?: AbortSignal;
  /** The time written in `org.opencontainers.image.created`. */
  readonly now?: () => Date;
}

export interface AttachedAttestation {
  readonly kind: ImageAttestationKind;
  readonly predicateType: string;
  /** Digest of the attachment manifest. */
  readonly digest: string;
  /** Where readers find it; `existing` when an identical statement was already attached. */
  readonly indexed: "referrers-api" | "referrers-tag" | "existing";
}

export interface AttestImageResult {
  readonly reference: ImageReference;
  readonly digest: string;
  readonly attachments: readonly AttachedAttestation[];
}

/**
 * Statements already attached, by their exact payload, whose bundle `accept` takes (its
 * signature verifies with the signer's own key): attesting twice attaches nothing new, and a
 * look-alike someone else pushed (same statement, a bad signature) does not stop us attaching.
 * A referrer that cannot be read is skipped here (judging it is the verifier's business).
 */
export async function existingPayloads(client: RegistryClient, repository: string, digest: string, accept: (bundle: ParsedBundle) => boolean, signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const listing = await listReferrers(client, repository, digest, signal);
  for (const d of listing.descriptors) {
    if (d.artifactType !== undefined && !BUNDLE_ARTIFACT_TYPES.includes(d.artifactType)) continue;
    try {
      const m = await client.getManifest(repository, d.digest, signal ? { signal } : {});
      const manifest = parseManifest(m.bytes, client.registry, d.digest, client.limits, m.mediaType);
      const layer = manifest.layers[0];
      if (!layer || !BUNDLE_ARTIFACT_TYPES.includes(layer.mediaType) || manifest.subject?.digest !== digest) continue;
      const bundle = parseBundle(await client.getBlob(repository, layer.digest, { maxBytes: Math.min(layer.size, client.limits.maxBlobBytes), ...(signal ? { signal } : {}) }));
      if (accept(bundle)) out.set(bundle.envelope.payload.toString("base64"), d.digest);
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      if (code.startsWith("REGISTRY_") && !["REGISTRY_BAD_RESPONSE", "REGISTRY_NOT_FOUND", "REGISTRY_TOO_LARGE", "REGISTRY_DIGEST_MISMATCH"].includes(code)) throw err;
    }
  }
  return out;
}

/** Accepts a bundle signed by this key (a verified signature, not only a matching hint). */
export function signedBy(publicKey: LoadedPublicKey): (bundle: ParsedBundle) => boolean {
  return (bundle) => {
    try {
      verifyBundleSignature(bundle, { method: "public-key", key: publicKey });
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * Resolves the image digest, then signs and attaches a signature statement and each piece of
 * evidence given. An identical statement signed by the same key is not attached again.
 */
export async function attestImage(options: AttestImageOptions): Promise<AttestImageResult> {
  const ref = parseReference(options.ref);
  const client = new RegistryClient({ ...options.registry, registry: ref.registry, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    const statements: { kind: ImageAttestationKind; predicate: () => Promise<Record<string, unknown>> }[] = [];
    if (!options.noSignature) statements.push({ kind: "signature", predicate: () => Promise.resolve({}) });
    if (options.sbom) statements.push({ kind: "sbom", predicate: () => sbomPredicate(options.sbom!) });
    if (options.scan) statements.push({ kind: "vulnerability-scan", predicate: () => scanPredicate(options.scan!) });
    if (options.provenance !== undefined) {
      const p = options.provenance;
      statements.push({ kind: "provenance", predicate: () => (typeof p === "string" ? provenanceFromFile(p) : Promise.resolve(githubActionsProvenance(p.githubActions))) });
    }
    if (statements.length === 0) throw new InputError("INPUT_OPTIONS_INVALID", "nothing to attest: no signature statement and no evidence");
    // read every input before touching the registry, so a bad file attaches nothing
    const predicates = await Promise.all(statements.map(async (s) => ({ kind: s.kind, predicate: await s.predicate() })));
    const resolved = await client.resolve(ref.repository, ref.digest ?? ref.tag ?? "latest", options.signal);
    const subject: Descriptor = { mediaType: resolved.mediaType || OCI_MANIFEST, digest: resolved.digest, size: resolved.size };
    // keyless: who we are is only known once Fulcio answers, so nothing already there counts as ours
    const accept = options.signer.method === "key" ? signedBy(options.signer.privateKey.publicKey) : () => false;
    const existing = await existingPayloads(client, ref.repository, resolved.digest, accept, options.signal);
    const attachments: AttachedAttestation[] = [];
    for (const { kind, predicate } of predicates) {
      const predicateType = PREDICATE_TYPES_OF[kind][0]!;
      const statement = imageStatement(ref, resolved.digest, predicateType, predicate);
      const payload = encodeStatement(statement).toString("base64");
      const already = existing.get(payload);
      if (already) {
        attachments.push({ kind, predicateType, digest: already, indexed: "existing" });
        continue;
      }
      // the signing modules load here: `verify image` reads this module's layout constants only
      const { signStatement } = await import("./sign");
      const bundle = await signStatement(statement, options.signer);
      const annotations = { [ANNOTATION_BUNDLE_CONTENT]: "dsse-envelope", [ANNOTATION_PREDICATE_TYPE]: predicateType };
      const pushed = await pushReferrer(client, {
        repository: ref.repository,
        subject,
        artifactType: BUNDLE_V03_MEDIA_TYPE,
        layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: Buffer.from(JSON.stringify(bundle), "utf8") }],
        annotations: { ...annotations, [ANNOTATION_CREATED]: (options.now?.() ?? new Date()).toISOString() },
        indexAnnotations: annotations,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      attachments.push({ kind, predicateType, digest: pushed.descriptor.digest, indexed: pushed.indexed });
    }
    return { reference: ref, digest: resolved.digest, attachments };
  } finally {
    client.close();
  }
}
