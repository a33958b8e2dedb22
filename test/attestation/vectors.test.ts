import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBundle } from "../../attestation/bundle";
import { closeHashPool } from "../../attestation/hash-pool";
import { loadCertificates, loadPublicKey } from "../../attestation/keys";
import { loadTrustedRoot, verifyDirectory, type TrustPolicy } from "../../attestation/verify";
import { IBM_IDENTITY, IBM_ISSUER, MT, MT_KEYS, SPEC, cleanupTemp, copyVector, generateKey, openssl, tempDir } from "./helpers";

type Method = "elliptic-key" | "certificate" | "sigstore";

interface Vector {
  readonly name: string;
  readonly method: Method;
  /** The reference tool verifies these single-file models by the file, not the folder. */
  readonly singleFile: boolean;
  /** Folder has an unsigned `ignore-me` the statement does not record (v1.0.1): verify with --ignore. */
  readonly needsIgnore: boolean;
}

const VECTORS: readonly Vector[] = ["v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"].flatMap((version) =>
  (["elliptic-key", "certificate", "sigstore"] as const).map((method) => ({
    name: `${version}-${method}`,
    method,
    singleFile: method === "elliptic-key" && (version === "v0.3.1" || version === "v1.0.0"),
    needsIgnore: version === "v1.0.1",
  })),
);

let trust: Record<Method, TrustPolicy>;
let wrongTrust: Record<Method, TrustPolicy>;

beforeAll(async () => {
  const root = await loadTrustedRoot();
  trust = {
    "elliptic-key": { method: "public-key", key: await loadPublicKey(path.join(MT_KEYS, "signing-key-pub.pem")) },
    certificate: { method: "certificate-chain", roots: await loadCertificates(path.join(MT_KEYS, "ca-cert.pem")) },
    sigstore: { method: "keyless", identity: { exact: IBM_IDENTITY }, issuer: IBM_ISSUER, trustedRoot: root },
  };
  wrongTrust = {
    "elliptic-key": { method: "public-key", key: generateKey("P-384").publicKey },
    // a self-signed CA made here, which signed nothing in the chain
    certificate: { method: "certificate-chain", roots: await loadCertificates(otherCa()) },
    sigstore: { method: "keyless", identity: { exact: "someone-else@us.ibm.com" }, issuer: IBM_ISSUER, trustedRoot: root },
  };
});

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

function otherCa(): string {
  const dir = tempDir("ca-");
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=root-ca", "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
  return path.join(dir, "ca.pem");
}

function target(dir: string, v: Vector): string {
  return v.singleFile ? path.join(dir, "signme-1") : dir;
}

function ignores(v: Vector): string[] {
  return v.needsIgnore ? ["ignore-me"] : [];
}

describe.each(VECTORS)("OMS vector $name", (v) => {
  it("verifies with the stated key, chain or identity", async () => {
    const result = await verifyDirectory({ root: target(path.join(MT, v.name), v), trust: [trust[v.method]], ignorePaths: ignores(v) });
    expect(result.failures).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.signer?.method).toBe(trust[v.method].method);
    if (v.method === "sigstore") expect([result.signer?.identity, result.signer?.issuer]).toEqual([IBM_IDENTITY, IBM_ISSUER]);
  });

  it("fails when a signed file changes", async () => {
    const dir = copyVector(v.name);
    appendFileSync(path.join(dir, "signme-1"), "x");
    const result = await verifyDirectory({ root: target(dir, v), trust: [trust[v.method]], ignorePaths: ignores(v) });
    expect(result.verified).toBe(false);
    expect(result.failures.map((f) => [f.code, f.path])).toEqual([["FILE_CHANGED", v.singleFile ? "." : "signme-1"]]);
  });

  if (!v.singleFile) it("fails when a file is added", async () => {
    const dir = copyVector(v.name);
    writeFileSync(path.join(dir, "extra.bin"), "new");
    const result = await verifyDirectory({ root: dir, trust: [trust[v.method]], ignorePaths: ignores(v) });
    expect(result.failures).toEqual([{ code: "FILE_EXTRA", message: "extra.bin: present but not signed", path: "extra.bin" }]);
  });

  if (!v.singleFile) it("fails when a file is removed", async () => {
    const dir = copyVector(v.name);
    rmSync(path.join(dir, "signme-2"));
    const result = await verifyDirectory({ root: dir, trust: [trust[v.method]], ignorePaths: ignores(v) });
    expect(result.failures).toEqual([{ code: "FILE_MISSING", message: "signme-2: signed but missing", path: "signme-2" }]);
  });

  if (v.singleFile) it("as a single-file model: a file beside it is not part of it, and a removed model file is unreadable input", async () => {
    const dir = copyVector(v.name);
    writeFileSync(path.join(dir, "extra.bin"), "new");
    expect((await verifyDirectory({ root: path.join(dir, "signme-1"), trust: [trust[v.method]] })).verified).toBe(true);
    rmSync(path.join(dir, "signme-1"));
    await expect(verifyDirectory({ root: path.join(dir, "signme-1"), trust: [trust[v.method]] })).rejects.toMatchObject({ code: "INPUT_NOT_FOUND" });
  });

  it("fails with the wrong key, root or identity", async () => {
    const result = await verifyDirectory({ root: target(path.join(MT, v.name), v), trust: [wrongTrust[v.method]], ignorePaths: ignores(v) });
    expect(result.verified).toBe(false);
    const expected = { "elliptic-key": "SIGNATURE_KEY_MISMATCH", certificate: "SIGNATURE_CHAIN_UNTRUSTED", sigstore: "SIGNATURE_IDENTITY_MISMATCH" }[v.method];
    expect(result.failures.map((f) => f.code)).toEqual([expected]);
  });
});

