import { createPublicKey, verify as cryptoVerify, X509Certificate, type KeyObject } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { TrustedRoot } from "@sigstore/protobuf-specs";
import type { Verifier } from "@sigstore/verify";
import { legacyPreAuthEncoding, parseBundle, preAuthEncoding, type ParsedBundle } from "./bundle";
import { verifyCertificateChain } from "./chain";
import {
  BundleError,
  InputError,
  ManifestError,
  SignatureError,
  StatementError,
  isAttestationError,
  messageOf,
  type VerificationFailureCode,
} from "./errors";
import { checkCertificateConditions, conditionsLabel, readCertificateIdentity, type CertificateConditions, type FulcioExtensionName } from "./identity";
import { describePublicKey, type LoadedPublicKey } from "./keys";
import {
  DEFAULT_EVIDENCE_FILE,
  DEFAULT_SIGNATURE_FILE,
  compareManifests,
  computeManifest,
  type HashProgress,
  type Manifest,
} from "./manifest";
import { IN_TOTO_PAYLOAD_TYPE, parseModelStatement, type ArtifactKind, type ModelStatement } from "./statement";

/**
 * Offline verification of OMS signatures and of the tree they sign.
 *
 * - public key: node:crypto with the hash of the curve (SHA-256 for P-256, as `@sigstore/core`
 *   verifies every EC signature); a P-256 signature it refuses is tried again with
 *   `@sigstore/verify`, so what either accepts is accepted, and a good signature never loads it;
 * - certificate chain to a given root: node:crypto plus our X.509 checks (`chain.ts`), since
 *   `@sigstore/verify` refuses chains in v0.3 bundles;
 * - keyless: `@sigstore/verify` against a trusted root file (Fulcio chain, SCT, Rekor inclusion,
 *   timestamps), then the identity (SAN, exact or regular expression) and the OIDC issuer.
 */

/** Who may have signed, and how to check it. */
export type TrustPolicy =
  | { readonly method: "public-key"; readonly key: LoadedPublicKey; readonly label?: string }
  | {
      readonly method: "certificate-chain";
      readonly roots: readonly X509Certificate[];
      readonly intermediates?: readonly X509Certificate[];
      readonly label?: string;
    }
  | {
      readonly method: "keyless";
      readonly identity: IdentityMatcher;
      readonly issuer: string;
      readonly trustedRoot: TrustedRootMaterial;
      /** Fulcio extensions the certificate must carry (GitHub workflow repository, ref, trigger...). */
      readonly conditions?: CertificateConditions;
      readonly label?: string;
    };

export type TrustMethod = TrustPolicy["method"];

/** Exact SAN, or a regular expression that must match the whole SAN. */
export type IdentityMatcher = { readonly exact: string } | { readonly regexp: string };

/** A loaded Sigstore trusted root, ready to verify keyless bundles. */
export interface TrustedRootMaterial {
  readonly source: string;
  readonly verifier: Verifier;
  /** The root's certificate authorities' certificates, to say why a certificate chain failed. */
  readonly caCertificates: readonly X509Certificate[];
}

/** What we know about the signer once a bundle verified. */
export interface VerifiedSigner {
  readonly method: TrustMethod;
  /** Label of the trust policy that accepted it (e.g. the key file). */
  readonly label: string;
  readonly keyHint?: string;
  readonly curve?: string;
  readonly certificateSubject?: string;
  readonly certificateFingerprint?: string;
  readonly chain?: readonly string[];
  /** Keyless: certificate SAN and OIDC issuer. */
  readonly identity?: string;
  readonly issuer?: string;
  /** Keyless: the certificate's Fulcio extensions (GitHub workflow repository, ref, trigger...). */
  readonly certificateExtensions?: Readonly<Partial<Record<FulcioExtensionName, string>>>;
}

export interface VerifiedPayload {
  readonly payload: Buffer;
  readonly payloadType: string;
  readonly signer: VerifiedSigner;
  /** Signed with model_signing v0.2's PAE (accepted for compatibility). */
  readonly legacyEncoding: boolean;
}

