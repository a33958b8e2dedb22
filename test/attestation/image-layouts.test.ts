import { sign as cryptoSign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, preAuthEncoding } from "../../attestation/bundle";
import { COSIGN_SIGN_PREDICATE_TYPE, SLSA_PROVENANCE_V1, attestImage, imageStatement } from "../../attestation/image";
import { createMemoryCache, verifyImage } from "../../attestation/image-verify";
import { signStatement } from "../../attestation/sign";
import { IN_TOTO_PAYLOAD_TYPE, encodeStatement } from "../../attestation/statement";
import type { TrustPolicy } from "../../attestation/verify";
import { RegistryClient, sha256Digest } from "../../registry/client";
import { OCI_INDEX, OCI_MANIFEST } from "../../registry/oci";
import { parseReference } from "../../registry/reference";
import { pushReferrer } from "../../registry/referrers";
import { generateKey, type TestKey } from "./helpers";
import { startInProcessRegistry, type InProcessRegistry } from "../support/oci-registry";
import { pushTestImage, putBlob, putManifestRaw, startRegistry, type TestRegistry } from "../support/registry";

let key: TestKey;
let trust: TrustPolicy[];

beforeAll(() => {
  key = generateKey("P-256");
  trust = [{ method: "public-key", key: key.publicKey, label: "test key" }];
});

describe("the referrers API path (in-process registry following the distribution spec)", () => {
  let reg: InProcessRegistry;
  beforeAll(async () => {
    reg = await startInProcessRegistry();
  });
  afterAll(async () => reg?.stop());

  it("attaches through the API (OCI-Subject), writes no tag index, and verify reads the API", async () => {
    const img = await pushTestImage(reg.host, "api/app", "v1");
    const result = await attestImage({ ref: img.ref, signer: { method: "key", privateKey: key.privateKey } });
    expect(result.attachments.map((a) => [a.kind, a.indexed])).toEqual([["signature", "referrers-api"]]);
    expect(reg.requests.filter((r) => r.startsWith("PUT") && r.includes(`/manifests/sha256-`))).toEqual([]);
    const v = await verifyImage({ ref: img.ref, trust });
    expect(v.outcome).toBe("verified");
    expect(v.attachments.map((a) => [a.layout, a.status, a.predicateType])).toEqual([["referrers-api", "verified", COSIGN_SIGN_PREDICATE_TYPE]]);
  });

  it("an empty referrers list is 'unsigned', a failing referrers API is an error (never unsigned)", async () => {
    const img = await pushTestImage(reg.host, "api/empty", "v1");
    expect((await verifyImage({ ref: img.ref, trust })).reasons.map((r) => r.code)).toEqual(["IMAGE_UNSIGNED"]);
    for (const status of [500, 403, 400]) {
      reg.failReferrers = status;
      try {
        const v = await verifyImage({ ref: img.ref, trust, registry: { credentials: null } });
        expect([v.outcome, v.verified, v.cacheable]).toEqual(["error", false, status !== 500]);
        expect(v.reasons[0]!.code).toBe(status === 403 ? "REGISTRY_UNAUTHORIZED" : "REGISTRY_HTTP_STATUS");
        expect(v.reasons[0]!.message).toContain(`registry ${reg.host}: GET /v2/api/empty/referrers/${img.digest}`);
      } finally {
        reg.failReferrers = undefined;
      }
    }
  });

  it("a warm verification with a cache makes no request; an aborted signal gives an error verdict", async () => {
    const img = await pushTestImage(reg.host, "api/cache", "v1");
    await attestImage({ ref: img.ref, signer: { method: "key", privateKey: key.privateKey } });
    const cache = createMemoryCache();
    expect((await verifyImage({ ref: img.ref, trust, cache })).outcome).toBe("verified");
    const before = reg.requests.length;
    expect((await verifyImage({ ref: img.ref, trust, cache })).outcome).toBe("verified");
    expect(reg.requests.length).toBe(before);
    // the cached verdict of an attachment belongs to its signers: another key, same cache, is refused
    const other = generateKey("P-256");
    const wrong = await verifyImage({ ref: img.ref, trust: [{ method: "public-key", key: other.publicKey, label: "other key" }], cache });
    expect([wrong.outcome, wrong.attachments.map((a) => [a.status, a.code])]).toEqual(["refused", [["refused", "SIGNATURE_KEY_MISMATCH"]]]);
    expect((await verifyImage({ ref: img.ref, trust, cache })).outcome).toBe("verified");
    const controller = new AbortController();
    controller.abort();
    const v = await verifyImage({ ref: img.ref, trust, signal: controller.signal });
    expect([v.outcome, v.reasons[0]!.code]).toEqual(["error", "REGISTRY_ABORTED"]);
  });
});

