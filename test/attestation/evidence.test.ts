import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseBundle } from "../../attestation/bundle";
import { InputError } from "../../attestation/errors";
import { CYCLONEDX_PREDICATE_TYPE, LICENSE_PREDICATE_TYPE, VULNS_PREDICATE_TYPE, buildEvidence, buildMlBom, detectLicenseText, findLicenses, normaliseLicenseId, normaliseSeverity, parseFrontMatter, parseMetrics, parseScanReport, readEvidenceLines, signAndStoreEvidence, verifyEvidence } from "../../attestation/evidence";
import { closeHashPool } from "../../attestation/hash-pool";
import { attestDirectory } from "../../attestation/sign";
import { parseModelStatement, type ModelStatement } from "../../attestation/statement";
import { cleanupTemp, generateKey, sha256Hex, tempDir, writeTree, type TestKey } from "./helpers";

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

const CARD = `---
license: apache-2.0
pipeline_tag: text-classification
library_name: transformers
base_model: org/base
datasets:
  - imdb
language: [en]
tags: [sentiment]
model-index:
  - name: tiny
    results:
      - task: { type: text-classification }
        dataset: { name: imdb, type: imdb }
        metrics:
          - { type: accuracy, value: 0.91 }
---
# Tiny model
`;

async function signedModel(files: Record<string, string> = { "README.md": CARD, "w.bin": "w" }): Promise<{ root: string; key: TestKey; statement: ModelStatement }> {
  const key = generateKey();
  const root = path.join(tempDir(), "tiny");
  writeTree(root, files);
  await attestDirectory({ root, signer: { method: "key", privateKey: key.privateKey } });
  const statement = parseModelStatement(parseBundle(readFileSync(path.join(root, "model.sig"))).envelope.payload);
  return { root, key, statement };
}

describe("licence", () => {
  it("maps Hugging Face identifiers to SPDX", () => {
    expect(["apache-2.0", "MIT", "cc-by-nc-4.0", "gpl-3.0", "Apache-2.0", "llama2", "other", "", "LicenseRef-acme"].map(normaliseLicenseId)).toEqual([
      "Apache-2.0",
      "MIT",
      "CC-BY-NC-4.0",
      "GPL-3.0-only",
      "Apache-2.0",
      "LicenseRef-llama2",
      "NOASSERTION",
      "NOASSERTION",
      "LicenseRef-acme",
    ]);
  });

  it("recognises LICENSE texts and SPDX tags", () => {
    expect(detectLicenseText("                                 Apache License\n                           Version 2.0, January 2004")).toBe("Apache-2.0");
    expect(detectLicenseText("MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy")).toBe("MIT");
    expect(detectLicenseText("// SPDX-License-Identifier: bsd-3-clause")).toBe("BSD-3-Clause");
    expect(detectLicenseText("All rights reserved.")).toBeUndefined();
  });

  it("reads front matter, and refuses front matter that is not YAML", () => {
    expect(parseFrontMatter(CARD)?.["license"]).toBe("apache-2.0");
    expect(parseFrontMatter("# no front matter")).toBeUndefined();
    expect(() => parseFrontMatter("---\nlicense: [unclosed\n---\n")).toThrow(expect.objectContaining({ code: "INPUT_EVIDENCE_INVALID" }));
  });

  it("finds the card's licence first, then LICENSE files", async () => {
    const root = tempDir();
    writeTree(root, { "README.md": CARD, LICENSE: "MIT License\nPermission is hereby granted, free of charge, to any person obtaining a copy" });
    expect((await findLicenses(root)).map((f) => [f.spdxId, f.source])).toEqual([
      ["Apache-2.0", "README.md#license"],
      ["MIT", "LICENSE"],
    ]);
  });

  it("signs a licence statement bound to the model's subject", async () => {
    const { root, statement } = await signedModel();
    const ev = await buildEvidence({ root, type: "license", statement, kind: "model" });
    expect(ev).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "tiny", digest: { sha256: statement.rootDigest } }],
      predicateType: LICENSE_PREDICATE_TYPE,
      predicate: {
        spdxId: "Apache-2.0",
        source: "README.md#license",
        declared: "apache-2.0",
        findings: [{ spdxId: "Apache-2.0", source: "README.md#license", declared: "apache-2.0", sourceDigest: sha256Hex(CARD) }],
      },
    });
  });

  it("refuses to attest from a card changed since the model was signed", async () => {
    const { root, statement } = await signedModel();
    writeFileSync(path.join(root, "README.md"), CARD.replace("apache-2.0", "mit"));
    await expect(buildEvidence({ root, type: "license", statement, kind: "model" })).rejects.toMatchObject({ code: "INPUT_EVIDENCE_INVALID", message: "README.md changed since the model was signed; sign the model again before attesting evidence from it" });
  });

  it("refuses a model with no licence on disk", async () => {
    const { root, statement } = await signedModel({ "w.bin": "w" });
    await expect(buildEvidence({ root, type: "license", statement, kind: "model" })).rejects.toMatchObject({ code: "INPUT_EVIDENCE_INVALID" });
  });
});