interface SigstoreModules {
  readonly bundleFromJSON: typeof import("@sigstore/bundle").bundleFromJSON;
  readonly TrustedRoot: typeof import("@sigstore/protobuf-specs").TrustedRoot;
  readonly toSignedEntity: typeof import("@sigstore/verify").toSignedEntity;
  readonly toTrustMaterial: typeof import("@sigstore/verify").toTrustMaterial;
  readonly Verifier: typeof import("@sigstore/verify").Verifier;
}

/**
 * Sigstore's verification libraries, loaded on first use: 50 ms of every start otherwise, and
 * only keyless signatures need them (a key is checked with node:crypto, a chain by chain.ts).
 */
function sigstore(): SigstoreModules {
  /* eslint-disable @typescript-eslint/no-require-imports -- synchronous on purpose: the verify functions are */
  const { bundleFromJSON } = require("@sigstore/bundle") as typeof import("@sigstore/bundle");
  const { TrustedRoot } = require("@sigstore/protobuf-specs") as typeof import("@sigstore/protobuf-specs");
  const { toSignedEntity, toTrustMaterial, Verifier } = require("@sigstore/verify") as typeof import("@sigstore/verify");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { bundleFromJSON, TrustedRoot, toSignedEntity, toTrustMaterial, Verifier };
}

/** Label shown for a trust policy in messages. */
export function trustLabel(trust: TrustPolicy): string {
  if (trust.label) return trust.label;
  switch (trust.method) {
    case "public-key":
      return `key ${trust.key.hint.slice(0, 16)}`;
    case "certificate-chain":
      return `root ${trust.roots[0]?.subject.replace(/\n/g, ", ") ?? "(none)"}`;
    case "keyless": {
      const who = "exact" in trust.identity ? `identity ${trust.identity.exact}` : `identity /${trust.identity.regexp}/`;
      const conditions = trust.conditions ? conditionsLabel(trust.conditions) : "";
      return conditions ? `${who} with ${conditions}` : who;
    }
  }
}

const PUBLIC_GOOD_SEED = "https://tuf-repo-cdn.sigstore.dev";
/** Largest bundle file read (256 MiB). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
const trustedRootCache = new Map<string, TrustedRootMaterial>();

function rootFromJson(json: unknown, source: string): TrustedRootMaterial {
  const { TrustedRoot, toTrustMaterial, Verifier } = sigstore();
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
    const material = toTrustMaterial(root);
    if (material.certificateAuthorities.length === 0 || material.tlogs.length === 0) {
      throw new Error("no certificate authority or transparency log");
    }
    // thresholds of the public-good instance: one Rekor entry, one SCT, one trusted time
    const verifier = new Verifier(material, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    const caCertificates = root.certificateAuthorities.flatMap((ca) => (ca.certChain?.certificates ?? []).map((c) => new X509Certificate(c.rawBytes)));
    return { source, verifier, caCertificates };
  } catch (err) {
    throw new InputError("INPUT_TRUSTED_ROOT_INVALID", `${source}: not a usable Sigstore trusted root (${messageOf(err)})`, { cause: err, file: source });
  }
}

/**
 * Loads a Sigstore trusted root (`trusted_root.json`). Without a file, the public-good root
 * embedded in `@sigstore/tuf`'s seeds is used, so keyless verification works offline; it is as
 * fresh as the installed package. Results are cached per file.
 */
export async function loadTrustedRoot(file?: string): Promise<TrustedRootMaterial> {
  const key = file ? path.resolve(file) : "<public-good>";
  const cached = trustedRootCache.get(key);
  if (cached) return cached;
  let material: TrustedRootMaterial;
  if (file) {
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(code === "ENOENT" ? "INPUT_NOT_FOUND" : "INPUT_UNREADABLE", `${file}: cannot read trusted root (${code ?? messageOf(err)})`, { cause: err, file });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InputError("INPUT_TRUSTED_ROOT_INVALID", `${file}: trusted root is not JSON`, { cause: err, file });
    }
    material = rootFromJson(json, file);
  } else {
    // seeds.json is data shipped inside @sigstore/tuf; read it as a file, not through the TUF client, which would go online
    const seedsFile = require.resolve("@sigstore/tuf/seeds.json");
    const seeds = JSON.parse(await fsp.readFile(seedsFile, "utf8")) as Record<string, { targets?: Record<string, string> }>;
    const encoded = seeds[PUBLIC_GOOD_SEED]?.targets?.["trusted_root.json"];
    if (!encoded) throw new InputError("INPUT_TRUSTED_ROOT_INVALID", `${seedsFile}: no public-good trusted_root.json seed`, { file: seedsFile });
    material = rootFromJson(JSON.parse(Buffer.from(encoded, "base64").toString("utf8")), "public-good Sigstore trusted root (@sigstore/tuf seeds)");
  }
  trustedRootCache.set(key, material);
  return material;
}

