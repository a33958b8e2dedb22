import * as fs from "node:fs";
import Ajv, { type ErrorObject } from "ajv";
import type { AnalyzerOptions, AnalyzerProvider } from "./pack-client";
import type { RecordedResource } from "./recorder";
import { StateFileError } from "./errors";
import { formatJsonPath, jsonPathAt, segmentsOfPointer, syntaxErrorOffset, type PathSegment } from "./json-path";

/**
 * Reads the JSON of `pulumi stack export` (deployment v3) into the resources the policy pack
 * judges: each with its URN, type, parent, provider, dependencies and the properties the cloud
 * returned. Outside input: a schema holds its shape and every problem is a StateFileError naming
 * the JSON path; secrets stay sealed (see `sealSecrets`).
 */

/** Pulumi's wire sentinels (sdk/go/common/resource/sig): the key, and the values it may hold. */
export const sigKey = "4dabf18193072939515e22adb298388d";
export const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const resourceReferenceSig = "5cf8f73096256a8f31e491e813e4eb8e";
const assetSig = "c44067f5952c0a294b673a41bacd8c17";
const archiveSig = "0def7320c3a5731c473e5ecbe6d01bc7";
const outputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/** The wire form of a value not known: what a secret the export keeps encrypted is to the pack. */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const knownSigs: ReadonlySet<string> = new Set([secretSig, resourceReferenceSig, assetSig, archiveSig, outputValueSig]);

const urnPattern = "^urn:pulumi:[^:]+::[^:]+::[^:]+(:[^:]+)*::.*$";
const stringList = { type: "array", items: { type: "string" } } as const;

/**
 * The parts of deployment v3 (pulumi/pulumi sdk/go/common/apitype `DeploymentV3`, `ResourceV3`)
 * that audit reads, with their types; other fields are allowed, so a newer CLI's additions do not
 * break the audit.
 */
const deploymentSchema = {
  type: "object",
  required: ["version", "deployment"],
  properties: {
    version: { const: 3 },
    deployment: {
      type: "object",
      properties: {
        manifest: { type: "object" },
        secrets_providers: { type: "object", required: ["type"], properties: { type: { type: "string" } } },
        resources: {
          type: "array",
          items: {
            type: "object",
            required: ["urn", "type", "custom"],
            properties: {
              urn: { type: "string", pattern: urnPattern },
              type: { type: "string", minLength: 1 },
              custom: { type: "boolean" },
              delete: { type: "boolean" },
              id: { type: "string" },
              parent: { type: "string", pattern: urnPattern },
              // A provider reference: the provider's URN, `::`, its id.
              provider: { type: "string", pattern: "^urn:pulumi:[^:]+::[^:]+::([^:]+(:[^:]+)*\\$)?pulumi:providers:[^:$]+::.*::.+$" },
              inputs: { type: "object" },
              outputs: { type: "object" },
              dependencies: stringList,
              propertyDependencies: { type: "object", additionalProperties: stringList },
              protect: { type: "boolean" },
              external: { type: "boolean" },
              additionalSecretOutputs: stringList,
              aliases: stringList,
              ignoreChanges: stringList,
              deleteBeforeReplace: { type: "boolean" },
              customTimeouts: {
                type: "object",
                properties: { create: { type: "number" }, update: { type: "number" }, delete: { type: "number" } },
              },
            },
          },
        },
      },
    },
  },
} as const;

let validator: ReturnType<Ajv["compile"]> | undefined;
function validate(doc: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(deploymentSchema);
  return validator(doc) ? [] : (validator.errors ?? []);
}

/** A deployment as audit reads it. */
export interface StackExport {
  readonly project: string;
  readonly stack: string;
  /** The resources to judge, in the file's order (default providers and pending deletions left out). */
  readonly resources: readonly RecordedResource[];
  /** The default provider of each package, as the engine passes it with a resource. */
  readonly providers: ReadonlyMap<string, AnalyzerProvider>;
  /** Every plaintext secret's string values, so reports can blank them (`redactSecrets`). */
  readonly secretTexts: readonly string[];
}

