import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Document, LineCounter } from "yaml";
import type { ParsedBundle } from "./bundle";
import { PolicyFileError, isAttestationError, messageOf } from "./errors";
import { EVIDENCE_TYPES, SEVERITIES, normaliseSeverity, type EvidenceType, type NormalisedSeverity, type RejectedEvidence, type VerifiedEvidence } from "./evidence";
import { CONDITION_NAMES, type CertificateConditions } from "./identity";
import { loadCertificates, loadPublicKey } from "./keys";
import type { ModelStatement } from "./statement";
import { loadTrustedRoot, trustLabel, verifyWithAny, type TrustPolicy } from "./verify";

/**
 * The attestation policy: a YAML file, validated by a JSON schema, saying who may sign, which
 * evidence must exist and what it must say (the counterpart of the seed's `verify-license.yml`).
 * Evaluation reports every rule that fails, not only the first.
 *
 * ```yaml
 * apiVersion: secure-mlops.dev/v1
 * kind: AttestationPolicy
 * signers:
 *   - key: keys/release.pub.pem
 *   - identity: https://github.com/org/models/.github/workflows/release.yml@refs/heads/main
 *     issuer: https://token.actions.githubusercontent.com
 *     certificate: { githubWorkflowTrigger: push }
 * requireEvidence: [license, mlbom, vulnerability-scan, evaluation]
 * licenses: { allowed: [Apache-2.0, MIT] }
 * vulnerabilities: { maxSeverity: medium }
 * evaluation:
 *   thresholds:
 *     - { metric: accuracy, min: 0.9 }
 * ```
 */

export const POLICY_API_VERSION = "secure-mlops.dev/v1";
export const POLICY_KIND = "AttestationPolicy";

export type PolicySigner =
  | { readonly key: string }
  | { readonly root: string; readonly intermediates?: string }
  | {
      readonly identity?: string;
      readonly identityRegexp?: string;
      readonly issuer: string;
      readonly trustedRoot?: string;
      /** Fulcio extensions the certificate must carry, e.g. `githubWorkflowRef: refs/tags/v1.2.0`. */
      readonly certificate?: CertificateConditions;
    };

export interface EvaluationThreshold {
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
  /** Which evidence the metric comes from. @default either */
  readonly from?: "evaluation" | "bias-test";
}

export interface AttestationPolicy {
  readonly apiVersion: typeof POLICY_API_VERSION;
  readonly kind: typeof POLICY_KIND;
  readonly signers?: readonly PolicySigner[];
  readonly requireEvidence?: readonly EvidenceType[];
  readonly licenses?: { readonly allowed?: readonly string[]; readonly denied?: readonly string[] };
  readonly vulnerabilities?: { readonly maxSeverity: "none" | "low" | "medium" | "high" | "critical"; readonly unknownSeverityAs?: "low" | "medium" | "high" | "critical" };
  readonly evaluation?: { readonly thresholds: readonly EvaluationThreshold[] };
  readonly source?: { readonly requireGit?: boolean; readonly allowedRemotes?: readonly string[] };
  /** Rules for container images (`verify image`, the admission verifier); see attestation/image-policy.ts. */
  readonly images?: ImagePolicy;
}

export interface ImagePolicy {
  /** Globs over `registry` or `registry/repository` (e.g. `myacr.azurecr.io`, `127.0.0.1:*`). */
  readonly allowedRegistries?: readonly string[];
  /** `signature`, `sbom`, `vulnerability-scan`, `provenance`, or an exact predicate type URI. */
  readonly requirePredicates?: readonly string[];
  readonly vulnerabilities?: { readonly maxSeverity: "none" | "low" | "medium" | "high" | "critical"; readonly unknownSeverityAs?: "low" | "medium" | "high" | "critical" };
  /** Licences of the SBOM's components. */
  readonly licenses?: { readonly allowed?: readonly string[]; readonly denied?: readonly string[] };
}

