import { createHash, randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { BundleError, InputError, SignatureError, StatementError, messageOf, type VerificationFailureCode } from "./errors";
import { parseBundle } from "./bundle";
import type { ManifestResource } from "./manifest";
import type { SignerSpec } from "./sign";
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, parseStatement, type ArtifactKind, type InTotoStatement, type ModelStatement } from "./statement";
import { verifyWithAny, type TrustPolicy, type VerifiedSigner } from "./verify";

/**
 * Evidence about a signed model or dataset, each a signed in-toto statement whose subject is the
 * model's own OMS subject (name and root digest), so evidence cannot be moved to another model:
 *
 * | type                | predicate type                                        | source |
 * |---------------------|-------------------------------------------------------|--------|
 * | `license`           | https://secure-mlops.dev/attestation/license/v0.1     | model card front matter (`license:`) or LICENSE file |
 * | `mlbom`             | https://cyclonedx.org/bom/v1.6                        | the signed manifest and the model card |
 * | `vulnerability-scan`| https://in-toto.io/attestation/vulns/v0.1             | Trivy, Grype, ModelScan, SARIF or generic JSON |
 * | `evaluation`        | https://secure-mlops.dev/attestation/evaluation/v0.1  | metrics JSON (generic, list, lm-evaluation-harness) |
 * | `bias-test`         | same as evaluation, `kind: "bias"`                    | same |
 */

export const LICENSE_PREDICATE_TYPE = "https://secure-mlops.dev/attestation/license/v0.1";
export const CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom/v1.6";
export const CYCLONEDX_PREDICATE_TYPE_UNVERSIONED = "https://cyclonedx.org/bom";
export const VULNS_PREDICATE_TYPE = "https://in-toto.io/attestation/vulns/v0.1";
export const EVALUATION_PREDICATE_TYPE = "https://secure-mlops.dev/attestation/evaluation/v0.1";

export const EVIDENCE_TYPES = ["license", "mlbom", "vulnerability-scan", "evaluation", "bias-test"] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export type NormalisedSeverity = Severity | "unknown";

/** The subject every evidence statement of a model carries. */
export interface EvidenceSubject {
  readonly name: string;
  readonly digest: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function evidenceError(message: string, file?: string, cause?: unknown): InputError {
  return new InputError("INPUT_EVIDENCE_INVALID", message, { ...(file !== undefined ? { file } : {}), ...(cause !== undefined ? { cause } : {}) });
}

const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const MAX_EVIDENCE_FILE_BYTES = 256 * 1024 * 1024;

async function readSmallFile(file: string, what: string): Promise<Buffer> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "INPUT_NOT_FOUND" : "INPUT_UNREADABLE", `${file}: cannot read ${what} (${code ?? messageOf(err)})`, { cause: err, file });
  }
  if (!st.isFile()) throw new InputError("INPUT_UNREADABLE", `${file}: ${what} is not a regular file`, { file });
  if (st.size > MAX_INPUT_BYTES) throw evidenceError(`${file}: ${what} is larger than ${MAX_INPUT_BYTES} bytes`, file);
  return fsp.readFile(file);
}

