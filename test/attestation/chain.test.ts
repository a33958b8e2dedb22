import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBundle } from "../../attestation/bundle";
import { verifyCertificateChain } from "../../attestation/chain";
import { SignatureError } from "../../attestation/errors";
import { verifyBundleSignature } from "../../attestation/verify";
import { cleanupTemp, dsseSign, openssl, tempDir } from "./helpers";

/**
 * Certificate chains made with openssl for each rule of our X.509 checks (node:crypto cannot
 * issue certificates). Each case changes one thing from a valid root -> intermediate -> leaf.
 */

interface Issued {
  readonly cert: X509Certificate;
  readonly der: Buffer;
  readonly keyFile: string;
  readonly certFile: string;
}

let dir: string;
let n = 0;

function issue(subject: string, ext: string, options: { issuer?: Issued; curve?: string; rsaBits?: number; days?: number } = {}): Issued {
  const name = `c${n++}`;
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(extFile, `[v3]\n${ext}\n`);
  if (options.rsaBits) openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${options.rsaBits}`, "-out", keyFile], dir);
  else openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${options.curve ?? "P-256"}`, "-out", keyFile], dir);
  const days = String(options.days ?? 365);
  if (!options.issuer) {
    openssl(["req", "-x509", "-new", "-key", keyFile, "-subj", subject, "-days", days, "-out", certFile, "-config", extFile, "-extensions", "v3", "-sha256"], dir);
  } else {
    const csr = path.join(dir, `${name}.csr`);
    openssl(["req", "-new", "-key", keyFile, "-subj", subject, "-out", csr, "-config", extFile], dir);
    openssl(["x509", "-req", "-in", csr, "-CA", options.issuer.certFile, "-CAkey", options.issuer.keyFile, "-set_serial", String(1000 + n), "-days", days, "-extfile", extFile, "-extensions", "v3", "-out", certFile, "-sha256"], dir);
  }
  const cert = new X509Certificate(readFileSync(certFile));
  return { cert, der: cert.raw, keyFile, certFile };
}

const CA = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash";
const LEAF = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning";

let root: Issued;
let intermediate: Issued;
let leaf: Issued;

beforeAll(() => {
  dir = tempDir("pki-");
  root = issue("/CN=test root", CA, { curve: "P-384" });
  intermediate = issue("/CN=test intermediate", `${CA}\nauthorityKeyIdentifier=keyid`, { issuer: root });
  leaf = issue("/CN=model signer", `${LEAF}\nauthorityKeyIdentifier=keyid`, { issuer: intermediate, curve: "P-384" });
});

afterAll(() => cleanupTemp());

