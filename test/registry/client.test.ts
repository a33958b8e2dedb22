import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, sha256Digest } from "../../registry/client";
import { OCI_INDEX, OCI_MANIFEST, parseManifest } from "../../registry/oci";
import { listReferrers, pushReferrer, readLegacyTags, readTagIndex } from "../../registry/referrers";
import { pushTestImage, putManifestRaw, startRegistry, type TestRegistry } from "../support/registry";

const ARTIFACT = "application/vnd.dev.sigstore.bundle.v0.3+json";

describe("RegistryClient against docker-registry 2.8", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ registry: reg.host, credentials: null });
  });
  afterAll(async () => {
    client?.close();
    await reg?.stop();
  });

  it("resolves a tag to the digest of the pushed manifest and fetches it back", async () => {
    const img = await pushTestImage(reg.host, "demo/app", "v1");
    const r = await client.resolve("demo/app", "v1");
    expect(r).toEqual({ digest: img.digest, mediaType: OCI_MANIFEST, size: img.manifest.length });
    const m = await client.getManifest("demo/app", img.digest);
    expect(m.bytes.equals(img.manifest)).toBe(true);
    const parsed = parseManifest(m.bytes, reg.host, "image");
    const layer = await client.getBlob("demo/app", parsed.layers[0]!.digest);
    expect(sha256Digest(layer)).toBe(parsed.layers[0]!.digest);
  });

  it("names the registry and the status for a tag that does not exist", async () => {
    await expect(client.resolve("demo/app", "nope")).rejects.toMatchObject({ code: "REGISTRY_NOT_FOUND", registry: reg.host, status: 404 });
  });

  it("refuses a manifest larger than the bound without reading it all", async () => {
    const small = new RegistryClient({ registry: reg.host, credentials: null, limits: { maxManifestBytes: 100 } });
    const img = await pushTestImage(reg.host, "demo/big", "v1");
    await expect(small.getManifest("demo/big", img.digest)).rejects.toMatchObject({ code: "REGISTRY_TOO_LARGE", registry: reg.host });
    small.close();
  });

  it("has no referrers API, so an attachment goes to the sha256-<hex> tag index, once", async () => {
    const img = await pushTestImage(reg.host, "demo/ref", "v1");
    const subject = { mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length };
    expect(await listReferrers(client, "demo/ref", img.digest)).toEqual({ source: "referrers-tag", descriptors: [] });
    const layer = { mediaType: ARTIFACT, bytes: Buffer.from('{"a":1}') };
    const first = await pushReferrer(client, { repository: "demo/ref", subject, artifactType: ARTIFACT, layers: [layer], indexAnnotations: { "dev.sigstore.bundle.predicateType": "x" } });
    expect(first.indexed).toBe("referrers-tag");
    const again = await pushReferrer(client, { repository: "demo/ref", subject, artifactType: ARTIFACT, layers: [layer], indexAnnotations: { "dev.sigstore.bundle.predicateType": "x" } });
    expect(again.descriptor.digest).toBe(first.descriptor.digest);
    const listing = await listReferrers(client, "demo/ref", img.digest);
    expect(listing.source).toBe("referrers-tag");
    expect(listing.descriptors).toEqual([first.descriptor]);
    const tagIndex = await readTagIndex(client, "demo/ref", img.digest);
    expect(tagIndex?.index.mediaType).toBe(OCI_INDEX);
  });

  it("the registry answers MANIFEST_UNKNOWN to an index request without the index media type: we always send it", async () => {
    const img = await pushTestImage(reg.host, "demo/accept", "v1");
    const subject = { mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length };
    await pushReferrer(client, { repository: "demo/accept", subject, artifactType: ARTIFACT, layers: [{ mediaType: ARTIFACT, bytes: Buffer.from("{}x") }] });
    const tag = `sha256-${img.digest.slice(7)}`;
    await expect(client.getManifest("demo/accept", tag, { accept: OCI_MANIFEST })).rejects.toMatchObject({ code: "REGISTRY_NOT_FOUND" });
    expect((await listReferrers(client, "demo/accept", img.digest)).descriptors).toHaveLength(1);
  });

  it("reads cosign's legacy .sig and .att tags, and none when absent", async () => {
    const img = await pushTestImage(reg.host, "demo/legacy", "v1");
    expect(await readLegacyTags(client, "demo/legacy", img.digest)).toEqual([]);
    const att = await pushTestImage(reg.host, "demo/legacy", `sha256-${img.digest.slice(7)}.att`, { "x": "y" });
    const tags = await readLegacyTags(client, "demo/legacy", img.digest);
    expect(tags.map((t) => [t.kind, t.digest])).toEqual([["att", att.digest]]);
  });

  it("a listing from a stopped registry is an error naming the registry, never an empty list", async () => {
    const other = await startRegistry();
    const img = await pushTestImage(other.host, "demo/down", "v1");
    const c = new RegistryClient({ registry: other.host, credentials: null, timeoutMs: 2000 });
    await other.stop();
    await expect(listReferrers(c, "demo/down", img.digest)).rejects.toMatchObject({ code: "REGISTRY_UNREACHABLE", registry: other.host });
    c.close();
  });

  it("an index PUT naming a manifest that does not exist is refused by the registry (push referrers first)", async () => {
    const img = await pushTestImage(reg.host, "demo/order", "v1");
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: `sha256:${"0".repeat(64)}`, size: 10 }] }));
    expect(await putManifestRaw(reg.host, "demo/order", `sha256-${img.digest.slice(7)}`, index, OCI_INDEX)).toBe(400);
  });
});
