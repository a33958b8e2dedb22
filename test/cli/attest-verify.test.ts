import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeHashPool } from "../../attestation/hash-pool";
import { IBM_IDENTITY, IBM_ISSUER, MT, MT_KEYS, cleanupTemp, generateKey, tempDir, writeKey, writeTree } from "../attestation/helpers";
import { runInProcess as run } from "../support/cli";

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

const PUB = path.join(MT_KEYS, "signing-key-pub.pem");

function model(): { root: string; dir: string; key: string; pub: string } {
  const dir = tempDir("cli-");
  const root = path.join(dir, "tiny");
  writeTree(root, { "README.md": "---\nlicense: mit\n---\n", "w.bin": "weights", "sub/x.bin": "x" });
  const { privateFile, publicFile } = writeKey(dir, generateKey("P-384"));
  return { root, dir, key: privateFile, pub: publicFile };
}

describe("secure-mlops verify", () => {
  it("exits 0 and says who signed an OMS vector", async () => {
    const dir = path.join(MT, "v1.1.0-elliptic-key");
    const r = await run("verify", "model", dir, "--key", PUB);
    expect(r).toEqual({
      code: 0,
      out: [
        `verified: model ${dir}`,
        `signer: key ${PUB} (P-384, hint e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e)`,
        "subject: v1.1.0-elliptic-key sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4",
        "files: 2",
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("verifies keyless and certificate vectors, and the v1.0.1 layout with --ignore", async () => {
    expect((await run("verify", "model", path.join(MT, "v1.0.1-sigstore"), "--identity", IBM_IDENTITY, "--issuer", IBM_ISSUER, "--ignore", "ignore-me")).code).toBe(0);
    expect((await run("verify", "model", path.join(MT, "v1.0.0-certificate"), "--root", path.join(MT_KEYS, "ca-cert.pem"))).code).toBe(0);
    expect((await run("verify", "model", path.join(MT, "v1.0.0-elliptic-key", "signme-1"), "--key", PUB)).code).toBe(0);
  });

  it("exits 1 with each reason on its own line", async () => {
    const { root, key, pub } = model();
    expect((await run("attest", "model", root, "--key", key)).code).toBe(0);
    appendFileSync(path.join(root, "w.bin"), "!");
    writeFileSync(path.join(root, "new.bin"), "n");
    const r = await run("verify", "model", root, "--key", pub);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")).toEqual([`not verified: model ${root}`, expect.stringMatching(/^new\.bin: present but not signed$/), expect.stringMatching(/^w\.bin: content changed \(signed [0-9a-f]{64}, found [0-9a-f]{64}\)$/), ""]);
    expect(r.err).toBe("");
  });

  it("--json gives the verdict, signer, subject and every reason", async () => {
    const { root, key, pub } = model();
    await run("attest", "model", root, "--key", key);
    const ok = JSON.parse((await run("verify", "model", root, "--key", pub, "--json")).out) as Record<string, unknown>;
    expect(Object.keys(ok)).toEqual(["verified", "kind", "path", "bundle", "signer", "subject", "source", "files", "reasons", "policy", "evidence"]);
    expect(ok).toMatchObject({ verified: true, kind: "model", path: root, bundle: path.join(root, "model.sig"), files: 3, reasons: [], policy: null, evidence: null, source: null });
    expect(ok["signer"]).toMatchObject({ method: "public-key", curve: "P-384", label: `key ${pub}` });
    writeFileSync(path.join(root, "sub", "x.bin"), "y");
    const bad = await run("verify", "model", root, "--key", pub, "--json");
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.out) as { reasons: unknown }).reasons).toEqual([{ code: "FILE_CHANGED", message: expect.stringMatching(/^sub\/x\.bin: content changed/), path: "sub/x.bin" }]);
  });

  it("exits 1 for the wrong key, identity or a broken bundle", async () => {
    const other = writeKey(tempDir(), generateKey("P-384")).publicFile;
    const wrongKey = await run("verify", "model", path.join(MT, "v1.1.0-elliptic-key"), "--key", other);
    expect([wrongKey.code, wrongKey.out.split("\n")[1]]).toEqual([1, expect.stringMatching(/^bundle names signing key e8450dec[0-9a-f]{56}, the given key is [0-9a-f]{64}$/)]);
    const wrongId = await run("verify", "model", path.join(MT, "v1.1.0-sigstore"), "--identity", "mallory@example.com", "--issuer", IBM_ISSUER);
    expect([wrongId.code, wrongId.out.split("\n")[1]]).toEqual([1, `signed by ${IBM_IDENTITY}, expected mallory@example.com`]);
    const { root, key, pub } = model();
    await run("attest", "model", root, "--key", key);
    writeFileSync(path.join(root, "model.sig"), "");
    expect((await run("verify", "model", root, "--key", pub)).out.split("\n")[1]).toBe(`${path.join(root, "model.sig")}: bundle is empty`);
  });

  it.each([
    [["verify", "model", "/nonexistent/model", "--key", PUB], "secure-mlops: /nonexistent/model: no such file or directory\n"],
    [["verify", "model", MT], "secure-mlops: give --key PUB.pem, --root CA.pem, or --identity SAN --issuer URL\n"],
    [["verify", "model", MT, "--key", PUB, "--identity", "a@b", "--issuer", "https://x"], "secure-mlops: give one of --key, --root, or --identity/--identity-regexp with --issuer\n"],
    [["verify", "model", MT, "--identity", "a@b"], "secure-mlops: --issuer: required with --identity/--identity-regexp\n"],
    [["verify", "model", MT, "--key", PUB, "--certificate-chain", PUB], "secure-mlops: --certificate-chain: only with --root\n"],
    [["verify", "model", MT, "--identity-regexp", "(", "--issuer", "https://x"], "secure-mlops: --identity-regexp: not a valid regular expression (Invalid regular expression: /(/u: Unterminated group)\n"],
    [["verify", "model", MT, "--key", "/nonexistent/key.pem"], "secure-mlops: --key: /nonexistent/key.pem: no such file\n"],
    [["verify", "model", MT, "--key", path.join(MT, "v1.1.0-elliptic-key", "signme-1")], `secure-mlops: --key: ${path.join(MT, "v1.1.0-elliptic-key", "signme-1")}: not a PEM or DER public key\n`],
    [["verify", "model", MT, "--key", PUB, "--bundle", "/nonexistent/model.sig"], "secure-mlops: --bundle /nonexistent/model.sig: no such file\n"],
    [["verify", "model", MT, "--identity", "a@b", "--issuer", "https://x", "--trusted-root", PUB], `secure-mlops: --trusted-root: ${PUB}: trusted root is not JSON\n`],
  ])("exits 2 on bad usage: %j", async (argv, stderr) => {
    const r = await run(...argv);
    expect(r).toEqual({ code: 2, out: "", err: stderr });
  });

  it("exits 2 on a bad policy file, listing each problem", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "p.yaml"), "apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nlicenses: { allow: [MIT] }\nvulnerabilities: { maxSeverity: meh }\n");
    const r = await run("verify", "model", path.join(MT, "v1.1.0-elliptic-key"), "--key", PUB, "--policy", path.join(dir, "p.yaml"));
    const p = path.join(dir, "p.yaml");
    expect(r).toEqual({
      code: 2,
      out: "",
      err: [
        `${p}:3:20: /licenses: unknown field "allow"`,
        `${p}:4:33: /vulnerabilities/maxSeverity: must be one of "none", "low", "medium", "high", "critical"`,
        `secure-mlops: --policy: ${p}: invalid policy (2 problems; first: ${p}:3:20: /licenses: unknown field "allow")`,
        "",
      ].join("\n"),
    });
  });
});

