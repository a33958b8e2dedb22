import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeHashPool } from "../../attestation/hash-pool";
import { attestDirectory } from "../../attestation/sign";
import { loadTrustedRoot, verifyDirectory, type DirectoryVerification, type IdentityMatcher, type TrustedRootMaterial, type TrustPolicy } from "../../attestation/verify";
import { GITHUB_ISSUER, githubIdentity, startKeylessTestbed, type GithubRunClaims, type KeylessTestbed } from "../support/sigstore";
import { cleanupTemp, readJson, tempDir, writeTree } from "./helpers";

/**
 * Keyless signing end to end, offline: `attestDirectory` signs through the Sigstore mocks
 * (Fulcio, Rekor, TSA on 127.0.0.1) with a GitHub Actions-shaped token, and the bundle is
 * verified by identity against the trusted root of the mocks' keys: by our verifier, and by
 * `@sigstore/verify` alone.
 */

let bed: KeylessTestbed;
let rootFile: string;
let root: TrustedRootMaterial;

beforeAll(async () => {
  bed = await startKeylessTestbed();
  rootFile = bed.writeTrustedRoot(tempDir("root-"));
  root = await loadTrustedRoot(rootFile);
});

afterAll(async () => {
  await bed.close();
  cleanupTemp();
  await closeHashPool();
});

const TAG_IDENTITY = "https://github.com/octo-org/models/.github/workflows/release-model.yml@refs/tags/v1.2.0";

function model(): string {
  const dir = path.join(tempDir("keyless-"), "tiny-model");
  writeTree(dir, { "config.json": '{"hidden": 8}', "weights.safetensors": Buffer.alloc(2048, 7) });
  return dir;
}

async function signedModel(run: GithubRunClaims = {}, options: Parameters<KeylessTestbed["signer"]>[1] = {}): Promise<{ dir: string; bundle: string }> {
  const dir = model();
  const result = await attestDirectory({ root: dir, signer: bed.signer(run, options), recordGitSource: false });
  return { dir, bundle: result.bundlePath };
}

function keyless(identity: IdentityMatcher, extra: Partial<Extract<TrustPolicy, { method: "keyless" }>> = {}): TrustPolicy {
  return { method: "keyless", identity, issuer: GITHUB_ISSUER, trustedRoot: root, ...extra };
}

async function verify(dir: string, trust: TrustPolicy, bundlePath?: string): Promise<DirectoryVerification> {
  return verifyDirectory({ root: dir, trust: [trust], ...(bundlePath ? { bundlePath } : {}) });
}

/** Rewrites a bundle file through `edit`, into a copy beside it. */
function edited(bundleFile: string, edit: (bundle: BundleJson) => void): string {
  const bundle = readJson(bundleFile) as unknown as BundleJson;
  edit(bundle);
  const out = path.join(path.dirname(bundleFile), "edited.sig");
  writeFileSync(out, JSON.stringify(bundle));
  return out;
}

interface BundleJson {
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: { integratedTime: string; inclusionPromise: { signedEntryTimestamp: string }; inclusionProof?: unknown }[];
    timestampVerificationData?: { rfc3161Timestamps: unknown[] };
  };
  dsseEnvelope: { payload: string; payloadType: string };
}

