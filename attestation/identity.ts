import type { X509Certificate as SigstoreCertificate } from "@sigstore/core";
import { SignatureError, messageOf } from "./errors";

/**
 * The identity a Fulcio certificate carries: its SAN, its OIDC issuer, and the extensions Fulcio
 * copies from the token's claims (OIDs 1.3.6.1.4.1.57264.1.x). For GitHub Actions these say which
 * repository, ref, workflow and trigger produced the signature, so a policy can require them (as
 * cosign's `--certificate-github-workflow-*` flags do). The table follows Fulcio's
 * docs/oid-info.md: 1.1 to 1.6 are the deprecated raw-string encodings, 1.8 onwards DER UTF8String.
 */

const FULCIO_OID = "1.3.6.1.4.1.57264.1";

/** Extension name (as in Fulcio's oid-info and our policy files) -> OID and encoding. */
export const FULCIO_EXTENSIONS = {
  issuerV1: { oid: `${FULCIO_OID}.1`, legacy: true },
  githubWorkflowTrigger: { oid: `${FULCIO_OID}.2`, legacy: true },
  githubWorkflowSha: { oid: `${FULCIO_OID}.3`, legacy: true },
  githubWorkflowName: { oid: `${FULCIO_OID}.4`, legacy: true },
  githubWorkflowRepository: { oid: `${FULCIO_OID}.5`, legacy: true },
  githubWorkflowRef: { oid: `${FULCIO_OID}.6`, legacy: true },
  issuer: { oid: `${FULCIO_OID}.8`, legacy: false },
  buildSignerUri: { oid: `${FULCIO_OID}.9`, legacy: false },
  buildSignerDigest: { oid: `${FULCIO_OID}.10`, legacy: false },
  runnerEnvironment: { oid: `${FULCIO_OID}.11`, legacy: false },
  sourceRepositoryUri: { oid: `${FULCIO_OID}.12`, legacy: false },
  sourceRepositoryDigest: { oid: `${FULCIO_OID}.13`, legacy: false },
  sourceRepositoryRef: { oid: `${FULCIO_OID}.14`, legacy: false },
  sourceRepositoryIdentifier: { oid: `${FULCIO_OID}.15`, legacy: false },
  sourceRepositoryOwnerUri: { oid: `${FULCIO_OID}.16`, legacy: false },
  sourceRepositoryOwnerIdentifier: { oid: `${FULCIO_OID}.17`, legacy: false },
  buildConfigUri: { oid: `${FULCIO_OID}.18`, legacy: false },
  buildConfigDigest: { oid: `${FULCIO_OID}.19`, legacy: false },
  buildTrigger: { oid: `${FULCIO_OID}.20`, legacy: false },
  runInvocationUri: { oid: `${FULCIO_OID}.21`, legacy: false },
  sourceRepositoryVisibilityAtSigning: { oid: `${FULCIO_OID}.22`, legacy: false },
} as const;

export type FulcioExtensionName = keyof typeof FULCIO_EXTENSIONS;

/** Names a policy may put conditions on: every extension but the issuer, which has its own field. */
export const CONDITION_NAMES = (Object.keys(FULCIO_EXTENSIONS) as FulcioExtensionName[]).filter((n) => n !== "issuer" && n !== "issuerV1");
export type ConditionName = Exclude<FulcioExtensionName, "issuer" | "issuerV1">;

/** Required values of certificate extensions; every one given must be present and equal. */
export type CertificateConditions = Readonly<Partial<Record<ConditionName, string>>>;

const NAME_OF_OID: ReadonlyMap<string, FulcioExtensionName> = new Map(
  (Object.entries(FULCIO_EXTENSIONS) as [FulcioExtensionName, { oid: string }][]).map(([name, e]) => [e.oid, name]),
);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function invalidExtension(name: string, why: string): never {
  throw new SignatureError("SIGNATURE_EXTENSION_INVALID", `certificate extension ${name} (${FULCIO_EXTENSIONS[name as FulcioExtensionName]?.oid ?? "?"}): ${why}`);
}

function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    invalidExtension(name, "not UTF-8");
  }
}

/**
 * Decodes the value (extnValue contents) of one Fulcio extension: the raw string for the
 * deprecated OIDs, a DER UTF8String (tag 12, minimal definite length, nothing after it) for
 * the others. Throws `SignatureError` `SIGNATURE_EXTENSION_INVALID` otherwise.
 */
