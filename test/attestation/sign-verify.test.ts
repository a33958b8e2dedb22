import { createPublicKey, sign as cryptoSign, verify as cryptoVerify } from "node:crypto";
import { appendFileSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeHashPool } from "../../attestation/hash-pool";
import { attestDirectory, signStatement } from "../../attestation/sign";
import { OMS_PREDICATE_TYPE } from "../../attestation/statement";
import { verifyDirectory, type TrustPolicy } from "../../attestation/verify";
import { cleanupTemp, generateKey, keyBundleOver, readJson, sha256Hex, statementOf, tempDir, writeTree, type TestKey } from "./helpers";

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

function model(): string {
  const root = path.join(tempDir("model-"), "tiny-model");
  writeTree(root, {
    "config.json": '{"hidden": 8}',
    "weights/model-00001-of-00002.safetensors": Buffer.alloc(3000, 1),
    "weights/model-00002-of-00002.safetensors": Buffer.alloc(1000, 2),
    "tokenizer.json": "{}",
    "empty.txt": "",
  });
  return root;
}

const keyTrust = (key: TestKey): TrustPolicy => ({ method: "public-key", key: key.publicKey });

/**
 * The reference tool's verification, written again from its source (sign_ec_key.Verifier and
 * signing.Verifier) without our library: hint = sha256(PEM), ECDSA over the DSSE PAE with the
 * curve's hash, in-toto v1 statement, root digest over the resources, every file's SHA-256.
 */
function referenceVerify(root: string, bundleFile: string, publicPem: string): void {
  const bundle = readJson(bundleFile) as { mediaType: string; verificationMaterial: { publicKey: { hint: string } }; dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] } };
  expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
  const key = createPublicKey(publicPem);
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  expect(bundle.verificationMaterial.publicKey.hint).toBe(sha256Hex(pem));
  const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64");
  const type = bundle.dsseEnvelope.payloadType;
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
  const hash = { prime256v1: "sha256", secp384r1: "sha384", secp521r1: "sha512" }[key.asymmetricKeyDetails!.namedCurve!]!;
  expect(cryptoVerify(hash, pae, key, Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, "base64"))).toBe(true);
  const st = JSON.parse(payload.toString()) as { _type: string; predicateType: string; subject: { name: string; digest: { sha256: string } }[]; predicate: { resources: { name: string; algorithm: string; digest: string }[]; serialization: { ignore_paths: string[] } } };
  expect([st._type, st.predicateType, st.subject.length]).toEqual(["https://in-toto.io/Statement/v1", OMS_PREDICATE_TYPE, 1]);
  const rootDigest = sha256Hex(Buffer.concat(st.predicate.resources.map((r) => Buffer.from(r.digest, "hex"))));
  expect(st.subject[0]!.digest.sha256).toBe(rootDigest);
  const onDisk = new Map<string, string>();
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir)) {
      const r = rel ? `${rel}/${e}` : e;
      if (!rel && st.predicate.serialization.ignore_paths.includes(e)) continue;
      const full = path.join(dir, e);
      if (statSync(full).isDirectory()) walk(full, r);
      else onDisk.set(r, sha256Hex(readFileSync(full)));
    }
  };
  walk(root, "");
  expect(new Map(st.predicate.resources.map((r) => [r.name, r.digest]))).toEqual(onDisk);
  expect(st.predicate.resources.every((r) => r.algorithm === "sha256")).toBe(true);
}

describe.each(["P-256", "P-384", "P-521"] as const)("signing with a %s key", (curve) => {
  it("writes model.sig that verifies here and with the reference tool's logic", async () => {
    const key = generateKey(curve);
    const root = model();
    const { bundlePath, manifest } = await attestDirectory({ root, signer: { method: "key", privateKey: key.privateKey } });
    expect(bundlePath).toBe(path.join(root, "model.sig"));
    expect(manifest.fileCount).toBe(5);
    referenceVerify(root, bundlePath, key.publicPem);
    const result = await verifyDirectory({ root, trust: [keyTrust(key)] });
    expect(result.failures).toEqual([]);
    expect(result.signer).toMatchObject({ method: "public-key", curve, keyHint: key.publicKey.hint });
    expect(result.fileCount).toBe(5);
  });
});