/** JSON schema of the policy file (draft-07, as Ajv's default). */
export const POLICY_SCHEMA = {
  $id: "https://secure-mlops.dev/schemas/attestation-policy/v1.json",
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind"],
  properties: {
    apiVersion: { const: POLICY_API_VERSION },
    kind: { const: POLICY_KIND },
    signers: {
      type: "array",
      minItems: 1,
      // a signer is told apart by its first field, so a mistake is reported against the right kind
      items: {
        type: "object",
        if: { required: ["key"] },
        then: { additionalProperties: false, properties: { key: { type: "string", minLength: 1 } } },
        else: {
          if: { required: ["root"] },
          then: {
            additionalProperties: false,
            properties: { root: { type: "string", minLength: 1 }, intermediates: { type: "string", minLength: 1 } },
          },
          else: {
            additionalProperties: false,
            required: ["issuer"],
            properties: {
              identity: { type: "string", minLength: 1 },
              identityRegexp: { type: "string", minLength: 1, format: "regex" },
              issuer: { type: "string", format: "uri" },
              trustedRoot: { type: "string", minLength: 1 },
              certificate: {
                type: "object",
                additionalProperties: false,
                minProperties: 1,
                properties: Object.fromEntries(CONDITION_NAMES.map((n) => [n, { type: "string", minLength: 1 }])),
              },
            },
            anyOf: [{ required: ["identity"] }, { required: ["identityRegexp"] }],
            not: { required: ["identity", "identityRegexp"] },
          },
        },
      },
    },
    requireEvidence: { type: "array", uniqueItems: true, items: { enum: [...EVIDENCE_TYPES] } },
    licenses: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        allowed: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
        denied: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
      },
    },
    vulnerabilities: {
      type: "object",
      additionalProperties: false,
      required: ["maxSeverity"],
      properties: {
        maxSeverity: { enum: ["none", ...SEVERITIES] },
        unknownSeverityAs: { enum: [...SEVERITIES] },
      },
    },
    evaluation: {
      type: "object",
      additionalProperties: false,
      required: ["thresholds"],
      properties: {
        thresholds: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["metric"],
            anyOf: [{ required: ["min"] }, { required: ["max"] }],
            properties: {
              metric: { type: "string", minLength: 1 },
              min: { type: "number" },
              max: { type: "number" },
              from: { enum: ["evaluation", "bias-test"] },
            },
          },
        },
      },
    },
    source: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        requireGit: { type: "boolean" },
        allowedRemotes: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
      },
    },
    images: {
      type: "object",
      additionalProperties: false,
      properties: {
        allowedRegistries: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
        requirePredicates: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
        vulnerabilities: {
          type: "object",
          additionalProperties: false,
          required: ["maxSeverity"],
          properties: { maxSeverity: { enum: ["none", ...SEVERITIES] }, unknownSeverityAs: { enum: [...SEVERITIES] } },
        },
        licenses: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            allowed: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
            denied: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
          },
        },
      },
    },
  },
} as const;

let compiled: ValidateFunction | undefined;

function policyValidator(): ValidateFunction {
  if (!compiled) {
    // Ajv costs ~0.1 s to load and compile; `verify` without --policy should not pay it, and
    // parsePolicy stays synchronous, hence require rather than import()
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: Ajv } = require("ajv") as typeof import("ajv");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: addFormats } = require("ajv-formats") as typeof import("ajv-formats");
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true });
    addFormats(ajv);
    compiled = ajv.compile(POLICY_SCHEMA);
  }
  return compiled;
}

function positionOf(doc: Document, counter: LineCounter, instancePath: string): { line: number; col: number } {
  const segments = instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
  let node: unknown = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
  while (node === undefined && segments.length > 0) {
    segments.pop();
    node = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return { line: 1, col: 1 };
  return counter.linePos(range[0]);
}

function describeSchemaError(e: ErrorObject): string {
  const where = e.instancePath || "(top level)";
  switch (e.keyword) {
    case "additionalProperties":
      return `${where}: unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
    case "required":
      return `${where}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
    case "enum":
      return `${where}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `${where}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}

/** Turns Ajv errors into one message per problem: `anyOf` of required fields becomes "missing one of". */
function schemaProblems(errors: readonly ErrorObject[]): { instancePath: string; message: string }[] {
  const out: { instancePath: string; message: string }[] = [];
  const alternatives = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === "if" || e.keyword === "anyOf") continue;
    const anyOf = /^(.*\/anyOf)\/[0-9]+\/required$/.exec(e.schemaPath);
    if (e.keyword === "required" && anyOf) {
      const key = `${e.instancePath}\u0000${anyOf[1]}`;
      const fields = alternatives.get(key) ?? [];
      if (fields.length === 0) out.push({ instancePath: e.instancePath, message: key });
      fields.push(JSON.stringify((e.params as { missingProperty: string }).missingProperty));
      alternatives.set(key, fields);
      continue;
    }
    if (e.keyword === "not") {
      out.push({ instancePath: e.instancePath, message: `${e.instancePath || "(top level)"}: give only one of these fields (${schemaNotFields(e)})` });
      continue;
    }
    // point at the unknown key itself, not at the object holding it
    const at = e.keyword === "additionalProperties" ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty).replace(/~/g, "~0").replace(/\//g, "~1")}` : e.instancePath;
    out.push({ instancePath: at, message: describeSchemaError(e) });
  }
  return out.map((p) => {
    const fields = alternatives.get(p.message);
    return fields ? { instancePath: p.instancePath, message: `${p.instancePath || "(top level)"}: missing one of the fields ${fields.join(", ")}` } : p;
  });
}