async function readJsonFile(file: string, what: string): Promise<unknown> {
  const data = await readSmallFile(file, what);
  try {
    return JSON.parse(data.toString("utf8"));
  } catch (err) {
    throw evidenceError(`${file}: ${what} is not JSON`, file, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Licence

/**
 * Hugging Face `license:` identifiers (lowercase) mapped to SPDX ids. The Hub's own list has
 * identifiers that are not SPDX (openrail, llama2, ...): those become `LicenseRef-<id>`.
 */
const HF_TO_SPDX: Readonly<Record<string, string>> = {
  "apache-2.0": "Apache-2.0",
  mit: "MIT",
  "afl-3.0": "AFL-3.0",
  "artistic-2.0": "Artistic-2.0",
  "bsl-1.0": "BSL-1.0",
  "bsd-2-clause": "BSD-2-Clause",
  "bsd-3-clause": "BSD-3-Clause",
  "bsd-3-clause-clear": "BSD-3-Clause-Clear",
  "cc0-1.0": "CC0-1.0",
  "cc-by-2.0": "CC-BY-2.0",
  "cc-by-2.5": "CC-BY-2.5",
  "cc-by-3.0": "CC-BY-3.0",
  "cc-by-4.0": "CC-BY-4.0",
  "cc-by-sa-3.0": "CC-BY-SA-3.0",
  "cc-by-sa-4.0": "CC-BY-SA-4.0",
  "cc-by-nc-2.0": "CC-BY-NC-2.0",
  "cc-by-nc-3.0": "CC-BY-NC-3.0",
  "cc-by-nc-4.0": "CC-BY-NC-4.0",
  "cc-by-nd-4.0": "CC-BY-ND-4.0",
  "cc-by-nc-nd-3.0": "CC-BY-NC-ND-3.0",
  "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0",
  "cc-by-nc-sa-2.0": "CC-BY-NC-SA-2.0",
  "cc-by-nc-sa-3.0": "CC-BY-NC-SA-3.0",
  "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0",
  "cdla-sharing-1.0": "CDLA-Sharing-1.0",
  "cdla-permissive-1.0": "CDLA-Permissive-1.0",
  "cdla-permissive-2.0": "CDLA-Permissive-2.0",
  wtfpl: "WTFPL",
  "ecl-2.0": "ECL-2.0",
  "epl-1.0": "EPL-1.0",
  "epl-2.0": "EPL-2.0",
  "etalab-2.0": "etalab-2.0",
  "eupl-1.1": "EUPL-1.1",
  "eupl-1.2": "EUPL-1.2",
  // the Hub's GPL-family ids carry no "or later": read them as "only", the narrower grant
  "agpl-3.0": "AGPL-3.0-only",
  "gpl-2.0": "GPL-2.0-only",
  "gpl-3.0": "GPL-3.0-only",
  "lgpl-2.1": "LGPL-2.1-only",
  "lgpl-3.0": "LGPL-3.0-only",
  isc: "ISC",
  "lppl-1.3c": "LPPL-1.3c",
  "ms-pl": "MS-PL",
  "mpl-2.0": "MPL-2.0",
  "odc-by": "ODC-By-1.0",
  odbl: "ODbL-1.0",
  "osl-3.0": "OSL-3.0",
  postgresql: "PostgreSQL",
  "ofl-1.1": "OFL-1.1",
  ncsa: "NCSA",
  unlicense: "Unlicense",
  zlib: "Zlib",
  pddl: "PDDL-1.0",
};

const SPDX_BY_LOWER: ReadonlyMap<string, string> = new Map(Object.values(HF_TO_SPDX).map((id) => [id.toLowerCase(), id]));

/** Maps a licence identifier as written in a model card to SPDX (or `LicenseRef-...`, or NOASSERTION). */
export function normaliseLicenseId(raw: string): string {
  const id = raw.trim();
  if (id.length === 0) return "NOASSERTION";
  const lower = id.toLowerCase();
  const known = HF_TO_SPDX[lower] ?? SPDX_BY_LOWER.get(lower);
  if (known) return known;
  if (lower === "other" || lower === "unknown") return "NOASSERTION";
  if (/^licenseref-[a-z0-9.-]+$/i.test(id)) return id;
  return `LicenseRef-${id.replace(/[^A-Za-z0-9.-]/g, "-")}`;
}

/** Recognisable licence texts; a heuristic, so the evidence records where the id came from. */
const LICENSE_TEXTS: readonly [RegExp, string][] = [
  [/Apache License\s+Version 2\.0/i, "Apache-2.0"],
  [/GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/i, "AGPL-3.0-only"],
  [/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i, "LGPL-3.0-only"],
  [/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1/i, "LGPL-2.1-only"],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 3/i, "GPL-3.0-only"],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 2/i, "GPL-2.0-only"],
  [/Mozilla Public License,?\s+(?:Version|v\.)\s*2\.0/i, "MPL-2.0"],
  [/Creative Commons Attribution-NonCommercial 4\.0 International/i, "CC-BY-NC-4.0"],
  [/Creative Commons Attribution-ShareAlike 4\.0 International/i, "CC-BY-SA-4.0"],
  [/Creative Commons Attribution 4\.0 International/i, "CC-BY-4.0"],
  [/This is free and unencumbered software released into the public domain/i, "Unlicense"],
  [/Redistribution and use in source and binary forms[\s\S]*Neither the name/i, "BSD-3-Clause"],
  [/Redistribution and use in source and binary forms/i, "BSD-2-Clause"],
  [/Permission to use, copy, modify, and\/or distribute this software for any purpose/i, "ISC"],
  [/Permission is hereby granted, free of charge, to any person obtaining a copy/i, "MIT"],
];

/** Identifies a LICENSE file: an `SPDX-License-Identifier:` line, else a known licence text. */
export function detectLicenseText(text: string): string | undefined {
  const tag = /SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+)/.exec(text);
  if (tag) return normaliseLicenseId(tag[1]!);
  for (const [re, id] of LICENSE_TEXTS) if (re.test(text)) return id;
  return undefined;
}

