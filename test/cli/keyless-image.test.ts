import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_V03_MEDIA_TYPE } from "../../attestation/bundle";
import { attestImage } from "../../attestation/image";
import { pushModel } from "../../attestation/model-registry";
import { attestDirectory } from "../../attestation/sign";
import { RegistryClient } from "../../registry/client";
import { listReferrers } from "../../registry/referrers";
import { createVerifiers } from "../../verifier/adapters";
import { startVerifierServer, type VerifierServer } from "../../verifier/server";
import { pushTestImage, startRegistry, type TestRegistry } from "../support/registry";
import { GITHUB_ISSUER, githubClaims, githubIdentity, startKeylessTestbed, type GithubRunClaims, type KeylessTestbed } from "../support/sigstore";
import { captureLogger, cleanupTemp, fixture, makeCertificate, postReview, tempDir, type ReviewAnswer } from "../verifier/helpers";
import { runInProcess as run, type InProcessRun as Run } from "../support/cli";

/**
 * Images signed keyless, end to end: `attest image --keyless` as a GitHub Actions run (the
 * Sigstore mocks of test/support/sigstore.ts on 127.0.0.1), the attestations in Debian's
 * docker-registry beside the image, then `verify image` by identity, `@sigstore/verify` alone on
 * the bundle read back from the registry, and the verifier webhook with a policy that names the
 * release workflow on tags.
 */

const TOKEN_ENV = "SECURE_MLOPS_TEST_OIDC_TOKEN";
const RELEASE_ON_TAGS = "^https://github\\.com/octo-org/models/\\.github/workflows/release-model\\.yml@refs/tags/v.*$";
const BRANCH_BUILD: GithubRunClaims = { ref: "refs/heads/main" };

let bed: KeylessTestbed;
let reg: TestRegistry;
let dir: string;
let trustedRoot: string;
let sbom: string;