function sameKey(a: KeyObject, bDer: Buffer): boolean {
  return a.export({ type: "spki", format: "der" }).equals(bDer);
}

function keyFromRawBytes(raw: Buffer): KeyObject | undefined {
  // older reference bundles store the PEM text there; Sigstore stores DER
  try {
    const text = raw.toString("latin1");
    if (text.includes("-----BEGIN")) return createPublicKey(text.slice(text.indexOf("-----BEGIN")));
    return createPublicKey({ key: raw, format: "der", type: "spki" });
  } catch {
    return undefined;
  }
}

function verifyEcdsa(bundle: ParsedBundle, key: KeyObject, hash: string): { ok: boolean; legacy: boolean } {
  const { payload, payloadType, signatures } = bundle.envelope;
  const sig = signatures[0]!.sig;
  if (cryptoVerify(hash, preAuthEncoding(payloadType, payload), { key, dsaEncoding: "der" }, sig)) return { ok: true, legacy: false };
  if (cryptoVerify(hash, legacyPreAuthEncoding(payloadType, payload), { key, dsaEncoding: "der" }, sig)) return { ok: true, legacy: true };
  return { ok: false, legacy: false };
}

function verifyWithSigstoreKey(bundle: ParsedBundle, key: KeyObject): boolean {
  // the key method has no transparency log: drop any entries so only the key is judged
  const json = { ...bundle.json, verificationMaterial: { ...(bundle.json["verificationMaterial"] as Record<string, unknown>), tlogEntries: [], timestampVerificationData: undefined } };
  const { bundleFromJSON, toSignedEntity, toTrustMaterial, Verifier } = sigstore();
  const entity = toSignedEntity(bundleFromJSON(json));
  const verifier = new Verifier(toTrustMaterial({ mediaType: "", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }, () => ({ publicKey: key, validFor: () => true })), {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  try {
    verifier.verify(entity);
    return true;
  } catch {
    return false;
  }
}

function verifyByKey(bundle: ParsedBundle, trust: Extract<TrustPolicy, { method: "public-key" }>): VerifiedPayload {
  const m = bundle.material;
  if (m.kind !== "publicKey") {
    throw new SignatureError("SIGNATURE_MATERIAL_MISMATCH", `bundle is signed with ${m.kind === "certificate" ? "a Sigstore certificate (keyless)" : "a certificate chain"}, not a public key`);
  }
  const key = trust.key;
  if (m.hint !== undefined && m.hint !== key.hint) {
    throw new SignatureError("SIGNATURE_KEY_MISMATCH", `bundle names signing key ${m.hint}, the given key is ${key.hint}`);
  }
  if (m.rawBytes) {
    const embedded = keyFromRawBytes(m.rawBytes);
    if (embedded && !sameKey(embedded, key.der)) throw new SignatureError("SIGNATURE_KEY_MISMATCH", "bundle carries a different public key than the given key");
  }
  let { ok, legacy } = verifyEcdsa(bundle, key.key, key.hash);
  if (!ok && key.curve === "P-256" && verifyWithSigstoreKey(bundle, key.key)) {
    ok = true;
    legacy = false;
  }
  if (!ok) throw new SignatureError("SIGNATURE_INVALID", `signature does not verify with the given ${key.curve} key`);
  return {
    payload: bundle.envelope.payload,
    payloadType: bundle.envelope.payloadType,
    signer: { method: "public-key", label: trustLabel(trust), keyHint: key.hint, curve: key.curve },
    legacyEncoding: legacy,
  };
}

function verifyByChain(bundle: ParsedBundle, trust: Extract<TrustPolicy, { method: "certificate-chain" }>): VerifiedPayload {
  const m = bundle.material;
  if (m.kind === "publicKey") throw new SignatureError("SIGNATURE_MATERIAL_MISMATCH", "bundle is signed with a public key, not a certificate chain");
  const ders = m.kind === "certificateChain" ? m.certificates : [m.certificate];
  const chain = verifyCertificateChain(ders, { roots: trust.roots, intermediates: trust.intermediates ?? [] });
  let key: LoadedPublicKey;
  try {
    key = describePublicKey(chain.leaf.publicKey, "signing certificate");
  } catch (err) {
    throw new SignatureError("SIGNATURE_UNSUPPORTED_KEY", messageOf(err), { cause: err });
  }
  const { ok, legacy } = verifyEcdsa(bundle, key.key, key.hash);
  if (!ok) throw new SignatureError("SIGNATURE_INVALID", `signature does not verify with the signing certificate's ${key.curve} key`);
  return {
    payload: bundle.envelope.payload,
    payloadType: bundle.envelope.payloadType,
    signer: {
      method: "certificate-chain",
      label: trustLabel(trust),
      keyHint: key.hint,
      curve: key.curve,
      certificateSubject: chain.leaf.subject.replace(/\n/g, ", "),
      certificateFingerprint: chain.leaf.fingerprint256,
      chain: chain.path.map((c) => c.subject.replace(/\n/g, ", ")),
    },
    legacyEncoding: legacy,
  };
}

/** Checks a SAN against an identity matcher; a regular expression must match the whole SAN. */
export function identityMatches(matcher: IdentityMatcher, san: string | undefined): boolean {
  if (san === undefined) return false;
  if ("exact" in matcher) return san === matcher.exact;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${matcher.regexp})$`, "u");
  } catch {
    return false;
  }
  return re.test(san);
}

/** Integrated times of the bundle's log entries (seconds since the epoch), as the entries state them. */
function integratedTimes(bundle: ParsedBundle): Date[] {
  const vm = bundle.json["verificationMaterial"] as { tlogEntries?: { integratedTime?: unknown }[] } | undefined;
  return (vm?.tlogEntries ?? []).map((e) => Number(e.integratedTime)).filter((t) => Number.isFinite(t) && t > 0).map((t) => new Date(t * 1000));
}

/**
 * Says which of our reasons a failed certificate check is, from facts we check ourselves (who
 * issued the leaf, its validity at the log's time) rather than from the library's messages.
 */
function certificateFailure(err: unknown, leafDer: Buffer, bundle: ParsedBundle, root: TrustedRootMaterial): SignatureError {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafDer);
  } catch (parseErr) {
    return new SignatureError("SIGNATURE_CHAIN_INVALID", `signing certificate cannot be read (${messageOf(parseErr)})`, { cause: parseErr });
  }
  const issuedByRoot = root.caCertificates.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  if (!issuedByRoot) {
    return new SignatureError("SIGNATURE_CHAIN_UNTRUSTED", `signing certificate (issuer ${leaf.issuer.replace(/\n/g, ", ")}) was not issued by a certificate authority of ${root.source}`, { cause: err });
  }
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  const outside = integratedTimes(bundle).find((t) => t < from || t > to);
  if (outside) {
    return new SignatureError(
      "SIGNATURE_CERTIFICATE_NOT_VALID_AT_TIME",
      `signing certificate is valid from ${from.toISOString()} to ${to.toISOString()}, but the transparency log integrated the entry at ${outside.toISOString()}`,
      { cause: err },
    );
  }
  return new SignatureError("SIGNATURE_CHAIN_INVALID", `signing certificate does not verify against ${root.source}: ${messageOf(err)}`, { cause: err });
}

/** Maps a `@sigstore/verify` failure to our reason codes; its own code stays in the message. */
function keylessFailure(err: unknown, leafDer: Buffer, bundle: ParsedBundle, root: TrustedRootMaterial): SignatureError {
  const code = (err as { code?: unknown }).code;
  const detail = `${typeof code === "string" ? `${code}: ` : ""}${messageOf(err)}`;
  switch (code) {
    case "CERTIFICATE_ERROR":
      return certificateFailure(err, leafDer, bundle, root);
    case "TLOG_INCLUSION_PROMISE_ERROR":
      return new SignatureError("SIGNATURE_TLOG_SET_INVALID", `the transparency log entry's signed entry timestamp does not verify with a log of ${root.source} (${detail})`, { cause: err });
    case "TLOG_BODY_ERROR":
      return new SignatureError("SIGNATURE_TLOG_ENTRY_MISMATCH", `the transparency log entry is for another signature or artifact (${detail})`, { cause: err });
    case "TLOG_INCLUSION_PROOF_ERROR":
    case "TLOG_MISSING_INCLUSION_ERROR":
    case "TLOG_ERROR":
      return new SignatureError("SIGNATURE_TLOG_INCLUSION_INVALID", `the transparency log entry's inclusion does not verify (${detail})`, { cause: err });
    case "TIMESTAMP_ERROR":
      return new SignatureError("SIGNATURE_TIMESTAMP_INVALID", `the signature's timestamps do not verify (${detail})`, { cause: err });
    case "SIGNATURE_ERROR":
      return new SignatureError("SIGNATURE_INVALID", `signature does not verify with the signing certificate's key (${detail})`, { cause: err });
    default:
      return new SignatureError("SIGNATURE_SIGSTORE", `Sigstore verification failed against ${root.source}: ${detail}`, { cause: err });
  }
}