describe("a model signed keyless as the release workflow", () => {
  let signed: { dir: string; bundle: string };
  beforeAll(async () => {
    signed = await signedModel();
  });

  it("writes a bundle with the Fulcio certificate, a Rekor entry with its inclusion promise, and a timestamp", () => {
    const bundle = readJson(signed.bundle) as unknown as BundleJson;
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, "base64"));
    expect(cert.subjectAltName).toBe(`URI:${TAG_IDENTITY}`);
    expect(cert.issuer).toBe("CN=sigstore\nO=sigstore.mock");
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    const entry = bundle.verificationMaterial.tlogEntries[0]!;
    expect(Buffer.from(entry.inclusionPromise.signedEntryTimestamp, "base64").length).toBeGreaterThan(60);
    expect(entry.inclusionProof).toBeDefined();
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    // the witnesses run concurrently, so the log and the TSA may be called in either order
    expect([...bed.requests].sort()).toEqual(["/fulcio/api/v2/signingCert", "/rekor/api/v1/log/entries", "/tsa/api/v1/timestamp"]);
  });

  it("verifies by exact identity and issuer, and reports the workflow's certificate extensions", async () => {
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }));
    expect(result.failures).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.signer?.identity).toBe(TAG_IDENTITY);
    expect(result.signer?.issuer).toBe(GITHUB_ISSUER);
    expect(result.signer?.certificateExtensions).toMatchObject({
      githubWorkflowRepository: "octo-org/models",
      githubWorkflowRef: "refs/tags/v1.2.0",
      githubWorkflowTrigger: "push",
      githubWorkflowName: "Release model",
      sourceRepositoryUri: "https://github.com/octo-org/models",
      sourceRepositoryRef: "refs/tags/v1.2.0",
      buildSignerUri: TAG_IDENTITY,
      runnerEnvironment: "github-hosted",
    });
  });

  it("verifies with @sigstore/verify alone, against the same trusted root, with no code of ours in the path", () => {
    const json = readJson(signed.bundle);
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(bed.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 2 });
    const entity = toSignedEntity(bundleFromJSON(json));
    const signer = verifier.verify(entity, { subjectAlternativeName: `^${TAG_IDENTITY.replace(/[.]/g, "\\.")}$`, extensions: { issuer: GITHUB_ISSUER } });
    expect(signer.identity?.subjectAlternativeName).toBe(TAG_IDENTITY);
    expect(signer.identity?.extensions?.issuer).toBe(GITHUB_ISSUER);
    expect(() => verifier.verify(entity, { subjectAlternativeName: "^https://github\\.com/octo-org/other/", extensions: { issuer: GITHUB_ISSUER } })).toThrow(
      `certificate identity error - expected ^https://github\\.com/octo-org/other/, got ${TAG_IDENTITY}`,
    );
  });

  it("verifies when the policy names the workflow's repository, ref, trigger and runner", async () => {
    const result = await verify(
      signed.dir,
      keyless(
        { exact: TAG_IDENTITY },
        { conditions: { githubWorkflowRepository: "octo-org/models", githubWorkflowRef: "refs/tags/v1.2.0", githubWorkflowTrigger: "push", sourceRepositoryRef: "refs/tags/v1.2.0", runnerEnvironment: "github-hosted" } },
      ),
    );
    expect(result.failures).toEqual([]);
  });
});

describe("a workflow-identity policy on the release workflow at refs/tags/v*", () => {
  const releaseOnTags = (): TrustPolicy => keyless({ regexp: "https://github\\.com/octo-org/models/\\.github/workflows/release-model\\.yml@refs/tags/v.*" });

  it("admits the tag build", async () => {
    const tag = await signedModel({ ref: "refs/tags/v2.0.0" });
    const result = await verify(tag.dir, releaseOnTags());
    expect(result.failures).toEqual([]);
    expect(result.signer?.identity).toBe(githubIdentity({ ref: "refs/tags/v2.0.0" }));
  });

  it("refuses a branch build of the same workflow", async () => {
    const branch = await signedModel({ ref: "refs/heads/main" });
    const result = await verify(branch.dir, releaseOnTags());
    expect(result.verified).toBe(false);
    expect(result.failures).toEqual([
      {
        code: "SIGNATURE_IDENTITY_MISMATCH",
        message: "signed by https://github.com/octo-org/models/.github/workflows/release-model.yml@refs/heads/main, expected /https://github\\.com/octo-org/models/\\.github/workflows/release-model\\.yml@refs/tags/v.*/",
      },
    ]);
  });
});