describe("CycloneDX 1.6 ML-BOM", () => {
  it("describes the model with its hash, licence, model card and files", async () => {
    const { root, statement } = await signedModel();
    const bom = await buildMlBom(root, statement, { kind: "model", serialNumber: "urn:uuid:00000000-0000-4000-8000-000000000000", timestamp: "2026-01-01T00:00:00.000Z", toolVersion: "0.1.0" });
    expect(bom).toEqual({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      serialNumber: "urn:uuid:00000000-0000-4000-8000-000000000000",
      version: 1,
      metadata: {
        timestamp: "2026-01-01T00:00:00.000Z",
        tools: { components: [{ type: "application", name: "secure-mlops", version: "0.1.0" }] },
        component: {
          type: "machine-learning-model",
          "bom-ref": "model:tiny",
          name: "tiny",
          hashes: [{ alg: "SHA-256", content: statement.rootDigest }],
          licenses: [{ license: { id: "Apache-2.0" } }],
          modelCard: {
            modelParameters: { task: "text-classification", architectureFamily: "transformers", modelArchitecture: "org/base", datasets: [{ type: "dataset", name: "imdb" }] },
            quantitativeAnalysis: { performanceMetrics: [{ type: "accuracy", value: "0.91", slice: "imdb" }] },
            properties: [
              { name: "language", value: "en" },
              { name: "tag", value: "sentiment" },
            ],
          },
          components: [
            { type: "file", name: "README.md", hashes: [{ alg: "SHA-256", content: sha256Hex(CARD) }] },
            { type: "file", name: "w.bin", hashes: [{ alg: "SHA-256", content: sha256Hex("w") }] },
          ],
        },
      },
    });
  });

  it("describes a dataset as a data component", async () => {
    const { root, statement } = await signedModel({ "README.md": "---\nlicense: cc-by-4.0\npretty_name: Reviews\ntask_categories: [text-classification]\n---\n", "train.csv": "a,b" });
    const bom = (await buildMlBom(root, statement, { kind: "dataset" })) as { metadata: { component: Record<string, unknown> } };
    expect(bom.metadata.component["type"]).toBe("data");
    expect(bom.metadata.component["data"]).toEqual([{ type: "dataset", name: "Reviews", description: "task categories: text-classification" }]);
    expect(bom.metadata.component["modelCard"]).toBeUndefined();
  });
});