describe("OMS vectors, details", () => {
  it("the v1.0.1 folders need ignore-me ignored, as with the reference tool", async () => {
    const result = await verifyDirectory({ root: path.join(MT, "v1.0.1-elliptic-key"), trust: [trust["elliptic-key"]] });
    expect(result.failures).toEqual([{ code: "FILE_EXTRA", message: "ignore-me: present but not signed", path: "ignore-me" }]);
  });

  it("a P-384 key bundle signed with a different key of the same curve is refused by its signature", async () => {
    // v0.3.1 carries the key PEM in rawBytes, not a hint: remove it so only the signature decides
    const dir = copyVector("v0.3.1-elliptic-key");
    const bundle = JSON.parse(readFileSync(path.join(dir, "model.sig"), "utf8")) as { verificationMaterial: { publicKey: Record<string, unknown> } };
    bundle.verificationMaterial.publicKey = { hint: generateKey("P-384").publicKey.hint };
    writeFileSync(path.join(dir, "model.sig"), JSON.stringify(bundle));
    const result = await verifyDirectory({ root: path.join(dir, "signme-1"), trust: [trust["elliptic-key"]] });
    expect(result.failures.map((f) => f.code)).toEqual(["SIGNATURE_KEY_MISMATCH"]);
  });

  it("keyless: the right identity with the wrong issuer fails", async () => {
    const t: TrustPolicy = { method: "keyless", identity: { exact: IBM_IDENTITY }, issuer: "https://token.actions.githubusercontent.com", trustedRoot: await loadTrustedRoot() };
    const result = await verifyDirectory({ root: path.join(MT, "v1.1.0-sigstore"), trust: [t] });
    expect(result.failures).toEqual([{ code: "SIGNATURE_ISSUER_MISMATCH", message: `identity issued by ${IBM_ISSUER}, expected https://token.actions.githubusercontent.com` }]);
  });

  it("keyless: a regular expression must match the whole identity", async () => {
    const root = await loadTrustedRoot();
    const ok = await verifyDirectory({ root: path.join(MT, "v1.1.0-sigstore"), trust: [{ method: "keyless", identity: { regexp: "[a-z]+@us\\.ibm\\.com" }, issuer: IBM_ISSUER, trustedRoot: root }] });
    expect(ok.verified).toBe(true);
    const partial = await verifyDirectory({ root: path.join(MT, "v1.1.0-sigstore"), trust: [{ method: "keyless", identity: { regexp: "stefanb" }, issuer: IBM_ISSUER, trustedRoot: root }] });
    expect(partial.failures).toEqual([{ code: "SIGNATURE_IDENTITY_MISMATCH", message: `signed by ${IBM_IDENTITY}, expected /stefanb/` }]);
  });

  it("keyless: a bundle whose Rekor entry was altered fails on its signed entry timestamp", async () => {
    const dir = copyVector("v1.1.0-sigstore");
    const bundle = JSON.parse(readFileSync(path.join(dir, "model.sig"), "utf8")) as { verificationMaterial: { tlogEntries: { integratedTime: string }[] } };
    bundle.verificationMaterial.tlogEntries[0]!.integratedTime = String(Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) + 1);
    writeFileSync(path.join(dir, "model.sig"), JSON.stringify(bundle));
    const result = await verifyDirectory({ root: dir, trust: [trust.sigstore] });
    expect(result.failures).toEqual([
      {
        code: "SIGNATURE_TLOG_SET_INVALID",
        message: "the transparency log entry's signed entry timestamp does not verify with a log of public-good Sigstore trusted root (@sigstore/tuf seeds) (TLOG_INCLUSION_PROMISE_ERROR: inclusion promise could not be verified)",
      },
    ]);
  });

  it("a key bundle given a certificate root, or a chain bundle given a key, says which material it has", async () => {
    const a = await verifyDirectory({ root: path.join(MT, "v1.1.0-elliptic-key"), trust: [trust.certificate] });
    expect(a.failures).toEqual([{ code: "SIGNATURE_MATERIAL_MISMATCH", message: "bundle is signed with a public key, not a certificate chain" }]);
    const b = await verifyDirectory({ root: path.join(MT, "v1.1.0-certificate"), trust: [trust["elliptic-key"]] });
    expect(b.failures).toEqual([{ code: "SIGNATURE_MATERIAL_MISMATCH", message: "bundle is signed with a certificate chain, not a public key" }]);
  });
});