function verifyKeyless(bundle: ParsedBundle, trust: Extract<TrustPolicy, { method: "keyless" }>): VerifiedPayload {
  if (bundle.material.kind === "publicKey") throw new SignatureError("SIGNATURE_MATERIAL_MISMATCH", "bundle is signed with a public key, not a Sigstore certificate");
  const leafDer = bundle.material.kind === "certificate" ? bundle.material.certificate : bundle.material.certificates[0]!;
  const { bundleFromJSON, toSignedEntity } = sigstore();
  try {
    trust.trustedRoot.verifier.verify(toSignedEntity(bundleFromJSON(bundle.json)));
  } catch (err) {
    throw keylessFailure(err, leafDer, bundle, trust.trustedRoot);
  }
  // read from the certificate @sigstore/verify has just verified
  const identity = readCertificateIdentity(leafDer);
  const san = identity.subjectAlternativeName;
  if (!identityMatches(trust.identity, san)) {
    const wanted = "exact" in trust.identity ? trust.identity.exact : `/${trust.identity.regexp}/`;
    throw new SignatureError("SIGNATURE_IDENTITY_MISMATCH", `signed by ${san ?? "(no identity)"}, expected ${wanted}`);
  }
  if (identity.issuer !== trust.issuer) {
    throw new SignatureError("SIGNATURE_ISSUER_MISMATCH", `identity issued by ${identity.issuer ?? "(no issuer)"}, expected ${trust.issuer}`);
  }
  if (trust.conditions) checkCertificateConditions(trust.conditions, identity);
  let fingerprint: string | undefined;
  try {
    fingerprint = new X509Certificate(leafDer).fingerprint256;
  } catch {
    fingerprint = undefined;
  }
  return {
    payload: bundle.envelope.payload,
    payloadType: bundle.envelope.payloadType,
    signer: {
      method: "keyless",
      label: trustLabel(trust),
      identity: san!,
      issuer: identity.issuer,
      ...(fingerprint ? { certificateFingerprint: fingerprint } : {}),
      certificateExtensions: identity.extensions,
    },
    legacyEncoding: false,
  };
}

