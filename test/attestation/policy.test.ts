import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { verifyArtifact } from "../../attestation/artifact";
import { parseBundle } from "../../attestation/bundle";
import { PolicyFileError } from "../../attestation/errors";
import { buildEvidence, signAndStoreEvidence } from "../../attestation/evidence";
import { closeHashPool } from "../../attestation/hash-pool";
import { parsePublicKey } from "../../attestation/keys";
import { loadPolicy, parsePolicy } from "../../attestation/policy";
import { attestDirectory } from "../../attestation/sign";
import { parseModelStatement } from "../../attestation/statement";
import { cleanupTemp, generateKey, tempDir, writeKey, writeTree } from "./helpers";

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

const HEADER = "apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\n";

function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, "p.yaml");
    return [];
  } catch (err) {
    if (err instanceof PolicyFileError) return [err.code, ...err.problems];
    throw err;
  }
}

describe("policy file", () => {
  it("reads a complete policy", () => {
    const policy = parsePolicy(
      `${HEADER}signers:
  - key: keys/release.pub.pem
  - root: ca.pem
    intermediates: int.pem
  - identity: https://github.com/org/models/.github/workflows/release.yml@refs/heads/main
    issuer: https://token.actions.githubusercontent.com
  - identityRegexp: ^https://github\\.com/org/.*$
    issuer: https://token.actions.githubusercontent.com
    trustedRoot: trusted_root.json
requireEvidence: [license, mlbom, vulnerability-scan, evaluation, bias-test]
licenses: { allowed: [Apache-2.0, MIT], denied: [AGPL-3.0-only] }
vulnerabilities: { maxSeverity: medium, unknownSeverityAs: high }
evaluation:
  thresholds:
    - { metric: accuracy, min: 0.9 }
    - { metric: demographic_parity_difference, max: 0.1, from: bias-test }
source: { requireGit: true, allowedRemotes: ["https://huggingface.co/org/*"] }
`,
    );
    expect(policy.signers).toHaveLength(4);
    expect(policy.evaluation?.thresholds[1]).toEqual({ metric: "demographic_parity_difference", max: 0.1, from: "bias-test" });
  });

  it("reports every schema problem with its line and column", () => {
    expect(
      problemsOf(`${HEADER}signers:
  - keyz: a.pem
  - identity: a@b
    issuer: not a uri
requireEvidence: [licence]
vulnerabilities: { maxSeverity: severe }
evaluation: { thresholds: [ { metric: acc } ] }
extra: true
`),
    ).toEqual([
      "POLICY_SCHEMA",
      'p.yaml:4:5: /signers/0: missing one of the fields "identity", "identityRegexp"',
      'p.yaml:4:5: /signers/0: missing field "issuer"',
      'p.yaml:4:11: /signers/0: unknown field "keyz"',
      'p.yaml:6:13: /signers/1/issuer: must match format "uri"',
      'p.yaml:7:19: /requireEvidence/0: must be one of "license", "mlbom", "vulnerability-scan", "evaluation", "bias-test"',
      'p.yaml:8:33: /vulnerabilities/maxSeverity: must be one of "none", "low", "medium", "high", "critical"',
      'p.yaml:9:29: /evaluation/thresholds/0: missing one of the fields "min", "max"',
      'p.yaml:10:8: (top level): unknown field "extra"',
    ]);
  });

  it("refuses an identity signer with both an identity and a regexp", () => {
    expect(problemsOf(`${HEADER}signers:\n  - identity: a@b\n    identityRegexp: a.*\n    issuer: https://x\n`)).toEqual(["POLICY_SCHEMA", "p.yaml:4:5: /signers/0: give only one of these fields (identity, identityRegexp)"]);
  });

  it("refuses text that is not YAML, and YAML that is not a policy", () => {
    expect(problemsOf("a: [")).toEqual(["POLICY_NOT_YAML", "p.yaml:1:5: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
    expect(problemsOf("- 1")).toEqual(["POLICY_SCHEMA", "p.yaml:1:1: (top level): must be object"]);
    expect(problemsOf("apiVersion: v0\nkind: AttestationPolicy\n")).toEqual(["POLICY_SCHEMA", 'p.yaml:1:13: /apiVersion: must be "secure-mlops.dev/v1"']);
    expect(problemsOf(`${HEADER}kind: again\n`)).toEqual(["POLICY_NOT_YAML", "p.yaml:3:1: Map keys must be unique"]);
  });

  it("resolves signer files relative to the policy and names a missing one", async () => {
    const dir = tempDir();
    writeKey(dir, generateKey(), "release");
    writeFileSync(path.join(dir, "ok.yaml"), `${HEADER}signers:\n  - key: release.pub.pem\n`);
    expect((await loadPolicy(path.join(dir, "ok.yaml"))).signers.map((s) => s.method)).toEqual(["public-key"]);
    writeFileSync(path.join(dir, "bad.yaml"), `${HEADER}signers:\n  - key: missing.pem\n`);
    await expect(loadPolicy(path.join(dir, "bad.yaml"))).rejects.toMatchObject({
      code: "POLICY_REFERENCE",
      message: `${path.join(dir, "bad.yaml")}: signers[0]: ${path.join(dir, "missing.pem")}: no such file`,
    });
  });

  it("any text: a policy or a PolicyFileError, never another exception (property)", () => {
    const yamlish = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.jsonValue().map((v) => stringify(v)),
      fc.record({ apiVersion: fc.constant("secure-mlops.dev/v1"), kind: fc.constant("AttestationPolicy"), signers: fc.jsonValue(), licenses: fc.jsonValue(), vulnerabilities: fc.jsonValue(), evaluation: fc.jsonValue() }, { requiredKeys: ["apiVersion", "kind"] }).map((v) => stringify(v)),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          const p = parsePolicy(text, "fuzz.yaml");
          expect(p.apiVersion).toBe("secure-mlops.dev/v1");
          expect(p.kind).toBe("AttestationPolicy");
        } catch (err) {
          expect(err).toBeInstanceOf(PolicyFileError);
          expect((err as PolicyFileError).problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("policy evaluation with signed evidence", () => {
  async function setup(): Promise<{ root: string; dir: string; privateFile: string; publicFile: string }> {
    const dir = tempDir();
    const key = generateKey();
    const { privateFile, publicFile } = writeKey(dir, key, "release");
    const root = path.join(dir, "tiny");
    writeTree(root, {
      "README.md": "---\nlicense: apache-2.0\n---\n# tiny\n",
      "w.bin": "weights",
      ".git/HEAD": "ref: refs/heads/main\n",
      ".git/refs/heads/main": `${"a".repeat(40)}\n`,
      ".git/config": '[remote "origin"]\n\turl = https://huggingface.co/org/tiny\n',
    });
    const signer = { method: "key" as const, privateKey: key.privateKey };
    await attestDirectory({ root, signer });
    const statement = parseModelStatement(parseBundle(readFileSync(path.join(root, "model.sig"))).envelope.payload);
    const evidence = path.join(root, "model.evidence.jsonl");
    writeFileSync(path.join(dir, "scan.json"), JSON.stringify({ SchemaVersion: 2, Results: [{ Target: "x", Vulnerabilities: [{ VulnerabilityID: "CVE-1", Severity: "CRITICAL" }, { VulnerabilityID: "CVE-2", Severity: "LOW" }, { VulnerabilityID: "CVE-3", Severity: "UNKNOWN" }] }] }));
    writeFileSync(path.join(dir, "eval.json"), JSON.stringify({ metrics: { accuracy: 0.85, f1: 0.95 } }));
    await signAndStoreEvidence(await buildEvidence({ root, type: "license", statement, kind: "model" }), signer, evidence);
    await signAndStoreEvidence(await buildEvidence({ root, type: "vulnerability-scan", statement, kind: "model", input: path.join(dir, "scan.json") }), signer, evidence);
    await signAndStoreEvidence(await buildEvidence({ root, type: "evaluation", statement, kind: "model", input: path.join(dir, "eval.json") }), signer, evidence);
    return { root, dir, privateFile, publicFile };
  }

  it("a satisfied policy verifies, with the policy's signer only", async () => {
    const { root, dir } = await setup();
    writeFileSync(
      path.join(dir, "ok.yaml"),
      `${HEADER}signers: [{ key: release.pub.pem }]\nrequireEvidence: [license, vulnerability-scan, evaluation]\nlicenses: { allowed: [Apache-2.0] }\nvulnerabilities: { maxSeverity: critical }\nevaluation: { thresholds: [{ metric: f1, min: 0.9 }] }\nsource: { requireGit: true, allowedRemotes: ["https://huggingface.co/org/*"] }\n`,
    );
    const result = await verifyArtifact({ root, trust: [], policy: await loadPolicy(path.join(dir, "ok.yaml")) });
    expect(result.failures).toEqual([]);
    expect(result.policy).toEqual({ file: path.join(dir, "ok.yaml"), evaluated: true, failures: [] });
    expect(result.evidence?.accepted.map((e) => e.type)).toEqual(["license", "vulnerability-scan", "evaluation"]);
    expect(result.verified).toBe(true);
  });

  it("reports every failed rule, not only the first", async () => {
    const { root, dir, publicFile } = await setup();
    writeKey(dir, generateKey(), "other");
    writeFileSync(
      path.join(dir, "strict.yaml"),
      `${HEADER}signers: [{ key: other.pub.pem }]
requireEvidence: [license, mlbom, bias-test]
licenses: { allowed: [MIT] }
vulnerabilities: { maxSeverity: low }
evaluation:
  thresholds:
    - { metric: accuracy, min: 0.9 }
    - { metric: toxicity, max: 0.1 }
source: { allowedRemotes: ["https://github.com/org/*"] }
`,
    );
    const trust = [{ method: "public-key" as const, key: parsePublicKey(readFileSync(publicFile), publicFile) }];
    const result = await verifyArtifact({ root, trust, policy: await loadPolicy(path.join(dir, "strict.yaml")) });
    expect(result.failures).toEqual([]);
    expect(result.verified).toBe(false);
    expect(result.policy?.failures).toEqual([
      { rule: "signers", message: "signer is not one the policy allows (key other.pub.pem)" },
      { rule: "evidence.mlbom", message: "required: no verified mlbom evidence for this subject" },
      { rule: "evidence.bias-test", message: "required: no verified bias-test evidence for this subject" },
      { rule: "licenses", message: "licence Apache-2.0 is not in the allowed list (MIT)" },
      { rule: "vulnerabilities", message: "2 findings above low: CVE-1 (critical), CVE-3 (unknown)" },
      { rule: "evaluation.accuracy", message: "accuracy is 0.85, below the minimum 0.9" },
      { rule: "evaluation.toxicity", message: "no signed evaluation result for metric toxicity" },
      { rule: "source", message: "git remote https://huggingface.co/org/tiny is not in the allowed list (https://github.com/org/*)" },
    ]);
  });

  it("evidence signed by an unknown key does not count, and says why", async () => {
    const { root, dir, publicFile } = await setup();
    const stranger = generateKey();
    const statement = parseModelStatement(parseBundle(readFileSync(path.join(root, "model.sig"))).envelope.payload);
    const evidenceFile = path.join(dir, "stranger.jsonl");
    writeFileSync(path.join(dir, "bias.json"), JSON.stringify({ metrics: { dp: 0.01 } }));
    await signAndStoreEvidence(await buildEvidence({ root, type: "bias-test", statement, kind: "model", input: path.join(dir, "bias.json") }), { method: "key", privateKey: stranger.privateKey }, evidenceFile);
    writeFileSync(path.join(dir, "bias.yaml"), `${HEADER}signers: [{ key: ${path.basename(publicFile)} }]\nrequireEvidence: [bias-test]\n`);
    const result = await verifyArtifact({ root, trust: [], evidenceFile, policy: await loadPolicy(path.join(dir, "bias.yaml")) });
    expect(result.policy?.failures).toEqual([
      { rule: "evidence.bias-test", message: expect.stringMatching(/^required: no verified bias-test evidence for this subject \(rejected: line 1: bundle names signing key [0-9a-f]{64}, the given key is [0-9a-f]{64}\)$/) },
    ]);
  });

  it("a policy is judged once the signature verifies, and not at all when it does not", async () => {
    const { root, dir } = await setup();
    writeFileSync(path.join(root, "w.bin"), "tampered");
    writeFileSync(path.join(dir, "p.yaml"), `${HEADER}signers: [{ key: release.pub.pem }]\n`);
    const result = await verifyArtifact({ root, trust: [], policy: await loadPolicy(path.join(dir, "p.yaml")) });
    expect(result.failures.map((f) => f.code)).toEqual(["FILE_CHANGED"]);
    expect(result.policy?.evaluated).toBe(true);
    expect(result.verified).toBe(false);
    writeFileSync(path.join(root, "model.sig"), "{}");
    const broken = await verifyArtifact({ root, trust: [], policy: await loadPolicy(path.join(dir, "p.yaml")) });
    expect(broken.policy).toEqual({ file: path.join(dir, "p.yaml"), evaluated: false, failures: [] });
  });
});
