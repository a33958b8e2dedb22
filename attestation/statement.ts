import { StatementError } from "./errors";
import type { GitSource } from "./git";
import {
  parseResourceName,
  rootDigestOf,
  type HashType,
  type Manifest,
  type ManifestResource,
  type Serialization,
  type SerializationMethod,
} from "./manifest";

/** in-toto Statement v1 `_type`. */
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
/** DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** OMS predicate type (model-signing v1.0). */
export const OMS_PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** Predicate type written by model_signing v0.2; accepted when verifying, never written. */
export const OMS_LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";

/** An in-toto ResourceDescriptor as used for subjects. */
export interface StatementSubject {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

/** An in-toto Statement v1 with a JSON predicate. */
export interface InTotoStatement {
  readonly _type: string;
  readonly subject: readonly StatementSubject[];
  readonly predicateType: string;
  readonly predicate: Readonly<Record<string, unknown>>;
}

export type ArtifactKind = "model" | "dataset";

/** What a verified OMS statement says about the model. */
export interface ModelStatement {
  readonly subjectName: string;
  /** SHA-256 subject digest (recomputed for legacy statements, which have none). */
  readonly rootDigest: string;
  readonly serialization: Serialization;
  readonly resources: readonly ManifestResource[];
  /** True for the model_signing v0.2 layout (`Digests/v0.1`). */
  readonly legacy: boolean;
  /** Annotations we add to the subject (kind, git source); absent in statements of other tools. */
  readonly kind?: ArtifactKind;
  readonly source?: GitSource;
}

export interface BuildStatementOptions {
  readonly kind?: ArtifactKind;
  readonly source?: GitSource;
}

/** The OMS `predicate.serialization` object for a manifest. */
export function serializationToJson(s: Serialization): Record<string, unknown> {
  return {
    method: s.method,
    hash_type: s.hashType,
    allow_symlinks: s.allowSymlinks,
    ...(s.method === "shards" ? { shard_size: s.shardSize } : {}),
    ignore_paths: [...s.ignorePaths],
  };
}

/**
 * Builds the OMS statement of a manifest: one subject named after the root whose SHA-256 is the
 * root digest. The kind and git source go in the subject's `annotations` (free-form in in-toto
 * and ignored by the reference tool), because the OMS predicate schema allows no extra field.
 */
export function buildModelStatement(manifest: Manifest, options: BuildStatementOptions = {}): InTotoStatement {
  const annotations: Record<string, unknown> = {};
  if (options.kind) annotations["kind"] = options.kind;
  if (options.source) {
    annotations["source"] = {
      git: {
        ...(options.source.remote !== undefined ? { remote: options.source.remote } : {}),
        commit: options.source.commit,
        ...(options.source.ref !== undefined ? { ref: options.source.ref } : {}),
      },
    };
  }
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [
      {
        name: manifest.modelName,
        digest: { sha256: manifest.rootDigest },
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
    ],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: serializationToJson(manifest.serialization),
      resources: manifest.resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest })),
    },
  };
}