describe("vulnerability scan reports", () => {
  it("reads Trivy, Grype, ModelScan, SARIF and generic reports", () => {
    const trivy = parseScanReport({ SchemaVersion: 2, Results: [{ Target: "requirements.txt", Vulnerabilities: [{ VulnerabilityID: "CVE-2024-1", Severity: "HIGH" }] }] });
    expect(trivy).toEqual({ format: "trivy", scanner: { name: "trivy" }, findings: [{ id: "CVE-2024-1", severity: "high", declaredSeverity: "HIGH", target: "requirements.txt" }] });
    const grype = parseScanReport({ matches: [{ vulnerability: { id: "GHSA-x", severity: "Medium" }, artifact: { name: "torch" } }], descriptor: { name: "grype", version: "0.80.0" } });
    expect(grype).toEqual({ format: "grype", scanner: { name: "grype", version: "0.80.0" }, findings: [{ id: "GHSA-x", severity: "medium", declaredSeverity: "Medium", target: "torch" }] });
    const modelscan = parseScanReport({ summary: { modelscan_version: "0.8.1" }, issues: [{ description: "Use of unsafe operator 'system'", operator: "system", module: "posix", source: "model.pkl", scanner: "modelscan.scanners.PickleUnsafeOpScan", severity: "CRITICAL" }] });
    expect(modelscan).toEqual({ format: "modelscan", scanner: { name: "modelscan", version: "0.8.1" }, findings: [{ id: "modelscan:posix.system", severity: "critical", declaredSeverity: "CRITICAL", target: "model.pkl" }] });
    const sarif = parseScanReport({ version: "2.1.0", runs: [{ tool: { driver: { name: "scanner", version: "1" } }, results: [{ ruleId: "R1", level: "warning", properties: { "security-severity": "9.8" } }, { ruleId: "R2", level: "note" }] }] });
    expect(sarif.findings).toEqual([{ id: "R1", severity: "critical" }, { id: "R2", severity: "low" }]);
    expect(parseScanReport({ scanner: { name: "x" }, vulnerabilities: [] }).findings).toEqual([]);
  });

  it("refuses an unknown format and entries without an id", () => {
    expect(() => parseScanReport({ foo: 1 }, "r.json")).toThrow('r.json: unknown scan report format (expected Trivy, Grype, ModelScan, SARIF 2.1.0 or {"vulnerabilities": [...]})');
    expect(() => parseScanReport({ vulnerabilities: [{ severity: "high" }] }, "r.json")).toThrow("r.json: vulnerabilities[0] has no id");
  });

  it("normalises severities and CVSS scores", () => {
    expect(["CRITICAL", "Moderate", "negligible", "7.5", 4, 0, "bogus", null].map(normaliseSeverity)).toEqual(["critical", "medium", "low", "high", "medium", "unknown", "unknown", "unknown"]);
  });
});

describe("evaluation metrics", () => {
  it("reads a metric map, a metric list and lm-evaluation-harness results", () => {
    expect(parseMetrics({ metrics: { accuracy: 0.9, note: "x" } })).toEqual([{ name: "accuracy", value: 0.9 }]);
    expect(parseMetrics({ metrics: [{ name: "dp_diff", value: 0.03, slice: "gender" }] })).toEqual([{ name: "dp_diff", value: 0.03, slice: "gender" }]);
    expect(parseMetrics({ results: { hellaswag: { "acc,none": 0.5, "acc_stderr,none": 0.01, alias: "hellaswag" } } })).toEqual([{ name: "hellaswag/acc", value: 0.5, dataset: "hellaswag" }]);
  });

  it("refuses files without numeric metrics", () => {
    expect(() => parseMetrics({ metrics: {} }, "m.json")).toThrow("m.json: no numeric metric found");
    expect(() => parseMetrics({ metrics: [{ name: "a", value: "1" }] }, "m.json")).toThrow('m.json: metrics[0] needs a string "name" and a finite number "value"');
    expect(() => parseMetrics([], "m.json")).toThrow("m.json: metrics file is not a JSON object");
  });
});

