import * as http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_V03_MEDIA_TYPE } from "../../attestation/bundle";
import { COSIGN_SIGN_PREDICATE_TYPE, imageStatement } from "../../attestation/image";
import { verifyImage } from "../../attestation/image-verify";
import { signStatement } from "../../attestation/sign";
import type { TrustPolicy } from "../../attestation/verify";
import { parseChallenge } from "../../registry/auth";
import { RegistryClient, sha256Digest, type ManifestResult } from "../../registry/client";
import { RegistryError } from "../../registry/errors";
import { OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, parseIndex, parseManifest } from "../../registry/oci";
import { formatReference, parseReference } from "../../registry/reference";
import { generateKey } from "../attestation/helpers";

/**
 * Property tests for every parser of what a registry says: references, challenges, manifests,
 * indexes, and whole registry conversations (10,000 of each). Nothing may throw anything but
 * the module's typed errors, nothing malformed may be accepted, and reads stay bounded.
 */

const REGISTRY = "127.0.0.1:5999";
const IMAGE = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

const digestArb = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);
const descriptorArb = fc.record(
  {
    mediaType: fc.oneof(fc.constantFrom(OCI_MANIFEST, BUNDLE_V03_MEDIA_TYPE, OCI_EMPTY), fc.string()),
    digest: fc.oneof(digestArb, fc.string()),
    size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(2 ** 60)),
    artifactType: fc.oneof(fc.constant(BUNDLE_V03_MEDIA_TYPE), fc.string(), fc.integer()),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.jsonValue())),
  },
  { requiredKeys: [] },
);
const docArb = fc.record(
  {
    schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()),
    mediaType: fc.oneof(fc.constantFrom(OCI_MANIFEST, OCI_INDEX), fc.string()),
    config: fc.oneof(descriptorArb, fc.jsonValue()),
    layers: fc.oneof(fc.array(descriptorArb, { maxLength: 5 }), fc.jsonValue()),
    manifests: fc.oneof(fc.array(descriptorArb, { maxLength: 5 }), fc.jsonValue()),
    subject: fc.oneof(descriptorArb, fc.jsonValue()),
    artifactType: fc.oneof(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const bytesArb = fc.oneof(
  docArb.map((d) => Buffer.from(JSON.stringify(d))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
);

function expectTyped(err: unknown, codes: readonly string[]): void {
  expect(err).toBeInstanceOf(RegistryError);
  expect(codes).toContain((err as RegistryError).code);
}

describe("parsers of registry answers (fast-check, 10,000 runs each)", () => {
  it("parseReference: parses to a reference that formats back to an equal parse, or throws REGISTRY_REFERENCE_INVALID", () => {
    const refArb = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.constantFrom("", "localhost:5000/", "myacr.azurecr.io/", "127.0.0.1:5000/", "[::1]:5000/", "Ex.com/"), fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+)*$/), fc.constantFrom("", ":v1", ":latest", ":-bad"), fc.constantFrom("", `@${IMAGE}`, "@sha256:abc", "@md5:00")).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(refArb, (text) => {
        try {
          const ref = parseReference(text);
          expect(parseReference(formatReference(ref))).toEqual(ref);
          expect(ref.repository.length).toBeGreaterThan(0);
        } catch (err) {
          expectTyped(err, ["REGISTRY_REFERENCE_INVALID"]);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(parseReference("ubuntu")).toEqual({ registry: "docker.io", repository: "library/ubuntu" });
    expect(parseReference(`localhost:5000/a/b:v1@${IMAGE}`)).toEqual({ registry: "localhost:5000", repository: "a/b", tag: "v1", digest: IMAGE });
    expect(() => parseReference("a/B")).toThrow(/lower case/);
  });

  it("parseChallenge never throws, and reads quoted parameters", () => {
    fc.assert(fc.property(fc.string({ maxLength: 5000 }), (h) => void parseChallenge(h)), { numRuns: 10_000 });
    expect(parseChallenge('Bearer realm="https://r.io/token",service="r.io",scope="repository:a/b:pull"')).toEqual({ scheme: "bearer", params: { realm: "https://r.io/token", service: "r.io", scope: "repository:a/b:pull" } });
  });

  it("parseManifest and parseIndex: a malformed document is a typed error, never a crash", () => {
    let accepted = 0;
    fc.assert(
      fc.property(bytesArb, fc.constantFrom(undefined, OCI_MANIFEST, OCI_INDEX), (bytes, contentType) => {
        for (const parse of [parseManifest, parseIndex]) {
          try {
            const doc = parse(bytes, REGISTRY, "fuzz", undefined, contentType);
            accepted++;
            // whatever is accepted has the checked shape
            const descriptors = "layers" in doc ? [doc.config, ...doc.layers] : doc.manifests;
            for (const d of descriptors) {
              expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/);
              expect(Number.isSafeInteger(d.size) && d.size >= 0).toBe(true);
            }
          } catch (err) {
            expectTyped(err, ["REGISTRY_BAD_RESPONSE", "REGISTRY_TOO_LARGE"]);
          }
        }
      }),
      { numRuns: 10_000 },
    );
    // the checked shape above ran on accepted documents; a well-formed one is accepted
    expect(accepted).toBeLessThan(20_000);
    const good = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_EMPTY, digest: IMAGE, size: 2 }, layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, digest: OTHER, size: 10 }] }));
    expect(parseManifest(good, REGISTRY, "good").layers).toEqual([{ mediaType: BUNDLE_V03_MEDIA_TYPE, digest: OTHER, size: 10 }]);
  }, 300_000);
});