beforeAll(async () => {
  [bed, reg] = await Promise.all([startKeylessTestbed(), startRegistry()]);
  dir = tempDir("keyless-image-");
  trustedRoot = bed.writeTrustedRoot(dir);
  sbom = path.join(dir, "sbom.json");
  writeFileSync(sbom, JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.5", components: [{ name: "openssl", version: "3.0.13", licenses: [{ license: { id: "Apache-2.0" } }] }] }));
}, 60_000);

afterAll(async () => {
  delete process.env[TOKEN_ENV];
  await Promise.all([bed?.close(), reg?.stop()]);
  cleanupTemp();
});

/** Pushes `repo:v1` and attests it keyless through the command line as the given run; returns the digest reference. */
async function attestKeyless(repo: string, runClaims: GithubRunClaims = {}, extra: readonly string[] = []): Promise<{ ref: string; result: Run }> {
  const img = await pushTestImage(reg.host, repo, "v1");
  process.env[TOKEN_ENV] = bed.token(githubClaims(runClaims));
  const result = await run("attest", "image", img.ref, "--keyless", "--fulcio-url", bed.fulcioURL, "--rekor-url", bed.rekorURL, "--tsa-url", bed.tsaURL, "--identity-token-env", TOKEN_ENV, "--sbom", sbom, ...extra);
  return { ref: `${reg.host}/${repo}@${img.digest}`, result };
}

function byIdentity(identityRegexp = RELEASE_ON_TAGS, issuer = GITHUB_ISSUER): string[] {
  return ["--identity-regexp", identityRegexp, "--issuer", issuer, "--trusted-root", trustedRoot];
}

describe("attest image --keyless, verify image by identity", () => {
  let tagBuild: string;

  beforeAll(async () => {
    const signed = await attestKeyless("team/release");
    expect([signed.result.code, signed.result.err]).toEqual([0, ""]);
    expect(signed.result.out.match(/attached \(referrers-tag\)/g)).toHaveLength(2);
    tagBuild = signed.ref;
  }, 60_000);

  it("verifies the tag build by the release workflow's identity and names the signer of each attachment", async () => {
    const result = await run("verify", "image", tagBuild, ...byIdentity());
    expect([result.code, result.err]).toEqual([0, ""]);
    const lines = result.out.trimEnd().split("\n");
    expect(lines[0]).toBe(`verified: image ${tagBuild}`);
    const attachments = lines.slice(1);
    expect(attachments).toHaveLength(2);
    for (const line of attachments) expect(line.endsWith(` by ${githubIdentity()}`)).toBe(true);
  });

  it("holds cosign-style workflow conditions, and refuses when one does not hold", async () => {
    const held = await run("verify", "image", tagBuild, ...byIdentity(), "--certificate-github-workflow-repository", "octo-org/models", "--certificate-github-workflow-ref", "refs/tags/v1.2.0", "--certificate-github-workflow-trigger", "push");
    expect(held.code).toBe(0);
    const refused = await run("verify", "image", tagBuild, ...byIdentity(), "--certificate-github-workflow-trigger", "workflow_dispatch", "--json");
    expect(refused.code).toBe(1);
    const verdict = JSON.parse(refused.out) as { attachments: { status: string; reason?: string }[] };
    expect(verdict.attachments.length).toBeGreaterThan(0);
    for (const a of verdict.attachments) {
      expect(a.status).toBe("refused");
      expect(a.reason).toBe('certificate githubWorkflowTrigger (1.3.6.1.4.1.57264.1.2) is "push", expected "workflow_dispatch"');
    }
  });

  it("refuses another identity and another issuer, each with its own reason", async () => {
    const ci = "https://github.com/octo-org/models/.github/workflows/ci.yml@refs/heads/main";
    const identity = await run("verify", "image", tagBuild, "--identity", ci, "--issuer", GITHUB_ISSUER, "--trusted-root", trustedRoot, "--json");
    expect(identity.code).toBe(1);
    expect((JSON.parse(identity.out) as { attachments: { reason?: string }[] }).attachments[0]?.reason).toBe(`signed by ${githubIdentity()}, expected ${ci}`);
    const issuer = await run("verify", "image", tagBuild, ...byIdentity(RELEASE_ON_TAGS, "https://accounts.google.com"), "--json");
    expect(issuer.code).toBe(1);
    expect((JSON.parse(issuer.out) as { attachments: { reason?: string }[] }).attachments[0]?.reason).toBe(`identity issued by ${GITHUB_ISSUER}, expected https://accounts.google.com`);
  });

  it("refuses a branch build of the same workflow under the tags-only identity", async () => {
    const branch = await attestKeyless("team/branch", BRANCH_BUILD);
    expect(branch.result.code).toBe(0);
    const result = await run("verify", "image", branch.ref, ...byIdentity(), "--json");
    expect(result.code).toBe(1);
    const verdict = JSON.parse(result.out) as { attachments: { status: string; reason?: string }[] };
    expect(verdict.attachments.map((a) => a.status)).toEqual(["refused", "refused"]);
    expect(verdict.attachments[0]?.reason).toBe(`signed by ${githubIdentity(BRANCH_BUILD)}, expected /${RELEASE_ON_TAGS}/`);
  });

  it("refuses a certificate from a CA the trusted root does not hold", async () => {
    const img = await pushTestImage(reg.host, "team/rogue-ca", "v1");
    await attestImage({ ref: img.ref, signer: bed.signer({}, { fulcio: "untrusted" }), registry: { credentials: null } });
    const result = await run("verify", "image", `${reg.host}/team/rogue-ca@${img.digest}`, ...byIdentity(), "--json");
    expect(result.code).toBe(1);
    const verdict = JSON.parse(result.out) as { attachments: { status: string; code?: string }[] };
    expect(verdict.attachments.map((a) => [a.status, a.code])).toEqual([["refused", "SIGNATURE_CHAIN_UNTRUSTED"]]);
  });

  it("the bundle read back from the registry verifies with @sigstore/verify alone", async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    try {
      const digest = tagBuild.split("@")[1]!;
      const { descriptors } = await listReferrers(client, "team/release", digest);
      expect(descriptors).toHaveLength(2);
      for (const descriptor of descriptors) {
        const manifest = JSON.parse((await client.getManifest("team/release", descriptor.digest)).bytes.toString("utf8")) as { layers: { mediaType: string; digest: string }[] };
        const layer = manifest.layers[0]!;
        expect(layer.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
        const bundle = bundleFromJSON(JSON.parse((await client.getBlob("team/release", layer.digest)).toString("utf8")));
        const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(bed.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 2 });
        const signer = verifier.verify(toSignedEntity(bundle), { subjectAlternativeName: RELEASE_ON_TAGS, extensions: { issuer: GITHUB_ISSUER } });
        expect(signer.identity?.subjectAlternativeName).toBe(githubIdentity());
      }
    } finally {
      client.close();
    }
  });
});

const post = (server: VerifierServer, ca: string, body: unknown): Promise<ReviewAnswer> => postReview(server.url, ca, body);