export function decodeFulcioExtension(name: FulcioExtensionName, value: Uint8Array): string {
  const spec = FULCIO_EXTENSIONS[name];
  if (spec.legacy) return decodeUtf8(value, name);
  if (value.length < 2 || value[0] !== 0x0c) invalidExtension(name, "not a DER UTF8String");
  const first = value[1]!;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = 2;
  } else {
    const octets = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 length octets is far beyond any certificate
    if (octets === 0 || octets > 4 || value.length < 2 + octets) invalidExtension(name, "bad DER length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + value[2 + i]!;
    if (value[2] === 0 || length < 0x80) invalidExtension(name, "non-minimal DER length");
    start = 2 + octets;
  }
  if (start + length !== value.length) invalidExtension(name, `DER length ${length} does not match the ${value.length - start} bytes present`);
  return decodeUtf8(value.subarray(start), name);
}

/** The DER encoding `decodeFulcioExtension` reads (used by tests and fakes that issue certificates). */
export function encodeFulcioExtension(name: FulcioExtensionName, text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (FULCIO_EXTENSIONS[name].legacy) return bytes;
  const n = bytes.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([0x0c, ...length]), bytes]);
}

export interface CertificateIdentity {
  /** URI or e-mail SAN. */
  readonly subjectAlternativeName?: string;
  /** OIDC issuer: the v2 extension (1.8), else the deprecated one (1.1). */
  readonly issuer?: string;
  readonly extensions: Readonly<Partial<Record<FulcioExtensionName, string>>>;
}

/**
 * Reads the Fulcio identity of a DER certificate. The certificate must already be verified;
 * this only reads it. Throws `SignatureError` for an unreadable certificate or extension.
 */
export function readCertificateIdentity(der: Uint8Array): CertificateIdentity {
  // loaded here: the certificate flags' names come from this module, and a key verification never reads a certificate
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { X509Certificate } = require("@sigstore/core") as typeof import("@sigstore/core");
  let cert: SigstoreCertificate;
  try {
    cert = X509Certificate.parse(Buffer.from(der));
  } catch (err) {
    throw new SignatureError("SIGNATURE_EXTENSION_INVALID", `signing certificate cannot be read (${messageOf(err)})`, { cause: err });
  }
  const extensions: Partial<Record<FulcioExtensionName, string>> = {};
  let san: string | undefined;
  try {
    for (const ext of cert.extensions) {
      const name = NAME_OF_OID.get(ext.subs[0]!.toOID());
      if (!name) continue;
      // X.509 forbids two instances of one extension; taking either would let a certificate say two things
      if (extensions[name] !== undefined) invalidExtension(name, "appears twice");
      extensions[name] = decodeFulcioExtension(name, ext.subs[ext.subs.length - 1]!.value);
    }
    san = cert.subjectAltName;
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    throw new SignatureError("SIGNATURE_EXTENSION_INVALID", `signing certificate extensions cannot be read (${messageOf(err)})`, { cause: err });
  }
  const issuer = extensions.issuer ?? extensions.issuerV1;
  return { ...(san !== undefined ? { subjectAlternativeName: san } : {}), ...(issuer !== undefined ? { issuer } : {}), extensions };
}

/** Every condition the identity does not meet, one message each; empty when all hold. */
export function unmetConditions(conditions: CertificateConditions, identity: CertificateIdentity): string[] {
  const unmet: string[] = [];
  for (const name of CONDITION_NAMES) {
    const wanted = conditions[name];
    if (wanted === undefined) continue;
    const found = identity.extensions[name];
    const label = `${name} (${FULCIO_EXTENSIONS[name].oid})`;
    if (found === undefined) unmet.push(`certificate has no ${label}, expected ${JSON.stringify(wanted)}`);
    else if (found !== wanted) unmet.push(`certificate ${label} is ${JSON.stringify(found)}, expected ${JSON.stringify(wanted)}`);
  }
  return unmet;
}

/** Throws `SignatureError` `SIGNATURE_EXTENSION_MISMATCH` listing every unmet condition. */
export function checkCertificateConditions(conditions: CertificateConditions, identity: CertificateIdentity): void {
  const unmet = unmetConditions(conditions, identity);
  if (unmet.length > 0) throw new SignatureError("SIGNATURE_EXTENSION_MISMATCH", unmet.join("; "));
}

/** Checks a condition name given by a user (CLI flag, policy key). */
export function isConditionName(name: string): name is ConditionName {
  return (CONDITION_NAMES as readonly string[]).includes(name);
}

/** A short text of the conditions, for labels: `githubWorkflowRef=refs/tags/v1, ...`. */
export function conditionsLabel(conditions: CertificateConditions): string {
  return CONDITION_NAMES.filter((n) => conditions[n] !== undefined)
    .map((n) => `${n}=${conditions[n]!}`)
    .join(", ");
}
