import { RegistryError } from "./errors";
import { DIGEST_PATTERN } from "./reference";

/**
 * OCI image-spec documents as this client reads them: descriptors, image manifests and image
 * indexes, parsed strictly (a field of the wrong type is an error, never skipped) and bounded.
 */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** The empty JSON object `{}` the OCI spec uses as the config of artifacts. */
export const OCI_EMPTY_BLOB = Buffer.from("{}", "utf8");
export const OCI_EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/** Every manifest type this client asks for, so a registry never answers "not acceptable". */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(", ");

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Limits {
  /** Largest manifest or index read. @default 4 MiB (distribution's own limit) */
  readonly maxManifestBytes: number;
  /** Largest attachment blob (a bundle, an SBOM) read into memory. @default 64 MiB */
  readonly maxBlobBytes: number;
  /** Most descriptors accepted in a manifest's layers or an index. @default 1000 */
  readonly maxDescriptors: number;
  /** Most referrers considered per image. @default 128 */
  readonly maxReferrers: number;
}

export const DEFAULT_LIMITS: Limits = { maxManifestBytes: 4 * 1024 * 1024, maxBlobBytes: 64 * 1024 * 1024, maxDescriptors: 1000, maxReferrers: 128 };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(registry: string, what: string, why: string): never {
  throw new RegistryError("REGISTRY_BAD_RESPONSE", registry, `${what}: ${why}`);
}

function parseAnnotations(v: unknown, registry: string, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) bad(registry, what, "annotations is not an object");
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") bad(registry, what, `annotation ${JSON.stringify(k.slice(0, 100))} is not a string`);
    out[k] = val;
  }
  return out;
}

/** Parses one descriptor: media type, a digest this client can check, a size in bounds. */
export function parseDescriptor(v: unknown, registry: string, what: string, maxSize = Number.MAX_SAFE_INTEGER): Descriptor {
  if (!isRecord(v)) bad(registry, what, "descriptor is not an object");
  const mediaType = v["mediaType"];
  const digest = v["digest"];
  const size = v["size"];
  if (typeof mediaType !== "string" || mediaType.length === 0 || mediaType.length > 255) bad(registry, what, "descriptor has no valid mediaType");
  if (typeof digest !== "string" || !DIGEST_PATTERN.test(digest)) bad(registry, what, `descriptor digest ${JSON.stringify(String(digest).slice(0, 80))} is not sha256/sha512 hex`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) bad(registry, what, "descriptor size is not a non-negative integer");
  if (size > maxSize) throw new RegistryError("REGISTRY_TOO_LARGE", registry, `${what}: descriptor ${digest} declares ${size} bytes, more than ${maxSize}`);
  const artifactType = v["artifactType"];
  if (artifactType !== undefined && typeof artifactType !== "string") bad(registry, what, "descriptor artifactType is not a string");
  const annotations = parseAnnotations(v["annotations"], registry, what);
  return { mediaType, digest, size, ...(typeof artifactType === "string" ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
}

function parseJson(bytes: Buffer, registry: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    bad(registry, what, "not JSON");
  }
  if (!isRecord(json)) bad(registry, what, "not a JSON object");
  if (json["schemaVersion"] !== 2) bad(registry, what, "schemaVersion is not 2");
  return json;
}

/** Parses an OCI image manifest (or Docker v2 manifest); `contentType` is the answer's media type. */
export function parseManifest(bytes: Buffer, registry: string, what: string, limits: Limits = DEFAULT_LIMITS, contentType?: string): ImageManifest {
  const json = parseJson(bytes, registry, what);
  const mediaType = json["mediaType"] ?? contentType;
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) bad(registry, what, `media type ${JSON.stringify(mediaType)} is not an image manifest`);
  if (json["manifests"] !== undefined) bad(registry, what, "an image manifest has no manifests field");
  const config = parseDescriptor(json["config"], registry, `${what} config`);
  const layersRaw = json["layers"];
  if (!Array.isArray(layersRaw)) bad(registry, what, "layers is not a list");
  if (layersRaw.length > limits.maxDescriptors) throw new RegistryError("REGISTRY_TOO_LARGE", registry, `${what}: ${layersRaw.length} layers, more than ${limits.maxDescriptors}`);
  const layers = layersRaw.map((l, i) => parseDescriptor(l, registry, `${what} layer ${i}`));
  const subject = json["subject"] === undefined ? undefined : parseDescriptor(json["subject"], registry, `${what} subject`);
  const artifactType = json["artifactType"];
  if (artifactType !== undefined && typeof artifactType !== "string") bad(registry, what, "artifactType is not a string");
  const annotations = parseAnnotations(json["annotations"], registry, what);
  return {
    schemaVersion: 2,
    mediaType,
    config,
    layers,
    ...(typeof artifactType === "string" ? { artifactType } : {}),
    ...(subject ? { subject } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

/** Parses an OCI image index (or Docker manifest list). */
export function parseIndex(bytes: Buffer, registry: string, what: string, limits: Limits = DEFAULT_LIMITS, contentType?: string): ImageIndex {
  const json = parseJson(bytes, registry, what);
  const mediaType = json["mediaType"] ?? contentType;
  if (mediaType !== OCI_INDEX && mediaType !== DOCKER_MANIFEST_LIST) bad(registry, what, `media type ${JSON.stringify(mediaType)} is not an image index`);
  const raw = json["manifests"];
  if (!Array.isArray(raw)) bad(registry, what, "manifests is not a list");
  if (raw.length > limits.maxDescriptors) throw new RegistryError("REGISTRY_TOO_LARGE", registry, `${what}: ${raw.length} descriptors, more than ${limits.maxDescriptors}`);
  const manifests = raw.map((d, i) => parseDescriptor(d, registry, `${what} manifests[${i}]`, limits.maxManifestBytes));
  const annotations = parseAnnotations(json["annotations"], registry, what);
  return { schemaVersion: 2, mediaType, manifests, ...(annotations ? { annotations } : {}) };
}

/** The canonical bytes we push for a manifest or index (compact JSON). */
export function encodeJson(doc: unknown): Buffer {
  return Buffer.from(JSON.stringify(doc), "utf8");
}