describe("interop: every attachment layout, found on docker-registry 2.8", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => reg?.stop());

  function envelopeFor(statement: ReturnType<typeof imageStatement>): { payload: string; payloadType: string; signatures: { keyid: string; sig: string }[] } {
    const payload = encodeStatement(statement);
    const sig = cryptoSign("sha256", preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), { key: key.privateKey.key, dsaEncoding: "der" });
    return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: payload.toString("base64"), signatures: [{ keyid: "", sig: sig.toString("base64") }] };
  }

  it("cosign's legacy .att tag (ATTESTATION_SPEC.md: DSSE envelope layers, predicateType annotation) and .sig tag (SIGNATURE_SPEC.md: simple signing)", async () => {
    const img = await pushTestImage(reg.host, "interop/legacy", "v1");
    const ref = parseReference(img.ref);
    const envelope = Buffer.from(JSON.stringify(envelopeFor(imageStatement(ref, img.digest, SLSA_PROVENANCE_V1, { buildDefinition: {}, runDetails: {} }))));
    // cosign's config for signature images: an empty rootfs listing the layer
    const config = Buffer.from(JSON.stringify({ architecture: "", created: "0001-01-01T00:00:00Z", history: [{ created: "0001-01-01T00:00:00Z" }], os: "", rootfs: { type: "layers", diff_ids: [sha256Digest(envelope)] }, config: {} }));
    await putBlob(reg.host, "interop/legacy", config);
    await putBlob(reg.host, "interop/legacy", envelope);
    const tag = `sha256-${img.digest.slice(7)}`;
    const att = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: sha256Digest(config) },
      layers: [{ mediaType: "application/vnd.dsse.envelope.v1+json", size: envelope.length, digest: sha256Digest(envelope), annotations: { "dev.cosignproject.cosign/signature": "", predicateType: SLSA_PROVENANCE_V1 } }],
    };
    expect(await putManifestRaw(reg.host, "interop/legacy", `${tag}.att`, Buffer.from(JSON.stringify(att)), OCI_MANIFEST)).toBe(201);
    const simple = Buffer.from(JSON.stringify({ critical: { identity: { "docker-reference": `${reg.host}/interop/legacy` }, image: { "docker-manifest-digest": img.digest }, type: "cosign container image signature" }, optional: null }));
    const simpleSig = cryptoSign("sha256", simple, { key: key.privateKey.key, dsaEncoding: "der" }).toString("base64");
    await putBlob(reg.host, "interop/legacy", simple);
    const sig = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: att.config,
      layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", size: simple.length, digest: sha256Digest(simple), annotations: { "dev.cosignproject.cosign/signature": simpleSig } }],
    };
    expect(await putManifestRaw(reg.host, "interop/legacy", `${tag}.sig`, Buffer.from(JSON.stringify(sig)), OCI_MANIFEST)).toBe(201);
    const v = await verifyImage({ ref: img.ref, trust });
    expect(v.outcome).toBe("verified");
    expect(v.attachments.map((a) => [a.layout, a.status, a.predicateType])).toEqual([
      ["cosign-sig", "verified", COSIGN_SIGN_PREDICATE_TYPE],
      ["cosign-att", "verified", SLSA_PROVENANCE_V1],
    ]);
  });

  it("the new-bundle layout in the referrers tag index, with and without descriptor annotations (ggcr before v0.22.1 dropped them), and the legacy bundle media type", async () => {
    const img = await pushTestImage(reg.host, "interop/bundle", "v1");
    const ref = parseReference(img.ref);
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const subject = { mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length };
    const signer = { method: "key" as const, privateKey: key.privateKey };
    const annotated = await pushReferrer(client, {
      repository: "interop/bundle",
      subject,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: Buffer.from(JSON.stringify(await signStatement(imageStatement(ref, img.digest, COSIGN_SIGN_PREDICATE_TYPE, {}), signer))) }],
      annotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": COSIGN_SIGN_PREDICATE_TYPE, "org.opencontainers.image.created": "2026-01-01T00:00:00Z" },
      indexAnnotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": COSIGN_SIGN_PREDICATE_TYPE },
    });
    const plain = await pushReferrer(client, {
      repository: "interop/bundle",
      subject,
      artifactType: BUNDLE_V03_LEGACY_MEDIA_TYPE,
      layers: [{ mediaType: BUNDLE_V03_LEGACY_MEDIA_TYPE, bytes: Buffer.from(JSON.stringify(await signStatement(imageStatement(ref, img.digest, SLSA_PROVENANCE_V1, { buildDefinition: {}, runDetails: {} }), signer))) }],
    });
    client.close();
    expect(annotated.descriptor.annotations?.["dev.sigstore.bundle.predicateType"]).toBe(COSIGN_SIGN_PREDICATE_TYPE);
    expect(plain.descriptor.annotations).toBeUndefined();
    const v = await verifyImage({ ref: img.ref, trust, policy: { file: "p.yaml", signers: [], policy: { apiVersion: "secure-mlops.dev/v1", kind: "AttestationPolicy", images: { requirePredicates: ["signature", "provenance"] } } } });
    expect(v.outcome).toBe("verified");
    expect(v.attachments.map((a) => [a.manifest, a.status, a.predicateType])).toEqual([
      [annotated.descriptor.digest, "verified", COSIGN_SIGN_PREDICATE_TYPE],
      [plain.descriptor.digest, "verified", SLSA_PROVENANCE_V1],
    ]);
  });

  it("an index descriptor whose annotation names another predicate than the signed statement is refused", async () => {
    const img = await pushTestImage(reg.host, "interop/lie", "v1");
    const ref = parseReference(img.ref);
    const bundle = Buffer.from(JSON.stringify(await signStatement(imageStatement(ref, img.digest, "https://example.com/other/v1", {}), { method: "key", privateKey: key.privateKey })));
    const config = Buffer.from("{}");
    await putBlob(reg.host, "interop/lie", config);
    await putBlob(reg.host, "interop/lie", bundle);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE_V03_MEDIA_TYPE, config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256Digest(config), size: 2 }, layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, digest: sha256Digest(bundle), size: bundle.length }], subject: { mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length } }));
    expect(await putManifestRaw(reg.host, "interop/lie", sha256Digest(manifest), manifest, OCI_MANIFEST)).toBe(201);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256Digest(manifest), size: manifest.length, artifactType: BUNDLE_V03_MEDIA_TYPE, annotations: { "dev.sigstore.bundle.predicateType": COSIGN_SIGN_PREDICATE_TYPE } }] }));
    expect(await putManifestRaw(reg.host, "interop/lie", `sha256-${img.digest.slice(7)}`, index, OCI_INDEX)).toBe(201);
    const v = await verifyImage({ ref: img.ref, trust });
    expect(v.outcome).toBe("refused");
    expect(v.attachments.map((a) => [a.status, a.code])).toEqual([["refused", "IMAGE_PREDICATE_TYPE_MISMATCH"]]);
  });
});
