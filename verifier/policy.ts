import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { LineCounter, isMap, isScalar, parseDocument, type Document } from "yaml";
import { PolicyFileError } from "../attestation/errors";
import { loadPolicyText, type LoadedPolicy } from "../attestation/policy";
import { AdmissionPolicyError, messageOf } from "./errors";

/**
 * The verifier's part of the `AttestationPolicy` file: an `admission:` section beside the
 * attestation rules (which `attestation/policy.ts` validates and loads, unchanged).
 *
 * ```yaml
 * admission:
 *   allowedRegistries: [myacr.azurecr.io, 127.0.0.1:5000/ml]
 *   mode: enforce                 # or warn: deny becomes an admission warning
 *   namespaces: { ml-sandbox: warn }
 *   exemptNamespaces: [kube-system, secure-mlops-verifier]
 *   deadline: { maxMs: 10000, marginMs: 250 }
 *   cache: { maxEntries: 10000, ttlSeconds: 300, failureTtlSeconds: 30 }
 * ```
 *
 * Exemptions and modes are by namespace name, which the API server sets on the request; never
 * by a label, which the workload's author could set.
 */

export type AdmissionMode = "enforce" | "warn";

export interface AdmissionSettings {
  readonly allowedRegistries: readonly string[];
  readonly mode: AdmissionMode;
  readonly namespaces: Readonly<Record<string, AdmissionMode>>;
  readonly exemptNamespaces: readonly string[];
  readonly deadline: { readonly maxMs: number; readonly marginMs: number };
  readonly cache: { readonly maxEntries: number; readonly ttlSeconds: number; readonly failureTtlSeconds: number };
}

/** Every default of the `admission:` section, written once. */
export const admissionDefaults = {
  mode: "enforce",
  namespaces: {},
  exemptNamespaces: [],
  // the API server's own default and maximum webhook timeouts are 10 s and 30 s
  deadline: { maxMs: 10_000, marginMs: 250 },
  cache: { maxEntries: 10_000, ttlSeconds: 300, failureTtlSeconds: 30 },
} as const satisfies Omit<AdmissionSettings, "allowedRegistries">;

const DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
const REGISTRY_ENTRY = "^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$";

export const ADMISSION_SCHEMA = {
  $id: "https://secure-mlops.dev/schemas/attestation-policy/admission/v1.json",
  type: "object",
  additionalProperties: false,
  required: ["allowedRegistries"],
  properties: {
    allowedRegistries: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: REGISTRY_ENTRY } },
    mode: { enum: ["enforce", "warn"] },
    namespaces: { type: "object", propertyNames: { pattern: DNS_LABEL }, additionalProperties: { enum: ["enforce", "warn"] } },
    exemptNamespaces: { type: "array", uniqueItems: true, items: { type: "string", pattern: DNS_LABEL } },
    deadline: {
      type: "object",
      additionalProperties: false,
      properties: {
        maxMs: { type: "integer", minimum: 100, maximum: 30_000 },
        marginMs: { type: "integer", minimum: 0, maximum: 5_000 },
      },
    },
    cache: {
      type: "object",
      additionalProperties: false,
      properties: {
        maxEntries: { type: "integer", minimum: 1, maximum: 1_000_000 },
        ttlSeconds: { type: "integer", minimum: 0, maximum: 86_400 },
        // a definite failure may be fixed by signing the image: keep it short (Kyverno #9503 asks for a negative cache, not a long one)
        failureTtlSeconds: { type: "integer", minimum: 0, maximum: 30 },
      },
    },
  },
} as const;

/** The policy the service judges with: one immutable snapshot, swapped whole on reload. */
export interface ActivePolicy {
  readonly file: string;
  /** sha256 over the policy bytes and every key or root file it names: part of every cache key. */
  readonly hash: string;
  readonly admission: AdmissionSettings;
  readonly attestation: LoadedPolicy;
  /** The files whose change means a reload (the policy and the trust material it names). */
  readonly files: readonly string[];
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: Ajv } = require("ajv") as typeof import("ajv");
    compiled = new Ajv({ allErrors: true, strict: true }).compile(ADMISSION_SCHEMA);
  }
  return compiled;
}

function describe(e: ErrorObject): { at: string; message: string } {
  const at = `/admission${e.instancePath}`;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      return { at: `${at}/${key}`, message: `${at}: unknown field ${JSON.stringify(key)}` };
    }
    case "required":
      return { at, message: `${at}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}` };
    case "enum":
      return { at, message: `${at}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}` };
    case "propertyNames":
      return { at, message: `${at}: ${JSON.stringify((e.params as { propertyName: string }).propertyName)} is not a namespace name` };
    default:
      return { at, message: `${at}: ${e.message ?? e.keyword}` };
  }
}