/** YAML front matter of a Markdown model or dataset card, or `undefined` when it has none. */
export function parseFrontMatter(markdown: string, file = "README.md"): Record<string, unknown> | undefined {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)/.exec(markdown);
  if (!m) return undefined;
  let value: unknown;
  try {
    // loaded on use: `verify model` without a card to read should not pay for the YAML parser
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse: parseYaml } = require("yaml") as typeof import("yaml");
    value = parseYaml(m[1]!, { maxAliasCount: 100, logLevel: "error" });
  } catch (err) {
    throw evidenceError(`${file}: front matter is not YAML (${messageOf(err)})`, file, err);
  }
  return isRecord(value) ? value : undefined;
}

export interface LicenseFinding {
  /** SPDX id, `LicenseRef-...`, or `NOASSERTION`. */
  readonly spdxId: string;
  /** Where it was read: `README.md#license`, `LICENSE` ... */
  readonly source: string;
  /** The value as written. */
  readonly declared?: string;
  readonly name?: string;
  readonly link?: string;
  /** SHA-256 of the file it was read from. */
  readonly sourceDigest: string;
}

const LICENSE_FILES = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING"];

/**
 * Reads the licence of a model or dataset from disk: the card's front matter `license:` (a
 * Hugging Face card), else a LICENSE file. Every finding is returned, card first.
 */
export async function findLicenses(root: string): Promise<LicenseFinding[]> {
  const findings: LicenseFinding[] = [];
  const card = await readOptional(path.join(root, "README.md"));
  if (card) {
    const fm = parseFrontMatter(card.toString("utf8"), "README.md");
    const declared = fm?.["license"];
    const values = typeof declared === "string" ? [declared] : Array.isArray(declared) ? declared.filter((d): d is string => typeof d === "string") : [];
    for (const value of values) {
      findings.push({
        spdxId: normaliseLicenseId(value),
        source: "README.md#license",
        declared: value,
        ...(typeof fm?.["license_name"] === "string" ? { name: fm["license_name"] } : {}),
        ...(typeof fm?.["license_link"] === "string" ? { link: fm["license_link"] } : {}),
        sourceDigest: sha256(card),
      });
    }
  }
  for (const name of LICENSE_FILES) {
    const data = await readOptional(path.join(root, name));
    if (!data) continue;
    const id = detectLicenseText(data.toString("utf8"));
    findings.push({ spdxId: id ?? "NOASSERTION", source: name, sourceDigest: sha256(data) });
  }
  return findings;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    const st = await fsp.lstat(file);
    if (!st.isFile() || st.size > MAX_INPUT_BYTES) return undefined;
    return await fsp.readFile(file);
  } catch {
    return undefined;
  }
}

/** Refuses a source file (card, LICENSE) whose bytes are not the ones the model signature covers. */
function checkSignedSource(name: string, digest: string, statement: ModelStatement): void {
  if (statement.serialization.method !== "files" || statement.serialization.hashType !== "sha256") return;
  const signed = statement.resources.find((r) => r.name === name);
  if (signed && signed.digest !== digest) {
    throw evidenceError(`${name} changed since the model was signed; sign the model again before attesting evidence from it`, name);
  }
}

