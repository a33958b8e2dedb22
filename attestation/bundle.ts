import { BundleError, type BundleErrorCode } from "./errors";

/**
 * Sigstore bundles as OMS uses them: a detached JSON file holding a DSSE envelope over an
 * in-toto statement and the material to verify it (a key hint, a certificate chain, or a Fulcio
 * certificate with Rekor entries). The parser is ours, not `@sigstore/bundle`'s, because OMS
 * certificate-method bundles carry a full chain in a v0.3 bundle, which the Sigstore rules (and
 * sigstore-js) refuse; it checks the structure only, the verifier checks the cryptography.
 */

export const BUNDLE_V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const BUNDLE_V03_LEGACY_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle+json;version=0.3";
export const BUNDLE_V02_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle+json;version=0.2";
export const BUNDLE_V01_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle+json;version=0.1";

const MEDIA_TYPES: Readonly<Record<string, BundleVersion>> = {
  [BUNDLE_V03_MEDIA_TYPE]: "0.3",
  [BUNDLE_V03_LEGACY_MEDIA_TYPE]: "0.3",
  [BUNDLE_V02_MEDIA_TYPE]: "0.2",
  [BUNDLE_V01_MEDIA_TYPE]: "0.1",
};

export type BundleVersion = "0.1" | "0.2" | "0.3";

/** How the bundle says it can be verified. */
export type BundleMaterial =
  | { readonly kind: "publicKey"; readonly hint?: string; readonly rawBytes?: Buffer }
  | { readonly kind: "certificateChain"; readonly certificates: readonly Buffer[] }
  | { readonly kind: "certificate"; readonly certificate: Buffer };

export interface DsseSignature {
  readonly sig: Buffer;
  readonly keyid: string;
}

