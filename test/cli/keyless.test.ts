import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { closeHashPool } from "../../attestation/hash-pool";
import { cleanupTemp, readJson, statementOf, tempDir, writeTree } from "../attestation/helpers";
import { GITHUB_ISSUER, githubClaims, githubIdentity, startKeylessTestbed, type GithubRunClaims, type KeylessTestbed } from "../support/sigstore";
import { runInProcess as run, type InProcessRun as Run } from "../support/cli";

/**
 * `attest model|dataset|evidence --keyless` and `verify model|dataset --identity` end to end
 * through the command line, against the Sigstore mocks on 127.0.0.1 and their trusted root.
 */

const TOKEN_ENV = "SECURE_MLOPS_TEST_OIDC_TOKEN";
const TAG = githubIdentity();
const RELEASE_ON_TAGS = "^https://github\\.com/octo-org/models/\\.github/workflows/release-model\\.yml@refs/tags/v.*$";

let bed: KeylessTestbed;
let trustedRoot: string;

beforeAll(async () => {
  bed = await startKeylessTestbed();
  trustedRoot = bed.writeTrustedRoot(tempDir("root-"));
});

afterAll(async () => {
  delete process.env[TOKEN_ENV];
  await bed.close();
  cleanupTemp();
  await closeHashPool();
});

function keylessFlags(options: { fulcio?: string; rekor?: string } = {}): string[] {
  return ["--keyless", "--fulcio-url", options.fulcio ?? bed.fulcioURL, "--rekor-url", options.rekor ?? bed.rekorURL, "--tsa-url", bed.tsaURL, "--identity-token-env", TOKEN_ENV];
}

/** Signs as a run of the release workflow (the tag build unless told otherwise). */
async function attest(kind: "model" | "dataset", run_: GithubRunClaims = {}): Promise<{ dir: string; result: Run }> {
  const dir = path.join(tempDir(`cli-keyless-${kind}-`), `tiny-${kind}`);
  writeTree(dir, { "README.md": "---\nlicense: apache-2.0\n---\n# tiny\n", "data.bin": Buffer.alloc(512, 3) });
  process.env[TOKEN_ENV] = bed.token(githubClaims(run_));
  const result = await run("attest", kind, dir, ...keylessFlags(), "--no-git-source");
  return { dir, result };
}

const byIdentity = (identity = TAG): string[] => ["--identity", identity, "--issuer", GITHUB_ISSUER, "--trusted-root", trustedRoot];

describe("secure-mlops attest --keyless", () => {
  it("signs a model as the workflow's identity, with certificate, log entry and timestamp in the bundle", async () => {
    const { dir, result } = await attest("model");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const lines = result.out.split("\n");
    expect(lines[1]).toBe(`bundle: ${path.join(dir, "model.sig")}`);
    expect(lines[2]).toBe(`signer: ${TAG} (issuer ${GITHUB_ISSUER})`);
    const vm = readJson(path.join(dir, "model.sig"))["verificationMaterial"] as Record<string, unknown>;
    expect(Object.keys(vm).sort()).toEqual(["certificate", "timestampVerificationData", "tlogEntries"]);
  });

  it("says who signed in --json", async () => {
    const dir = path.join(tempDir("cli-keyless-json-"), "m");
    writeTree(dir, { "w.bin": "w" });
    process.env[TOKEN_ENV] = bed.token(githubClaims());
    const result = await run("attest", "model", dir, ...keylessFlags(), "--json");
    expect(result.code).toBe(0);
    expect((JSON.parse(result.out) as Record<string, unknown>)["signer"]).toEqual({ identity: TAG, issuer: GITHUB_ISSUER });
  });

  it.each([
    ["not-a-jwt", "identity token: a JWT has 3 dot-separated parts, this has 1"],
    [`${Buffer.from('{"alg":"ES256"}').toString("base64url")}.${Buffer.from('{"iss":"https://token.actions.githubusercontent.com","sub":"x","exp":1600000000}').toString("base64url")}.c2ln`, "identity token: expired at 2020-09-13T12:26:40.000Z"],
  ])("exits 2 before any request for the token %j", async (token, message) => {
    process.env[TOKEN_ENV] = token;
    const before = bed.requests.length;
    const result = await run("attest", "model", tempDir(), ...keylessFlags());
    expect(result).toEqual({ code: 2, out: "", err: `secure-mlops: --identity-token-env ${TOKEN_ENV}: ${message}\n` });
    expect(bed.requests.length).toBe(before);
  });
});