/** Reads and parses the file; every problem is a StateFileError with the file and a JSON path. */
export function readStackExport(file: string): StackExport {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new StateFileError(file, "$", `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseStackExport(text, file);
}

/** Parses the text of a stack export (`file` names it in messages). */
export function parseStackExport(text: string, file: string): StackExport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const offset = syntaxErrorOffset(message, text);
    const truncated = offset >= text.trimEnd().length;
    const path = formatJsonPath(jsonPathAt(text, offset));
    throw new StateFileError(file, path, truncated ? "is cut off: the file ends before the JSON does" : `is not valid JSON (${firstLine(message)})`);
  }
  const errors = validate(doc);
  if (errors.length > 0) {
    const e = errors[0] as ErrorObject;
    throw new StateFileError(file, formatJsonPath(segmentsOfPointer(e.instancePath)), schemaProblem(e));
  }
  return fromDeployment(doc as DeploymentV3, file);
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function schemaProblem(e: ErrorObject): string {
  switch (e.keyword) {
    case "required":
      return `needs the field "${String(e.params["missingProperty"])}"`;
    case "const":
      return e.instancePath === "/version" ? "must be 3 (deployment v3, what `pulumi stack export` writes)" : "has the wrong value";
    case "pattern":
      return e.instancePath.endsWith("/provider")
        ? "must be a provider reference (the provider's URN, ::, its id)"
        : "must be a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME)";
    default:
      return e.message ?? "is invalid";
  }
}

interface ResourceV3 {
  urn: string;
  type: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
  additionalSecretOutputs?: string[];
  aliases?: string[];
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  customTimeouts?: { create?: number; update?: number; delete?: number };
}

interface DeploymentV3 {
  version: 3;
  deployment: { resources?: ResourceV3[] };
}

/** The parts of `urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME`. */
function urnParts(urn: string): { stack: string; project: string; type: string; name: string } {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return {
    stack: (parts[0] ?? "").slice("urn:pulumi:".length),
    project: parts[1] ?? "",
    type: qualified.split("$").pop() ?? "",
    name: parts.slice(3).join("::"),
  };
}

/** A provider reference is `<provider urn>::<provider id>`. */
function providerUrnOf(ref: string): string {
  return ref.slice(0, ref.lastIndexOf("::"));
}

function isDefaultProvider(r: { type: string; urn: string }): boolean {
  return r.type.startsWith("pulumi:providers:") && /^default(_|$)/.test(urnParts(r.urn).name);
}

function fromDeployment(doc: DeploymentV3, file: string): StackExport {
  const all = doc.deployment.resources ?? [];
  const seen = new Map<string, number>();
  let project = "";
  let stack = "";
  const secretTexts = new Set<string>();
  const live: { r: ResourceV3; index: number }[] = [];
  all.forEach((r, index) => {
    const where = (...rest: PathSegment[]): string => formatJsonPath(["deployment", "resources", index, ...rest]);
    const parts = urnParts(r.urn);
    if (parts.type !== r.type) {
      throw new StateFileError(file, where("type"), `is "${r.type}" but the URN names the type "${parts.type}"`);
    }
    if (project === "") ({ project, stack } = parts);
    else if (parts.project !== project || parts.stack !== stack) {
      throw new StateFileError(file, where("urn"), `is of stack ${parts.project}/${parts.stack}, not ${project}/${stack} like the resources before it`);
    }
    // A resource pending deletion (the old half of a replacement) shares its URN with the new one.
    if (r.delete === true) return;
    const before = seen.get(r.urn);
    if (before !== undefined) throw new StateFileError(file, where("urn"), `repeats the URN of $.deployment.resources[${before}]`);
    seen.set(r.urn, index);
    checkValues(r.inputs ?? {}, ["deployment", "resources", index, "inputs"], file, secretTexts);
    checkValues(r.outputs ?? {}, ["deployment", "resources", index, "outputs"], file, secretTexts);
    live.push({ r, index });
  });
  const providers = new Map<string, AnalyzerProvider>();
  for (const { r } of live) {
    if (!isDefaultProvider(r)) continue;
    const pkg = r.type.slice("pulumi:providers:".length);
    providers.set(pkg, { type: r.type, name: urnParts(r.urn).name, urn: r.urn, properties: wireProperties(r.inputs ?? {}) });
  }
  const defaultProviderUrns = new Set(live.filter(({ r }) => isDefaultProvider(r)).map(({ r }) => r.urn));
  const resources = live.filter(({ r }) => !isDefaultProvider(r)).map(({ r }) => toRecord(r, defaultProviderUrns));
  return { project, stack, resources, providers, secretTexts: [...secretTexts].sort((a, b) => b.length - a.length) };
}

/**
 * What the pack judges of a deployed resource: the outputs, which is what the cloud returned
 * (after `pulumi refresh`, what it has now; a setting changed in the portal shows there and
 * nowhere else), over the inputs, which fill in what a provider does not read back (write-only
 * values, the path parameters of an ARM id). Keys starting with `__` are the provider's own
 * bookkeeping (azure-native keeps `__inputs`), not settings, and are left out.
 */
function judgedProperties(r: ResourceV3): Record<string, unknown> {
  return wireProperties({ ...(r.inputs ?? {}), ...(r.outputs ?? {}) });
}

function wireProperties(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (!k.startsWith("__")) out[k] = toWire(v);
  return out;
}

/**
 * State values to the wire format the engine sends analyzers: the same sentinels, but a secret
 * holds its value. A secret the export keeps encrypted (`ciphertext`) goes as a secret whose value
 * is unknown: audit never decrypts, so the pack says it cannot judge that value rather than judge
 * a placeholder. A plaintext secret (`pulumi stack export --show-secrets`) goes with its value,
 * and every report blanks its text.
 */
function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value !== "object" || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (obj[sigKey] === secretSig) {
    const inner = typeof obj["plaintext"] === "string" ? toWire(JSON.parse(obj["plaintext"]) as unknown) : unknownValue;
    return { [sigKey]: secretSig, value: inner };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toWire(v);
  return out;
}

/**
 * Checks the sentinel objects of a property tree, with the path of any bad one: a known signature,
 * and for a secret exactly one of `ciphertext` and `plaintext` (the JSON of the value).
 * Collects the string values of plaintext secrets into `secretTexts`.
 */
function checkValues(value: unknown, path: PathSegment[], file: string, secretTexts: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkValues(v, [...path, i], file, secretTexts));
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as Record<string, unknown>;
  if (sigKey in obj) {
    const sig = obj[sigKey];
    if (typeof sig !== "string" || !knownSigs.has(sig)) {
      throw new StateFileError(file, formatJsonPath([...path, sigKey]), "is not a signature Pulumi writes (secret, resource reference, asset, archive)");
    }
    if (sig === secretSig) {
      checkSecret(obj, path, file, secretTexts);
      return;
    }
  }
  for (const [k, v] of Object.entries(obj)) checkValues(v, [...path, k], file, secretTexts);
}

function checkSecret(obj: Record<string, unknown>, path: PathSegment[], file: string, secretTexts: Set<string>): void {
  const hasCipher = "ciphertext" in obj;
  const hasPlain = "plaintext" in obj;
  if (hasCipher === hasPlain) {
    throw new StateFileError(file, formatJsonPath(path), "is a secret with neither or both of `ciphertext` and `plaintext`; it needs exactly one");
  }
  const field = hasCipher ? "ciphertext" : "plaintext";
  if (typeof obj[field] !== "string") throw new StateFileError(file, formatJsonPath([...path, field]), "must be a string");
  if (!hasPlain) return;
  let inner: unknown;
  try {
    inner = JSON.parse(obj["plaintext"] as string);
  } catch {
    // The message never quotes the text: it is the secret.
    throw new StateFileError(file, formatJsonPath([...path, "plaintext"]), "must hold the JSON of the secret's value");
  }
  collectStrings(inner, secretTexts);
  checkValues(inner, [...path, "plaintext"], file, secretTexts);
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    if (value.length > 0) into.add(value);
  } else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) collectStrings(v, into);
  // A number is blanked too; a boolean is not: "true" and "false" are words of every message.
  else if (typeof value === "number") into.add(String(value));
}

function toRecord(r: ResourceV3, defaultProviderUrns: ReadonlySet<string>): RecordedResource {
  const properties = judgedProperties(r);
  // A default provider is passed by package, as the preview passes it; an explicit one by reference.
  const provider = r.provider !== undefined && !defaultProviderUrns.has(providerUrnOf(r.provider)) ? r.provider : undefined;
  const options: AnalyzerOptions = {
    parent: r.parent,
    protect: r.protect ?? false,
    ignoreChanges: r.ignoreChanges ?? [],
    deleteBeforeReplace: r.deleteBeforeReplace,
    additionalSecretOutputs: r.additionalSecretOutputs ?? [],
    aliases: r.aliases ?? [],
    customTimeouts: r.customTimeouts,
  };
  return {
    urn: r.urn,
    type: r.type,
    name: urnParts(r.urn).name,
    custom: r.custom,
    parent: r.parent,
    id: r.id,
    inputs: properties,
    outputs: properties,
    dependencies: r.dependencies ?? [],
    propertyDependencies: r.propertyDependencies ?? {},
    provider,
    options,
  };
}

/** Blanks every plaintext secret's text in `text` (longest first, so a secret inside another goes whole). */
export function redactSecrets(text: string, secretTexts: readonly string[]): string {
  let out = text;
  for (const s of secretTexts) if (out.includes(s)) out = out.split(s).join("[secret]");
  return out;
}