function schemaNotFields(e: ErrorObject): string {
  const schema = e.parentSchema as { not?: { required?: readonly string[] } } | undefined;
  return (schema?.not?.required ?? []).join(", ");
}

/**
 * Parses and validates a policy's YAML text. Throws `PolicyFileError` whose `problems` list every
 * YAML or schema error as `file:line:col: /path message`.
 */
export function parsePolicy(text: string, file = "policy.yaml"): AttestationPolicy {
  // loaded on use, as Ajv is: only `--policy` reads YAML
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LineCounter, parseDocument } = require("yaml") as typeof import("yaml");
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split("\n")[0]}`;
    });
    throw new PolicyFileError("POLICY_NOT_YAML", `${file}: not valid YAML (${problems[0]})`, { problems });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyFileError("POLICY_NOT_YAML", `${file}: cannot read YAML (${messageOf(err)})`, { cause: err, problems: [`${file}: ${messageOf(err)}`] });
  }
  const validateSchema = policyValidator();
  if (!validateSchema(value)) {
    const located = schemaProblems(validateSchema.errors ?? []).map((p) => {
      const pos = positionOf(doc, counter, p.instancePath);
      return { pos, line: `${file}:${pos.line}:${pos.col}: ${p.message}` };
    });
    // in file order, so the list reads top to bottom like the file
    located.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    const unique = [...new Set(located.map((l) => l.line))];
    if (unique.length === 0) unique.push(`${file}:1:1: does not match the policy schema`);
    throw new PolicyFileError("POLICY_SCHEMA", `${file}: invalid policy (${unique.length} problem${unique.length === 1 ? "" : "s"}; first: ${unique[0]})`, { problems: unique });
  }
  return value as unknown as AttestationPolicy;
}

export interface LoadedPolicy {
  readonly file: string;
  readonly policy: AttestationPolicy;
  /** The policy's signers, loaded (keys, roots, trusted roots); empty when the policy names none. */
  readonly signers: readonly TrustPolicy[];
}

/** Reads, validates and loads a policy file; key and root paths are relative to the policy file. */
export async function loadPolicy(file: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    throw new PolicyFileError("POLICY_UNREADABLE", `${file}: cannot read policy (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
  return loadPolicyText(text, file);
}

/**
 * Validates and loads a policy already read from `file` (the verifier service reads the file
 * once, to hash exactly the bytes it loads); key and root paths are relative to `file`.
 */
export async function loadPolicyText(text: string, file: string): Promise<LoadedPolicy> {
  const policy = parsePolicy(text, file);
  const base = path.dirname(path.resolve(file));
  const resolve = (p: string): string => path.resolve(base, p);
  const signers: TrustPolicy[] = [];
  for (const [i, s] of (policy.signers ?? []).entries()) {
    const where = `${file}: signers[${i}]`;
    try {
      if ("key" in s) {
        signers.push({ method: "public-key", key: await loadPublicKey(resolve(s.key)), label: `key ${s.key}` });
      } else if ("root" in s) {
        signers.push({
          method: "certificate-chain",
          roots: await loadCertificates(resolve(s.root)),
          intermediates: s.intermediates ? await loadCertificates(resolve(s.intermediates)) : [],
          label: `root ${s.root}`,
        });
      } else {
        const identity = s.identity !== undefined ? { exact: s.identity } : { regexp: s.identityRegexp! };
        signers.push({
          method: "keyless",
          identity,
          issuer: s.issuer,
          trustedRoot: await loadTrustedRoot(s.trustedRoot ? resolve(s.trustedRoot) : undefined),
          ...(s.certificate ? { conditions: s.certificate } : {}),
        });
      }
    } catch (err) {
      if (isAttestationError(err)) throw new PolicyFileError("POLICY_REFERENCE", `${where}: ${err.message}`, { cause: err, problems: [`${where}: ${err.message}`] });
      throw err;
    }
  }
  return { file, policy, signers };
}

