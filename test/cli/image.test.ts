import { writeFileSync } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_V03_MEDIA_TYPE } from "../../attestation/bundle";
import { COSIGN_SIGN_PREDICATE_TYPE, imageStatement } from "../../attestation/image";
import { signStatement } from "../../attestation/sign";
import { RegistryClient } from "../../registry/client";
import { OCI_MANIFEST } from "../../registry/oci";
import { parseReference } from "../../registry/reference";
import { listReferrers, pushReferrer } from "../../registry/referrers";
import { cleanupTemp, generateKey, tempDir, writeKey } from "../attestation/helpers";
import { pushTestImage, startRegistry, type TestRegistry } from "../support/registry";
import { runInProcess as run } from "../support/cli";

interface JsonVerdict {
  verified: boolean;
  outcome: string;
  digest: string | null;
  attachments: { layout: string; status: string; predicateType?: string; code?: string; kind?: string }[];
  reasons: { code: string; message: string }[];
}

async function verifyJson(...argv: string[]): Promise<{ code: number; verdict: JsonVerdict; err: string }> {
  const r = await run("verify", "image", ...argv, "--json");
  return { code: r.code, verdict: JSON.parse(r.out) as JsonVerdict, err: r.err };
}

let reg: TestRegistry;
let dir: string;
let keys: { privateFile: string; publicFile: string };
let otherKeys: { privateFile: string; publicFile: string };
const files: Record<string, string> = {};

beforeAll(async () => {
  reg = await startRegistry();
  dir = tempDir("image-cli-");
  keys = writeKey(dir, generateKey("P-256"), "release");
  otherKeys = writeKey(dir, generateKey("P-256"), "other");
  const write = (name: string, value: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    files[name] = file;
    return file;
  };
  write("sbom.json", { bomFormat: "CycloneDX", specVersion: "1.5", components: [{ name: "openssl", version: "3.0.13", licenses: [{ license: { id: "Apache-2.0" } }] }] });
  write("trivy-critical.json", { SchemaVersion: 2, Results: [{ Target: "app", Vulnerabilities: [{ VulnerabilityID: "CVE-2024-0001", Severity: "CRITICAL" }, { VulnerabilityID: "CVE-2024-0002", Severity: "LOW" }] }] });
  write("grype-low.json", { descriptor: { name: "grype", version: "0.80.0" }, matches: [{ vulnerability: { id: "CVE-2024-0003", severity: "Low" }, artifact: { name: "zlib" } }] });
  write("provenance.json", { buildDefinition: { buildType: "https://example.com/build/v1", externalParameters: {} }, runDetails: { builder: { id: "https://example.com/builder" } } });
  write("policy.yaml", `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - key: ${path.basename(keys.publicFile)}\nimages:\n  allowedRegistries: ["127.0.0.1:*"]\n  requirePredicates: [signature, sbom, vulnerability-scan, provenance]\n  vulnerabilities: { maxSeverity: high }\n  licenses: { allowed: [Apache-2.0, MIT] }\n`);
  write("policy-low.yaml", `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - key: ${path.basename(keys.publicFile)}\nimages:\n  requirePredicates: [signature, vulnerability-scan]\n  vulnerabilities: { maxSeverity: high }\n`);
  write("policy-acr.yaml", `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - key: ${path.basename(keys.publicFile)}\nimages:\n  allowedRegistries: ["myacr.azurecr.io"]\n`);
  write("policy-denied.yaml", `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - key: ${path.basename(keys.publicFile)}\nimages:\n  licenses: { denied: [Apache-2.0] }\n`);
});

afterAll(async () => {
  await reg?.stop();
  cleanupTemp();
});

