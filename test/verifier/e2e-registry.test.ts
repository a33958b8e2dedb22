import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attestImage } from "../../attestation/image";
import { pushModel } from "../../attestation/model-registry";
import { attestDirectory, type SignerSpec } from "../../attestation/sign";
import { createVerifiers } from "../../verifier/adapters";
import { startVerifierServer, type VerifierServer } from "../../verifier/server";
import { generateKey, writeKey } from "../attestation/helpers";
import { pushTestImage, startRegistry, type TestRegistry } from "../support/registry";
import { captureLogger, cleanupTemp, fixture, makeCertificate, postReview, tempDir, type ReviewAnswer } from "./helpers";

/**
 * The verifier end to end: `verifier serve`'s server with the real adapters (registry client,
 * `verify image`, model pull and `verify model`), over HTTPS on 127.0.0.1, against Debian's
 * docker-registry (distribution 2.8: no referrers API, so the referrers tag schema), with
 * AdmissionReviews shaped as the API server sends them (the fixtures of test/fixtures/admission).
 */

type Review = ReviewAnswer;

const post = (server: VerifierServer, ca: string, body: unknown): Promise<Review> => postReview(server.url, ca, body);

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  // a condition polled with a generous bound, not a timed assertion
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const POD_UID = "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01";
const POD_NAME = "Pod ml-serving/sentiment-7d9f8b6c5-*";
const DEPLOYMENT_UID = "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a06";

type Containers = Readonly<Record<string, string>>;

/** The Pod fixture with these containers (name -> image) and models in its annotation (none: no annotation). */
function pod(containers: Containers, models: readonly string[] = []): ReturnType<typeof fixture> {
  const review = fixture("pod");
  const object = review.request.object as { metadata: { annotations?: Record<string, string> }; spec: { containers: Record<string, unknown>[] } };
  const template = object.spec.containers[0]!;
  object.spec.containers = Object.entries(containers).map(([name, image]) => ({ ...template, name, image }));
  if (models.length > 0) object.metadata.annotations = { "secure-mlops.dev/models": JSON.stringify(models) };
  else delete object.metadata.annotations;
  return review;
}

function allowed(uid: string): Review {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: true } };
}

function denied(uid: string, code: number, message: string): Review {
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: false, status: { code, message } } };
}