/** One rule of the policy that the model does not satisfy. */
export interface PolicyFailure {
  /** `signers`, `evidence.<type>`, `licenses`, `vulnerabilities`, `evaluation.<metric>`, `source`. */
  readonly rule: string;
  readonly message: string;
}

export interface PolicyContext {
  /** The model's verified bundle and statement. */
  readonly bundle: ParsedBundle;
  readonly statement: ModelStatement;
  readonly evidence: { readonly accepted: readonly VerifiedEvidence[]; readonly rejected: readonly RejectedEvidence[] };
}

const SEVERITY_RANK: Readonly<Record<"none" | NormalisedSeverity, number>> = { none: 0, low: 1, medium: 2, high: 3, critical: 4, unknown: 5 };

/** The normalised severity a vulns v0.1 result entry carries (ours first, else the scanner's). */
export function severityOfResult(entry: unknown): NormalisedSeverity {
  const severities = typeof entry === "object" && entry !== null && Array.isArray((entry as Record<string, unknown>)["severity"]) ? ((entry as Record<string, unknown>)["severity"] as unknown[]) : [];
  const scores = severities.filter((s): s is Record<string, unknown> => typeof s === "object" && s !== null);
  const ours = scores.find((s) => s["method"] === "secure-mlops/normalised");
  if (ours) return normaliseSeverity(ours["score"]);
  for (const s of scores) {
    const n = normaliseSeverity(s["score"]);
    if (n !== "unknown") return n;
  }
  return "unknown";
}