describe("keyless signing", () => {
  it("goes through @sigstore/sign and reports a Fulcio that cannot be reached (no real Sigstore call)", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "m", digest: { sha256: "00".repeat(32) } }], predicateType: OMS_PREDICATE_TYPE, predicate: {} };
    await expect(signStatement(statement, { method: "keyless", identityToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.", fulcioURL: `http://127.0.0.1:${port}`, rekorURL: `http://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: "SIGNING_KEYLESS_FAILED",
      message: "keyless signing failed (Fulcio/Rekor/OIDC): error creating signing certificate",
    });
  });
});

describe("what the signature records", () => {
  it("the statement, as OMS writes it, with the kind and git source in subject annotations", async () => {
    const key = generateKey();
    const root = model();
    writeTree(root, { ".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": `${"c".repeat(40)}\n`, ".git/config": '[remote "origin"]\n\turl = https://tok:secret@huggingface.co/org/tiny-model\n' });
    await attestDirectory({ root, kind: "dataset", signer: { method: "key", privateKey: key.privateKey } });
    const st = statementOf(path.join(root, "model.sig")) as { subject: unknown[]; predicate: { serialization: unknown; resources: { name: string }[] } };
    expect(st.subject).toEqual([
      {
        name: "tiny-model",
        digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        annotations: { kind: "dataset", source: { git: { remote: "https://huggingface.co/org/tiny-model", commit: "c".repeat(40), ref: "refs/heads/main" } } },
      },
    ]);
    expect(st.predicate.serialization).toEqual({ method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: [".git", ".gitattributes", ".github", ".gitignore", "model.evidence.jsonl", "model.sig"] });
    expect(st.predicate.resources.map((r) => r.name)).toEqual(["config.json", "empty.txt", "tokenizer.json", "weights/model-00001-of-00002.safetensors", "weights/model-00002-of-00002.safetensors"]);
  });

  it("a dataset signature does not verify as a model", async () => {
    const key = generateKey();
    const root = model();
    await attestDirectory({ root, kind: "dataset", signer: { method: "key", privateKey: key.privateKey } });
    expect((await verifyDirectory({ root, kind: "dataset", trust: [keyTrust(key)] })).verified).toBe(true);
    expect((await verifyDirectory({ root, kind: "model", trust: [keyTrust(key)] })).failures).toEqual([{ code: "KIND_MISMATCH", message: "signature is for a dataset, verified as a model" }]);
  });

  it("shards round-trip and a changed byte names the shard", async () => {
    const key = generateKey("P-384");
    const root = model();
    await attestDirectory({ root, method: "shards", shardSize: 1024, signer: { method: "key", privateKey: key.privateKey } });
    const st = statementOf(path.join(root, "model.sig")) as { predicate: { resources: { name: string; algorithm: string }[] } };
    expect(st.predicate.resources.map((r) => r.name)).toContain("weights/model-00001-of-00002.safetensors:2048:3000");
    expect(st.predicate.resources.every((r) => r.algorithm === "sha256-sharded-1024")).toBe(true);
    expect((await verifyDirectory({ root, trust: [keyTrust(key)] })).failures).toEqual([]);
    const f = path.join(root, "weights/model-00001-of-00002.safetensors");
    const bytes = readFileSync(f);
    bytes[1500]! ^= 0xff;
    writeFileSync(f, bytes);
    expect((await verifyDirectory({ root, trust: [keyTrust(key)] })).failures.map((x) => x.path)).toEqual(["weights/model-00001-of-00002.safetensors:1024:2048"]);
  });

  it("a single file signs and verifies, the bundle beside it", async () => {
    const key = generateKey();
    const dir = tempDir();
    writeTree(dir, { "model.gguf": "gguf bytes" });
    const { bundlePath } = await attestDirectory({ root: path.join(dir, "model.gguf"), signer: { method: "key", privateKey: key.privateKey } });
    expect(bundlePath).toBe(path.join(dir, "model.sig"));
    expect((await verifyDirectory({ root: path.join(dir, "model.gguf"), trust: [keyTrust(key)] })).failures).toEqual([]);
  });

  it("--out elsewhere, and any of several trusted keys", async () => {
    const key = generateKey();
    const other = generateKey("P-384");
    const root = model();
    const out = path.join(tempDir(), "sigs", "tiny.sig");
    await attestDirectory({ root, out, signer: { method: "key", privateKey: key.privateKey } });
    const result = await verifyDirectory({ root, bundlePath: out, trust: [keyTrust(other), { ...keyTrust(key), label: "release key" }] });
    expect(result.failures).toEqual([]);
    expect(result.signer?.label).toBe("release key");
    const none = await verifyDirectory({ root, bundlePath: out, trust: [{ ...keyTrust(other), label: "k1" }, { ...keyTrust(generateKey()), label: "k2" }] });
    expect(none.failures.map((f) => f.message)).toEqual([expect.stringMatching(/^k1: bundle names signing key [0-9a-f]{64}, the given key is [0-9a-f]{64}$/), expect.stringMatching(/^k2: bundle names signing key/)]);
  });

  it("--ignore-unsigned-files lets extra files through, never changed ones", async () => {
    const key = generateKey();
    const root = model();
    await attestDirectory({ root, signer: { method: "key", privateKey: key.privateKey } });
    writeTree(root, { "notes.md": "added later" });
    expect((await verifyDirectory({ root, trust: [keyTrust(key)], ignoreUnsigned: true })).failures).toEqual([]);
    appendFileSync(path.join(root, "config.json"), " ");
    expect((await verifyDirectory({ root, trust: [keyTrust(key)], ignoreUnsigned: true })).failures.map((f) => f.code)).toEqual(["FILE_CHANGED"]);
  });
});