/** The bytes that are signed: compact JSON, UTF-8. */
export function encodeStatement(statement: InTotoStatement): Buffer {
  return Buffer.from(JSON.stringify(statement), "utf8");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const HEX = /^[0-9a-f]+$/;
const DIGEST_LENGTH: Record<HashType, number> = { sha256: 64, blake2b: 128, blake3: 64 };

function fail(code: ConstructorParameters<typeof StatementError>[0], message: string, cause?: unknown): never {
  throw new StatementError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Parses a DSSE payload as an in-toto Statement v1 (any predicate): JSON object, `_type`, a
 * non-empty subject list of named digests, a predicate type and an object predicate.
 */
export function parseStatement(payload: Buffer | string): InTotoStatement {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === "string" ? payload : payload.toString("utf8"));
  } catch (err) {
    fail("STATEMENT_NOT_JSON", "signed payload is not JSON", err);
  }
  if (!isRecord(value)) fail("STATEMENT_NOT_JSON", "signed payload is not a JSON object");
  if (value["_type"] !== IN_TOTO_STATEMENT_V1) {
    fail("STATEMENT_TYPE", `statement _type must be ${IN_TOTO_STATEMENT_V1}, got ${JSON.stringify(value["_type"])}`);
  }
  const predicateType = value["predicateType"];
  if (typeof predicateType !== "string" || predicateType.length === 0) fail("STATEMENT_PREDICATE_TYPE", "statement has no predicateType");
  const subjects = value["subject"];
  if (!Array.isArray(subjects) || subjects.length === 0) fail("STATEMENT_SUBJECT", "statement has no subject");
  const subject: StatementSubject[] = subjects.map((s, i) => {
    if (!isRecord(s)) fail("STATEMENT_SUBJECT", `subject[${i}] is not an object`);
    const name = s["name"];
    const digest = s["digest"];
    if (typeof name !== "string") fail("STATEMENT_SUBJECT", `subject[${i}].name is not a string`);
    if (!isRecord(digest) || Object.keys(digest).length === 0) fail("STATEMENT_SUBJECT", `subject[${i}].digest is not a digest set`);
    const clean: Record<string, string> = {};
    for (const [alg, hex] of Object.entries(digest)) {
      if (typeof hex !== "string" || !HEX.test(hex)) fail("STATEMENT_SUBJECT", `subject[${i}].digest.${alg} is not lowercase hex`);
      clean[alg] = hex;
    }
    const annotations = s["annotations"];
    return { name, digest: clean, ...(isRecord(annotations) ? { annotations } : {}) };
  });
  const predicate = value["predicate"] ?? {};
  if (!isRecord(predicate)) fail("STATEMENT_PREDICATE", "statement predicate is not an object");
  return { _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate };
}

function parseSerialization(value: unknown): Serialization {
  if (!isRecord(value)) fail("STATEMENT_SERIALIZATION", "predicate.serialization is missing or not an object");
  const method = value["method"];
  if (method !== "files" && method !== "shards") fail("STATEMENT_SERIALIZATION", `serialization.method must be "files" or "shards", got ${JSON.stringify(method)}`);
  const hashType = value["hash_type"];
  if (hashType !== "sha256" && hashType !== "blake2b" && hashType !== "blake3") {
    fail("STATEMENT_SERIALIZATION", `serialization.hash_type must be sha256, blake2b or blake3, got ${JSON.stringify(hashType)}`);
  }
  const allowSymlinks = value["allow_symlinks"];
  if (typeof allowSymlinks !== "boolean") fail("STATEMENT_SERIALIZATION", "serialization.allow_symlinks must be a boolean");
  let shardSize: number | undefined;
  if (method === "shards") {
    // the reference tool may write the size as a float (1000000000.0), which JSON reads as an integer
    const raw = value["shard_size"];
    if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw <= 0) fail("STATEMENT_SERIALIZATION", "serialization.shard_size must be a positive integer for the shards method");
    shardSize = raw;
  }
  const rawIgnore = value["ignore_paths"] ?? [];
  if (!Array.isArray(rawIgnore) || !rawIgnore.every((p): p is string => typeof p === "string")) {
    fail("STATEMENT_SERIALIZATION", "serialization.ignore_paths must be a list of strings");
  }
  return { method, hashType, allowSymlinks, ...(shardSize !== undefined ? { shardSize } : {}), ignorePaths: rawIgnore };
}

function parseResources(value: unknown, serialization: Serialization): ManifestResource[] {
  if (!Array.isArray(value)) fail("STATEMENT_RESOURCE", "predicate.resources is missing or not a list");
  if (value.length === 0) fail("STATEMENT_RESOURCE", "predicate.resources is empty; an empty model cannot be verified");
  const seen = new Set<string>();
  const algorithmPattern = new RegExp(`^${serialization.hashType}(-sharded-[0-9]+)?$`);
  return value.map((r, i) => {
    if (!isRecord(r)) fail("STATEMENT_RESOURCE", `resources[${i}] is not an object`);
    const name = r["name"];
    const algorithm = r["algorithm"];
    const digest = r["digest"];
    if (typeof name !== "string") fail("STATEMENT_RESOURCE", `resources[${i}].name is not a string`);
    if (typeof algorithm !== "string" || !algorithmPattern.test(algorithm)) {
      fail("STATEMENT_RESOURCE", `resources[${i}] (${JSON.stringify(name)}) has algorithm ${JSON.stringify(algorithm)}, not ${serialization.hashType}`);
    }
    if (typeof digest !== "string" || !HEX.test(digest) || digest.length !== DIGEST_LENGTH[serialization.hashType]) {
      fail("STATEMENT_RESOURCE", `resources[${i}] (${JSON.stringify(name)}) digest is not ${DIGEST_LENGTH[serialization.hashType]} lowercase hex digits`);
    }
    let parsed;
    try {
      parsed = parseResourceName(name, serialization.method);
    } catch (err) {
      fail("STATEMENT_RESOURCE", `resources[${i}]: ${(err as Error).message}`, err);
    }
    if (serialization.method === "shards" && serialization.shardSize !== undefined) {
      const { start, end } = parsed;
      if (start === undefined || end === undefined || start % serialization.shardSize !== 0 || end - start > serialization.shardSize) {
        fail("STATEMENT_RESOURCE", `resources[${i}] (${JSON.stringify(name)}) does not fit shard size ${serialization.shardSize}`);
      }
    }
    if (seen.has(name)) fail("STATEMENT_RESOURCE", `resources list ${JSON.stringify(name)} twice`);
    seen.add(name);
    return { name, algorithm, digest };
  });
}

