import { X509Certificate } from "node:crypto";
import type { X509Certificate as SigstoreCertificate } from "@sigstore/core";
import { SignatureError } from "./errors";

/**
 * X.509 path validation for OMS certificate-method signatures, which `@sigstore/verify` refuses
 * (a v0.3 bundle may not carry a chain there). node:crypto checks names and signatures; the
 * RFC 5280 rules node:crypto does not expose (basic constraints, key usage bits, path length,
 * critical extensions, signature algorithms) are read with `@sigstore/core`'s ASN.1 parser.
 *
 * As the reference tool (it sets the store time to the leaf's notBefore), the chain is checked
 * at the time the leaf was issued unless the caller gives a time: these certificates are not
 * timestamped, so "now" would make every signature die with its certificate.
 */

export interface ChainOptions {
  /** Trust anchors. */
  readonly roots: readonly X509Certificate[];
  /** Untrusted certificates that may complete the path (besides those in the bundle). */
  readonly intermediates?: readonly X509Certificate[];
  /** Time at which every certificate must be valid. @default the leaf's notBefore */
  readonly at?: Date;
  /** Most certificates between the leaf and the anchor. @default 8 */
  readonly maxIntermediates?: number;
}

export interface VerifiedChain {
  readonly leaf: X509Certificate;
  /** Leaf first, trust anchor last. */
  readonly path: readonly X509Certificate[];
  readonly checkedAt: Date;
}

const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const OID_SUBJECT_KEY_ID = "2.5.29.14";
const OID_AUTHORITY_KEY_ID = "2.5.29.35";
const OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const OID_ANY_EKU = "2.5.29.37.0";
/** Critical extensions we understand; any other critical extension makes the certificate unusable (RFC 5280 4.2). */
const UNDERSTOOD = new Set([OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_EXT_KEY_USAGE, OID_SUBJECT_ALT_NAME, OID_SUBJECT_KEY_ID, OID_AUTHORITY_KEY_ID]);
const MIN_RSA_BITS = 2048;

interface Details {
  readonly cert: X509Certificate;
  readonly parsed: SigstoreCertificate;
  readonly label: string;
}

function dn(name: string): string {
  return name.replace(/\n/g, ", ") || "(empty name)";
}

function describe(cert: X509Certificate): string {
  return dn(cert.subject);
}

function details(cert: X509Certificate, label: string): Details {
  // loaded on the first chain: verify.ts imports this module, and a key verification has no chain
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { X509Certificate: Parser } = require("@sigstore/core") as typeof import("@sigstore/core");
  let parsed: SigstoreCertificate;
  try {
    parsed = Parser.parse(cert.raw);
  } catch (err) {
    throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${label} cannot be parsed as X.509`, { cause: err });
  }
  return { cert, parsed, label };
}

function criticalUnknown(d: Details): string | undefined {
  for (const ext of d.parsed.extensions) {
    const oid = ext.subs[0]?.toOID();
    // an extension is SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }
    const critical = ext.subs.length === 3 && ext.subs[1]!.toBoolean();
    if (critical && oid !== undefined && !UNDERSTOOD.has(oid)) return oid;
  }
  return undefined;
}

function checkCommon(d: Details, at: Date): void {
  const oid = criticalUnknown(d);
  if (oid) throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${d.label} (${describe(d.cert)}) has an unsupported critical extension ${oid}`);
  if (at < d.cert.validFromDate || at > d.cert.validToDate) {
    throw new SignatureError(
      "SIGNATURE_CHAIN_INVALID",
      `${d.label} (${describe(d.cert)}) is not valid at ${at.toISOString()} (valid ${d.cert.validFromDate.toISOString()} to ${d.cert.validToDate.toISOString()})`,
    );
  }
}