/**
 * Verifies the signature of a parsed bundle with one trust policy and returns the signed
 * payload. Throws `SignatureError` (wrong key, untrusted chain, identity...) otherwise.
 */
export function verifyBundleSignature(bundle: ParsedBundle, trust: TrustPolicy): VerifiedPayload {
  switch (trust.method) {
    case "public-key":
      return verifyByKey(bundle, trust);
    case "certificate-chain":
      return verifyByChain(bundle, trust);
    case "keyless":
      return verifyKeyless(bundle, trust);
  }
}

/** A reason a verification did not succeed; `path` names the file when there is one. */
export interface VerificationFailure {
  readonly code: VerificationFailureCode;
  readonly message: string;
  readonly path?: string;
}

/**
 * Verifies a bundle with the first trust policy that accepts it. Returns the verified payload or
 * one failure per policy tried (labelled when there are several).
 */
export function verifyWithAny(bundle: ParsedBundle, trusts: readonly TrustPolicy[]): { verified: VerifiedPayload } | { failures: VerificationFailure[] } {
  if (trusts.length === 0) throw new InputError("INPUT_OPTIONS_INVALID", "no key, certificate root or identity to verify with");
  const failures: VerificationFailure[] = [];
  for (const trust of trusts) {
    try {
      return { verified: verifyBundleSignature(bundle, trust) };
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      failures.push({ code: err.code, message: trusts.length > 1 ? `${trustLabel(trust)}: ${err.message}` : err.message });
    }
  }
  return { failures };
}