function readAnnotations(subject: StatementSubject): { kind?: ArtifactKind; source?: GitSource } {
  const a = subject.annotations;
  if (!a) return {};
  const kind = a["kind"] === "model" || a["kind"] === "dataset" ? a["kind"] : undefined;
  const source = a["source"];
  let git: GitSource | undefined;
  if (isRecord(source) && isRecord(source["git"]) && typeof source["git"]["commit"] === "string") {
    const g = source["git"];
    git = {
      commit: g["commit"] as string,
      ...(typeof g["remote"] === "string" ? { remote: g["remote"] } : {}),
      ...(typeof g["ref"] === "string" ? { ref: g["ref"] } : {}),
    };
  }
  return { ...(kind ? { kind } : {}), ...(git ? { source: git } : {}) };
}

/**
 * Parses the payload of an OMS signature: an in-toto Statement v1 with the
 * `https://model_signing/signature/v1.0` predicate (or the v0.2 `Digests/v0.1` layout), checks
 * every resource and that the subject digest is SHA-256 over the resource digests in order.
 */
export function parseModelStatement(payload: Buffer | string): ModelStatement {
  const statement = parseStatement(payload);
  if (statement.predicateType === OMS_LEGACY_PREDICATE_TYPE) return parseLegacyStatement(statement);
  if (statement.predicateType !== OMS_PREDICATE_TYPE) {
    fail("STATEMENT_PREDICATE_TYPE", `predicate type must be ${OMS_PREDICATE_TYPE}, got ${JSON.stringify(statement.predicateType)}`);
  }
  if (statement.subject.length !== 1) fail("STATEMENT_SUBJECT", `an OMS statement has exactly one subject, got ${statement.subject.length}`);
  const subject = statement.subject[0]!;
  const expected = subject.digest["sha256"];
  if (expected === undefined || !HEX_SHA256.test(expected)) fail("STATEMENT_SUBJECT", "subject digest has no sha256");
  const serialization = parseSerialization(statement.predicate["serialization"]);
  const resources = parseResources(statement.predicate["resources"], serialization);
  const actual = rootDigestOf(resources);
  if (actual !== expected) {
    fail("STATEMENT_ROOT_DIGEST_MISMATCH", `subject digest ${expected} is not the SHA-256 of the listed resource digests (${actual})`);
  }
  return { subjectName: subject.name, rootDigest: expected, serialization, resources, legacy: false, ...readAnnotations(subject) };
}

function parseLegacyStatement(statement: InTotoStatement): ModelStatement {
  // v0.2 listed each file as a subject and had no root digest or serialization section
  const serialization: Serialization = { method: "files", hashType: "sha256", allowSymlinks: false, ignorePaths: [] };
  const resources = statement.subject.map((s, i) => {
    const digest = s.digest["sha256"];
    if (digest === undefined || !HEX_SHA256.test(digest)) fail("STATEMENT_RESOURCE", `subject[${i}] has no sha256 digest`);
    return { name: s.name, algorithm: "sha256", digest };
  });
  const checked = parseResources(resources, serialization);
  const method: SerializationMethod = "files";
  return { subjectName: "", rootDigest: rootDigestOf(checked), serialization: { ...serialization, method }, resources: checked, legacy: true };
}