function positionOf(doc: Document, counter: LineCounter, pointer: string): { line: number; col: number } {
  const segments = pointer.split("/").slice(1).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
  let node: unknown = doc.getIn(segments, true);
  while (node === undefined && segments.length > 0) {
    segments.pop();
    node = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? counter.linePos(range[0]) : { line: 1, col: 1 };
}

/**
 * The policy text with the `admission:` entry blanked out (spaces, newlines kept), so the
 * attestation loader sees only its own fields and reports its errors at the file's own lines.
 */
function withoutAdmission(text: string, doc: Document): string {
  const contents = doc.contents;
  if (!isMap(contents)) return text;
  const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === "admission");
  if (!pair) return text;
  const keyRange = (pair.key as { range?: [number, number, number] }).range;
  const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
  if (!keyRange || contents.flow) {
    const copy = doc.clone();
    copy.delete("admission");
    return copy.toString();
  }
  const end = valueRange ? valueRange[1] : keyRange[2];
  return text.slice(0, keyRange[0]) + text.slice(keyRange[0], end).replace(/[^\n]/g, " ") + text.slice(end);
}

/** Validates the `admission:` section of a parsed policy document and fills in the defaults. */
export function parseAdmissionSection(doc: Document, counter: LineCounter, file: string): AdmissionSettings {
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const section = typeof value === "object" && value !== null ? (value as Record<string, unknown>)["admission"] : undefined;
  if (section === undefined) {
    const problem = `${file}:1:1: (top level): missing field "admission" (the verifier needs at least admission.allowedRegistries)`;
    throw new AdmissionPolicyError("ADMISSION_POLICY_SCHEMA", `${file}: invalid policy for admission (${problem})`, { problems: [problem] });
  }
  const validate = validator();
  if (!validate(section)) {
    const located = (validate.errors ?? [])
      // a bad namespace key is reported once, by the propertyNames error, not again by its pattern
      .filter((e) => (e as { propertyName?: string }).propertyName === undefined)
      .map((e) => {
        const d = describe(e);
        const pos = positionOf(doc, counter, d.at);
        return { pos, line: `${file}:${pos.line}:${pos.col}: ${d.message}` };
      })
      .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    const problems = [...new Set(located.map((l) => l.line))];
    throw new AdmissionPolicyError("ADMISSION_POLICY_SCHEMA", `${file}: invalid policy for admission (${problems.length} problem${problems.length === 1 ? "" : "s"}; first: ${problems[0]})`, { problems });
  }
  const s = section as Partial<AdmissionSettings> & { allowedRegistries: readonly string[] };
  return {
    allowedRegistries: s.allowedRegistries,
    mode: s.mode ?? admissionDefaults.mode,
    namespaces: { ...admissionDefaults.namespaces, ...s.namespaces },
    exemptNamespaces: s.exemptNamespaces ?? admissionDefaults.exemptNamespaces,
    deadline: { ...admissionDefaults.deadline, ...s.deadline },
    cache: { ...admissionDefaults.cache, ...s.cache },
  };
}

function signerFiles(loaded: LoadedPolicy): string[] {
  const base = path.dirname(path.resolve(loaded.file));
  const out: string[] = [];
  for (const s of loaded.policy.signers ?? []) {
    for (const p of ["key" in s ? s.key : undefined, "root" in s ? s.root : undefined, "intermediates" in s ? s.intermediates : undefined, "trustedRoot" in s ? s.trustedRoot : undefined]) {
      if (p !== undefined) out.push(path.resolve(base, p));
    }
  }
  return out;
}

/**
 * Reads, validates and loads the whole policy file for admission. Throws `AdmissionPolicyError`
 * naming the file, line and field.
 */
export async function loadActivePolicy(file: string): Promise<ActivePolicy> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    throw new AdmissionPolicyError("ADMISSION_POLICY_UNREADABLE", `${file}: cannot read policy (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = counter.linePos(first.pos[0]);
    throw new AdmissionPolicyError("ADMISSION_POLICY_NOT_YAML", `${file}: not valid YAML (${file}:${pos.line}:${pos.col}: ${first.message.split("\n")[0]})`);
  }
  let admission: AdmissionSettings;
  try {
    admission = parseAdmissionSection(doc, counter, file);
  } catch (err) {
    if (err instanceof AdmissionPolicyError) throw err;
    throw new AdmissionPolicyError("ADMISSION_POLICY_NOT_YAML", `${file}: cannot read YAML (${messageOf(err)})`, { cause: err });
  }
  let attestation: LoadedPolicy;
  try {
    attestation = await loadPolicyText(withoutAdmission(text, doc), file);
  } catch (err) {
    if (err instanceof PolicyFileError) throw new AdmissionPolicyError("ADMISSION_POLICY_ATTESTATION", err.message, { cause: err, problems: err.problems });
    throw err;
  }
  const hash = createHash("sha256").update(text);
  const trust = signerFiles(attestation);
  for (const f of trust) hash.update("\0").update(f).update("\0").update(await fsp.readFile(f));
  return { file, hash: hash.digest("hex"), admission, attestation, files: [path.resolve(file), ...trust] };
}

/** The mode a namespace is judged in. */
export function modeFor(settings: AdmissionSettings, namespace: string): AdmissionMode {
  return Object.prototype.hasOwnProperty.call(settings.namespaces, namespace) ? settings.namespaces[namespace]! : settings.mode;
}