export interface VerifyDirectoryOptions {
  /** The model or dataset directory (or single file). */
  readonly root: string;
  /** @default "model" */
  readonly kind?: ArtifactKind;
  /** Bundle file. @default ROOT/model.sig, or model.sig beside a single-file model */
  readonly bundlePath?: string;
  /** Accepted signers; the first that verifies wins. */
  readonly trust: readonly TrustPolicy[];
  /** Extra paths or globs to ignore, besides the defaults and the statement's `ignore_paths`. */
  readonly ignorePaths?: readonly string[];
  /** Do not fail on files present on disk but not signed. @default false */
  readonly ignoreUnsigned?: boolean;
  readonly concurrency?: number;
  /** See `ManifestOptions.hashOnCallingThread`. @default false */
  readonly hashOnCallingThread?: boolean;
  readonly onProgress?: (progress: HashProgress) => void;
}

export interface DirectoryVerification {
  readonly verified: boolean;
  readonly failures: readonly VerificationFailure[];
  readonly bundlePath: string;
  readonly signer?: VerifiedSigner;
  readonly statement?: ModelStatement;
  /** The parsed bundle, once its structure was valid. */
  readonly bundle?: ParsedBundle;
  /** Files hashed on disk (after ignore rules). */
  readonly fileCount?: number;
}

/** Default bundle path for a root: ROOT/model.sig, or model.sig beside a single file. */
export async function defaultBundlePath(root: string): Promise<string> {
  try {
    const st = await fsp.stat(root);
    if (st.isFile()) return path.join(path.dirname(path.resolve(root)), DEFAULT_SIGNATURE_FILE);
  } catch {
    // a missing root is reported by the manifest walk
  }
  return path.join(path.resolve(root), DEFAULT_SIGNATURE_FILE);
}

/**
 * Files that are never model content: the bundle being verified, the evidence file beside it,
 * and the conventional model.sig and model.evidence.jsonl at the root.
 */
function signatureFilesOf(root: string, rootIsFile: boolean, bundlePath: string): string[] {
  const base = rootIsFile ? path.dirname(root) : root;
  return [bundlePath, path.join(path.dirname(bundlePath), DEFAULT_EVIDENCE_FILE), path.join(base, DEFAULT_SIGNATURE_FILE), path.join(base, DEFAULT_EVIDENCE_FILE)];
}

function failureOf(err: unknown): VerificationFailure {
  if (err instanceof ManifestError) return { code: err.code, message: err.message, ...(err.path !== undefined ? { path: err.path } : {}) };
  if (isAttestationError(err)) return { code: err.code, message: err.message };
  throw err;
}

/**
 * Verifies a model or dataset against its OMS signature: the bundle's structure, its signature
 * against the trust policies, the statement, then the tree on disk recomputed with the signed
 * serialization and compared file by file. Problems with what is judged come back as failures;
 * problems with the caller's inputs (missing root) are thrown.
 */