/** A client whose answers come from a generated registry, without HTTP. */
class ScriptedClient extends RegistryClient {
  constructor(
    private readonly script: { referrers: { status: number; contentType: string; body: Buffer }; manifests: Map<string, Buffer>; blobs: Map<string, Buffer> },
  ) {
    super({ registry: REGISTRY, credentials: null });
  }
  override async resolve(): Promise<{ digest: string; mediaType: string; size: number }> {
    return { digest: IMAGE, mediaType: OCI_MANIFEST, size: 100 };
  }
  override async referrersApi(): Promise<{ status: number; contentType: string; body: Buffer }> {
    return this.script.referrers;
  }
  override async getManifest(_repository: string, reference: string): Promise<ManifestResult> {
    const bytes = this.script.manifests.get(reference);
    if (!bytes) throw new RegistryError("REGISTRY_NOT_FOUND", REGISTRY, `manifest ${reference}: 404`, { status: 404 });
    return { bytes, mediaType: OCI_MANIFEST, digest: reference };
  }
  override async getBlob(_repository: string, digest: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const b = this.script.blobs.get(digest);
    if (!b) throw new RegistryError("REGISTRY_NOT_FOUND", REGISTRY, `blob ${digest}: 404`, { status: 404 });
    if (b.length > (options.maxBytes ?? this.limits.maxBlobBytes)) throw new RegistryError("REGISTRY_TOO_LARGE", REGISTRY, "too large");
    return b;
  }
}

