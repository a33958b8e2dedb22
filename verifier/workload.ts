import type { AdmissionRequest } from "./review";

/**
 * What a workload will run: every container, init container, ephemeral container and image
 * volume of its pod spec, and the models it declares in the `secure-mlops.dev/models` annotation
 * (on the workload and on its pod template). The paths are the ones the API server's own types
 * use; a workload whose spec does not have the shape of its kind is refused, never skipped.
 */

export const MODELS_ANNOTATION = "secure-mlops.dev/models";
/** More models than this in one annotation is refused: each is a registry round trip. */
export const MAX_MODELS_PER_ANNOTATION = 64;
/** More images than this in one pod spec is refused (the API server has no such limit, the deadline does). */
export const MAX_ARTIFACTS = 256;

export type ArtifactKind = "image" | "model";

/** One reference the workload runs or loads, and where it was found (for the message). */
export interface Artifact {
  readonly kind: ArtifactKind;
  readonly ref: string;
  /** `container "web"`, `init container "setup"`, `image volume "weights"`, `models annotation of the Deployment`. */
  readonly where: string;
}

export type Extraction =
  | { readonly workload: true; readonly artifacts: readonly Artifact[] }
  | { readonly workload: false; readonly why: string }
  | { readonly workload: true; readonly problem: string };

/** `group/Kind` -> path from the object to its pod template (`null`: the object is the pod). */
const POD_TEMPLATE_PATHS: ReadonlyMap<string, readonly string[] | null> = new Map([
  ["/Pod", null],
  ["/ReplicationController", ["spec", "template"]],
  ["apps/Deployment", ["spec", "template"]],
  ["apps/ReplicaSet", ["spec", "template"]],
  ["apps/StatefulSet", ["spec", "template"]],
  ["apps/DaemonSet", ["spec", "template"]],
  ["batch/Job", ["spec", "template"]],
  ["batch/CronJob", ["spec", "jobTemplate", "spec", "template"]],
]);

export const WORKLOAD_KINDS: readonly string[] = [...POD_TEMPLATE_PATHS.keys()];

