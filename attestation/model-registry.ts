import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import * as path from "node:path";
import { RegistryClient, type RegistryClientOptions } from "../registry/client";
import { RegistryError } from "../registry/errors";
import { OCI_EMPTY, OCI_EMPTY_BLOB, OCI_EMPTY_DIGEST, OCI_MANIFEST, encodeJson, parseManifest, type Descriptor } from "../registry/oci";
import { parseReference, type ImageReference } from "../registry/reference";
import { listReferrers, pushReferrer } from "../registry/referrers";
import { BUNDLE_V03_MEDIA_TYPE, parseBundle } from "./bundle";
import { InputError } from "./errors";
import { readEvidenceLines } from "./evidence";
import { ANNOTATION_BUNDLE_CONTENT, ANNOTATION_PREDICATE_TYPE, BUNDLE_ARTIFACT_TYPES, existingPayloads, signedBy } from "./image";
import type { LoadedPublicKey } from "./keys";
import { DEFAULT_EVIDENCE_FILE, DEFAULT_SIGNATURE_FILE, type Manifest } from "./manifest";
import { OMS_LEGACY_PREDICATE_TYPE, OMS_PREDICATE_TYPE, parseStatement } from "./statement";

/**
 * Models and datasets as OCI artifacts, ORAS-style: one layer per file (the file's bytes, media
 * type `application/vnd.oci.image.layer.v1.tar` as ORAS writes files, `org.opencontainers.image.title`
 * = the path inside the model), the empty config, artifactType naming the kind. The OMS signature
 * (`model.sig`) and each evidence bundle are attached as referrers of that manifest. Files are
 * streamed both ways: memory stays bounded whatever the model's size.
 */

export const MODEL_ARTIFACT_TYPE = "application/vnd.secure-mlops.model.v1";
export const DATASET_ARTIFACT_TYPE = "application/vnd.secure-mlops.dataset.v1";
export const FILE_LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar";
export const ANNOTATION_TITLE = "org.opencontainers.image.title";
export const ANNOTATION_ROOT_DIGEST = "dev.secure-mlops.model.root-digest";

export interface PushModelOptions {
  readonly root: string;
  readonly ref: string;
  readonly manifest: Manifest;
  readonly kind: "model" | "dataset";
  /** The OMS bundle (model.sig) to attach. */
  readonly bundlePath: string;
  /** Evidence bundles to attach too (JSON Lines); absent file: none. */
  readonly evidenceFile?: string;
  readonly registry?: Omit<RegistryClientOptions, "registry">;
  readonly signal?: AbortSignal;
  /** The signing key, when signed with one: a statement it already attached is not attached again. */
  readonly signerKey?: LoadedPublicKey;
}

export interface PushModelResult {
  readonly reference: ImageReference;
  readonly digest: string;
  readonly layers: number;
  readonly bytes: number;
  readonly referrers: readonly { readonly predicateType: string; readonly digest: string }[];
}