function list(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function ofType(ctx: PolicyContext, type: EvidenceType): VerifiedEvidence[] {
  return ctx.evidence.accepted.filter((e) => e.type === type);
}

function missingEvidence(ctx: PolicyContext, type: EvidenceType, why: string): PolicyFailure {
  const rejected = ctx.evidence.rejected.filter((r) => r.type === type || r.type === undefined);
  const detail = rejected.length > 0 ? ` (rejected: ${rejected.map((r) => `line ${r.line}: ${r.reason}`).join("; ")})` : "";
  return { rule: `evidence.${type}`, message: `${why}: no verified ${type} evidence for this subject${detail}` };
}

function checkSigners(loaded: LoadedPolicy, ctx: PolicyContext): PolicyFailure[] {
  if (loaded.signers.length === 0) return [];
  const outcome = verifyWithAny(ctx.bundle, loaded.signers);
  if ("verified" in outcome) return [];
  return [{ rule: "signers", message: `signer is not one the policy allows (${loaded.signers.map(trustLabel).join("; ")})` }];
}

function checkLicenses(policy: AttestationPolicy, ctx: PolicyContext): PolicyFailure[] {
  const rule = policy.licenses;
  if (!rule) return [];
  const evidence = ofType(ctx, "license");
  if (evidence.length === 0) return [{ ...missingEvidence(ctx, "license", "licence rule"), rule: "licenses" }];
  const failures: PolicyFailure[] = [];
  const allowed = (rule.allowed ?? []).map((l) => l.toLowerCase());
  const denied = (rule.denied ?? []).map((l) => l.toLowerCase());
  for (const e of evidence) {
    const id = typeof e.predicate["spdxId"] === "string" ? e.predicate["spdxId"] : "NOASSERTION";
    const declared = typeof e.predicate["declared"] === "string" ? e.predicate["declared"].toLowerCase() : undefined;
    const names = [id.toLowerCase(), ...(declared ? [declared] : [])];
    if (denied.some((d) => names.includes(d))) failures.push({ rule: "licenses", message: `licence ${id} is denied by the policy` });
    else if (allowed.length > 0 && !allowed.some((a) => names.includes(a))) failures.push({ rule: "licenses", message: `licence ${id} is not in the allowed list (${(rule.allowed ?? []).join(", ")})` });
  }
  return failures;
}

function checkVulnerabilities(policy: AttestationPolicy, ctx: PolicyContext): PolicyFailure[] {
  const rule = policy.vulnerabilities;
  if (!rule) return [];
  const evidence = ofType(ctx, "vulnerability-scan");
  if (evidence.length === 0) return [{ ...missingEvidence(ctx, "vulnerability-scan", "vulnerability rule"), rule: "vulnerabilities" }];
  const max = SEVERITY_RANK[rule.maxSeverity];
  const unknownAs = rule.unknownSeverityAs ?? "critical";
  const failures: PolicyFailure[] = [];
  for (const e of evidence) {
    const scanner = e.predicate["scanner"];
    const results = typeof scanner === "object" && scanner !== null && Array.isArray((scanner as Record<string, unknown>)["result"]) ? ((scanner as Record<string, unknown>)["result"] as unknown[]) : undefined;
    if (!results) {
      failures.push({ rule: "vulnerabilities", message: `vulnerability evidence (line ${e.line}) has no scanner.result list` });
      continue;
    }
    const over = results
      .map((r) => {
        const declared = severityOfResult(r);
        const severity = declared === "unknown" ? unknownAs : declared;
        const id = typeof r === "object" && r !== null && typeof (r as Record<string, unknown>)["id"] === "string" ? ((r as Record<string, unknown>)["id"] as string) : "(no id)";
        return { id, severity, declared };
      })
      .filter((r) => SEVERITY_RANK[r.severity] > max);
    if (over.length > 0) {
      failures.push({
        rule: "vulnerabilities",
        message: `${over.length} finding${over.length === 1 ? "" : "s"} above ${rule.maxSeverity}: ${list(over.map((o) => `${o.id} (${o.declared})`))}`,
      });
    }
  }
  return failures;
}

function checkEvaluation(policy: AttestationPolicy, ctx: PolicyContext): PolicyFailure[] {
  const rule = policy.evaluation;
  if (!rule) return [];
  const failures: PolicyFailure[] = [];
  for (const t of rule.thresholds) {
    const sources = t.from ? ofType(ctx, t.from) : [...ofType(ctx, "evaluation"), ...ofType(ctx, "bias-test")];
    const values: number[] = [];
    for (const e of sources) {
      const metrics = Array.isArray(e.predicate["metrics"]) ? (e.predicate["metrics"] as unknown[]) : [];
      for (const m of metrics) {
        if (typeof m !== "object" || m === null) continue;
        const r = m as Record<string, unknown>;
        if (r["name"] === t.metric && typeof r["value"] === "number" && Number.isFinite(r["value"])) values.push(r["value"]);
      }
    }
    if (values.length === 0) {
      failures.push({ rule: `evaluation.${t.metric}`, message: `no signed ${t.from ?? "evaluation"} result for metric ${t.metric}` });
      continue;
    }
    for (const v of values) {
      if (t.min !== undefined && v < t.min) failures.push({ rule: `evaluation.${t.metric}`, message: `${t.metric} is ${v}, below the minimum ${t.min}` });
      if (t.max !== undefined && v > t.max) failures.push({ rule: `evaluation.${t.metric}`, message: `${t.metric} is ${v}, above the maximum ${t.max}` });
    }
  }
  return failures;
}

function checkSource(policy: AttestationPolicy, ctx: PolicyContext): PolicyFailure[] {
  const rule = policy.source;
  if (!rule) return [];
  const source = ctx.statement.source;
  if (!source) return rule.requireGit || rule.allowedRemotes ? [{ rule: "source", message: "the signature records no git source (remote and commit)" }] : [];
  if (rule.allowedRemotes) {
    const remote = source.remote;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for the one rule that matches globs
    const picomatch = require("picomatch") as typeof import("picomatch");
    if (!remote || !rule.allowedRemotes.some((g) => picomatch.isMatch(remote, g, { dot: true }))) {
      return [{ rule: "source", message: `git remote ${remote ?? "(none)"} is not in the allowed list (${rule.allowedRemotes.join(", ")})` }];
    }
  }
  return [];
}

/** Evaluates every rule of a policy and returns each failure (empty when the policy is satisfied). */
export function evaluatePolicy(loaded: LoadedPolicy, ctx: PolicyContext): PolicyFailure[] {
  const policy = loaded.policy;
  const failures: PolicyFailure[] = [...checkSigners(loaded, ctx)];
  for (const type of policy.requireEvidence ?? []) {
    if (ofType(ctx, type).length === 0) failures.push(missingEvidence(ctx, type, "required"));
  }
  failures.push(...checkLicenses(policy, ctx), ...checkVulnerabilities(policy, ctx), ...checkEvaluation(policy, ctx), ...checkSource(policy, ctx));
  return failures;
}