describe("whole registry conversations (fast-check, 10,000 runs): no crash, no acceptance", () => {
  let trust: TrustPolicy[];
  let bundles: Buffer[];
  beforeAll(async () => {
    const trusted = generateKey("P-256");
    const untrusted = generateKey("P-256");
    trust = [{ method: "public-key", key: trusted.publicKey, label: "trusted" }];
    const ref = parseReference(`${REGISTRY}/fuzz/app`);
    const own = { method: "key" as const, privateKey: trusted.privateKey };
    const theirs = { method: "key" as const, privateKey: untrusted.privateKey };
    // every bundle here must be refused: an untrusted key, another subject, an edited payload
    const byStranger = await signStatement(imageStatement(ref, IMAGE, COSIGN_SIGN_PREDICATE_TYPE, {}), theirs);
    const otherSubject = await signStatement(imageStatement(ref, OTHER, COSIGN_SIGN_PREDICATE_TYPE, {}), own);
    const edited = await signStatement(imageStatement(ref, OTHER, COSIGN_SIGN_PREDICATE_TYPE, {}), own);
    const env = edited["dsseEnvelope"] as { payload: string };
    env.payload = Buffer.from(Buffer.from(env.payload, "base64").toString("utf8").replace("b".repeat(64), "a".repeat(64))).toString("base64");
    bundles = [byStranger, otherSubject, edited].map((b) => Buffer.from(JSON.stringify(b)));
  });

  it("verifyImage on generated referrers, manifests and blobs", async () => {
    const layoutArb = fc.record({
      status: fc.constantFrom(200, 200, 200, 404, 400, 401, 403, 500, 503),
      contentType: fc.constantFrom(OCI_INDEX, OCI_INDEX, "application/json", ""),
      n: fc.integer({ min: 0, max: 4 }),
      indexJunk: fc.option(bytesArb, { freq: 4 }),
      manifestChoices: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), bytesArb, fc.option(fc.constantFrom(BUNDLE_V03_MEDIA_TYPE, "application/x", ""), { nil: undefined })), { minLength: 4, maxLength: 4 }),
      blobChoices: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), bytesArb), { minLength: 4, maxLength: 4 }),
    });
    let runs = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(layoutArb, async (g) => {
        runs++;
        const manifests = new Map<string, Buffer>();
        const blobs = new Map<string, Buffer>();
        const descriptors: unknown[] = [];
        for (let i = 0; i < g.n; i++) {
          const [mChoice, mJunk, artifactType] = g.manifestChoices[i]!;
          const [bChoice, bJunk] = g.blobChoices[i]!;
          const blob = bChoice < bundles.length ? bundles[bChoice]! : bJunk;
          const blobDigest = sha256Digest(blob);
          blobs.set(blobDigest, blob);
          const layer = { mediaType: BUNDLE_V03_MEDIA_TYPE, digest: blobDigest, size: mChoice === 4 ? blob.length - 1 : blob.length };
          const manifest =
            mChoice <= 2 || mChoice === 4
              ? Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE_V03_MEDIA_TYPE, config: { mediaType: OCI_EMPTY, digest: sha256Digest(Buffer.from("{}")), size: 2 }, layers: [layer], subject: { mediaType: OCI_MANIFEST, digest: mChoice === 2 ? OTHER : IMAGE, size: 100 } }))
              : mJunk;
          const d = sha256Digest(manifest);
          if (mChoice !== 5) manifests.set(d, manifest);
          descriptors.push({ mediaType: OCI_MANIFEST, digest: d, size: manifest.length, ...(artifactType !== undefined ? { artifactType } : {}) });
        }
        const body = g.indexJunk ?? Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }));
        const client = new ScriptedClient({ referrers: { status: g.status, contentType: g.contentType, body }, manifests, blobs });
        const v = await verifyImage({ ref: `${REGISTRY}/fuzz/app:v1`, trust, clientFor: () => client });
        client.close();
        outcomes.set(v.outcome, (outcomes.get(v.outcome) ?? 0) + 1);
        expect(v.verified).toBe(false);
        expect(v.outcome).not.toBe("verified");
        expect(v.attachments.every((a) => a.status !== "verified")).toBe(true);
        if (g.status !== 200 && g.status !== 404) expect(v.outcome).toBe("error");
      }),
      { numRuns: 10_000 },
    );
    expect(runs).toBe(10_000);
    // the generator reaches both verdicts it can: refused and error
    expect(outcomes.get("refused") ?? 0).toBeGreaterThan(100);
    expect(outcomes.get("error") ?? 0).toBeGreaterThan(100);
  }, 600_000);
});