function predicateTypeOf(bundleBytes: Buffer, file: string): string {
  try {
    return parseStatement(parseBundle(bundleBytes).envelope.payload).predicateType;
  } catch (err) {
    throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: not a bundle holding an in-toto statement (${(err as Error).message})`, { cause: err, file });
  }
}

/** Uploads the model's files and manifest, then attaches its signature and evidence. */
export async function pushModel(options: PushModelOptions): Promise<PushModelResult> {
  const ref = parseReference(options.ref);
  const m = options.manifest;
  if (m.serialization.method !== "files" || m.serialization.hashType !== "sha256") {
    throw new InputError("INPUT_OPTIONS_INVALID", "--push: only a model signed with --method files (SHA-256 per file) can be pushed: each file becomes one layer addressed by its digest");
  }
  const st = await fsp.stat(options.root);
  const base = st.isFile() ? path.dirname(options.root) : options.root;
  const signature = await fsp.readFile(options.bundlePath);
  const sigPredicate = predicateTypeOf(signature, options.bundlePath);
  const evidence = options.evidenceFile ? await readEvidenceLines(options.evidenceFile) : [];
  const client = new RegistryClient({ ...options.registry, registry: ref.registry, ...(options.signal ? { signal: options.signal } : {}) });
  const s = options.signal;
  try {
    const layers: Descriptor[] = [];
    let bytes = 0;
    for (const r of m.resources) {
      const file = st.isFile() ? options.root : path.join(base, ...r.name.split("/"));
      const size = (await fsp.stat(file)).size;
      const digest = `sha256:${r.digest}`;
      await client.pushBlob(ref.repository, { open: () => createReadStream(file, { highWaterMark: 1024 * 1024 }), size, digest }, s);
      layers.push({ mediaType: FILE_LAYER_MEDIA_TYPE, digest, size, annotations: { [ANNOTATION_TITLE]: st.isFile() ? path.basename(options.root) : r.name } });
      bytes += size;
    }
    await client.pushBlob(ref.repository, OCI_EMPTY_BLOB, s);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: options.kind === "dataset" ? DATASET_ARTIFACT_TYPE : MODEL_ARTIFACT_TYPE,
      config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: OCI_EMPTY_BLOB.length },
      layers,
      annotations: { [ANNOTATION_ROOT_DIGEST]: `sha256:${m.rootDigest}` },
    };
    const manifestBytes = encodeJson(doc);
    const put = await client.putManifest(ref.repository, ref.digest ?? ref.tag ?? "latest", manifestBytes, OCI_MANIFEST, s ? { signal: s } : {});
    const subject: Descriptor = { mediaType: OCI_MANIFEST, digest: put.digest, size: manifestBytes.length };
    const referrers: { predicateType: string; digest: string }[] = [];
    const existing = options.signerKey ? await existingPayloads(client, ref.repository, put.digest, signedBy(options.signerKey), s) : new Map<string, string>();
    const attach = async (bundle: Buffer, predicateType: string): Promise<void> => {
      // a statement already attached by the same key (signed again, so other signature bytes) is not attached twice
      const already = existing.get(parseBundle(bundle).envelope.payload.toString("base64"));
      if (already) {
        referrers.push({ predicateType, digest: already });
        return;
      }
      // no creation time: the same bundle pushed again is the same manifest, so it is not duplicated
      const annotations = { [ANNOTATION_BUNDLE_CONTENT]: "dsse-envelope", [ANNOTATION_PREDICATE_TYPE]: predicateType };
      const pushed = await pushReferrer(client, {
        repository: ref.repository,
        subject,
        artifactType: BUNDLE_V03_MEDIA_TYPE,
        layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: bundle }],
        annotations,
        indexAnnotations: annotations,
        ...(s ? { signal: s } : {}),
      });
      referrers.push({ predicateType, digest: pushed.descriptor.digest });
    };
    await attach(signature, sigPredicate);
    for (const line of evidence) {
      const b = Buffer.from(line, "utf8");
      await attach(b, predicateTypeOf(b, options.evidenceFile!));
    }
    return { reference: ref, digest: put.digest, layers: layers.length, bytes, referrers };
  } finally {
    client.close();
  }
}

export interface PulledModel {
  readonly digest: string;
  readonly dir: string;
  readonly bundlePath: string;
  readonly evidenceFile: string;
  readonly files: number;
  readonly bytes: number;
}

/** A layer title as a safe relative path inside the destination, or an error naming it. */
export function safeTitle(title: string | undefined, registry: string): string {
  if (typeof title !== "string" || title.length === 0 || title.length > 4096) throw new InputError("INPUT_EVIDENCE_INVALID", `${registry}: a model layer has no ${ANNOTATION_TITLE}`);
  const parts = title.split("/");
  if (title.startsWith("/") || title.includes("\\") || title.includes("\0") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new InputError("INPUT_EVIDENCE_INVALID", `${registry}: model layer title ${JSON.stringify(title.slice(0, 200))} is not a relative path inside the model`);
  }
  if (parts[0] === DEFAULT_SIGNATURE_FILE || parts[0] === DEFAULT_EVIDENCE_FILE) throw new InputError("INPUT_EVIDENCE_INVALID", `${registry}: model layer title ${title} would overwrite the signature`);
  return title;
}

/**
 * Pulls a model artifact into `dest` (which must be empty or absent): every layer streamed to its
 * file and checked against its digest, the newest OMS signature referrer as `model.sig`, every
 * other bundle referrer as a line of `model.evidence.jsonl`. The caller then verifies `dest`.
 * `maxBytes` bounds the files' total declared size (REGISTRY_TOO_LARGE before any is written).
 */
export async function pullModel(options: { ref: string; dest: string; registry?: Omit<RegistryClientOptions, "registry">; signal?: AbortSignal; maxBytes?: number }): Promise<PulledModel> {
  const ref = parseReference(options.ref);
  const client = new RegistryClient({ ...options.registry, registry: ref.registry, ...(options.signal ? { signal: options.signal } : {}) });
  const s = options.signal;
  try {
    const m = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? "latest", s ? { signal: s } : {});
    const manifest = parseManifest(m.bytes, client.registry, `model ${ref.repository}`, client.limits, m.mediaType);
    if (manifest.artifactType !== MODEL_ARTIFACT_TYPE && manifest.artifactType !== DATASET_ARTIFACT_TYPE) {
      throw new InputError("INPUT_EVIDENCE_INVALID", `${options.ref}: artifact type ${manifest.artifactType ?? "(none)"} is not a secure-mlops model or dataset`);
    }
    const declared = manifest.layers.reduce((n, l) => n + l.size, 0);
    if (options.maxBytes !== undefined && declared > options.maxBytes) {
      throw new RegistryError("REGISTRY_TOO_LARGE", client.registry, `model ${ref.repository}@${m.digest}: its ${manifest.layers.length} files declare ${declared} bytes, more than the limit of ${options.maxBytes}`);
    }
    await fsp.mkdir(options.dest, { recursive: true });
    const seen = new Set<string>();
    let bytes = 0;
    for (const layer of manifest.layers) {
      const title = safeTitle(layer.annotations?.[ANNOTATION_TITLE], client.registry);
      if (seen.has(title)) throw new InputError("INPUT_EVIDENCE_INVALID", `${client.registry}: two model layers are titled ${title}`);
      seen.add(title);
      const file = path.join(options.dest, ...title.split("/"));
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const out = createWriteStream(file, { flags: "wx" });
      try {
        await client.streamBlob(ref.repository, layer.digest, layer.size, (chunk) => (out.write(chunk) ? undefined : new Promise<void>((r) => out.once("drain", () => r()))), s);
      } finally {
        await new Promise<void>((r) => out.end(() => r()));
      }
      bytes += layer.size;
    }
    const listing = await listReferrers(client, ref.repository, m.digest, s);
    let signature: Buffer | undefined;
    const evidence: string[] = [];
    for (const d of listing.descriptors) {
      if (d.artifactType !== undefined && !BUNDLE_ARTIFACT_TYPES.includes(d.artifactType)) continue;
      const rm = await client.getManifest(ref.repository, d.digest, s ? { signal: s } : {});
      const referrer = parseManifest(rm.bytes, client.registry, `referrer ${d.digest}`, client.limits, rm.mediaType);
      const layer = referrer.layers[0];
      if (referrer.subject?.digest !== m.digest || !layer || !BUNDLE_ARTIFACT_TYPES.includes(layer.mediaType)) continue;
      const bundle = await client.getBlob(ref.repository, layer.digest, { maxBytes: Math.min(layer.size, client.limits.maxBlobBytes), ...(s ? { signal: s } : {}) });
      let predicateType: string;
      try {
        predicateType = parseStatement(parseBundle(bundle).envelope.payload).predicateType;
      } catch {
        continue;
      }
      if (predicateType === OMS_PREDICATE_TYPE || predicateType === OMS_LEGACY_PREDICATE_TYPE) signature = bundle;
      else evidence.push(bundle.toString("utf8").replace(/\n/g, ""));
    }
    const bundlePath = path.join(options.dest, DEFAULT_SIGNATURE_FILE);
    const evidenceFile = path.join(options.dest, DEFAULT_EVIDENCE_FILE);
    if (signature) await fsp.writeFile(bundlePath, signature);
    if (evidence.length > 0) await fsp.writeFile(evidenceFile, `${evidence.join("\n")}\n`);
    return { digest: m.digest, dir: options.dest, bundlePath, evidenceFile, files: manifest.layers.length, bytes };
  } finally {
    client.close();
  }
}