export interface DsseEnvelope {
  readonly payload: Buffer;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

export interface ParsedBundle {
  readonly mediaType: string;
  readonly version: BundleVersion;
  readonly material: BundleMaterial;
  readonly tlogEntryCount: number;
  readonly envelope: DsseEnvelope;
  /** The JSON object as read, for `@sigstore/bundle` on the keyless path. */
  readonly json: Readonly<Record<string, unknown>>;
}

function fail(code: BundleErrorCode, message: string, cause?: unknown): never {
  throw new BundleError(code, message, cause === undefined ? undefined : { cause });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// protobuf JSON accepts standard and URL-safe base64, padded or not; Buffer.from(.., "base64")
// silently skips anything else, so the alphabet is checked first
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** Decodes protobuf-JSON base64 strictly; throws `BundleError` naming `field` otherwise. */
export function decodeBase64Field(value: unknown, field: string, options: { allowEmpty?: boolean } = {}): Buffer {
  if (typeof value !== "string") fail("BUNDLE_INVALID_FIELD", `${field} must be a base64 string`);
  if (!options.allowEmpty && value.length === 0) fail("BUNDLE_INVALID_FIELD", `${field} is empty`);
  if (!BASE64.test(value)) fail("BUNDLE_INVALID_FIELD", `${field} is not base64`);
  return Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

function parseMaterial(vm: Record<string, unknown>): BundleMaterial {
  const present = ["publicKey", "x509CertificateChain", "certificate"].filter((k) => vm[k] !== undefined && vm[k] !== null);
  if (present.length === 0) {
    fail("BUNDLE_MISSING_VERIFICATION_MATERIAL", "verificationMaterial has no publicKey, x509CertificateChain or certificate");
  }
  if (present.length > 1) fail("BUNDLE_INVALID_FIELD", `verificationMaterial has more than one of ${present.join(", ")}`);
  const which = present[0]!;
  const value = vm[which];
  if (!isRecord(value)) fail("BUNDLE_INVALID_FIELD", `verificationMaterial.${which} is not an object`);
  if (which === "publicKey") {
    const hint = value["hint"];
    if (hint !== undefined && hint !== null && typeof hint !== "string") fail("BUNDLE_INVALID_FIELD", "verificationMaterial.publicKey.hint must be a string");
    const raw = value["rawBytes"];
    const rawBytes = raw === undefined || raw === null ? undefined : decodeBase64Field(raw, "verificationMaterial.publicKey.rawBytes");
    if ((typeof hint !== "string" || hint.length === 0) && !rawBytes) {
      fail("BUNDLE_INVALID_FIELD", "verificationMaterial.publicKey has neither hint nor rawBytes");
    }
    return { kind: "publicKey", ...(typeof hint === "string" && hint.length > 0 ? { hint } : {}), ...(rawBytes ? { rawBytes } : {}) };
  }
  if (which === "x509CertificateChain") {
    const certs = value["certificates"];
    if (!Array.isArray(certs) || certs.length === 0) fail("BUNDLE_INVALID_FIELD", "verificationMaterial.x509CertificateChain.certificates is empty");
    return {
      kind: "certificateChain",
      certificates: certs.map((c, i) => {
        if (!isRecord(c)) fail("BUNDLE_INVALID_FIELD", `x509CertificateChain.certificates[${i}] is not an object`);
        return decodeBase64Field(c["rawBytes"], `x509CertificateChain.certificates[${i}].rawBytes`);
      }),
    };
  }
  return { kind: "certificate", certificate: decodeBase64Field(value["rawBytes"], "verificationMaterial.certificate.rawBytes") };
}

function parseEnvelope(value: unknown): DsseEnvelope {
  if (!isRecord(value)) fail("BUNDLE_INVALID_ENVELOPE", "dsseEnvelope is not an object");
  const payload = decodeBase64Field(value["payload"], "dsseEnvelope.payload");
  const payloadType = value["payloadType"];
  if (typeof payloadType !== "string" || payloadType.length === 0) fail("BUNDLE_INVALID_ENVELOPE", "dsseEnvelope.payloadType is missing");
  const signatures = value["signatures"];
  if (!Array.isArray(signatures) || signatures.length === 0) fail("BUNDLE_INVALID_ENVELOPE", "dsseEnvelope has no signature");
  // Sigstore bundles carry exactly one; with several it would be ambiguous which one was checked
  if (signatures.length !== 1) fail("BUNDLE_INVALID_ENVELOPE", `dsseEnvelope has ${signatures.length} signatures; exactly one is supported`);
  return {
    payload,
    payloadType,
    signatures: signatures.map((s, i) => {
      if (!isRecord(s)) fail("BUNDLE_INVALID_ENVELOPE", `dsseEnvelope.signatures[${i}] is not an object`);
      const keyid = s["keyid"];
      if (keyid !== undefined && keyid !== null && typeof keyid !== "string") fail("BUNDLE_INVALID_ENVELOPE", `dsseEnvelope.signatures[${i}].keyid must be a string`);
      return { sig: decodeBase64Field(s["sig"], `dsseEnvelope.signatures[${i}].sig`), keyid: typeof keyid === "string" ? keyid : "" };
    }),
  };
}

/**
 * Parses and checks a Sigstore bundle (v0.1 to v0.3) holding a DSSE envelope. Throws a
 * `BundleError` whose code says which rule failed: empty file, not JSON, unknown media type,
 * no envelope, no verification material, a keyless certificate without transparency log entries,
 * or a malformed field.
 */
export function parseBundle(input: Buffer | string): ParsedBundle {
  const text = typeof input === "string" ? input : input.toString("utf8");
  if (text.trim().length === 0) fail("BUNDLE_EMPTY", "bundle is empty");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail("BUNDLE_NOT_JSON", "bundle is not JSON", err);
  }
  if (!isRecord(value)) fail("BUNDLE_NOT_OBJECT", "bundle is not a JSON object");
  const mediaType = value["mediaType"];
  if (typeof mediaType !== "string") fail("BUNDLE_MEDIA_TYPE", "bundle has no mediaType");
  const version = MEDIA_TYPES[mediaType];
  if (!version) fail("BUNDLE_MEDIA_TYPE", `bundle media type ${JSON.stringify(mediaType)} is not a Sigstore bundle v0.1, v0.2 or v0.3`);
  if (value["dsseEnvelope"] === undefined || value["dsseEnvelope"] === null) {
    if (value["messageSignature"] !== undefined) fail("BUNDLE_MISSING_ENVELOPE", "bundle holds a messageSignature, not the dsseEnvelope an OMS signature has");
    fail("BUNDLE_MISSING_ENVELOPE", "bundle has no dsseEnvelope");
  }
  const vm = value["verificationMaterial"];
  if (vm === undefined || vm === null) fail("BUNDLE_MISSING_VERIFICATION_MATERIAL", "bundle has no verificationMaterial");
  if (!isRecord(vm)) fail("BUNDLE_INVALID_FIELD", "verificationMaterial is not an object");
  const material = parseMaterial(vm);
  const tlog = vm["tlogEntries"];
  if (tlog !== undefined && tlog !== null && (!Array.isArray(tlog) || !tlog.every(isRecord))) {
    fail("BUNDLE_INVALID_FIELD", "verificationMaterial.tlogEntries must be a list of objects");
  }
  const tlogEntryCount = Array.isArray(tlog) ? tlog.length : 0;
  if (material.kind === "certificate" && tlogEntryCount === 0) {
    fail("BUNDLE_MISSING_TLOG_ENTRIES", "keyless bundle (Fulcio certificate) has no transparency log entries");
  }
  const envelope = parseEnvelope(value["dsseEnvelope"]);
  return { mediaType, version, material, tlogEntryCount, envelope, json: value };
}

/** DSSE v1 pre-authentication encoding: what is actually signed. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, "ascii"), type, Buffer.from(` ${payload.length} `, "ascii"), payload]);
}

/** Python's `repr()` of a bytes object, as model_signing v0.2 embedded it in its (buggy) PAE. */
export function pythonBytesRepr(bytes: Buffer): string {
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = "b" + String.fromCharCode(quote);
  for (const b of bytes) {
    if (b === 0x5c) out += "\\\\";
    else if (b === quote) out += "\\" + String.fromCharCode(quote);
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + b.toString(16).padStart(2, "0");
    else out += String.fromCharCode(b);
  }
  return out + String.fromCharCode(quote);
}

/**
 * The PAE model_signing v0.2 signed by mistake (`DSSEV1 ... {payload!r}`); its reference verifier
 * still accepts it for key and certificate signatures, so we do too, only as a fallback.
 */
export function legacyPreAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.from(`DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, "utf8");
}

/** The JSON of an OMS key-signed bundle (v0.3, public key hint, DSSE envelope). */
export function keyBundleJson(options: { payload: Buffer; payloadType: string; signature: Buffer; hint: string }): Record<string, unknown> {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: options.hint }, tlogEntries: [] },
    dsseEnvelope: {
      payload: options.payload.toString("base64"),
      payloadType: options.payloadType,
      signatures: [{ sig: options.signature.toString("base64"), keyid: "" }],
    },
  };
}
