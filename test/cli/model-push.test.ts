import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeHashPool } from "../../attestation/hash-pool";
import { ANNOTATION_TITLE, MODEL_ARTIFACT_TYPE, safeTitle } from "../../attestation/model-registry";
import { RegistryClient } from "../../registry/client";
import { OCI_MANIFEST, parseManifest } from "../../registry/oci";
import { listReferrers, pushReferrer } from "../../registry/referrers";
import { BUNDLE_V03_MEDIA_TYPE } from "../../attestation/bundle";
import { cleanupTemp, generateKey, tempDir, writeKey, writeTree } from "../attestation/helpers";
import { startRegistry, type TestRegistry } from "../support/registry";
import { runInProcess as run } from "../support/cli";

let reg: TestRegistry;
let dir: string;
let keys: { privateFile: string; publicFile: string };

beforeAll(async () => {
  reg = await startRegistry();
  dir = tempDir("model-push-");
  keys = writeKey(dir, generateKey("P-256"), "k");
});

afterAll(async () => {
  await reg?.stop();
  cleanupTemp();
  await closeHashPool();
});

describe("attest model --push / verify model REF on docker-registry 2.8", () => {
  it("pushes one layer per file with its title, attaches model.sig, and verify model REF exits 0; another key exits 1", async () => {
    const root = path.join(dir, "tiny");
    writeTree(root, { "README.md": "# tiny\n", "weights/w.bin": "weights", "config.json": "{}" });
    const ref = `${reg.host}/models/tiny:v1`;
    const a = await run("attest", "model", root, "--key", keys.privateFile, "--push", ref, "--no-git-source");
    expect(a.err).toBe("");
    expect(a.code).toBe(0);
    expect(a.out).toMatch(new RegExp(`pushed: ${reg.host}/models/tiny@sha256:[0-9a-f]{64} \\(3 layers, 16 bytes, 1 referrer\\)\\n$`));

    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const m = await client.getManifest("models/tiny", "v1");
    const manifest = parseManifest(m.bytes, reg.host, "model");
    expect(manifest.artifactType).toBe(MODEL_ARTIFACT_TYPE);
    expect(manifest.layers.map((l) => l.annotations?.[ANNOTATION_TITLE]).sort()).toEqual(["README.md", "config.json", "weights/w.bin"]);
    const listing = await listReferrers(client, "models/tiny", m.digest);
    expect(listing.descriptors.map((d) => d.annotations?.["dev.sigstore.bundle.predicateType"])).toEqual(["https://model_signing/signature/v1.0"]);

    // pushing again does not add a second signature referrer
    expect((await run("attest", "model", root, "--key", keys.privateFile, "--push", ref, "--no-git-source")).code).toBe(0);
    expect((await listReferrers(client, "models/tiny", m.digest)).descriptors).toEqual(listing.descriptors);
    client.close();

    const v = await run("verify", "model", ref, "--key", keys.publicFile);
    expect(v.err).toBe("");
    expect(v.code).toBe(0);
    expect(v.out).toContain("files: 3\n");

    const other = writeKey(dir, generateKey("P-256"), "other");
    const w = await run("verify", "model", ref, "--key", other.publicFile);
    expect(w.code).toBe(1);
    expect(w.out).toContain("not verified: model");
  });

  it("a layer whose content is not what was signed exits 1 naming the file", async () => {
    const root = path.join(dir, "swap");
    writeTree(root, { "a.bin": "original", "b.bin": "other" });
    const ref = `${reg.host}/models/swap:v1`;
    expect((await run("attest", "model", root, "--key", keys.privateFile, "--push", ref, "--no-git-source")).code).toBe(0);
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const m = await client.getManifest("models/swap", "v1");
    const doc = JSON.parse(m.bytes.toString("utf8")) as { layers: { digest: string; size: number; annotations: Record<string, string> }[] };
    const a = doc.layers.find((l) => l.annotations[ANNOTATION_TITLE] === "a.bin")!;
    const b = doc.layers.find((l) => l.annotations[ANNOTATION_TITLE] === "b.bin")!;
    [a.digest, a.size, b.digest, b.size] = [b.digest, b.size, a.digest, a.size];
    const bytes = Buffer.from(JSON.stringify(doc));
    const put = await client.putManifest("models/swap", "evil", bytes, OCI_MANIFEST);
    await pushReferrer(client, {
      repository: "models/swap",
      subject: { mediaType: OCI_MANIFEST, digest: put.digest, size: bytes.length },
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: readFileSync(path.join(root, "model.sig")) }],
    });
    client.close();
    const v = await run("verify", "model", `${reg.host}/models/swap:evil`, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/a\.bin: content changed/);
    expect(v.out).toMatch(/b\.bin: content changed/);
  });

  it("layer titles that leave the folder are refused", () => {
    for (const bad of ["../x", "/etc/passwd", "a/../../b", "a//b", "model.sig", "", "a\\b"]) {
      expect(() => safeTitle(bad, "r")).toThrow(expect.objectContaining({ code: "INPUT_EVIDENCE_INVALID" }));
    }
    expect(safeTitle("weights/w.bin", "r")).toBe("weights/w.bin");
  });

  it("a registry that is down exits 2 naming it", async () => {
    const r = await run("verify", "model", "127.0.0.1:1/models/none:v1", "--key", keys.publicFile);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^secure-mlops: 127\.0\.0\.1:1\/models\/none:v1: 127\.0\.0\.1:1: GET manifest models\/none:v1: ECONNREFUSED/);
  });
});