/** Builds the licence predicate from what is on disk. */
export async function buildLicensePredicate(root: string, statement: ModelStatement): Promise<Record<string, unknown>> {
  const findings = await findLicenses(root);
  if (findings.length === 0) throw evidenceError(`${root}: no licence found (no README.md front matter "license:", no LICENSE file)`, root);
  for (const f of findings) checkSignedSource(f.source.replace(/#.*$/, ""), f.sourceDigest, statement);
  const primary = findings[0]!;
  return {
    spdxId: primary.spdxId,
    source: primary.source,
    ...(primary.declared !== undefined ? { declared: primary.declared } : {}),
    ...(primary.name !== undefined ? { name: primary.name } : {}),
    ...(primary.link !== undefined ? { link: primary.link } : {}),
    findings: findings.map((f) => ({ ...f })),
  };
}

// ---------------------------------------------------------------------------------------------
// CycloneDX 1.6 ML-BOM

export interface MlBomOptions {
  readonly kind: ArtifactKind;
  readonly toolVersion?: string;
  /** Fixed serial number and time, for reproducible output in tests. */
  readonly serialNumber?: string;
  readonly timestamp?: string;
}

function asStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** CycloneDX `modelCard` from a Hugging Face model card's front matter (the fields it has). */
export function modelCardFromFrontMatter(fm: Record<string, unknown>): Record<string, unknown> | undefined {
  const modelParameters: Record<string, unknown> = {};
  if (typeof fm["pipeline_tag"] === "string") modelParameters["task"] = fm["pipeline_tag"];
  if (typeof fm["library_name"] === "string") modelParameters["architectureFamily"] = fm["library_name"];
  const baseModels = asStrings(fm["base_model"]);
  if (baseModels.length > 0) modelParameters["modelArchitecture"] = baseModels.join(", ");
  const datasets = asStrings(fm["datasets"]);
  if (datasets.length > 0) modelParameters["datasets"] = datasets.map((name) => ({ type: "dataset", name }));
  const performanceMetrics: Record<string, unknown>[] = [];
  const index = fm["model-index"];
  if (Array.isArray(index)) {
    for (const entry of index) {
      if (!isRecord(entry) || !Array.isArray(entry["results"])) continue;
      for (const result of entry["results"]) {
        if (!isRecord(result) || !Array.isArray(result["metrics"])) continue;
        const dataset = isRecord(result["dataset"]) && typeof result["dataset"]["name"] === "string" ? result["dataset"]["name"] : undefined;
        for (const metric of result["metrics"]) {
          if (!isRecord(metric) || typeof metric["type"] !== "string" || metric["value"] === undefined) continue;
          performanceMetrics.push({ type: metric["type"], value: String(metric["value"]), ...(dataset ? { slice: dataset } : {}) });
        }
      }
    }
  }
  const card: Record<string, unknown> = {};
  if (Object.keys(modelParameters).length > 0) card["modelParameters"] = modelParameters;
  if (performanceMetrics.length > 0) card["quantitativeAnalysis"] = { performanceMetrics };
  const languages = asStrings(fm["language"]);
  const tags = asStrings(fm["tags"]);
  if (languages.length > 0 || tags.length > 0) {
    card["properties"] = [...languages.map((l) => ({ name: "language", value: l })), ...tags.map((t) => ({ name: "tag", value: t }))];
  }
  return Object.keys(card).length > 0 ? card : undefined;
}

/** Builds a CycloneDX 1.6 ML-BOM of the signed model or dataset (component + one file component per resource). */
export async function buildMlBom(root: string, statement: ModelStatement, options: MlBomOptions): Promise<Record<string, unknown>> {
  const card = await readOptional(path.join(root, "README.md"));
  let fm: Record<string, unknown> | undefined;
  if (card) {
    checkSignedSource("README.md", sha256(card), statement);
    fm = parseFrontMatter(card.toString("utf8"));
  }
  const licenses = (await findLicenses(root)).filter((f) => f.spdxId !== "NOASSERTION");
  const license = licenses[0];
  const main: Record<string, unknown> = {
    type: options.kind === "model" ? "machine-learning-model" : "data",
    "bom-ref": `${options.kind}:${statement.subjectName}`,
    name: statement.subjectName,
    ...(statement.source?.commit ? { version: statement.source.commit } : {}),
    hashes: [{ alg: "SHA-256", content: statement.rootDigest }],
  };
  if (license) main["licenses"] = [license.spdxId.startsWith("LicenseRef-") ? { license: { name: license.declared ?? license.spdxId } } : { license: { id: license.spdxId } }];
  if (statement.source?.remote) main["externalReferences"] = [{ type: "vcs", url: statement.source.remote }];
  if (options.kind === "model") {
    const modelCard = fm ? modelCardFromFrontMatter(fm) : undefined;
    if (modelCard) main["modelCard"] = modelCard;
  } else {
    const name = typeof fm?.["pretty_name"] === "string" ? fm["pretty_name"] : statement.subjectName;
    main["data"] = [
      {
        type: "dataset",
        name,
        ...(asStrings(fm?.["task_categories"]).length > 0 ? { description: `task categories: ${asStrings(fm?.["task_categories"]).join(", ")}` } : {}),
      },
    ];
  }
  main["components"] = statement.resources.map((r: ManifestResource) => ({
    type: "file",
    name: r.name,
    hashes: [{ alg: statement.serialization.hashType === "sha256" ? "SHA-256" : "BLAKE2b-512", content: r.digest }],
  }));
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp ?? new Date().toISOString(),
      tools: { components: [{ type: "application", name: "secure-mlops", ...(options.toolVersion ? { version: options.toolVersion } : {}) }] },
      component: main,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Vulnerability scan

const SEVERITY_WORDS: Readonly<Record<string, NormalisedSeverity>> = {
  critical: "critical",
  high: "high",
  error: "high",
  medium: "medium",
  moderate: "medium",
  warning: "medium",
  low: "low",
  negligible: "low",
  info: "low",
  informational: "low",
  note: "low",
  unknown: "unknown",
};

/** Maps a scanner's severity word or CVSS score to low/medium/high/critical (or unknown). */
export function normaliseSeverity(value: unknown): NormalisedSeverity {
  if (typeof value === "number" && Number.isFinite(value)) {
    if (value >= 9) return "critical";
    if (value >= 7) return "high";
    if (value >= 4) return "medium";
    return value > 0 ? "low" : "unknown";
  }
  if (typeof value !== "string") return "unknown";
  const word = SEVERITY_WORDS[value.trim().toLowerCase()];
  if (word) return word;
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) ? normaliseSeverity(n) : "unknown";
}

export interface Finding {
  readonly id: string;
  readonly severity: NormalisedSeverity;
  readonly declaredSeverity?: string;
  readonly target?: string;
}

export interface ScanReport {
  readonly format: "trivy" | "grype" | "modelscan" | "sarif" | "generic";
  readonly scanner: { readonly name: string; readonly version?: string };
  readonly findings: readonly Finding[];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** Reads a scanner's JSON report (Trivy, Grype, ModelScan, SARIF 2.1.0, or `{scanner, vulnerabilities}`). */
export function parseScanReport(json: unknown, file = "scan report"): ScanReport {
  if (!isRecord(json)) throw evidenceError(`${file}: scan report is not a JSON object`, file);
  if (Array.isArray(json["Results"]) || json["SchemaVersion"] !== undefined) {
    const findings: Finding[] = [];
    for (const r of Array.isArray(json["Results"]) ? json["Results"] : []) {
      if (!isRecord(r)) continue;
      for (const v of Array.isArray(r["Vulnerabilities"]) ? r["Vulnerabilities"] : []) {
        if (!isRecord(v)) continue;
        const id = str(v["VulnerabilityID"]);
        if (!id) throw evidenceError(`${file}: a Trivy vulnerability has no VulnerabilityID`, file);
        findings.push({ id, severity: normaliseSeverity(v["Severity"]), ...(str(v["Severity"]) ? { declaredSeverity: str(v["Severity"])! } : {}), ...(str(r["Target"]) ? { target: str(r["Target"])! } : {}) });
      }
    }
    return { format: "trivy", scanner: { name: "trivy" }, findings };
  }
  if (Array.isArray(json["matches"])) {
    const descriptor = isRecord(json["descriptor"]) ? json["descriptor"] : {};
    const findings = json["matches"].map((m, i) => {
      const v = isRecord(m) && isRecord(m["vulnerability"]) ? m["vulnerability"] : undefined;
      const id = str(v?.["id"]);
      if (!v || !id) throw evidenceError(`${file}: Grype match ${i} has no vulnerability id`, file);
      const artifact = isRecord(m) && isRecord(m["artifact"]) ? m["artifact"] : {};
      return { id, severity: normaliseSeverity(v["severity"]), ...(str(v["severity"]) ? { declaredSeverity: str(v["severity"])! } : {}), ...(str(artifact["name"]) ? { target: str(artifact["name"])! } : {}) };
    });
    return { format: "grype", scanner: { name: str(descriptor["name"]) ?? "grype", ...(str(descriptor["version"]) ? { version: str(descriptor["version"])! } : {}) }, findings };
  }
  if (Array.isArray(json["issues"]) && isRecord(json["summary"])) {
    const summary = json["summary"];
    const findings = json["issues"].map((issue, i) => {
      if (!isRecord(issue)) throw evidenceError(`${file}: ModelScan issue ${i} is not an object`, file);
      const op = [str(issue["module"]), str(issue["operator"])].filter(Boolean).join(".");
      return {
        id: `modelscan:${op || str(issue["description"]) || `issue-${i}`}`,
        severity: normaliseSeverity(issue["severity"]),
        ...(str(issue["severity"]) ? { declaredSeverity: str(issue["severity"])! } : {}),
        ...(str(issue["source"]) ? { target: str(issue["source"])! } : {}),
      };
    });
    const version = str(summary["modelscan_version"]);
    return { format: "modelscan", scanner: { name: "modelscan", ...(version ? { version } : {}) }, findings };
  }
  if (json["version"] === "2.1.0" && Array.isArray(json["runs"])) {
    const findings: Finding[] = [];
    let name = "sarif";
    let version: string | undefined;
    for (const run of json["runs"]) {
      if (!isRecord(run)) continue;
      const driver = isRecord(run["tool"]) && isRecord(run["tool"]["driver"]) ? run["tool"]["driver"] : {};
      name = str(driver["name"]) ?? name;
      version = str(driver["version"]) ?? version;
      for (const r of Array.isArray(run["results"]) ? run["results"] : []) {
        if (!isRecord(r)) continue;
        const props = isRecord(r["properties"]) ? r["properties"] : {};
        const score = props["security-severity"];
        const severity = score !== undefined ? normaliseSeverity(typeof score === "string" ? Number(score) : score) : normaliseSeverity(r["level"] ?? "warning");
        findings.push({ id: str(r["ruleId"]) ?? "unnamed-rule", severity });
      }
    }
    return { format: "sarif", scanner: { name, ...(version ? { version } : {}) }, findings };
  }
  if (Array.isArray(json["vulnerabilities"])) {
    const scanner = isRecord(json["scanner"]) ? json["scanner"] : {};
    const findings = json["vulnerabilities"].map((v, i) => {
      if (!isRecord(v) || !str(v["id"])) throw evidenceError(`${file}: vulnerabilities[${i}] has no id`, file);
      return { id: str(v["id"])!, severity: normaliseSeverity(v["severity"]), ...(str(v["severity"]) ? { declaredSeverity: str(v["severity"])! } : {}), ...(str(v["target"]) ? { target: str(v["target"])! } : {}) };
    });
    return { format: "generic", scanner: { name: str(scanner["name"]) ?? "unknown", ...(str(scanner["version"]) ? { version: str(scanner["version"])! } : {}) }, findings };
  }
  throw evidenceError(`${file}: unknown scan report format (expected Trivy, Grype, ModelScan, SARIF 2.1.0 or {"vulnerabilities": [...]})`, file);
}

/** The in-toto vulns v0.1 predicate for a scan report; `severity` carries the scanner's word and ours. */
export function vulnsPredicate(report: ScanReport, times: { started: string; finished: string }): Record<string, unknown> {
  return {
    scanner: {
      uri: `secure-mlops:scanner/${report.scanner.name}`,
      ...(report.scanner.version ? { version: report.scanner.version } : {}),
      result: report.findings.map((f) => ({
        id: f.id,
        severity: [{ method: "secure-mlops/normalised", score: f.severity }, ...(f.declaredSeverity ? [{ method: report.format, score: f.declaredSeverity }] : [])],
        ...(f.target ? { annotations: [{ target: f.target }] } : {}),
      })),
    },
    metadata: { scanStartedOn: times.started, scanFinishedOn: times.finished },
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation and bias tests

export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly dataset?: string;
  readonly slice?: string;
}

/**
 * Reads metrics from an evaluation tool's JSON: `{"metrics": {"accuracy": 0.9}}`,
 * `{"metrics": [{"name", "value", "dataset"?, "slice"?}]}`, or lm-evaluation-harness
 * `{"results": {"task": {"acc,none": 0.7}}}` (named `task/acc`). Only finite numbers count.
 */
export function parseMetrics(json: unknown, file = "metrics"): Metric[] {
  if (!isRecord(json)) throw evidenceError(`${file}: metrics file is not a JSON object`, file);
  const metrics: Metric[] = [];
  const m = json["metrics"];
  if (isRecord(m)) {
    for (const [name, value] of Object.entries(m)) {
      if (typeof value === "number" && Number.isFinite(value)) metrics.push({ name, value });
    }
  } else if (Array.isArray(m)) {
    m.forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry["name"] !== "string" || typeof entry["value"] !== "number" || !Number.isFinite(entry["value"])) {
        throw evidenceError(`${file}: metrics[${i}] needs a string "name" and a finite number "value"`, file);
      }
      metrics.push({
        name: entry["name"],
        value: entry["value"],
        ...(typeof entry["dataset"] === "string" ? { dataset: entry["dataset"] } : {}),
        ...(typeof entry["slice"] === "string" ? { slice: entry["slice"] } : {}),
      });
    });
  } else if (isRecord(json["results"])) {
    for (const [task, values] of Object.entries(json["results"])) {
      if (!isRecord(values)) continue;
      for (const [key, value] of Object.entries(values)) {
        if (typeof value !== "number" || !Number.isFinite(value) || key.includes("stderr")) continue;
        metrics.push({ name: `${task}/${key.replace(/,none$/, "")}`, value, dataset: task });
      }
    }
  }
  if (metrics.length === 0) throw evidenceError(`${file}: no numeric metric found`, file);
  return metrics;
}

/** The evaluation predicate: metrics plus what produced them. */
export function evaluationPredicate(kind: "evaluation" | "bias", metrics: readonly Metric[], json: Record<string, unknown>): Record<string, unknown> {
  const tool = isRecord(json["tool"]) ? json["tool"] : undefined;
  return {
    kind,
    ...(tool && typeof tool["name"] === "string" ? { tool: { name: tool["name"], ...(typeof tool["version"] === "string" ? { version: tool["version"] } : {}) } } : {}),
    ...(typeof json["dataset"] === "string" ? { dataset: json["dataset"] } : {}),
    metrics: metrics.map((m) => ({ ...m })),
  };
}

// ---------------------------------------------------------------------------------------------
// Statements, signing, the evidence file

/** An in-toto statement binding a predicate to the model's subject. */
export function evidenceStatement(subject: EvidenceSubject, predicateType: string, predicate: Record<string, unknown>): InTotoStatement {
  return { _type: IN_TOTO_STATEMENT_V1, subject: [{ name: subject.name, digest: { sha256: subject.digest } }], predicateType, predicate };
}

export interface BuildEvidenceOptions {
  readonly root: string;
  readonly type: EvidenceType;
  /** The model's verified (or just produced) OMS statement: subject and resources. */
  readonly statement: ModelStatement;
  readonly kind: ArtifactKind;
  /** Scanner or evaluation JSON (vulnerability-scan, evaluation, bias-test). */
  readonly input?: string;
  readonly toolVersion?: string;
}

/** Builds the evidence statement of one type for a model. */
export async function buildEvidence(options: BuildEvidenceOptions): Promise<InTotoStatement> {
  const subject = { name: options.statement.subjectName, digest: options.statement.rootDigest };
  switch (options.type) {
    case "license":
      return evidenceStatement(subject, LICENSE_PREDICATE_TYPE, await buildLicensePredicate(options.root, options.statement));
    case "mlbom":
      return evidenceStatement(subject, CYCLONEDX_PREDICATE_TYPE, await buildMlBom(options.root, options.statement, { kind: options.kind, ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}) }));
    case "vulnerability-scan": {
      if (!options.input) throw new InputError("INPUT_OPTIONS_INVALID", "vulnerability-scan evidence needs an input file (the scanner's JSON report)");
      const st = await fsp.stat(options.input).catch(() => undefined);
      const report = parseScanReport(await readJsonFile(options.input, "scan report"), options.input);
      const finished = (st?.mtime ?? new Date()).toISOString();
      return evidenceStatement(subject, VULNS_PREDICATE_TYPE, vulnsPredicate(report, { started: finished, finished }));
    }
    case "evaluation":
    case "bias-test": {
      if (!options.input) throw new InputError("INPUT_OPTIONS_INVALID", `${options.type} evidence needs an input file (the metrics JSON)`);
      const json = await readJsonFile(options.input, "metrics");
      const metrics = parseMetrics(json, options.input);
      return evidenceStatement(subject, EVALUATION_PREDICATE_TYPE, evaluationPredicate(options.type === "bias-test" ? "bias" : "evaluation", metrics, json as Record<string, unknown>));
    }
  }
}