describe("secure-mlops verify --identity, for a keyless model", () => {
  let signed: string;
  beforeAll(async () => {
    const { dir, result } = await attest("model");
    expect(result.code).toBe(0);
    signed = dir;
  });

  it("exits 0 and names the workflow identity", async () => {
    const result = await run("verify", "model", signed, ...byIdentity());
    expect(result.err).toBe("");
    expect(result.out.split("\n").slice(0, 2)).toEqual([`verified: model ${signed}`, `signer: ${TAG} (issuer ${GITHUB_ISSUER})`]);
    expect(result.code).toBe(0);
  });

  it("exits 0 with cosign-style workflow conditions that hold", async () => {
    const result = await run(
      "verify",
      "model",
      signed,
      ...byIdentity(),
      "--certificate-github-workflow-repository",
      "octo-org/models",
      "--certificate-github-workflow-ref",
      "refs/tags/v1.2.0",
      "--certificate-github-workflow-trigger",
      "push",
      "--certificate-github-workflow-name",
      "Release model",
      "--certificate-extension",
      "sourceRepositoryRef=refs/tags/v1.2.0",
      "--certificate-extension",
      "runnerEnvironment=github-hosted",
      "--json",
    );
    expect(result.code).toBe(0);
    const signer = (JSON.parse(result.out) as { signer: { label: string; certificateExtensions: Record<string, string> } }).signer;
    expect(signer.label).toBe(
      `identity ${TAG} with githubWorkflowTrigger=push, githubWorkflowName=Release model, githubWorkflowRepository=octo-org/models, githubWorkflowRef=refs/tags/v1.2.0, runnerEnvironment=github-hosted, sourceRepositoryRef=refs/tags/v1.2.0`,
    );
    expect(signer.certificateExtensions["buildSignerUri"]).toBe(TAG);
  });

  it("exits 1 when a workflow condition does not hold", async () => {
    const result = await run("verify", "model", signed, ...byIdentity(), "--certificate-github-workflow-ref", "refs/heads/main", "--certificate-extension", "runnerEnvironment=self-hosted");
    expect(result).toEqual({
      code: 1,
      out: `not verified: model ${signed}\ncertificate githubWorkflowRef (1.3.6.1.4.1.57264.1.6) is "refs/tags/v1.2.0", expected "refs/heads/main"; certificate runnerEnvironment (1.3.6.1.4.1.57264.1.11) is "github-hosted", expected "self-hosted"\n`,
      err: "",
    });
  });

  it("exits 1 for another identity, and for another issuer", async () => {
    const other = await run("verify", "model", signed, ...byIdentity("https://github.com/octo-org/models/.github/workflows/ci.yml@refs/heads/main"));
    expect([other.code, other.out.split("\n")[1]]).toEqual([1, `signed by ${TAG}, expected https://github.com/octo-org/models/.github/workflows/ci.yml@refs/heads/main`]);
    const issuer = await run("verify", "model", signed, "--identity", TAG, "--issuer", "https://accounts.google.com", "--trusted-root", trustedRoot);
    expect([issuer.code, issuer.out.split("\n")[1]]).toEqual([1, `identity issued by ${GITHUB_ISSUER}, expected https://accounts.google.com`]);
  });

  it("exits 1 against the public-good trusted root, which knows neither the mock's TSA nor its CA", async () => {
    const result = await run("verify", "model", signed, "--identity", TAG, "--issuer", GITHUB_ISSUER);
    expect([result.code, result.out.split("\n")[1]]).toEqual([1, "the signature's timestamps do not verify (TIMESTAMP_ERROR: timestamp could not be verified)"]);
  });

  it.each([
    [["--certificate-extension", "repository=octo-org/models"], `secure-mlops: --certificate-extension: expected NAME=VALUE with NAME one of githubWorkflowTrigger, githubWorkflowSha, githubWorkflowName, githubWorkflowRepository, githubWorkflowRef, buildSignerUri, buildSignerDigest, runnerEnvironment, sourceRepositoryUri, sourceRepositoryDigest, sourceRepositoryRef, sourceRepositoryIdentifier, sourceRepositoryOwnerUri, sourceRepositoryOwnerIdentifier, buildConfigUri, buildConfigDigest, buildTrigger, runInvocationUri, sourceRepositoryVisibilityAtSigning, got "repository=octo-org/models"\n`],
    [["--certificate-github-workflow-ref", "refs/tags/v1", "--certificate-extension", "githubWorkflowRef=refs/tags/v2"], 'secure-mlops: --certificate-extension: githubWorkflowRef is given twice, as "refs/tags/v1" and "refs/tags/v2"\n'],
  ])("exits 2 on bad certificate conditions %j", async (flags, err) => {
    expect(await run("verify", "model", signed, ...byIdentity(), ...flags)).toEqual({ code: 2, out: "", err });
  });

  it("exits 2 for certificate conditions without an identity", async () => {
    expect(await run("verify", "model", signed, "--key", trustedRoot, "--certificate-github-workflow-ref", "refs/tags/v1")).toEqual({
      code: 2,
      out: "",
      err: "secure-mlops: --certificate-*: certificate conditions only with --identity or --identity-regexp\n",
    });
  });
});