describe("referrer counts are bounded", () => {
  it("a listing of more referrers than the limit is an error verdict, not a partial one", async () => {
    const key = generateKey("P-256");
    const trust: TrustPolicy[] = [{ method: "public-key", key: key.publicKey }];
    const manifests = Array.from({ length: 129 }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: `sha256:${i.toString(16).padStart(64, "0")}`, size: 10, artifactType: BUNDLE_V03_MEDIA_TYPE }));
    const client = new ScriptedClient({ referrers: { status: 200, contentType: OCI_INDEX, body: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })) }, manifests: new Map(), blobs: new Map() });
    const v = await verifyImage({ ref: `${REGISTRY}/fuzz/app:v1`, trust, clientFor: () => client });
    client.close();
    expect([v.outcome, v.reasons]).toEqual(["error", [{ code: "REGISTRY_TOO_MANY_REFERRERS", message: `registry ${REGISTRY}: referrers of fuzz/app@${IMAGE}: 129 referrers, more than the limit of 128` }]]);
  });
});

describe("bounded reads over HTTP", () => {
  let server: http.Server;
  let host: string;
  let sent = 0;
  const BLOB = Buffer.from("model weights");
  const storageAuth: (string | undefined)[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.includes("/manifests/endless")) {
        // no Content-Length, a body that never ends: the client must stop reading
        res.writeHead(200, { "Content-Type": OCI_MANIFEST });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) sent += chunk.length;
          if (!res.destroyed) res.once("drain", pump);
        };
        res.on("close", () => undefined);
        pump();
        return;
      }
      if (req.url?.includes("/manifests/hang")) return; // never answers
      if (req.url?.startsWith("/v2/a/b/blobs/")) {
        res.writeHead(307, { Location: `/storage/blob?sig=1` }).end();
        return;
      }
      if (req.url?.startsWith("/storage/")) {
        storageAuth.push(req.headers.authorization);
        res.writeHead(200, { "Content-Length": BLOB.length }).end(BLOB);
        return;
      }
      if (req.url?.includes("/manifests/liar")) {
        res.writeHead(200, { "Content-Type": OCI_MANIFEST, "Content-Length": String(1024 ** 3) });
        res.end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("an endless manifest stops at the bound (REGISTRY_TOO_LARGE); a declared huge length is refused before reading", async () => {
    const client = new RegistryClient({ registry: host, credentials: null, limits: { maxManifestBytes: 1024 * 1024 } });
    await expect(client.getManifest("a/b", "endless")).rejects.toMatchObject({ code: "REGISTRY_TOO_LARGE", registry: host });
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    await expect(client.getManifest("a/b", "liar")).rejects.toMatchObject({ code: "REGISTRY_TOO_LARGE", message: `${host}: GET manifest a/b:liar: answer of ${1024 ** 3} bytes, more than ${1024 * 1024}` });
    client.close();
  });

  it("a registry that does not answer is REGISTRY_TIMEOUT after the per-request timeout", async () => {
    const client = new RegistryClient({ registry: host, credentials: null, timeoutMs: 300 });
    await expect(client.getManifest("a/b", "hang")).rejects.toMatchObject({ code: "REGISTRY_TIMEOUT", message: `${host}: GET manifest a/b:hang: no answer within 300 ms` });
    client.close();
  });

  it("blobs served through a redirect to storage are followed without our credentials, in memory and streamed", async () => {
    const client = new RegistryClient({ registry: host, credentials: null });
    (client as unknown as { authorizations: Map<string, string> }).authorizations.set("", "Bearer secret");
    const digest = sha256Digest(BLOB);
    expect((await client.getBlob("a/b", digest)).equals(BLOB)).toBe(true);
    const chunks: Buffer[] = [];
    await client.streamBlob("a/b", digest, BLOB.length, (c) => void chunks.push(c));
    expect(Buffer.concat(chunks).equals(BLOB)).toBe(true);
    expect(storageAuth).toEqual([undefined, undefined]);
    await expect(client.streamBlob("a/b", digest, BLOB.length - 1, () => undefined)).rejects.toMatchObject({ code: "REGISTRY_TOO_LARGE" });
    await expect(client.streamBlob("a/b", `sha256:${"0".repeat(64)}`, BLOB.length, () => undefined)).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
    client.close();
  });
});