function codeOf(chain: readonly Buffer[], options: Parameters<typeof verifyCertificateChain>[1]): string {
  try {
    verifyCertificateChain(chain, options);
    return "OK";
  } catch (err) {
    if (err instanceof SignatureError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

describe("certificate chain checks", () => {
  it("accepts leaf -> intermediate -> root, checked at the leaf's notBefore", () => {
    const v = verifyCertificateChain([leaf.der, intermediate.der], { roots: [root.cert] });
    expect(v.path.map((c) => c.subject)).toEqual(["CN=model signer", "CN=test intermediate", "CN=test root"]);
    expect(v.checkedAt).toEqual(leaf.cert.validFromDate);
  });

  it("takes the intermediate from --certificate-chain when the bundle has only the leaf", () => {
    expect(codeOf([leaf.der], { roots: [root.cert] })).toBe("SIGNATURE_CHAIN_UNTRUSTED: certificate chain does not lead to a trusted root (stops at CN=model signer, issued by CN=test intermediate)");
    expect(codeOf([leaf.der], { roots: [root.cert], intermediates: [intermediate.cert] })).toBe("OK");
  });

  it("refuses a chain to another root", () => {
    const other = issue("/CN=test root", CA);
    expect(codeOf([leaf.der, intermediate.der], { roots: [other.cert] })).toBe("SIGNATURE_CHAIN_UNTRUSTED: certificate chain does not lead to a trusted root (stops at CN=test intermediate, issued by CN=test root)");
  });

  it("refuses a certificate outside its validity at the time checked", () => {
    const at = new Date("2099-01-01T00:00:00Z");
    expect(codeOf([leaf.der, intermediate.der], { roots: [root.cert], at })).toMatch(/^SIGNATURE_CHAIN_INVALID: signing certificate \(CN=model signer\) is not valid at 2099-01-01T00:00:00.000Z \(valid /);
  });

  it("refuses an intermediate that is not a CA", () => {
    const notCa = issue("/CN=not a ca", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyCertSign", { issuer: root });
    const l = issue("/CN=signer", LEAF, { issuer: notCa });
    expect(codeOf([l.der, notCa.der], { roots: [root.cert] })).toBe("SIGNATURE_CHAIN_INVALID: intermediate 0 (CN=not a ca) is not a CA certificate (basicConstraints cA is not set)");
  });

  it("refuses an intermediate without keyCertSign", () => {
    const noSign = issue("/CN=no cert sign", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature", { issuer: root });
    const l = issue("/CN=signer", LEAF, { issuer: noSign });
    // node:crypto's issuer check (OpenSSL X509_check_issued) already rejects it as an issuer
    expect(codeOf([l.der, noSign.der], { roots: [root.cert] })).toBe("SIGNATURE_CHAIN_UNTRUSTED: certificate chain does not lead to a trusted root (stops at CN=signer, issued by CN=no cert sign)");
  });

  it("enforces pathLenConstraint", () => {
    const strictRoot = issue("/CN=strict root", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign");
    const mid = issue("/CN=mid", CA, { issuer: strictRoot });
    const l = issue("/CN=signer", LEAF, { issuer: mid });
    expect(codeOf([l.der, mid.der], { roots: [strictRoot.cert] })).toBe("SIGNATURE_CHAIN_INVALID: trusted root 0 (CN=strict root) allows 0 intermediate CA(s) below it, the chain has 1");
  });

  it("refuses a leaf that may not sign code", () => {
    const server = issue("/CN=web server", "keyUsage=critical,keyEncipherment\nextendedKeyUsage=serverAuth", { issuer: intermediate });
    expect(codeOf([server.der, intermediate.der], { roots: [root.cert] })).toBe("SIGNATURE_CERTIFICATE_USAGE: signing certificate (CN=web server) extendedKeyUsage does not allow code signing");
    const noDs = issue("/CN=no ds", "keyUsage=critical,keyEncipherment", { issuer: intermediate });
    expect(codeOf([noDs.der, intermediate.der], { roots: [root.cert] })).toBe("SIGNATURE_CERTIFICATE_USAGE: signing certificate (CN=no ds) may not be used for signing (no digitalSignature key usage, no codeSigning extended key usage)");
  });

  it("refuses an unknown critical extension", () => {
    const odd = issue("/CN=odd", `${LEAF}\n1.2.3.4.5=critical,ASN1:UTF8String:must understand`, { issuer: intermediate });
    expect(codeOf([odd.der, intermediate.der], { roots: [root.cert] })).toBe("SIGNATURE_CHAIN_INVALID: signing certificate (CN=odd) has an unsupported critical extension 1.2.3.4.5");
  });

  it("refuses a CA with a short RSA key", () => {
    const weak = issue("/CN=weak root", CA, { rsaBits: 1024 });
    const l = issue("/CN=signer", LEAF, { issuer: weak });
    expect(codeOf([l.der], { roots: [weak.cert] })).toBe("SIGNATURE_CHAIN_INVALID: trusted root 0 (CN=weak root) has an RSA key shorter than 2048 bits");
  });

  it("refuses bytes that are not a certificate", () => {
    expect(codeOf([Buffer.from("nope")], { roots: [root.cert] })).toBe("SIGNATURE_CHAIN_INVALID: bundle certificate 0 is not a DER X.509 certificate");
  });
});

describe("certificate-method bundles", () => {
  function chainBundle(payload: Buffer, certs: readonly Buffer[], keyFile: string, hash: string): string {
    const key = createPrivateKey(readFileSync(keyFile));
    return JSON.stringify({
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: { x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: c.toString("base64") })) } },
      dsseEnvelope: { payload: payload.toString("base64"), payloadType: "application/vnd.in-toto+json", signatures: [{ sig: dsseSign(key, hash, payload).toString("base64") }] },
    });
  }

  it("verifies with the leaf's P-384 key and SHA-384, and names the signer", () => {
    const payload = Buffer.from('{"hello":"world"}');
    const bundle = parseBundle(chainBundle(payload, [leaf.der, intermediate.der], leaf.keyFile, "sha384"));
    const v = verifyBundleSignature(bundle, { method: "certificate-chain", roots: [root.cert] });
    expect(v.payload.equals(payload)).toBe(true);
    expect(v.signer).toMatchObject({ method: "certificate-chain", curve: "P-384", certificateSubject: "CN=model signer", chain: ["CN=model signer", "CN=test intermediate", "CN=test root"] });
  });

  it("refuses a signature made with SHA-256 on a P-384 key (the hash must follow the curve)", () => {
    const bundle = parseBundle(chainBundle(Buffer.from("{}"), [leaf.der, intermediate.der], leaf.keyFile, "sha256"));
    expect(() => verifyBundleSignature(bundle, { method: "certificate-chain", roots: [root.cert] })).toThrow(expect.objectContaining({ code: "SIGNATURE_INVALID", message: "signature does not verify with the signing certificate's P-384 key" }));
  });

  it("refuses a signature by a key other than the leaf's", () => {
    const bundle = parseBundle(chainBundle(Buffer.from("{}"), [leaf.der, intermediate.der], intermediate.keyFile, "sha256"));
    expect(() => verifyBundleSignature(bundle, { method: "certificate-chain", roots: [root.cert] })).toThrow(expect.objectContaining({ code: "SIGNATURE_INVALID" }));
  });
});