describe("OMS spec test vectors", () => {
  const validCases = [
    { file: "key.bundle.json", dir: "v1.1.0-elliptic-key", method: "elliptic-key" as const },
    { file: "certificate.bundle.json", dir: "v1.1.0-elliptic-key", method: "certificate" as const },
    { file: "sigstore.bundle.json", dir: "v1.1.0-sigstore", method: "sigstore" as const },
  ];

  it.each(validCases)("valid/$file parses and verifies against the model it signs", async ({ file, dir, method }) => {
    const bundlePath = path.join(SPEC, "valid", file);
    expect(() => parseBundle(readFileSync(bundlePath))).not.toThrow();
    const result = await verifyDirectory({ root: path.join(MT, dir), bundlePath, trust: [trust[method]] });
    expect(result.failures).toEqual([]);
  });

  const invalidCases = [
    { file: "invalid/empty.bundle.json", code: "BUNDLE_EMPTY", message: "bundle is empty" },
    { file: "invalid/missing-envelope.bundle.json", code: "BUNDLE_MISSING_ENVELOPE", message: "bundle has no dsseEnvelope" },
    { file: "invalid/missing-verification-material.bundle.json", code: "BUNDLE_MISSING_VERIFICATION_MATERIAL", message: "bundle has no verificationMaterial" },
    { file: "invalid/missing-tlog-entries.bundle.json", code: "BUNDLE_MISSING_TLOG_ENTRIES", message: "keyless bundle (Fulcio certificate) has no transparency log entries" },
  ];

  it.each(invalidCases)("$file is refused: $code", async ({ file, code, message }) => {
    const bundlePath = path.join(SPEC, file);
    expect(() => parseBundle(readFileSync(bundlePath))).toThrow(expect.objectContaining({ code, message }));
    const result = await verifyDirectory({ root: path.join(MT, "v1.1.0-elliptic-key"), bundlePath, trust: [trust["elliptic-key"]] });
    expect(result.failures).toEqual([{ code, message: `${bundlePath}: ${message}` }]);
  });

  it("invalid-payload/wrong-predicate.bundle.json is refused for its predicate type (and its signature, which is not over this payload)", async () => {
    const bundlePath = path.join(SPEC, "invalid-payload/wrong-predicate.bundle.json");
    const result = await verifyDirectory({ root: path.join(MT, "v1.1.0-elliptic-key"), bundlePath, trust: [trust["elliptic-key"]] });
    expect(result.failures).toEqual([
      { code: "SIGNATURE_INVALID", message: "signature does not verify with the given P-384 key" },
      { code: "STATEMENT_PREDICATE_TYPE", message: 'predicate type must be https://model_signing/signature/v1.0, got "https://example.com/wrong-predicate/v1.0"' },
    ]);
  });

  it("a missing model.sig is a verdict, not a crash", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "weights.bin"), "w");
    const result = await verifyDirectory({ root: dir, trust: [trust["elliptic-key"]] });
    expect(result.failures).toEqual([{ code: "BUNDLE_NOT_FOUND", message: `${path.join(dir, "model.sig")}: no signature; the model is not signed` }]);
  });
});
