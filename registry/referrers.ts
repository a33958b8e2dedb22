import { sha256Digest, type RegistryClient } from "./client";
import { RegistryError } from "./errors";
import { OCI_EMPTY, OCI_EMPTY_BLOB, OCI_EMPTY_DIGEST, OCI_INDEX, OCI_MANIFEST, encodeJson, parseIndex, type Descriptor, type ImageIndex } from "./oci";
import { referrersTag } from "./reference";

/**
 * Finding and writing what is attached to an image, in every layout in use:
 *
 * 1. the OCI 1.1 referrers API, `GET /v2/<name>/referrers/<digest>`; per the distribution spec a
 *    registry that supports it never answers 404, so a 404 (and only a 404) means "not
 *    supported" and the client falls back to
 * 2. the referrers tag schema: an image index pushed to the tag `sha256-<hex>`; a 404 there
 *    (MANIFEST_UNKNOWN, with the OCI index in our Accept header) means no referrers;
 * 3. cosign's legacy tags `sha256-<hex>.sig` and `sha256-<hex>.att` (one manifest each, one
 *    layer per signature or attestation).
 *
 * Any other answer (a 5xx, a timeout, a body that is not an index, too many referrers) is an
 * error: a listing that fails never reads as "no attachments".
 */

export type ReferrerSource = "referrers-api" | "referrers-tag";

export interface ReferrerListing {
  readonly source: ReferrerSource;
  readonly descriptors: readonly Descriptor[];
}

export interface LegacyTagManifest {
  readonly kind: "sig" | "att";
  readonly tag: string;
  readonly digest: string;
  readonly bytes: Buffer;
  readonly mediaType: string;
}

function checkCount(client: RegistryClient, index: ImageIndex, what: string): void {
  if (index.manifests.length > client.limits.maxReferrers) {
    throw new RegistryError("REGISTRY_TOO_MANY_REFERRERS", client.registry, `${what}: ${index.manifests.length} referrers, more than the limit of ${client.limits.maxReferrers}`);
  }
}

/** Lists the referrers of `digest` through the API, or the tag schema when the API is absent. */
export async function listReferrers(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<ReferrerListing> {
  const what = `referrers of ${repository}@${digest}`;
  const api = await client.referrersApi(repository, digest, signal);
  if (api.status === 200) {
    if (api.contentType !== OCI_INDEX) throw new RegistryError("REGISTRY_BAD_RESPONSE", client.registry, `${what}: referrers API answered ${JSON.stringify(api.contentType)}, not an OCI image index`);
    const index = parseIndex(api.body, client.registry, what, client.limits, api.contentType);
    checkCount(client, index, what);
    return { source: "referrers-api", descriptors: index.manifests };
  }
  if (api.status !== 404) throw client.errorFor(api, `GET /v2/${repository}/referrers/${digest}`);
  return { source: "referrers-tag", descriptors: (await readTagIndex(client, repository, digest, signal))?.index.manifests ?? [] };
}

/** The referrers tag index of `digest`, or undefined when the tag does not exist. */
export async function readTagIndex(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<{ index: ImageIndex; digest: string } | undefined> {
  const tag = referrersTag(digest);
  const what = `referrers tag ${repository}:${tag}`;
  let m;
  try {
    m = await client.getManifest(repository, tag, { ...(signal ? { signal } : {}), accept: `${OCI_INDEX}, application/vnd.docker.distribution.manifest.list.v2+json` });
  } catch (err) {
    if ((err as RegistryError).code === "REGISTRY_NOT_FOUND") return undefined;
    throw err;
  }
  const index = parseIndex(m.bytes, client.registry, what, client.limits, m.mediaType);
  checkCount(client, index, what);
  return { index, digest: m.digest };
}

/** Cosign's legacy `.sig` and `.att` tag manifests for `digest` (absent ones left out). */
export async function readLegacyTags(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<LegacyTagManifest[]> {
  const out: LegacyTagManifest[] = [];
  for (const kind of ["sig", "att"] as const) {
    const tag = `${referrersTag(digest)}.${kind}`;
    try {
      const m = await client.getManifest(repository, tag, signal ? { signal } : {});
      out.push({ kind, tag, digest: m.digest, bytes: m.bytes, mediaType: m.mediaType });
    } catch (err) {
      if ((err as RegistryError).code === "REGISTRY_NOT_FOUND") continue;
      throw err;
    }
  }
  return out;
}

export interface ReferrerLayer {
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PushReferrerOptions {
  readonly repository: string;
  readonly subject: Descriptor;
  readonly artifactType: string;
  readonly layers: readonly ReferrerLayer[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** Annotations copied onto the descriptor in the fallback index (readers learn the predicate without a fetch). */
  readonly indexAnnotations?: Readonly<Record<string, string>>;
  /** Descriptors of the tag index to drop when adding this one (a newer attestation replacing an older). */
  readonly replaces?: (d: Descriptor) => boolean;
  readonly signal?: AbortSignal;
}

/**
 * Pushes an artifact manifest (empty config, `subject`, `artifactType`) and makes it findable:
 * when the registry does not say it indexed the subject (no `OCI-Subject` header) and has no
 * referrers API, adds its descriptor to the `sha256-<hex>` tag index (pull, append, push with
 * If-Match on the index's digest). Pushing the same manifest twice changes nothing.
 */
export async function pushReferrer(client: RegistryClient, options: PushReferrerOptions): Promise<{ descriptor: Descriptor; indexed: ReferrerSource }> {
  const { repository, signal } = options;
  const s = signal ? signal : undefined;
  await client.pushBlob(repository, OCI_EMPTY_BLOB, s);
  const layers: Descriptor[] = [];
  for (const l of options.layers) {
    const b = await client.pushBlob(repository, l.bytes, s);
    layers.push({ mediaType: l.mediaType, digest: b.digest, size: b.size, ...(l.annotations ? { annotations: { ...l.annotations } } : {}) });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: options.artifactType,
    config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: OCI_EMPTY_BLOB.length },
    layers,
    subject: { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size },
    ...(options.annotations ? { annotations: { ...options.annotations } } : {}),
  };
  const bytes = encodeJson(manifest);
  const put = await client.putManifest(repository, sha256Digest(bytes), bytes, OCI_MANIFEST, s ? { signal: s } : {});
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: put.digest,
    size: bytes.length,
    artifactType: options.artifactType,
    ...(options.indexAnnotations ? { annotations: { ...options.indexAnnotations } } : {}),
  };
  if (put.ociSubject === options.subject.digest) return { descriptor, indexed: "referrers-api" };
  const api = await client.referrersApi(repository, options.subject.digest, s);
  if (api.status === 200) return { descriptor, indexed: "referrers-api" };
  if (api.status !== 404) throw client.errorFor(api, `GET /v2/${repository}/referrers/${options.subject.digest}`);
  const current = await readTagIndex(client, repository, options.subject.digest, s);
  const existing = current?.index.manifests ?? [];
  if (existing.some((d) => d.digest === descriptor.digest)) return { descriptor, indexed: "referrers-tag" };
  const kept = existing.filter((d) => !(options.replaces?.(d) ?? false));
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...kept, descriptor] };
  await client.putManifest(repository, referrersTag(options.subject.digest), encodeJson(index), OCI_INDEX, { ...(s ? { signal: s } : {}), ...(current ? { ifMatch: `"${current.digest}"` } : {}) });
  return { descriptor, indexed: "referrers-tag" };
}