describe("secure-mlops attest", () => {
  it("attest model --json, then verify: 0", async () => {
    const { root, key, pub } = model();
    const r = await run("attest", "model", root, "--key", key, "--json", "--ignore", "sub");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(doc).toEqual({
      signed: true,
      kind: "model",
      path: root,
      bundle: path.join(root, "model.sig"),
      subject: { name: "tiny", digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
      method: "files",
      files: 2,
      bytes: 28,
      ignorePaths: [".git", ".gitattributes", ".github", ".gitignore", "model.evidence.jsonl", "model.sig", "sub"],
      source: null,
    });
    writeFileSync(path.join(root, "sub", "x.bin"), "ignored, so free to change");
    expect((await run("verify", "model", root, "--key", pub)).code).toBe(0);
  });

  it("attest dataset with shards, text output", async () => {
    const { root, key, pub } = model();
    const r = await run("attest", "dataset", root, "--key", key, "--method", "shards", "--shard-size", "4");
    expect(r.out.split("\n")).toEqual([expect.stringMatching(new RegExp(`^signed dataset ${root}: 3 files, 29 bytes, sha256:[0-9a-f]{64}$`)), `bundle: ${path.join(root, "model.sig")}`, ""]);
    expect((await run("verify", "dataset", root, "--key", pub)).code).toBe(0);
    const asModel = await run("verify", "model", root, "--key", pub);
    expect([asModel.code, asModel.out.split("\n")[1]]).toEqual([1, "signature is for a dataset, verified as a model"]);
  });

  it("exits 1 when the tree is refused (a symlink)", async () => {
    const { root, key } = model();
    symlinkSync("/etc/hostname", path.join(root, "link"));
    const r = await run("attest", "model", root, "--key", key);
    expect(r).toEqual({ code: 1, out: `not signed: model ${root}\nlink: is a symlink; symlinks are refused unless allowed\n`, err: "" });
    const allowed = await run("attest", "model", root, "--key", key, "--allow-symlinks");
    expect(allowed.code).toBe(1);
    expect(allowed.out).toBe(`not signed: model ${root}\nlink: symlink points outside the model root (/etc/hostname)\n`);
  });

  it.each([
    [["attest", "model", "MODEL"], "secure-mlops: give --key PRIVATE.pem (offline) or --keyless (Sigstore, in CI)\n"],
    [["attest", "model", "MODEL", "--key", "KEY", "--keyless"], "secure-mlops: give either --key or --keyless, not both\n"],
    [["attest", "model", "MODEL", "--key", "KEY", "--method", "tensors"], 'secure-mlops: --method: must be "files" or "shards", got "tensors"\n'],
    [["attest", "model", "MODEL", "--key", "KEY", "--shard-size", "1e9", "--method", "shards"], 'secure-mlops: --shard-size: must be a positive whole number of bytes, got "1e9"\n'],
    [["attest", "model", "MODEL", "--key", "KEY", "--shard-size", "10"], "secure-mlops: --shard-size: only with --method shards\n"],
    [["attest", "model", "MODEL", "--key", "PUB"], "secure-mlops: --key: PUB: not a PEM private key\n"],
    [["attest", "model", "/nonexistent", "--key", "KEY"], "secure-mlops: /nonexistent: no such file or directory\n"],
    [["attest", "model", "MODEL", "--keyless", "--identity-token-env", "SECURE_MLOPS_TEST_UNSET_TOKEN"], "secure-mlops: --identity-token-env: environment variable SECURE_MLOPS_TEST_UNSET_TOKEN is empty or unset\n"],
    [["attest", "evidence", "MODEL", "--type", "sbom", "--key", "KEY"], 'secure-mlops: --type: must be one of license, mlbom, vulnerability-scan, evaluation, bias-test, got "sbom"\n'],
    [["attest", "evidence", "MODEL", "--type", "evaluation", "--key", "KEY"], "secure-mlops: --input: evaluation evidence is read from a JSON file; give --input FILE\n"],
  ])("exits 2 on bad usage: %j", async (argv, stderr) => {
    const { root, key, pub } = model();
    const args = argv.map((a) => (a === "MODEL" ? root : a === "KEY" ? key : a === "PUB" ? pub : a));
    const r = await run(...args);
    expect(r).toEqual({ code: 2, out: "", err: stderr.replace("PUB", pub) });
  });

  it("evidence without a model signature is bad usage", async () => {
    const { root, key } = model();
    const r = await run("attest", "evidence", root, "--type", "license", "--key", key);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`secure-mlops: --bundle ${path.join(root, "model.sig")}: cannot read the model signature (ENOENT); sign the model first with \`secure-mlops attest model ${root}\`\n`);
  });
});