describe("evidence bundles", () => {
  it("are signed into the evidence file, one per type and subject, and verify only for that subject", async () => {
    const { root, key, statement } = await signedModel();
    const file = path.join(root, "model.evidence.jsonl");
    const scan = path.join(tempDir(), "scan.json");
    writeFileSync(scan, JSON.stringify({ scanner: { name: "s" }, vulnerabilities: [{ id: "CVE-1", severity: "low" }] }));
    const signer = { method: "key" as const, privateKey: key.privateKey };
    await signAndStoreEvidence(await buildEvidence({ root, type: "license", statement, kind: "model" }), signer, file);
    await signAndStoreEvidence(await buildEvidence({ root, type: "vulnerability-scan", statement, kind: "model", input: scan }), signer, file);
    await signAndStoreEvidence(await buildEvidence({ root, type: "mlbom", statement, kind: "model" }), signer, file);
    // a second scan replaces the first
    await signAndStoreEvidence(await buildEvidence({ root, type: "vulnerability-scan", statement, kind: "model", input: scan }), signer, file);
    const lines = await readEvidenceLines(file);
    expect(lines).toHaveLength(3);
    const trust = [{ method: "public-key" as const, key: key.publicKey }];
    const ok = verifyEvidence(lines, trust, statement.rootDigest);
    expect(ok.accepted.map((e) => [e.line, e.type, e.predicateType])).toEqual([
      [1, "license", LICENSE_PREDICATE_TYPE],
      [2, "mlbom", CYCLONEDX_PREDICATE_TYPE],
      [3, "vulnerability-scan", VULNS_PREDICATE_TYPE],
    ]);
    expect(ok.rejected).toEqual([]);
    const otherSubject = verifyEvidence(lines, trust, sha256Hex("another model"));
    expect(otherSubject.rejected.map((r) => r.code)).toEqual(["EVIDENCE_OTHER_SUBJECT", "EVIDENCE_OTHER_SUBJECT", "EVIDENCE_OTHER_SUBJECT"]);
    const otherKey = verifyEvidence(lines, [{ method: "public-key", key: generateKey().publicKey }], statement.rootDigest);
    expect(otherKey.rejected.map((r) => r.code)).toEqual(["SIGNATURE_KEY_MISMATCH", "SIGNATURE_KEY_MISMATCH", "SIGNATURE_KEY_MISMATCH"]);
    const garbage = verifyEvidence(["{", "[]"], trust, statement.rootDigest);
    expect(garbage.rejected).toEqual([
      { line: 1, code: "BUNDLE_NOT_JSON", reason: "bundle is not JSON" },
      { line: 2, code: "BUNDLE_NOT_OBJECT", reason: "bundle is not a JSON object" },
    ]);
  });

  it("a vulnerability scan or evaluation needs its input file", async () => {
    const { root, statement } = await signedModel();
    await expect(buildEvidence({ root, type: "evaluation", statement, kind: "model" })).rejects.toMatchObject({ code: "INPUT_OPTIONS_INVALID" });
    await expect(buildEvidence({ root, type: "evaluation", statement, kind: "model", input: path.join(root, "missing.json") })).rejects.toMatchObject({ code: "INPUT_NOT_FOUND" });
  });
});

describe("evidence input parsers under fuzzing", () => {
  const expectInputErrorOr = (fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
    }
  };

  it("scan reports, metrics and card front matter: a result or an InputError for any input", () => {
    const reportLike = fc.oneof(
      fc.jsonValue(),
      fc.record({ SchemaVersion: fc.jsonValue(), Results: fc.jsonValue() }),
      fc.record({ matches: fc.array(fc.jsonValue()), descriptor: fc.jsonValue() }),
      fc.record({ summary: fc.jsonValue(), issues: fc.array(fc.jsonValue()) }),
      fc.record({ version: fc.constant("2.1.0"), runs: fc.jsonValue() }),
      fc.record({ vulnerabilities: fc.array(fc.jsonValue()) }),
    );
    fc.assert(
      fc.property(reportLike, (json) => {
        expectInputErrorOr(() => {
          const r = parseScanReport(json);
          for (const f of r.findings) expect(["low", "medium", "high", "critical", "unknown"]).toContain(f.severity);
        });
      }),
      { numRuns: 600 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ metrics: fc.jsonValue() }), fc.record({ results: fc.jsonValue() })), (json) => {
        expectInputErrorOr(() => {
          for (const m of parseMetrics(json)) expect(Number.isFinite(m.value)).toBe(true);
        });
      }),
      { numRuns: 600 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (body) => {
        expectInputErrorOr(() => parseFrontMatter(`---\n${body}\n---\n# card`));
      }),
      { numRuns: 400 },
    );
  });
});