describe("attest image / verify image on docker-registry 2.8", () => {
  it("round trip: attest with a key, verify exits 0 and lists the four attachments; attesting again adds nothing", async () => {
    const img = await pushTestImage(reg.host, "team/app", "v1");
    const a = await run("attest", "image", img.ref, "--key", keys.privateFile, "--sbom", files["sbom.json"]!, "--scan", files["grype-low.json"]!, "--provenance", files["provenance.json"]!);
    expect(a.err).toBe("");
    expect(a.code).toBe(0);
    expect(a.out.split("\n")[0]).toBe(`attested ${reg.host}/team/app@${img.digest}`);
    expect(a.out.match(/attached \(referrers-tag\)/g)).toHaveLength(4);

    const v = await verifyJson(img.ref, "--policy", files["policy.yaml"]!);
    expect(v.code).toBe(0);
    expect(v.verdict.outcome).toBe("verified");
    expect(v.verdict.digest).toBe(img.digest);
    expect(v.verdict.attachments.map((x) => [x.layout, x.status, x.kind]).sort()).toEqual([
      ["referrers-tag", "verified", "provenance"],
      ["referrers-tag", "verified", "sbom"],
      ["referrers-tag", "verified", "signature"],
      ["referrers-tag", "verified", "vulnerability-scan"],
    ]);
    expect(v.verdict.reasons).toEqual([]);

    const again = await run("attest", "image", img.ref, "--key", keys.privateFile, "--sbom", files["sbom.json"]!, "--scan", files["grype-low.json"]!, "--provenance", files["provenance.json"]!);
    expect(again.code).toBe(0);
    expect(again.out.match(/already attached/g)).toHaveLength(4);
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    expect((await listReferrers(client, "team/app", img.digest)).descriptors).toHaveLength(4);
    client.close();

    const text = await run("verify", "image", `${reg.host}/team/app@${img.digest}`, "--key", keys.publicFile);
    expect(text.code).toBe(0);
    expect(text.out.split("\n")[0]).toBe(`verified: image ${reg.host}/team/app@${img.digest}`);
  });

  it("an unsigned image exits 1: IMAGE_UNSIGNED", async () => {
    const img = await pushTestImage(reg.host, "team/unsigned", "v1");
    const v = await verifyJson(img.ref, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons).toEqual([{ code: "IMAGE_UNSIGNED", message: `no signature or attestation is attached to ${reg.host}/team/unsigned@${img.digest}` }]);
  });

  it("a tag that does not exist exits 1: IMAGE_NOT_FOUND", async () => {
    const v = await verifyJson(`${reg.host}/team/app:missing`, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons).toEqual([{ code: "IMAGE_NOT_FOUND", message: `${reg.host}: HEAD manifest team/app:missing: 404 (no body)` }]);
  });

  it("the wrong key exits 1: the attachment is refused with SIGNATURE_KEY_MISMATCH", async () => {
    const img = await pushTestImage(reg.host, "team/wrongkey", "v1");
    expect((await run("attest", "image", img.ref, "--key", otherKeys.privateFile)).code).toBe(0);
    const v = await verifyJson(img.ref, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.verdict.attachments.map((x) => [x.status, x.code])).toEqual([["refused", "SIGNATURE_KEY_MISMATCH"]]);
    expect(v.verdict.reasons.map((r) => r.code)).toEqual(["IMAGE_NOT_VERIFIED"]);
  });

  async function attachRaw(repo: string, subjectDigest: string, subjectSize: number, bundle: Record<string, unknown>): Promise<void> {
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    await pushReferrer(client, {
      repository: repo,
      subject: { mediaType: OCI_MANIFEST, digest: subjectDigest, size: subjectSize },
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: Buffer.from(JSON.stringify(bundle)) }],
    });
    client.close();
  }

  it("a bundle whose statement names another digest exits 1: IMAGE_SUBJECT_MISMATCH", async () => {
    const img = await pushTestImage(reg.host, "team/subject", "v1");
    const other = await pushTestImage(reg.host, "team/subject", "v2", { "other.txt": "other" });
    const { loadPrivateKey } = await import("../../attestation/keys");
    const signer = { method: "key" as const, privateKey: await loadPrivateKey(keys.privateFile) };
    const bundle = await signStatement(imageStatement(parseReference(img.ref), other.digest, COSIGN_SIGN_PREDICATE_TYPE, {}), signer);
    await attachRaw("team/subject", img.digest, img.manifest.length, bundle);
    const v = await verifyJson(img.ref, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.verdict.attachments.map((x) => [x.status, x.code])).toEqual([["refused", "IMAGE_SUBJECT_MISMATCH"]]);
  });

  it("a statement edited with the signature kept exits 1: SIGNATURE_INVALID", async () => {
    const img = await pushTestImage(reg.host, "team/edited", "v1");
    const { loadPrivateKey } = await import("../../attestation/keys");
    const signer = { method: "key" as const, privateKey: await loadPrivateKey(keys.privateFile) };
    const bundle = await signStatement(imageStatement(parseReference(img.ref), img.digest, "https://slsa.dev/provenance/v1", { buildDefinition: { buildType: "a" }, runDetails: {} }), signer);
    const envelope = bundle["dsseEnvelope"] as { payload: string };
    const edited = Buffer.from(envelope.payload, "base64").toString("utf8").replace('"buildType":"a"', '"buildType":"b"');
    expect(edited).toContain('"buildType":"b"');
    envelope.payload = Buffer.from(edited, "utf8").toString("base64");
    await attachRaw("team/edited", img.digest, img.manifest.length, bundle);
    const v = await verifyJson(img.ref, "--key", keys.publicFile);
    expect(v.code).toBe(1);
    expect(v.verdict.attachments.map((x) => [x.status, x.code])).toEqual([["refused", "SIGNATURE_INVALID"]]);
  });

  it("a look-alike of our signature pushed by someone else (our key hint, a bad signature) does not stop attest image attaching", async () => {
    const img = await pushTestImage(reg.host, "team/lookalike", "v1");
    const { loadPrivateKey } = await import("../../attestation/keys");
    const ours = await loadPrivateKey(keys.privateFile);
    const bundle = await signStatement(imageStatement(parseReference(img.ref), img.digest, COSIGN_SIGN_PREDICATE_TYPE, {}), { method: "key", privateKey: await loadPrivateKey(otherKeys.privateFile) });
    (bundle["verificationMaterial"] as { publicKey: { hint: string } }).publicKey.hint = ours.publicKey.hint;
    await attachRaw("team/lookalike", img.digest, img.manifest.length, bundle);
    const a = await run("attest", "image", img.ref, "--key", keys.privateFile);
    expect(a.out).toMatch(/^signature: https:\/\/sigstore.dev\/cosign\/sign\/v1 attached \(referrers-tag\) sha256:/m);
    const v = await verifyJson(img.ref, "--key", keys.publicFile);
    expect(v.code).toBe(0);
    expect(v.verdict.attachments.map((x) => [x.status, x.code ?? null])).toEqual([
      ["refused", "SIGNATURE_INVALID"],
      ["verified", null],
    ]);
  });

  it("a required predicate missing exits 1: IMAGE_PREDICATE_MISSING names it and what was found", async () => {
    const img = await pushTestImage(reg.host, "team/nopred", "v1");
    expect((await run("attest", "image", img.ref, "--key", keys.privateFile, "--sbom", files["sbom.json"]!)).code).toBe(0);
    const v = await verifyJson(img.ref, "--policy", files["policy.yaml"]!);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons.map((r) => r.code)).toEqual(["IMAGE_PREDICATE_MISSING", "IMAGE_PREDICATE_MISSING", "IMAGE_PREDICATE_MISSING"]);
    expect(v.verdict.reasons[0]!.message).toBe(
      `required predicate vulnerability-scan (https://in-toto.io/attestation/vulns/v0.1) has no verified attestation; verified: ${COSIGN_SIGN_PREDICATE_TYPE}, https://cyclonedx.org/bom`,
    );
  });

  it("a vulnerability above the allowed severity exits 1: IMAGE_VULNERABILITY", async () => {
    const img = await pushTestImage(reg.host, "team/vuln", "v1");
    expect((await run("attest", "image", img.ref, "--key", keys.privateFile, "--scan", files["trivy-critical.json"]!)).code).toBe(0);
    const v = await verifyJson(img.ref, "--policy", files["policy-low.yaml"]!);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons).toEqual([{ code: "IMAGE_VULNERABILITY", rule: "images.vulnerabilities", message: "1 finding above high: CVE-2024-0001 (critical)" }]);
  });

  it("an SBOM licence the policy denies exits 1: IMAGE_LICENSE", async () => {
    const img = await pushTestImage(reg.host, "team/licence", "v1");
    expect((await run("attest", "image", img.ref, "--key", keys.privateFile, "--sbom", files["sbom.json"]!)).code).toBe(0);
    const v = await verifyJson(img.ref, "--policy", files["policy-denied.yaml"]!);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons).toEqual([{ code: "IMAGE_LICENSE", rule: "images.licenses", message: "1 component break the licence rule: openssl@3.0.13 (Apache-2.0: denied)" }]);
  });

  it("a registry the policy does not allow exits 1 before any request: IMAGE_REGISTRY_NOT_ALLOWED", async () => {
    const v = await verifyJson(`${reg.host}/team/app:v1`, "--policy", files["policy-acr.yaml"]!);
    expect(v.code).toBe(1);
    expect(v.verdict.reasons).toEqual([{ code: "IMAGE_REGISTRY_NOT_ALLOWED", rule: "images.allowedRegistries", message: `registry ${reg.host} (${reg.host}/team/app) is not in the allowed list (myacr.azurecr.io)` }]);
  });

  it("the registry stopped mid-verify exits 2, naming the registry and the error", async () => {
    const own = await startRegistry();
    const img = await pushTestImage(own.host, "team/down", "v1");
    expect((await run("attest", "image", img.ref, "--key", keys.privateFile, "--sbom", files["sbom.json"]!)).code).toBe(0);
    // a proxy that stops the registry after the tag is resolved and the referrers listed
    let requests = 0;
    const proxy = http.createServer((req, res) => {
      requests++;
      const forward = async (): Promise<void> => {
        if (requests === 4) await own.stop();
        const up = http.request({ host: "127.0.0.1", port: own.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on("error", () => res.socket?.destroy());
        req.pipe(up);
      };
      void forward();
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const port = (proxy.address() as { port: number }).port;
    const host = `127.0.0.1:${port}`;
    try {
      const v = await verifyJson(`${host}/team/down:v1`, "--key", keys.publicFile);
      expect(requests).toBeGreaterThanOrEqual(4);
      expect(v.code).toBe(2);
      expect(v.verdict.outcome).toBe("error");
      expect(v.verdict.reasons).toHaveLength(1);
      expect(v.verdict.reasons[0]!.code).toBe("REGISTRY_UNREACHABLE");
      expect(v.verdict.reasons[0]!.message).toMatch(new RegExp(`^registry ${host}: `));
      expect(v.err).toMatch(new RegExp(`^secure-mlops: registry ${host}: `));
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await own.stop();
    }
  });

  it("bad usage exits 2 with one line: a reference that does not parse, a missing signer", async () => {
    expect(await run("verify", "image", "Bad Ref", "--key", keys.publicFile)).toEqual({ code: 2, out: "", err: 'secure-mlops: Bad Ref: "Bad Ref" is not an image reference: expected [registry[:port]/]repository[:tag][@sha256:digest]\n' });
    expect((await run("verify", "image", `${reg.host}/team/app:v1`)).err).toBe("secure-mlops: give --key PUB.pem, or --identity SAN --issuer URL\n");
    expect((await run("attest", "image", `${reg.host}/team/app:v1`)).err).toBe("secure-mlops: give --key PRIVATE.pem (offline) or --keyless (Sigstore, in CI)\n");
    expect(await run("attest", "image", `${reg.host}/team/app:v1`, "--key", keys.privateFile, "--sbom", files["trivy-critical.json"]!)).toEqual({
      code: 2,
      out: "",
      err: `secure-mlops: --sbom: ${files["trivy-critical.json"]}: not a CycloneDX JSON SBOM (bomFormat is not "CycloneDX")\n`,
    });
    expect((await run("attest", "image", `${reg.host}/team/app:v1`, "--key", keys.privateFile, "--scan", files["sbom.json"]!)).err).toBe(
      `secure-mlops: --scan: ${files["sbom.json"]}: unknown scan report format (expected Trivy, Grype, ModelScan, SARIF 2.1.0 or {"vulnerabilities": [...]})\n`,
    );
  });
});