/** The evidence type of a statement, from its predicate type (and kind for evaluations). */
export function evidenceTypeOf(statement: Pick<InTotoStatement, "predicateType" | "predicate">): EvidenceType | undefined {
  switch (statement.predicateType) {
    case LICENSE_PREDICATE_TYPE:
      return "license";
    case CYCLONEDX_PREDICATE_TYPE:
    case CYCLONEDX_PREDICATE_TYPE_UNVERSIONED:
      return "mlbom";
    case VULNS_PREDICATE_TYPE:
      return "vulnerability-scan";
    case EVALUATION_PREDICATE_TYPE:
      return statement.predicate["kind"] === "bias" ? "bias-test" : "evaluation";
    default:
      return undefined;
  }
}

/**
 * Signs an evidence statement and stores its bundle as one line of the evidence file (JSON
 * Lines), replacing an earlier bundle of the same evidence type for the same subject.
 */
export async function signAndStoreEvidence(statement: InTotoStatement, signer: SignerSpec, file: string): Promise<Record<string, unknown>> {
  // the signing modules load here: `verify --policy` reads evidence and never signs
  const { signStatement, writeFileAtomic } = await import("./sign");
  const bundle = await signStatement(statement, signer);
  const type = evidenceTypeOf(statement);
  const existing = await readEvidenceLines(file);
  const kept = existing.filter((line) => {
    const s = peekStatement(line);
    return !(s && evidenceTypeOf(s) === type && s.subject.some((x) => x.digest["sha256"] === statement.subject[0]!.digest["sha256"]));
  });
  await writeFileAtomic(file, [...kept, JSON.stringify(bundle)].join("\n") + "\n");
  return bundle;
}