export async function verifyDirectory(options: VerifyDirectoryOptions): Promise<DirectoryVerification> {
  const root = path.resolve(options.root);
  let rootStat;
  try {
    rootStat = await fsp.stat(root);
  } catch (err) {
    throw new InputError("INPUT_NOT_FOUND", `${options.root}: no such file or directory`, { cause: err, file: options.root });
  }
  const bundlePath = options.bundlePath ? path.resolve(options.bundlePath) : await defaultBundlePath(root);
  const result = (failures: VerificationFailure[], extra: Partial<DirectoryVerification> = {}): DirectoryVerification => ({
    verified: failures.length === 0,
    failures,
    bundlePath,
    ...extra,
  });
  let bundleBytes: Buffer;
  try {
    const size = (await fsp.stat(bundlePath)).size;
    // a statement lists every file, so a million-file dataset makes a big bundle, but never this big
    if (size > MAX_BUNDLE_BYTES) return result([{ code: "BUNDLE_TOO_LARGE", message: `${bundlePath}: bundle is ${size} bytes, more than ${MAX_BUNDLE_BYTES}` }]);
    bundleBytes = await fsp.readFile(bundlePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return result([{ code: "BUNDLE_NOT_FOUND", message: `${bundlePath}: no signature; the ${options.kind ?? "model"} is not signed` }]);
    throw new InputError("INPUT_UNREADABLE", `${bundlePath}: cannot read (${code ?? messageOf(err)})`, { cause: err, file: bundlePath });
  }
  let bundle: ParsedBundle;
  try {
    bundle = parseBundle(bundleBytes);
  } catch (err) {
    if (err instanceof BundleError) return result([{ code: err.code, message: `${bundlePath}: ${err.message}` }]);
    throw err;
  }
  // the statement is checked even when the signature fails, so a bundle that is wrong in both
  // ways says both (the OMS invalid-payload vectors are judged on their payload)
  const outcome = verifyWithAny(bundle, options.trust);
  const statementFailures: VerificationFailure[] = [];
  let statement: ModelStatement | undefined;
  if (bundle.envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    statementFailures.push({ code: "STATEMENT_PAYLOAD_TYPE", message: `signed payload type is ${JSON.stringify(bundle.envelope.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}` });
  } else {
    try {
      statement = parseModelStatement(bundle.envelope.payload);
    } catch (err) {
      if (!(err instanceof StatementError)) throw err;
      statementFailures.push({ code: err.code, message: err.message });
    }
  }
  if ("failures" in outcome) return result([...outcome.failures, ...statementFailures], { bundle });
  const { verified } = outcome;
  if (!statement) return result(statementFailures, { signer: verified.signer, bundle });
  const kind = options.kind ?? "model";
  if (statement.kind !== undefined && statement.kind !== kind) {
    return result([{ code: "KIND_MISMATCH", message: `signature is for a ${statement.kind}, verified as a ${kind}` }], { signer: verified.signer, statement, bundle });
  }
  let manifest: Manifest | undefined;
  const failures: VerificationFailure[] = [];
  const s = statement.serialization;
  try {
    manifest = await computeManifest(root, {
      method: s.method,
      hashType: s.hashType,
      ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}),
      allowSymlinks: s.allowSymlinks,
      ignorePaths: [...s.ignorePaths, ...(options.ignorePaths ?? [])],
      signatureFiles: signatureFilesOf(root, rootStat.isFile(), bundlePath),
      allowEmpty: true,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.hashOnCallingThread !== undefined ? { hashOnCallingThread: options.hashOnCallingThread } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (err) {
    failures.push(failureOf(err));
  }
  if (manifest) {
    const differences = compareManifests(statement.resources, manifest.resources, {
      ignoreUnsigned: options.ignoreUnsigned ?? false,
      ...(rootStat.isFile() ? { singleFileName: path.basename(root) } : {}),
    });
    // Older single-file signatures name their one resource "."; given the folder, say which file to verify.
    const singleFileSignature = !rootStat.isFile() && statement.resources.length === 1 && statement.resources[0]?.name === ".";
    if (singleFileSignature) {
      failures.push({
        code: "FILE_MISSING",
        message: `the signature covers a single file (resource "."), not the folder ${root}: verify that file, giving this bundle with --bundle`,
        path: ".",
      });
    }
    for (const d of singleFileSignature ? [] : differences) {
      if (d.kind === "changed") failures.push({ code: "FILE_CHANGED", message: `${d.name}: content changed (signed ${d.expected}, found ${d.actual})`, path: d.name });
      else if (d.kind === "missing") failures.push({ code: "FILE_MISSING", message: `${d.name}: signed but missing`, path: d.name });
      else failures.push({ code: "FILE_EXTRA", message: `${d.name}: present but not signed`, path: d.name });
    }
  }
  return result(failures, { signer: verified.signer, statement, bundle, ...(manifest ? { fileCount: manifest.fileCount } : {}) });
}