describe("the verifier on a real registry (docker-registry 2.8, HTTPS webhook on 127.0.0.1)", () => {
  let reg: TestRegistry;
  let server: VerifierServer;
  let ca: string;
  let policyFile: string;
  let policyText: (requirePredicates: string) => string;
  let signer: SignerSpec;
  let other: SignerSpec;
  const sbomFile = { path: "" };
  const hints = { release: "", other: "" };
  const { logger, lines } = captureLogger();

  beforeAll(async () => {
    reg = await startRegistry();
    const dir = tempDir("verifier-e2e-");
    const release = generateKey("P-256");
    const wrong = generateKey("P-256");
    writeKey(dir, release, "release");
    signer = { method: "key", privateKey: release.privateKey };
    hints.release = release.publicKey.hint;
    hints.other = wrong.publicKey.hint;
    other = { method: "key", privateKey: wrong.privateKey };
    sbomFile.path = path.join(dir, "sbom.json");
    writeFileSync(sbomFile.path, JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.5", components: [{ name: "openssl", version: "3.0.13", licenses: [{ license: { id: "Apache-2.0" } }] }] }));
    policyText = (requirePredicates) =>
      [
        "apiVersion: secure-mlops.dev/v1",
        "kind: AttestationPolicy",
        "signers:",
        "  - key: release.pub.pem",
        "images:",
        `  requirePredicates: [${requirePredicates}]`,
        "admission:",
        `  allowedRegistries: ["${reg.host}"]`,
        "  deadline: { maxMs: 8000, marginMs: 250 }",
        "  cache: { maxEntries: 1000, ttlSeconds: 300, failureTtlSeconds: 0 }",
        "",
      ].join("\n");
    policyFile = path.join(dir, "policy.yaml");
    writeFileSync(policyFile, policyText("signature, sbom"));
    const tls = makeCertificate(dir, "tls");
    ca = readFileSync(tls.cert, "utf8");
    server = await startVerifierServer({
      policyFile,
      tlsCert: tls.cert,
      tlsKey: tls.key,
      port: 0,
      metricsPort: 0,
      logger,
      defaultMetrics: false,
      verifiers: (context) => createVerifiers(context, { registry: { credentials: null, timeoutMs: 5000 } }),
    });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await reg?.stop();
    cleanupTemp();
  });

  /** Pushes an image and attests it (signature, and an SBOM unless `signatureOnly`) with `by`. */
  async function signedImage(repo: string, by: SignerSpec, signatureOnly = false): Promise<string> {
    const img = await pushTestImage(reg.host, repo, "v1");
    await attestImage({ ref: img.ref, signer: by, ...(signatureOnly ? {} : { sbom: sbomFile.path }), registry: { credentials: null } });
    return `${reg.host}/${repo}@${img.digest}`;
  }

  /** A model folder signed with `attestDirectory` and pushed with `pushModel`; `tamper` pushes other bytes under the same signature. */
  async function signedModel(repo: string, tamper = false): Promise<string> {
    const root = path.join(tempDir("verifier-model-"), "model");
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, "weights.bin"), Buffer.alloc(4096, 7));
    writeFileSync(path.join(root, "config.json"), '{"layers": 2}\n');
    const signed = await attestDirectory({ root, signer, recordGitSource: false });
    let manifest = signed.manifest;
    if (tamper) {
      // the same model.sig over weights that were changed after signing
      const copy = path.join(root, "signature-of-the-original.sig");
      copyFileSync(signed.bundlePath, copy);
      writeFileSync(path.join(root, "weights.bin"), Buffer.alloc(4096, 8));
      manifest = (await attestDirectory({ root, signer, recordGitSource: false, ignorePaths: ["signature-of-the-original.sig"] })).manifest;
      copyFileSync(copy, signed.bundlePath);
    }
    const pushed = await pushModel({ root, ref: `${reg.host}/${repo}:v1`, manifest, kind: "model", bundlePath: signed.bundlePath, registry: { credentials: null } });
    return `${reg.host}/${repo}@${pushed.digest}`;
  }

  it("is ready once the policy and its keys are loaded", () => {
    expect(server.service.ready()).toBe(true);
  });

  it("allows a Pod whose image is attested with the policy's key, and logs its digest", async () => {
    const image = await signedImage("team/app", signer);
    expect(await post(server, ca, pod({ web: image }))).toEqual(allowed(POD_UID));
    const line = lines.filter((l) => l["msg"] === "review").at(-1)!;
    expect((line["artifacts"] as Record<string, unknown>[]).map((a) => [a["where"], a["ref"], a["decision"], a["code"], a["source"]])).toEqual([['container "web"', image, "allow", "VERIFIED", "fresh"]]);
    const registryRequests = (await server.metrics.registryRequests.get()).values;
    expect(registryRequests.length).toBeGreaterThan(0);
    expect(registryRequests.every((v) => /^[0-9]{3}$/.test(String(v.labels["status"])))).toBe(true);
  });

  it("denies an unsigned image: nothing is attached to its digest", async () => {
    const img = await pushTestImage(reg.host, "team/unsigned", "v1");
    const image = `${reg.host}/team/unsigned@${img.digest}`;
    expect(await post(server, ca, pod({ web: image }))).toEqual(denied(POD_UID, 403, `secure-mlops verifier denied ${POD_NAME}: container "web": image ${image}: no signature or attestation is attached to ${image}`));
  });

  it("denies an image signed with a key the policy does not name", async () => {
    const image = await signedImage("team/wrongkey", other);
    const answer = await post(server, ca, pod({ web: image }));
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status?.code).toBe(403);
    expect(answer.response.status?.message).toBe(
      `secure-mlops verifier denied ${POD_NAME}: container "web": image ${image}: none of the 2 attachment(s) verified: SIGNATURE_KEY_MISMATCH: bundle names signing key ${hints.other}, the given key is ${hints.release}`,
    );
  });

  it("denies a tag-only reference without asking the registry, saying how to pin it", async () => {
    const ref = `${reg.host}/team/app:v1`;
    expect(await post(server, ca, pod({ web: ref }))).toEqual(
      denied(
        POD_UID,
        403,
        `secure-mlops verifier denied ${POD_NAME}: container "web": image "${ref}" is not pinned by digest; pin it as ${reg.host}/team/app@sha256:<digest> (the digest of the tag you tested: skopeo inspect --format '{{.Digest}}' docker://${reg.host}/team/app:v1)`,
      ),
    );
  });

  it("denies an image from a registry the policy does not list", async () => {
    const ref = `ghcr.io/someone/app@sha256:${"a".repeat(64)}`;
    expect(await post(server, ca, pod({ web: ref }))).toEqual(
      denied(POD_UID, 403, `secure-mlops verifier denied ${POD_NAME}: container "web": image "${ref}" is from registry ghcr.io, which the policy does not allow (allowed: ${reg.host})`),
    );
  });

  it("denies an image missing a predicate the policy requires, naming it and what was verified", async () => {
    const image = await signedImage("team/nosbom", signer, true);
    expect(await post(server, ca, pod({ web: image }))).toEqual(
      denied(
        POD_UID,
        403,
        `secure-mlops verifier denied ${POD_NAME}: container "web": image ${image}: required predicate sbom (https://cyclonedx.org/bom or https://cyclonedx.org/bom/v1.4 or https://cyclonedx.org/bom/v1.5 or https://cyclonedx.org/bom/v1.6) has no verified attestation; verified: https://sigstore.dev/cosign/sign/v1`,
      ),
    );
  });

  it("allows a signed model and denies a tampered one", async () => {
    const image = await signedImage("team/serving", signer);
    const model = await signedModel("models/good");
    expect(await post(server, ca, pod({ web: image }, [model]))).toEqual(allowed(POD_UID));
    const tampered = await signedModel("models/tampered", true);
    const answer = await post(server, ca, pod({ web: image }, [tampered]));
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status?.code).toBe(403);
    const sha = (fill: number): string => createHash("sha256").update(Buffer.alloc(4096, fill)).digest("hex");
    expect(answer.response.status?.message).toBe(
      `secure-mlops verifier denied ${POD_NAME}: model in the secure-mlops.dev/models annotation of the Pod: model ${tampered}: weights.bin: content changed (signed ${sha(7)}, found ${sha(8)})`,
    );
  });

  it("denies a Deployment with one unsigned image among signed ones, naming only that one", async () => {
    const web = await signedImage("ml/serving", signer);
    const metrics = await signedImage("ml/metrics-sidecar", signer);
    const proxyImg = await pushTestImage(reg.host, "ml/auth-proxy", "v1");
    const proxy = `${reg.host}/ml/auth-proxy@${proxyImg.digest}`;
    const model = await signedModel("models/sentiment");
    const review = fixture("deployment");
    const template = (review.request.object as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { name: string; image: string }[] } } } }).spec.template;
    template.metadata.annotations["secure-mlops.dev/models"] = JSON.stringify([model]);
    const images: Record<string, string> = { web, metrics, proxy };
    expect(template.spec.containers.map((c) => c.name)).toEqual(["web", "metrics", "proxy"]);
    for (const c of template.spec.containers) c.image = images[c.name]!;
    expect(await post(server, ca, review)).toEqual(
      denied(DEPLOYMENT_UID, 403, `secure-mlops verifier denied Deployment ml-serving/sentiment: container "proxy": image ${proxy}: no signature or attestation is attached to ${proxy}`),
    );
  });

  it("denies a CronJob, a Pod's init container and an ephemeral container for the one unsigned image among signed ones", async () => {
    const good = await signedImage("ml/good", signer);
    const badImg = await pushTestImage(reg.host, "ml/bad", "v1");
    const bad = `${reg.host}/ml/bad@${badImg.digest}`;
    const model = await signedModel("models/eval");
    /** Every image of the review signed except the container named `badName`; every models annotation the signed model. */
    const rewrite = (node: unknown, badName: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => rewrite(n, badName));
      if (typeof node !== "object" || node === null) return;
      const o = node as Record<string, unknown>;
      if (typeof o["image"] === "string") o["image"] = o["name"] === badName ? bad : good;
      const volumeImage = o["image"] as Record<string, unknown> | undefined;
      if (typeof volumeImage === "object" && volumeImage !== null && typeof volumeImage["reference"] === "string") volumeImage["reference"] = good;
      if (typeof o["secure-mlops.dev/models"] === "string") o["secure-mlops.dev/models"] = JSON.stringify([model]);
      for (const v of Object.values(o)) rewrite(v, badName);
    };
    const cases = [
      ["cronjob", "fetch-model", "CronJob ml-serving/nightly-eval", 'init container "fetch-model"'],
      ["pod-init-container", "fetch-model", POD_NAME, 'init container "fetch-model"'],
      ["pod-ephemeral-containers", "debugger-7w4mz", "Pod ml-serving/sentiment-7d9f8b6c5-x2k9q", 'ephemeral container "debugger-7w4mz"'],
    ] as const;
    expect(cases.length).toBe(3);
    for (const [name, badName, object, where] of cases) {
      const review = fixture(name);
      rewrite(review.request.object, badName);
      expect(JSON.stringify(review.request.object), name).toContain(bad);
      expect(await post(server, ca, review), name).toEqual(denied(review.request["uid"] as string, 403, `secure-mlops verifier denied ${object}: ${where}: image ${bad}: no signature or attestation is attached to ${bad}`));
      rewrite(review.request.object, "(none)");
      expect(await post(server, ca, review), `${name}, every image signed`).toEqual(allowed(review.request["uid"] as string));
    }
  });

  it("denies while the registry is stopped, and allows again once it is back, without a restart", async () => {
    const image = await signedImage("team/comeback", signer);
    const { port, storage } = reg;
    await reg.stop({ keepStorage: true });
    let down: Review;
    try {
      down = await post(server, ca, pod({ web: image }));
    } finally {
      reg = await startRegistry({ port, storage });
    }
    expect(down.response.allowed).toBe(false);
    expect(down.response.status?.code).toBe(503);
    expect(down.response.status?.message).toMatch(
      new RegExp(`^secure-mlops verifier denied ${esc(POD_NAME)}: container "web": image ${esc(image)}: registry ${esc(reg.host)}: (GET referrers|GET manifest) team/comeback[@:]sha256[-:][0-9a-f]{64}(\\.sig)?: (ECONNREFUSED|ECONNRESET) \\(http://${esc(reg.host)}\\); the image is refused until the registry answers$`),
    );
    const line = lines.filter((l) => l["msg"] === "review").at(-1)!;
    expect([line["decision"], line["code"]]).toEqual(["deny", "REGISTRY_UNREACHABLE"]);
    expect(await post(server, ca, pod({ web: image }))).toEqual(allowed(POD_UID));
  });

  it("judges the next review by the policy file as rewritten", async () => {
    const image = await signedImage("team/rewrite", signer);
    expect(await post(server, ca, pod({ web: image }))).toEqual(allowed(POD_UID));
    const before = server.service.policy.hash;
    writeFileSync(policyFile, policyText("signature, sbom, provenance"));
    await until("the policy reload", () => server.service.policy.hash !== before);
    expect(await post(server, ca, pod({ web: image }))).toEqual(
      denied(
        POD_UID,
        403,
        `secure-mlops verifier denied ${POD_NAME}: container "web": image ${image}: required predicate provenance (https://slsa.dev/provenance/v1) has no verified attestation; verified: https://sigstore.dev/cosign/sign/v1, https://cyclonedx.org/bom`,
      ),
    );
  });
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