function podWith(image: string, models: readonly string[] = []): ReturnType<typeof fixture> {
  const review = fixture("pod");
  const object = review.request.object as { metadata: { annotations?: Record<string, string> }; spec: { containers: Record<string, unknown>[] } };
  object.spec.containers = [{ ...object.spec.containers[0]!, name: "web", image }];
  if (models.length > 0) object.metadata.annotations = { "secure-mlops.dev/models": JSON.stringify(models) };
  else delete object.metadata.annotations;
  return review;
}

/** A model folder signed keyless as the given run and pushed as an OCI artifact; returns its digest reference. */
async function keylessModel(repo: string, runClaims: GithubRunClaims): Promise<string> {
  const root = path.join(tempDir("keyless-model-"), "model");
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, "weights.bin"), Buffer.alloc(4096, 5));
  const signed = await attestDirectory({ root, signer: bed.signer(runClaims), recordGitSource: false });
  const pushed = await pushModel({ root, ref: `${reg.host}/${repo}:v1`, manifest: signed.manifest, kind: "model", bundlePath: signed.bundlePath, registry: { credentials: null } });
  return `${reg.host}/${repo}@${pushed.digest}`;
}

describe("the verifier webhook with a policy that trusts only the release workflow on tags", () => {
  let server: VerifierServer;
  let ca: string;

  beforeAll(async () => {
    const policyFile = path.join(dir, "policy.yaml");
    writeFileSync(
      policyFile,
      [
        "apiVersion: secure-mlops.dev/v1",
        "kind: AttestationPolicy",
        "signers:",
        `  - identityRegexp: '${RELEASE_ON_TAGS}'`,
        `    issuer: ${GITHUB_ISSUER}`,
        `    trustedRoot: ${path.basename(trustedRoot)}`,
        "    certificate: { githubWorkflowTrigger: push }",
        "images:",
        "  requirePredicates: [signature, sbom]",
        "admission:",
        `  allowedRegistries: ["${reg.host}"]`,
        "  deadline: { maxMs: 8000, marginMs: 250 }",
        "",
      ].join("\n"),
    );
    const tls = makeCertificate(dir, "tls");
    ca = readFileSync(tls.cert, "utf8");
    server = await startVerifierServer({
      policyFile,
      tlsCert: tls.cert,
      tlsKey: tls.key,
      port: 0,
      metricsPort: 0,
      logger: captureLogger().logger,
      defaultMetrics: false,
      verifiers: (context) => createVerifiers(context, { registry: { credentials: null, timeoutMs: 5000 } }),
    });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
  });

  it("admits a Pod whose image the tag build signed keyless", async () => {
    const { ref, result } = await attestKeyless("serving/tagged", { ref: "refs/tags/v2.0.0" });
    expect(result.code).toBe(0);
    const answer = await post(server, ca, podWith(ref));
    expect(answer.response).toEqual({ uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", allowed: true });
  });

  it("denies a Pod whose image a branch build of the same workflow signed, naming who signed it", async () => {
    const { ref, result } = await attestKeyless("serving/branch", BRANCH_BUILD);
    expect(result.code).toBe(0);
    const answer = await post(server, ca, podWith(ref));
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status?.code).toBe(403);
    expect(answer.response.status?.message).toContain(`container "web": image ${ref}: none of the 2 attachment(s) verified`);
    expect(answer.response.status?.message).toContain(`signed by ${githubIdentity(BRANCH_BUILD)}, expected /${RELEASE_ON_TAGS}/`);
  });

  it("admits a model the tag build signed keyless, and denies one a branch build signed", async () => {
    const { ref: image } = await attestKeyless("serving/with-model", { ref: "refs/tags/v2.1.0" });
    const tagged = await keylessModel("models/tagged", { ref: "refs/tags/v2.1.0" });
    expect((await post(server, ca, podWith(image, [tagged]))).response).toEqual({ uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", allowed: true });
    const branch = await keylessModel("models/branch", BRANCH_BUILD);
    const answer = await post(server, ca, podWith(image, [branch]));
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status?.message).toContain(`model in the secure-mlops.dev/models annotation of the Pod: model ${branch}: `);
    expect(answer.response.status?.message).toContain(`signed by ${githubIdentity(BRANCH_BUILD)}, expected /${RELEASE_ON_TAGS}/`);
  });

  it("denies the tag build when it was triggered by hand and the policy wants a push", async () => {
    const { ref, result } = await attestKeyless("serving/dispatched", { ref: "refs/tags/v2.0.1", eventName: "workflow_dispatch" });
    expect(result.code).toBe(0);
    const answer = await post(server, ca, podWith(ref));
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status?.message).toContain('certificate githubWorkflowTrigger (1.3.6.1.4.1.57264.1.2) is "workflow_dispatch", expected "push"');
  });
});
