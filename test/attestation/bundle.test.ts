import { sign } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { legacyPreAuthEncoding, parseBundle, preAuthEncoding } from "../../attestation/bundle";
import { BundleError, SignatureError } from "../../attestation/errors";
import { verifyBundleSignature, type TrustPolicy } from "../../attestation/verify";
import { pythonBytesRepr } from "../../attestation/bundle";
import { MT, generateKey, keyBundleOver } from "./helpers";

const key = generateKey("P-256");
const trust: TrustPolicy = { method: "public-key", key: key.publicKey };
const payload = Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name: "m", digest: { sha256: "00".repeat(32) } }], predicateType: "x", predicate: {} }));
const validBundle = keyBundleOver(key, payload);
const validText = JSON.stringify(validBundle);

function codeOf(input: string): string {
  try {
    parseBundle(input);
    return "OK";
  } catch (err) {
    if (err instanceof BundleError) return err.code;
    throw err;
  }
}

// a deep copy of the bundle to edit freely in one line per case; `any` stays in this test file
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Editable = Record<string, any>;

function withChange(change: (b: Editable) => void): string {
  const b = JSON.parse(validText) as Editable;
  change(b);
  return JSON.stringify(b);
}

describe("parseBundle", () => {
  it("reads the OMS key bundle layout", () => {
    const parsed = parseBundle(validText);
    expect(parsed.version).toBe("0.3");
    expect(parsed.material).toEqual({ kind: "publicKey", hint: key.publicKey.hint });
    expect(parsed.envelope.payload.equals(payload)).toBe(true);
    expect(parsed.envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(parsed.envelope.signatures).toHaveLength(1);
  });

  it("reads the reference tool's older layouts (rawBytes key, certificate chain)", () => {
    const older = parseBundle(readFileSync(path.join(MT, "v0.3.1-elliptic-key/model.sig")));
    expect(older.material.kind).toBe("publicKey");
    expect(older.material.kind === "publicKey" && older.material.rawBytes?.toString("latin1").startsWith("-----BEGIN PUBLIC KEY-----")).toBe(true);
    const chain = parseBundle(readFileSync(path.join(MT, "v1.1.0-certificate/model.sig")));
    expect(chain.material.kind === "certificateChain" && chain.material.certificates.length).toBe(2);
  });

  it.each([
    ["application/vnd.dev.sigstore.bundle+json;version=0.1", "0.1"],
    ["application/vnd.dev.sigstore.bundle+json;version=0.2", "0.2"],
    ["application/vnd.dev.sigstore.bundle+json;version=0.3", "0.3"],
    ["application/vnd.dev.sigstore.bundle.v0.3+json", "0.3"],
  ])("accepts media type %s", (mediaType, version) => {
    expect(parseBundle(withChange((b) => (b["mediaType"] = mediaType))).version).toBe(version);
  });

  const cases: [string, string, string][] = [
    ["an empty file", "  \n", "BUNDLE_EMPTY: bundle is empty"],
    ["not JSON", "{", "BUNDLE_NOT_JSON: bundle is not JSON"],
    ["a JSON array", "[]", "BUNDLE_NOT_OBJECT: bundle is not a JSON object"],
    ["no media type", withChange((b) => delete b["mediaType"]), "BUNDLE_MEDIA_TYPE: bundle has no mediaType"],
    ["an unknown media type", withChange((b) => (b["mediaType"] = "application/json")), 'BUNDLE_MEDIA_TYPE: bundle media type "application/json" is not a Sigstore bundle v0.1, v0.2 or v0.3'],
    ["no envelope", withChange((b) => delete b["dsseEnvelope"]), "BUNDLE_MISSING_ENVELOPE: bundle has no dsseEnvelope"],
    ["a message signature", withChange((b) => { delete b["dsseEnvelope"]; b["messageSignature"] = {}; }), "BUNDLE_MISSING_ENVELOPE: bundle holds a messageSignature, not the dsseEnvelope an OMS signature has"],
    ["no verification material", withChange((b) => delete b["verificationMaterial"]), "BUNDLE_MISSING_VERIFICATION_MATERIAL: bundle has no verificationMaterial"],
    ["empty verification material", withChange((b) => (b["verificationMaterial"] = { tlogEntries: [] })), "BUNDLE_MISSING_VERIFICATION_MATERIAL: verificationMaterial has no publicKey, x509CertificateChain or certificate"],
    ["two kinds of material", withChange((b) => (b["verificationMaterial"]["certificate"] = { rawBytes: "AAAA" })), "BUNDLE_INVALID_FIELD: verificationMaterial has more than one of publicKey, certificate"],
    ["a key without hint or bytes", withChange((b) => (b["verificationMaterial"]["publicKey"] = {})), "BUNDLE_INVALID_FIELD: verificationMaterial.publicKey has neither hint nor rawBytes"],
    ["a keyless certificate without tlog entries", withChange((b) => (b["verificationMaterial"] = { certificate: { rawBytes: "AAAA" } })), "BUNDLE_MISSING_TLOG_ENTRIES: keyless bundle (Fulcio certificate) has no transparency log entries"],
    ["an empty chain", withChange((b) => (b["verificationMaterial"] = { x509CertificateChain: { certificates: [] } })), "BUNDLE_INVALID_FIELD: verificationMaterial.x509CertificateChain.certificates is empty"],
    ["a payload that is not base64", withChange((b) => (b["dsseEnvelope"]["payload"] = "not base64!")), "BUNDLE_INVALID_FIELD: dsseEnvelope.payload is not base64"],
    ["an empty payload", withChange((b) => (b["dsseEnvelope"]["payload"] = "")), "BUNDLE_INVALID_FIELD: dsseEnvelope.payload is empty"],
    ["no payload type", withChange((b) => delete b["dsseEnvelope"]["payloadType"]), "BUNDLE_INVALID_ENVELOPE: dsseEnvelope.payloadType is missing"],
    ["no signature", withChange((b) => (b["dsseEnvelope"]["signatures"] = [])), "BUNDLE_INVALID_ENVELOPE: dsseEnvelope has no signature"],
    ["two signatures", withChange((b) => b["dsseEnvelope"]["signatures"].push(b["dsseEnvelope"]["signatures"][0])), "BUNDLE_INVALID_ENVELOPE: dsseEnvelope has 2 signatures; exactly one is supported"],
    ["tlog entries that are not objects", withChange((b) => (b["verificationMaterial"]["tlogEntries"] = [1])), "BUNDLE_INVALID_FIELD: verificationMaterial.tlogEntries must be a list of objects"],
  ];

  it.each(cases)("refuses %s", (_what, input, expected) => {
    let got = "";
    try {
      parseBundle(input);
    } catch (err) {
      got = `${(err as BundleError).code}: ${(err as BundleError).message}`;
    }
    expect(got).toBe(expected);
  });
});

describe("DSSE pre-authentication encoding", () => {
  it("is the DSSE v1 PAE", () => {
    expect(preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("reproduces model_signing v0.2's buggy PAE (Python bytes repr)", () => {
    expect(pythonBytesRepr(Buffer.from('a\n\'b"\\\x00\xff', "latin1"))).toBe("b'a\\n\\'b\"\\\\\\x00\\xff'");
    expect(pythonBytesRepr(Buffer.from("it's"))).toBe('b"it\'s"');
    expect(legacyPreAuthEncoding("application/vnd.in-toto+json", Buffer.from("{}")).toString()).toBe("DSSEV1 28 application/vnd.in-toto+json 2 b'{}'");
  });

  it("accepts a v0.2-era signature over the legacy PAE, and says so", () => {
    for (const curve of ["P-256", "P-384"] as const) {
      const k = generateKey(curve);
      const legacy = sign(k.publicKey.hash, legacyPreAuthEncoding("application/vnd.in-toto+json", payload), { key: k.privateKey.key, dsaEncoding: "der" });
      const b = keyBundleOver(k, payload) as { dsseEnvelope: { signatures: { sig: string }[] } };
      b.dsseEnvelope.signatures[0]!.sig = legacy.toString("base64");
      const verified = verifyBundleSignature(parseBundle(JSON.stringify(b)), { method: "public-key", key: k.publicKey });
      expect(verified.legacyEncoding).toBe(true);
      expect(verified.payload.equals(payload)).toBe(true);
    }
  });
});

describe("bundle parser under fuzzing", () => {
  it("any JSON value: a BundleError or a parsed bundle, never another exception", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(["OK", "BUNDLE_EMPTY", "BUNDLE_NOT_JSON", "BUNDLE_NOT_OBJECT", "BUNDLE_MEDIA_TYPE", "BUNDLE_MISSING_ENVELOPE", "BUNDLE_MISSING_VERIFICATION_MATERIAL", "BUNDLE_MISSING_TLOG_ENTRIES", "BUNDLE_INVALID_ENVELOPE", "BUNDLE_INVALID_FIELD"]).toContain(codeOf(JSON.stringify(value) ?? ""));
      }),
      { numRuns: 1000 },
    );
  });

  it("any text: a BundleError or a parsed bundle", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(codeOf(text)).toMatch(/^(OK|BUNDLE_[A-Z_]+)$/);
      }),
      { numRuns: 1000 },
    );
  });

  // Replaces one leaf of the bundle (string, number, boolean, null) by an arbitrary JSON value.
  const leafPaths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else leafPaths.push(p);
  };
  walk(validBundle, []);

  it("a signed bundle with one field replaced never verifies to a different payload", () => {
    fc.assert(
      fc.property(fc.nat({ max: leafPaths.length - 1 }), fc.jsonValue(), (which, replacement) => {
        const mutated = JSON.parse(validText) as Record<string, unknown>;
        const p = leafPaths[which]!;
        let at = mutated as Editable;
        for (const k of p.slice(0, -1)) at = at[k];
        at[p[p.length - 1]!] = replacement;
        try {
          const verified = verifyBundleSignature(parseBundle(JSON.stringify(mutated)), trust);
          expect(verified.payload.equals(payload)).toBe(true);
        } catch (err) {
          expect(err instanceof BundleError || err instanceof SignatureError).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a signed bundle with one character changed never verifies to a different payload", () => {
    fc.assert(
      fc.property(fc.nat({ max: validText.length - 1 }), fc.string({ minLength: 0, maxLength: 2 }), (at, insert) => {
        const mutated = validText.slice(0, at) + insert + validText.slice(at + 1);
        try {
          const verified = verifyBundleSignature(parseBundle(mutated), trust);
          expect(verified.payload.equals(payload)).toBe(true);
        } catch (err) {
          expect(err instanceof BundleError || err instanceof SignatureError).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