function checkIssuerStrength(issuer: Details): void {
  const key = issuer.cert.publicKey;
  if (key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${issuer.label} (${describe(issuer.cert)}) has an RSA key shorter than ${MIN_RSA_BITS} bits`);
  }
}

function checkCa(d: Details, below: number): void {
  const bc = d.parsed.extBasicConstraints;
  if (!bc || !bc.isCA) throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${d.label} (${describe(d.cert)}) is not a CA certificate (basicConstraints cA is not set)`);
  const ku = d.parsed.extKeyUsage;
  if (ku && !ku.keyCertSign) throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${d.label} (${describe(d.cert)}) may not sign certificates (keyUsage lacks keyCertSign)`);
  const pathLen = bc.pathLenConstraint;
  if (pathLen !== undefined && BigInt(below) > pathLen) {
    throw new SignatureError("SIGNATURE_CHAIN_INVALID", `${d.label} (${describe(d.cert)}) allows ${pathLen} intermediate CA(s) below it, the chain has ${below}`);
  }
}

/** True when `issuer` issued `child`: names (and key ids) match, and the signature verifies with a SHA-2 algorithm. */
function issued(child: Details, issuer: Details): boolean {
  if (!child.cert.checkIssued(issuer.cert)) return false;
  if (child.parsed.signatureAlgorithm === undefined) return false;
  try {
    return child.cert.verify(issuer.cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * Checks the leaf for code signing as the reference tool does: keyUsage digitalSignature, or
 * failing that extendedKeyUsage codeSigning; and when an extendedKeyUsage is present it must allow
 * code signing.
 */
function checkLeafUsage(d: Details): void {
  const ku = d.parsed.extKeyUsage;
  const eku = d.cert.keyUsage ?? [];
  const ekuAllows = eku.includes(OID_CODE_SIGNING) || eku.includes(OID_ANY_EKU);
  if (eku.length > 0 && !ekuAllows) {
    throw new SignatureError("SIGNATURE_CERTIFICATE_USAGE", `signing certificate (${describe(d.cert)}) extendedKeyUsage does not allow code signing`);
  }
  if (!(ku?.digitalSignature ?? false) && !ekuAllows) {
    throw new SignatureError("SIGNATURE_CERTIFICATE_USAGE", `signing certificate (${describe(d.cert)}) may not be used for signing (no digitalSignature key usage, no codeSigning extended key usage)`);
  }
}

/**
 * Validates a certificate chain (DER, leaf first, as in `x509CertificateChain`) up to one of
 * `roots`. Certificates after the leaf are untrusted helpers; the path may also use
 * `intermediates`. Throws `SignatureError` with the first rule that fails.
 */
export function verifyCertificateChain(chain: readonly Buffer[], options: ChainOptions): VerifiedChain {
  if (chain.length === 0) throw new SignatureError("SIGNATURE_CHAIN_INVALID", "bundle has no certificate");
  const parsedChain = chain.map((der, i) => {
    try {
      return new X509Certificate(der);
    } catch (err) {
      throw new SignatureError("SIGNATURE_CHAIN_INVALID", `bundle certificate ${i} is not a DER X.509 certificate`, { cause: err });
    }
  });
  const leaf = details(parsedChain[0]!, "signing certificate");
  const at = options.at ?? leaf.cert.validFromDate;
  checkCommon(leaf, at);
  checkLeafUsage(leaf);
  const roots = options.roots.map((r, i) => details(r, `trusted root ${i}`));
  const pool = [...parsedChain.slice(1), ...(options.intermediates ?? [])].map((c, i) => details(c, `intermediate ${i}`));
  const maxIntermediates = options.maxIntermediates ?? 8;
  const pathSoFar: Details[] = [leaf];
  let current = leaf;
  for (;;) {
    const anchor = roots.find((r) => r.cert.raw.equals(current.cert.raw)) ?? roots.find((r) => issued(current, r));
    if (anchor) {
      if (anchor.cert.raw.equals(current.cert.raw)) {
        // the leaf itself is a trust anchor: nothing above it to check
        return { leaf: leaf.cert, path: pathSoFar.map((d) => d.cert), checkedAt: at };
      }
      checkCommon(anchor, at);
      checkCa(anchor, pathSoFar.length - 1);
      checkIssuerStrength(anchor);
      return { leaf: leaf.cert, path: [...pathSoFar, anchor].map((d) => d.cert), checkedAt: at };
    }
    const next = pool.find((c) => !pathSoFar.some((p) => p.cert.raw.equals(c.cert.raw)) && issued(current, c));
    if (!next) {
      throw new SignatureError("SIGNATURE_CHAIN_UNTRUSTED", `certificate chain does not lead to a trusted root (stops at ${describe(current.cert)}, issued by ${dn(current.cert.issuer)})`);
    }
    if (pathSoFar.length > maxIntermediates) throw new SignatureError("SIGNATURE_CHAIN_INVALID", `certificate chain is longer than ${maxIntermediates} intermediates`);
    checkCommon(next, at);
    checkCa(next, pathSoFar.length - 1);
    checkIssuerStrength(next);
    pathSoFar.push(next);
    current = next;
  }
}