class ShapeProblem extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(o: Record<string, unknown>, key: string): unknown {
  // own properties only: a key named __proto__ or constructor in the JSON must not reach Object.prototype
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function record(o: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const v = field(o, key);
  if (!isRecord(v)) throw new ShapeProblem(`${where}.${key} is missing or not an object`);
  return v;
}

function optionalList(o: Record<string, unknown>, key: string, where: string): readonly unknown[] {
  const v = field(o, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeProblem(`${where}.${key} is not a list`);
  return v;
}

function nameOf(item: Record<string, unknown>, index: number): string {
  const name = field(item, "name");
  return typeof name === "string" && name.length > 0 ? JSON.stringify(name.length > 63 ? `${name.slice(0, 63)}…` : name) : `#${index}`;
}

function podSpecArtifacts(spec: Record<string, unknown>, where: string, out: Artifact[]): void {
  const lists: readonly [string, string][] = [
    ["containers", "container"],
    ["initContainers", "init container"],
    ["ephemeralContainers", "ephemeral container"],
  ];
  for (const [key, label] of lists) {
    for (const [i, c] of optionalList(spec, key, where).entries()) {
      if (!isRecord(c)) throw new ShapeProblem(`${where}.${key}[${i}] is not an object`);
      const image = field(c, "image");
      if (typeof image !== "string" || image.length === 0) throw new ShapeProblem(`${label} ${nameOf(c, i)} has no image`);
      out.push({ kind: "image", ref: image, where: `${label} ${nameOf(c, i)}` });
    }
  }
  for (const [i, v] of optionalList(spec, "volumes", where).entries()) {
    if (!isRecord(v)) throw new ShapeProblem(`${where}.volumes[${i}] is not an object`);
    const source = field(v, "image");
    if (source === undefined || source === null) continue;
    if (!isRecord(source)) throw new ShapeProblem(`${where}.volumes[${i}].image is not an object`);
    const reference = field(source, "reference");
    if (typeof reference !== "string" || reference.length === 0) throw new ShapeProblem(`image volume ${nameOf(v, i)} has no reference`);
    out.push({ kind: "image", ref: reference, where: `image volume ${nameOf(v, i)}` });
  }
}

function modelArtifacts(metadata: unknown, owner: string, out: Artifact[]): void {
  if (metadata === undefined || metadata === null) return;
  if (!isRecord(metadata)) throw new ShapeProblem(`the metadata of the ${owner} is not an object`);
  const annotations = field(metadata, "annotations");
  if (annotations === undefined || annotations === null) return;
  if (!isRecord(annotations)) throw new ShapeProblem(`the annotations of the ${owner} are not an object`);
  const raw = field(annotations, MODELS_ANNOTATION);
  if (raw === undefined) return;
  const where = `${MODELS_ANNOTATION} annotation of the ${owner}`;
  if (typeof raw !== "string") throw new ShapeProblem(`the ${where} is not a string`);
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new ShapeProblem(`the ${where} is not JSON; write a JSON list of OCI references by digest, e.g. ["myacr.azurecr.io/models/m@sha256:<digest>"]`);
  }
  if (!Array.isArray(list) || list.some((r) => typeof r !== "string" || r.length === 0)) {
    throw new ShapeProblem(`the ${where} is not a JSON list of strings; write e.g. ["myacr.azurecr.io/models/m@sha256:<digest>"]`);
  }
  if (list.length > MAX_MODELS_PER_ANNOTATION) throw new ShapeProblem(`the ${where} lists ${list.length} models; at most ${MAX_MODELS_PER_ANNOTATION} are accepted`);
  for (const ref of list as string[]) out.push({ kind: "model", ref, where: `model in the ${where}` });
}

/** `group/Kind` of the request, the key of `POD_TEMPLATE_PATHS`. */
export function kindKey(request: Pick<AdmissionRequest, "kind">): string {
  return `${request.kind.group}/${request.kind.kind}`;
}

/**
 * Lists what a CREATE or UPDATE will run. The object is read from `request.object` only: on an
 * UPDATE the new state is judged in full, whatever the old one was.
 */
export function extractArtifacts(request: Pick<AdmissionRequest, "kind" | "object" | "subResource">): Extraction {
  const key = kindKey(request);
  const templatePath = POD_TEMPLATE_PATHS.get(key);
  if (templatePath === undefined) return { workload: false, why: `kind ${key.replace(/^\//, "")} runs no image` };
  if (request.subResource !== "" && !(key === "/Pod" && request.subResource === "ephemeralcontainers")) {
    return { workload: false, why: `subresource ${request.subResource} cannot change images` };
  }
  const object = request.object;
  const kind = request.kind.kind;
  try {
    if (!object) throw new ShapeProblem(`the request carries no ${kind}`);
    const declared = field(object, "kind");
    if (declared !== undefined && declared !== kind) throw new ShapeProblem(`the object's kind ${JSON.stringify(declared)} is not the request's kind ${kind}`);
    const out: Artifact[] = [];
    modelArtifacts(field(object, "metadata"), kind, out);
    let pod: Record<string, unknown> = object;
    let path = "";
    if (templatePath !== null) {
      for (const step of templatePath) {
        pod = record(pod, step, path === "" ? kind : path);
        path = path === "" ? step : `${path}.${step}`;
      }
      modelArtifacts(field(pod, "metadata"), "pod template", out);
    }
    podSpecArtifacts(record(pod, "spec", path === "" ? kind : path), path === "" ? "spec" : `${path}.spec`, out);
    if (out.length > MAX_ARTIFACTS) throw new ShapeProblem(`the ${kind} names ${out.length} images and models; at most ${MAX_ARTIFACTS} are accepted`);
    return { workload: true, artifacts: out };
  } catch (err) {
    if (err instanceof ShapeProblem) return { workload: true, problem: err.message };
    throw err;
  }
}