describe("tamper matrix: a signed model is refused with the right reason", () => {
  async function signed(): Promise<{ root: string; key: TestKey }> {
    const key = generateKey("P-384");
    const root = model();
    await attestDirectory({ root, signer: { method: "key", privateKey: key.privateKey } });
    return { root, key };
  }
  const W1 = "weights/model-00001-of-00002.safetensors";

  const cases: { name: string; tamper: (root: string, key: TestKey) => void; expected: { code: string; path?: string }[] }[] = [
    {
      name: "bit flip",
      tamper: (root) => {
        const b = readFileSync(path.join(root, W1));
        b[7]! ^= 0x01;
        writeFileSync(path.join(root, W1), b);
      },
      expected: [{ code: "FILE_CHANGED", path: W1 }],
    },
    { name: "truncation", tamper: (root) => truncateSync(path.join(root, W1), 2999), expected: [{ code: "FILE_CHANGED", path: W1 }] },
    { name: "appended bytes", tamper: (root) => appendFileSync(path.join(root, "tokenizer.json"), "\n"), expected: [{ code: "FILE_CHANGED", path: "tokenizer.json" }] },
    {
      name: "renamed file",
      tamper: (root) => renameSync(path.join(root, "config.json"), path.join(root, "config.json.bak")),
      expected: [
        { code: "FILE_MISSING", path: "config.json" },
        { code: "FILE_EXTRA", path: "config.json.bak" },
      ],
    },
    { name: "new file", tamper: (root) => writeTree(root, { "weights/backdoor.pt": "x" }), expected: [{ code: "FILE_EXTRA", path: "weights/backdoor.pt" }] },
    { name: "deleted file", tamper: (root) => rmSync(path.join(root, "empty.txt")), expected: [{ code: "FILE_MISSING", path: "empty.txt" }] },
    {
      name: "symlink pointing out of the root",
      tamper: (root) => {
        rmSync(path.join(root, "tokenizer.json"));
        const outside = tempDir();
        writeTree(outside, { "tokenizer.json": "{}" });
        symlinkSync(path.join(outside, "tokenizer.json"), path.join(root, "tokenizer.json"));
      },
      expected: [{ code: "MANIFEST_SYMLINK", path: "tokenizer.json" }],
    },
    {
      name: "replaced model.sig (a valid signature by another key)",
      tamper: (root) => {
        const attacker = generateKey("P-384");
        writeFileSync(path.join(root, "model.sig"), JSON.stringify(keyBundleOver(attacker, Buffer.from(JSON.stringify(statementOf(path.join(root, "model.sig")))))));
      },
      expected: [{ code: "SIGNATURE_KEY_MISMATCH" }],
    },
    { name: "replaced model.sig (garbage)", tamper: (root) => writeFileSync(path.join(root, "model.sig"), "PK\u0003\u0004 not a bundle"), expected: [{ code: "BUNDLE_NOT_JSON" }] },
    {
      name: "statement edited, signature kept",
      tamper: (root) => {
        const file = path.join(root, "model.sig");
        const bundle = readJson(file) as { dsseEnvelope: { payload: string } };
        const st = statementOf(file) as { predicate: { resources: { name: string; digest: string }[] }; subject: { digest: { sha256: string } }[] };
        st.predicate.resources[0]!.digest = sha256Hex("evil config");
        st.subject[0]!.digest.sha256 = sha256Hex(Buffer.concat(st.predicate.resources.map((r) => Buffer.from(r.digest, "hex"))));
        bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString("base64");
        writeFileSync(file, JSON.stringify(bundle));
        writeFileSync(path.join(root, "config.json"), "evil config");
      },
      expected: [{ code: "SIGNATURE_INVALID" }],
    },
    {
      name: "wrong predicate type (validly signed)",
      tamper: (root, key) => {
        const st = statementOf(path.join(root, "model.sig")) as Record<string, unknown>;
        st["predicateType"] = "https://slsa.dev/provenance/v1";
        writeFileSync(path.join(root, "model.sig"), JSON.stringify(keyBundleOver(key, Buffer.from(JSON.stringify(st)))));
      },
      expected: [{ code: "STATEMENT_PREDICATE_TYPE" }],
    },
    {
      name: "payload type changed (validly signed)",
      tamper: (root, key) => {
        const b = keyBundleOver(key, Buffer.from(JSON.stringify(statementOf(path.join(root, "model.sig"))))) as { dsseEnvelope: { payloadType: string; signatures: { sig: string }[]; payload: string } };
        b.dsseEnvelope.payloadType = "application/json";
        const pae = Buffer.concat([Buffer.from(`DSSEv1 16 application/json ${Buffer.from(b.dsseEnvelope.payload, "base64").length} `), Buffer.from(b.dsseEnvelope.payload, "base64")]);
        b.dsseEnvelope.signatures[0]!.sig = cryptoSign("sha384", pae, { key: key.privateKey.key, dsaEncoding: "der" }).toString("base64");
        writeFileSync(path.join(root, "model.sig"), JSON.stringify(b));
      },
      expected: [{ code: "STATEMENT_PAYLOAD_TYPE" }],
    },
    { name: "deleted model.sig", tamper: (root) => rmSync(path.join(root, "model.sig")), expected: [{ code: "BUNDLE_NOT_FOUND" }] },
    // sparse: 300 MiB on paper, nothing on disk
    { name: "model.sig replaced by a huge file", tamper: (root) => truncateSync(path.join(root, "model.sig"), 300 * 1024 * 1024), expected: [{ code: "BUNDLE_TOO_LARGE" }] },
  ];

  it.each(cases)("$name", async ({ tamper, expected }) => {
    const { root, key } = await signed();
    expect((await verifyDirectory({ root, trust: [keyTrust(key)] })).verified).toBe(true);
    tamper(root, key);
    const result = await verifyDirectory({ root, trust: [keyTrust(key)] });
    expect(result.verified).toBe(false);
    expect(result.failures.map((f) => ({ code: f.code, ...(f.path !== undefined ? { path: f.path } : {}) }))).toEqual(expected);
  });

  it("the payload of a signed statement cannot be swapped for another signed one of another model", async () => {
    const a = await signed();
    const b = await signed();
    writeFileSync(path.join(a.root, "config.json"), '{"hidden": 9}');
    await attestDirectory({ root: a.root, out: path.join(b.root, "..", "a.sig"), signer: { method: "key", privateKey: b.key.privateKey } });
    const result = await verifyDirectory({ root: b.root, bundlePath: path.join(b.root, "..", "a.sig"), trust: [keyTrust(b.key)] });
    expect(result.failures.map((f) => [f.code, f.path])).toEqual([["FILE_CHANGED", "config.json"]]);
  });
});