describe("when the keyless signature cannot be trusted", () => {
  let signed: { dir: string; bundle: string };
  beforeAll(async () => {
    signed = await signedModel();
  });

  it("refuses another identity", async () => {
    const result = await verify(signed.dir, keyless({ exact: "https://github.com/octo-org/models/.github/workflows/other.yml@refs/tags/v1.2.0" }));
    expect(result.failures).toEqual([
      { code: "SIGNATURE_IDENTITY_MISMATCH", message: `signed by ${TAG_IDENTITY}, expected https://github.com/octo-org/models/.github/workflows/other.yml@refs/tags/v1.2.0` },
    ]);
  });

  it("refuses another issuer", async () => {
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }, { issuer: "https://accounts.google.com" }));
    expect(result.failures).toEqual([{ code: "SIGNATURE_ISSUER_MISMATCH", message: `identity issued by ${GITHUB_ISSUER}, expected https://accounts.google.com` }]);
  });

  it("refuses a certificate whose workflow extensions differ from the policy's", async () => {
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }, { conditions: { githubWorkflowRef: "refs/heads/main", githubWorkflowTrigger: "workflow_dispatch" } }));
    expect(result.failures).toEqual([
      {
        code: "SIGNATURE_EXTENSION_MISMATCH",
        message:
          'certificate githubWorkflowTrigger (1.3.6.1.4.1.57264.1.2) is "push", expected "workflow_dispatch"; certificate githubWorkflowRef (1.3.6.1.4.1.57264.1.6) is "refs/tags/v1.2.0", expected "refs/heads/main"',
      },
    ]);
  });

  it("refuses a certificate from a CA outside the trusted root", async () => {
    const rogue = await signedModel({}, { fulcio: "untrusted" });
    const result = await verify(rogue.dir, keyless({ exact: TAG_IDENTITY }));
    expect(result.failures).toEqual([
      { code: "SIGNATURE_CHAIN_UNTRUSTED", message: `signing certificate (issuer CN=sigstore, O=sigstore.mock) was not issued by a certificate authority of ${rootFile}` },
    ]);
  });

  it("refuses a log entry for another artifact", async () => {
    const other = await signedModel();
    const otherEntries = (readJson(other.bundle) as unknown as BundleJson).verificationMaterial.tlogEntries;
    const swapped = edited(signed.bundle, (b) => {
      b.verificationMaterial.tlogEntries = otherEntries;
    });
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }), swapped);
    expect(result.failures).toEqual([
      { code: "SIGNATURE_TLOG_ENTRY_MISMATCH", message: "the transparency log entry is for another signature or artifact (TLOG_BODY_ERROR: tlog entry signature mismatch)" },
    ]);
  });

  it("refuses a signed entry timestamp that does not verify", async () => {
    const forged = edited(signed.bundle, (b) => {
      const set = Buffer.from(b.verificationMaterial.tlogEntries[0]!.inclusionPromise.signedEntryTimestamp, "base64");
      set[set.length - 1] ^= 0x01;
      b.verificationMaterial.tlogEntries[0]!.inclusionPromise.signedEntryTimestamp = set.toString("base64");
    });
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }), forged);
    expect(result.failures).toEqual([
      {
        code: "SIGNATURE_TLOG_SET_INVALID",
        message: `the transparency log entry's signed entry timestamp does not verify with a log of ${rootFile} (TLOG_INCLUSION_PROMISE_ERROR: inclusion promise could not be verified)`,
      },
    ]);
  });

  it("refuses a certificate that had expired when the log integrated the entry", async () => {
    const late = await signedModel({}, { rekor: "late" });
    const bundle = readJson(late.bundle) as unknown as BundleJson;
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, "base64"));
    const integrated = new Date(Number(bundle.verificationMaterial.tlogEntries[0]!.integratedTime) * 1000);
    expect(integrated.getTime()).toBeGreaterThan(new Date(cert.validTo).getTime());
    const result = await verify(late.dir, keyless({ exact: TAG_IDENTITY }));
    expect(result.failures).toEqual([
      {
        code: "SIGNATURE_CERTIFICATE_NOT_VALID_AT_TIME",
        message: `signing certificate is valid from ${new Date(cert.validFrom).toISOString()} to ${new Date(cert.validTo).toISOString()}, but the transparency log integrated the entry at ${integrated.toISOString()}`,
      },
    ]);
  });

  it("refuses a bundle whose transparency log entry was removed", async () => {
    const stripped = edited(signed.bundle, (b) => {
      b.verificationMaterial.tlogEntries = [];
    });
    const result = await verify(signed.dir, keyless({ exact: TAG_IDENTITY }), stripped);
    expect(result.failures).toEqual([{ code: "BUNDLE_MISSING_TLOG_ENTRIES", message: `${stripped}: keyless bundle (Fulcio certificate) has no transparency log entries` }]);
  });

  it("refuses to sign with a token the issuer did not sign", async () => {
    const dir = model();
    const forgedSigner = { ...bed.signer(), identityToken: bed.forgedToken({ iss: GITHUB_ISSUER, sub: "repo:octo-org/models:ref:refs/tags/v1.2.0", aud: "sigstore", exp: 4102444800, job_workflow_ref: "octo-org/models/.github/workflows/release-model.yml@refs/tags/v1.2.0" }) };
    await expect(attestDirectory({ root: dir, signer: forgedSigner, recordGitSource: false })).rejects.toMatchObject({
      code: "SIGNING_KEYLESS_FAILED",
      message: "keyless signing failed (Fulcio/Rekor/OIDC): error creating signing certificate - (401) token signature does not verify with the issuer's key",
    });
  });
});
