import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { promises as fsp } from "node:fs";
import { InputError, SigningError } from "./errors";

/**
 * EC keys and certificates as OMS uses them: P-256, P-384 and P-521 only, the hash following
 * the curve (the reference tool's `get_ec_key_hash`), and a key identified by the hex SHA-256
 * of its SubjectPublicKeyInfo PEM text (`verificationMaterial.publicKey.hint`).
 */

export type EcCurve = "P-256" | "P-384" | "P-521";
export type CurveHash = "sha256" | "sha384" | "sha512";

const CURVES: Readonly<Record<string, EcCurve>> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

const HASH_OF_CURVE: Readonly<Record<EcCurve, CurveHash>> = { "P-256": "sha256", "P-384": "sha384", "P-521": "sha512" };

/** The hash an ECDSA signature on `curve` uses in OMS and Sigstore key details. */
export function hashForCurve(curve: EcCurve): CurveHash {
  return HASH_OF_CURVE[curve];
}

/** The curve of an EC key, or `undefined` for any other key. */
export function curveOf(key: KeyObject): EcCurve | undefined {
  if (key.asymmetricKeyType !== "ec") return undefined;
  const named = key.asymmetricKeyDetails?.namedCurve;
  return named ? CURVES[named] : undefined;
}

export interface LoadedPublicKey {
  readonly key: KeyObject;
  readonly curve: EcCurve;
  readonly hash: CurveHash;
  /** SubjectPublicKeyInfo PEM, as the reference tool serialises it. */
  readonly pem: string;
  /** Hex SHA-256 of `pem`: the OMS key hint. */
  readonly hint: string;
  /** SubjectPublicKeyInfo DER, to compare keys. */
  readonly der: Buffer;
}

export interface LoadedPrivateKey {
  readonly key: KeyObject;
  readonly publicKey: LoadedPublicKey;
}

/** Describes an EC public key already parsed by node:crypto; throws if it is not P-256/384/521. */
export function describePublicKey(key: KeyObject, source: string): LoadedPublicKey {
  const curve = curveOf(key);
  if (!curve) {
    const what = key.asymmetricKeyType === "ec" ? `EC curve ${key.asymmetricKeyDetails?.namedCurve ?? "?"}` : `${key.asymmetricKeyType ?? "unknown"} key`;
    throw new InputError("INPUT_KEY_UNSUPPORTED", `${source}: ${what} is not supported; use an EC P-256, P-384 or P-521 key`, { file: source });
  }
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  const der = key.export({ type: "spki", format: "der" });
  return { key, curve, hash: hashForCurve(curve), pem, hint: createHash("sha256").update(pem).digest("hex"), der };
}

/**
 * Parses a public key: PEM (text before the PEM block is allowed, as in the reference tool's
 * key files), DER SubjectPublicKeyInfo, or a PEM certificate whose key is taken.
 */
export function parsePublicKey(data: Buffer | string, source: string): LoadedPublicKey {
  const text = typeof data === "string" ? data : data.toString("latin1");
  let key: KeyObject;
  try {
    if (text.includes("-----BEGIN CERTIFICATE-----")) {
      key = new X509Certificate(text.slice(text.indexOf("-----BEGIN CERTIFICATE-----"))).publicKey;
    } else if (text.includes("-----BEGIN")) {
      key = createPublicKey(text.slice(text.indexOf("-----BEGIN")));
    } else {
      key = createPublicKey({ key: typeof data === "string" ? Buffer.from(data, "latin1") : data, format: "der", type: "spki" });
    }
  } catch (err) {
    throw new InputError("INPUT_KEY_INVALID", `${source}: not a PEM or DER public key`, { cause: err, file: source });
  }
  if (key.type !== "public") throw new InputError("INPUT_KEY_INVALID", `${source}: holds a private key; give the public key`, { file: source });
  return describePublicKey(key, source);
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError("INPUT_NOT_FOUND", `${file}: no such file`, { cause: err, file });
    throw new InputError("INPUT_UNREADABLE", `${file}: cannot read (${code ?? String(err)})`, { cause: err, file });
  }
}

/** Reads a public key file (PEM, DER or a certificate). */
export async function loadPublicKey(file: string): Promise<LoadedPublicKey> {
  return parsePublicKey(await readInput(file), file);
}

/** Parses a PEM (PKCS#8 or SEC1) EC private key, decrypting it with `passphrase` when it is encrypted. */
export function parsePrivateKey(data: Buffer | string, source: string, passphrase?: string): LoadedPrivateKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: data } : { key: data, passphrase });
  } catch (err) {
    const encrypted = String(data).includes("ENCRYPTED");
    throw new SigningError(
      "SIGNING_KEY_INVALID",
      encrypted && passphrase === undefined
        ? `${source}: the private key is encrypted; set SECURE_MLOPS_KEY_PASSPHRASE`
        : `${source}: not a PEM private key${encrypted ? " (or wrong passphrase)" : ""}`,
      { cause: err },
    );
  }
  const pub = createPublicKey(key);
  if (!curveOf(pub)) {
    throw new SigningError("SIGNING_KEY_UNSUPPORTED", `${source}: only EC P-256, P-384 and P-521 private keys can sign OMS bundles`);
  }
  return { key, publicKey: describePublicKey(pub, source) };
}

/** Reads a private key file. */
export async function loadPrivateKey(file: string, passphrase?: string): Promise<LoadedPrivateKey> {
  return parsePrivateKey(await readInput(file), file, passphrase);
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses every certificate of a PEM bundle, or one DER certificate. */
export function parseCertificates(data: Buffer, source: string): X509Certificate[] {
  const text = data.toString("latin1");
  const blocks = text.match(PEM_CERT);
  try {
    if (blocks) return blocks.map((b) => new X509Certificate(b));
    return [new X509Certificate(data)];
  } catch (err) {
    throw new InputError("INPUT_CERTIFICATE_INVALID", `${source}: not a PEM or DER X.509 certificate`, { cause: err, file: source });
  }
}

/** Reads a certificate file (one or more PEM certificates, or DER). */
export async function loadCertificates(file: string): Promise<X509Certificate[]> {
  return parseCertificates(await readInput(file), file);
}