/** The unverified statement inside a bundle line, to find what to replace; `undefined` if unreadable. */
function peekStatement(line: string): InTotoStatement | undefined {
  try {
    return parseStatement(parseBundle(line).envelope.payload);
  } catch {
    return undefined;
  }
}

/** Non-empty lines of an evidence file; an absent file has none. */
export async function readEvidenceLines(file: string): Promise<string[]> {
  let text: string;
  try {
    const size = (await fsp.stat(file)).size;
    if (size > MAX_EVIDENCE_FILE_BYTES) throw new InputError("INPUT_EVIDENCE_INVALID", `${file}: evidence file is ${size} bytes, more than ${MAX_EVIDENCE_FILE_BYTES}`, { file });
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new InputError("INPUT_UNREADABLE", `${file}: cannot read evidence (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err, file });
  }
  return text.split(/\r?\n/).filter((l) => l.trim().length > 0);
}

export interface VerifiedEvidence {
  readonly line: number;
  readonly type: EvidenceType;
  readonly predicateType: string;
  readonly predicate: Readonly<Record<string, unknown>>;
  readonly signer: VerifiedSigner;
}

export interface RejectedEvidence {
  readonly line: number;
  readonly type?: EvidenceType;
  readonly code: VerificationFailureCode;
  readonly reason: string;
}

/**
 * Verifies each evidence bundle: signature by one of `trusts`, in-toto statement v1, a subject
 * with the model's SHA-256 root digest, a known predicate type. Nothing is thrown for a bad line.
 */
export function verifyEvidence(lines: readonly string[], trusts: readonly TrustPolicy[], subjectDigest: string): { accepted: VerifiedEvidence[]; rejected: RejectedEvidence[] } {
  const accepted: VerifiedEvidence[] = [];
  const rejected: RejectedEvidence[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    try {
      const bundle = parseBundle(text);
      const outcome = verifyWithAny(bundle, trusts);
      if ("failures" in outcome) {
        rejected.push({ line, code: outcome.failures[0]!.code, reason: outcome.failures.map((f) => f.message).join("; ") });
        return;
      }
      if (outcome.verified.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
        rejected.push({ line, code: "STATEMENT_PAYLOAD_TYPE", reason: `payload type ${outcome.verified.payloadType} is not in-toto` });
        return;
      }
      const statement = parseStatement(outcome.verified.payload);
      const type = evidenceTypeOf(statement);
      if (!statement.subject.some((s) => s.digest["sha256"] === subjectDigest)) {
        rejected.push({ line, ...(type ? { type } : {}), code: "EVIDENCE_OTHER_SUBJECT", reason: "evidence is about another subject (digest differs from the model's)" });
        return;
      }
      if (!type) {
        rejected.push({ line, code: "STATEMENT_PREDICATE_TYPE", reason: `unknown evidence predicate type ${statement.predicateType}` });
        return;
      }
      accepted.push({ line, type, predicateType: statement.predicateType, predicate: statement.predicate, signer: outcome.verified.signer });
    } catch (err) {
      if (err instanceof BundleError || err instanceof StatementError || err instanceof SignatureError) {
        rejected.push({ line, code: err.code, reason: err.message });
        return;
      }
      throw err;
    }
  });
  return { accepted, rejected };
}