describe("secure-mlops attest dataset --keyless", () => {
  it("signs a dataset that verifies as a dataset by identity, and not as a model", async () => {
    const { dir, result } = await attest("dataset");
    expect(result.code).toBe(0);
    const ok = await run("verify", "dataset", dir, ...byIdentity());
    expect([ok.code, ok.out.split("\n")[0]]).toEqual([0, `verified: dataset ${dir}`]);
    const asModel = await run("verify", "model", dir, ...byIdentity());
    expect([asModel.code, asModel.out.split("\n")[1]]).toEqual([1, "signature is for a dataset, verified as a model"]);
  });
});

describe("the policy of docs/keyless.md, which accepts only the release workflow on tags", () => {
  /** The policy of docs/keyless.md, as printed there, pointed at the testbed's trusted root. */
  function policy(dir: string): string {
    const docs = readFileSync(path.join(__dirname, "..", "..", "docs", "keyless.md"), "utf8");
    const section = docs.slice(docs.indexOf("## The policy that accepts only that workflow on release tags"));
    const yamlText = section.slice(section.indexOf("```yaml\n") + 8, section.indexOf("```\n", section.indexOf("```yaml\n") + 8));
    const doc = parseDocument(yamlText);
    expect(doc.getIn(["signers", 0, "identityRegexp"])).toBe(RELEASE_ON_TAGS);
    doc.setIn(["signers", 0, "trustedRoot"], path.relative(dir, trustedRoot));
    const file = path.join(dir, "policy.yaml");
    writeFileSync(file, doc.toString());
    return file;
  }

  it("admits the tag build with its keyless licence evidence", async () => {
    const { dir } = await attest("model", { ref: "refs/tags/v3.1.0" });
    const evidence = await run("attest", "evidence", dir, "--type", "license", ...keylessFlags());
    expect([evidence.code, evidence.err]).toEqual([0, ""]);
    const file = policy(path.dirname(dir));
    const result = await run("verify", "model", dir, "--policy", file);
    const subject = (statementOf(path.join(dir, "model.sig"))["subject"] as { digest: { sha256: string } }[])[0]!.digest.sha256;
    expect(result).toEqual({
      code: 0,
      out: [
        `verified: model ${dir}`,
        `signer: ${githubIdentity({ ref: "refs/tags/v3.1.0" })} (issuer ${GITHUB_ISSUER})`,
        `subject: tiny-model sha256:${subject}`,
        "files: 2",
        `policy: ${file}: satisfied (1 evidence statement(s) verified)`,
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("refuses a branch build of the same workflow", async () => {
    const { dir } = await attest("model", { ref: "refs/heads/main" });
    const result = await run("verify", "model", dir, "--policy", policy(path.dirname(dir)));
    expect(result).toEqual({
      code: 1,
      out: `not verified: model ${dir}\nsigned by https://github.com/octo-org/models/.github/workflows/release-model.yml@refs/heads/main, expected /${RELEASE_ON_TAGS}/\npolicy ${policy(path.dirname(dir))}: not evaluated, the signature did not verify\n`,
      err: "",
    });
  });

  it("refuses the tag build when it was triggered by hand and the policy wants a push", async () => {
    const { dir } = await attest("model", { ref: "refs/tags/v3.1.1", eventName: "workflow_dispatch" });
    const result = await run("verify", "model", dir, "--policy", policy(path.dirname(dir)));
    expect([result.code, result.out.split("\n")[1]]).toEqual([1, 'certificate githubWorkflowTrigger (1.3.6.1.4.1.57264.1.2) is "workflow_dispatch", expected "push"']);
  });
});

describe("the installed command, as a separate process", () => {
  it("signs keyless and verifies by identity, reaching the mocks over real HTTP", async () => {
    const dir = path.join(tempDir("cli-keyless-process-"), "m");
    writeTree(dir, { "w.bin": "weights" });
    const bin = path.join(__dirname, "..", "..", "bin", "secure-mlops.cjs");
    // asynchronous, so this process keeps serving the mocks while the child calls them
    const exec = (args: string[]): Promise<Run> =>
      new Promise((resolve) => {
        execFile(process.execPath, [bin, ...args], { env: { ...process.env, [TOKEN_ENV]: bed.token(githubClaims()) }, timeout: 120_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr });
        });
      });
    const signed = await exec(["attest", "model", dir, ...keylessFlags(), "--no-git-source"]);
    expect([signed.code, signed.err, signed.out.split("\n")[2]]).toEqual([0, "", `signer: ${TAG} (issuer ${GITHUB_ISSUER})`]);
    const verified = await exec(["verify", "model", dir, ...byIdentity(), "--certificate-github-workflow-ref", "refs/tags/v1.2.0"]);
    expect([verified.code, verified.err, verified.out.split("\n")[0]]).toEqual([0, "", `verified: model ${dir}`]);
  });
});
