import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { preAuthEncoding } from "../../attestation/bundle";
import { parsePrivateKey, parsePublicKey, type LoadedPrivateKey, type LoadedPublicKey } from "../../attestation/keys";

/** The interop vectors (never edited; copied before any tampering). */
export const VECTORS = path.resolve(__dirname, "../fixtures/vectors");
export const MT = path.join(VECTORS, "model-transparency");
export const SPEC = path.join(VECTORS, "model-signing-spec/test-vectors/v1.0");
export const MT_KEYS = path.join(MT, "keys/certificate");
export const IBM_IDENTITY = "stefanb@us.ibm.com";
export const IBM_ISSUER = "https://sigstore.verify.ibm.com/oauth2";

const made: string[] = [];

/** A fresh temporary directory, removed by `cleanupTemp`. */
export function tempDir(prefix = "attest-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> content) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Copies a vector folder to a writable temporary folder (the vectors are read-only). */
export function copyVector(name: string): string {
  const dir = path.join(tempDir("vector-"), name);
  cpSync(path.join(MT, name), dir, { recursive: true });
  const makeWritable = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(dir);
  return dir;
}

export interface TestKey {
  readonly privateKey: LoadedPrivateKey;
  readonly publicKey: LoadedPublicKey;
  readonly privatePem: string;
  readonly publicPem: string;
}

/** An EC key pair generated for the test (never a committed private key). */
export function generateKey(curve: "P-256" | "P-384" | "P-521" = "P-256"): TestKey {
  const namedCurve = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }[curve];
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { privateKey: parsePrivateKey(privatePem, "test key"), publicKey: parsePublicKey(publicPem, "test key"), privatePem, publicPem };
}

/** Writes a key pair as PEM files and returns their paths. */
export function writeKey(dir: string, key: TestKey, name = "key"): { privateFile: string; publicFile: string } {
  const privateFile = path.join(dir, `${name}.pem`);
  const publicFile = path.join(dir, `${name}.pub.pem`);
  writeFileSync(privateFile, key.privatePem, { mode: 0o600 });
  writeFileSync(publicFile, key.publicPem);
  return { privateFile, publicFile };
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Signs `payload` (an in-toto JSON text) as a DSSE envelope with `key`, hashing as the curve wants. */
export function dsseSign(key: KeyObject, hash: string, payload: Buffer): Buffer {
  return cryptoSign(hash, preAuthEncoding("application/vnd.in-toto+json", payload), { key, dsaEncoding: "der" });
}

/** A key bundle (OMS layout) over an arbitrary payload, for tests that need odd statements signed. */
export function keyBundleOver(key: TestKey, payload: Buffer): Record<string, unknown> {
  return {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { publicKey: { hint: key.publicKey.hint }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: dsseSign(key.privateKey.key, key.publicKey.hash, payload).toString("base64"), keyid: "" }],
    },
  };
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The statement inside a bundle file. */
export function statementOf(bundleFile: string): Record<string, unknown> {
  const bundle = readJson(bundleFile) as { dsseEnvelope: { payload: string } };
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8")) as Record<string, unknown>;
}

/** Runs openssl with arguments; the tests that build certificate chains need it. */
export function openssl(args: readonly string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}