describe("evidence and policy through the CLI", () => {
  it("attest evidence, then verify --policy reports each failed rule (exit 1) or passes (exit 0)", async () => {
    const { root, dir, key, pub } = model();
    await run("attest", "model", root, "--key", key);
    writeFileSync(path.join(dir, "eval.json"), JSON.stringify({ metrics: { accuracy: 0.8 } }));
    const lic = await run("attest", "evidence", root, "--type", "license", "--key", key, "--json");
    expect(JSON.parse(lic.out)).toEqual({
      signed: true,
      type: "license",
      predicateType: "https://secure-mlops.dev/attestation/license/v0.1",
      subject: { name: "tiny", digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
      evidence: path.join(root, "model.evidence.jsonl"),
    });
    expect((await run("attest", "evidence", root, "--type", "evaluation", "--input", path.join(dir, "eval.json"), "--key", key)).code).toBe(0);
    expect((await run("attest", "evidence", root, "--type", "mlbom", "--key", key)).code).toBe(0);
    mkdirSync(path.join(dir, "policies"));
    writeFileSync(path.join(dir, "policies", "strict.yaml"), `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners: [{ key: ../${path.basename(pub)} }]\nrequireEvidence: [license, mlbom, vulnerability-scan]\nlicenses: { allowed: [Apache-2.0] }\nevaluation: { thresholds: [{ metric: accuracy, min: 0.9 }] }\n`);
    const strict = await run("verify", "model", root, "--policy", path.join(dir, "policies", "strict.yaml"));
    expect(strict).toEqual({
      code: 1,
      out: [
        `not verified: model ${root}`,
        "policy evidence.vulnerability-scan: required: no verified vulnerability-scan evidence for this subject",
        "policy licenses: licence MIT is not in the allowed list (Apache-2.0)",
        "policy evaluation.accuracy: accuracy is 0.8, below the minimum 0.9",
        "",
      ].join("\n"),
      err: "",
    });
    const json = JSON.parse((await run("verify", "model", root, "--policy", path.join(dir, "policies", "strict.yaml"), "--json")).out) as { reasons: { code: string; rule: string }[]; evidence: { accepted: { type: string }[] }; policy: { evaluated: boolean } };
    expect(json.reasons.map((r) => [r.code, r.rule])).toEqual([
      ["POLICY_VIOLATION", "evidence.vulnerability-scan"],
      ["POLICY_VIOLATION", "licenses"],
      ["POLICY_VIOLATION", "evaluation.accuracy"],
    ]);
    expect(json.evidence.accepted.map((e) => e.type)).toEqual(["license", "evaluation", "mlbom"]);
    expect(json.policy.evaluated).toBe(true);
    writeFileSync(path.join(dir, "policies", "ok.yaml"), `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nrequireEvidence: [license, mlbom]\nlicenses: { allowed: [MIT] }\n`);
    const ok = await run("verify", "model", root, "--key", pub, "--policy", path.join(dir, "policies", "ok.yaml"));
    expect(ok.code).toBe(0);
    expect(ok.out.split("\n").at(-2)).toBe(`policy: ${path.join(dir, "policies", "ok.yaml")}: satisfied (3 evidence statement(s) verified)`);
    expect(readFileSync(path.join(root, "model.evidence.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
  });
});
