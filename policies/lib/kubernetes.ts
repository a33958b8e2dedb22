import { validateResourceOfType, type ReportViolation, type ResourceValidation, type ResourceValidationArgs } from "@pulumi/policy";
import { admissionregistrationV1, appsV1, batchV1, coreV1 } from "./type-tokens";
import { anyOfTypes } from "./types";

/**
 * Shared readers of Kubernetes objects as the pack receives them: plain JSON-like values whose
 * shape nobody has checked (a program may pass anything through `@pulumi/kubernetes` inputs or a
 * YAML file). Every reader here takes `unknown` and decides what a missing or mistyped field
 * means instead of throwing; a value unknown at preview is the SDK's business (its proxy throws,
 * and the pack reports "can't run during preview" as advisory).
 */

/** A JSON-like object (never an array or null). */
export type KObject = Readonly<Record<string, unknown>>;

/** `value` when it is a non-array object, else undefined. */
export function asObject(value: unknown): KObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as KObject) : undefined;
}

/** `value` when it is an array, else an empty list (an absent list and a mistyped one hold nothing). */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * A value the API would hold as a string, for messages and comparisons: strings as they are,
 * numbers and booleans printed, null and undefined as upstream's zero value "", anything else
 * as JSON (never `String()`, which throws on objects without a prototype).
 */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** `obj[a][b]...`, undefined as soon as one step is not an object. */
export function dig(value: unknown, ...path: readonly string[]): unknown {
  let here: unknown = value;
  for (const key of path) {
    const o = asObject(here);
    if (o === undefined) return undefined;
    here = o[key];
  }
  return here;
}

/**
 * Where the pod template sits in each workload type: the path to an object with `metadata` and
 * `spec` (the empty path for a Pod), with the type token the class registers (tested against
 * the class). These are the owners pod-security-admission resolves
 * (`PodSpecExtractor`); older API versions (extensions/v1beta1, apps/v1beta1/2, batch/v1beta1)
 * are gone from every supported Kubernetes and are not listed.
 */
export const podTemplateWorkloads = [
  { cls: coreV1.Pod, type: "kubernetes:core/v1:Pod", path: [] },
  { cls: coreV1.PodTemplate, type: "kubernetes:core/v1:PodTemplate", path: ["template"] },
  { cls: coreV1.ReplicationController, type: "kubernetes:core/v1:ReplicationController", path: ["spec", "template"] },
  { cls: appsV1.Deployment, type: "kubernetes:apps/v1:Deployment", path: ["spec", "template"] },
  { cls: appsV1.ReplicaSet, type: "kubernetes:apps/v1:ReplicaSet", path: ["spec", "template"] },
  { cls: appsV1.StatefulSet, type: "kubernetes:apps/v1:StatefulSet", path: ["spec", "template"] },
  { cls: appsV1.DaemonSet, type: "kubernetes:apps/v1:DaemonSet", path: ["spec", "template"] },
  { cls: batchV1.Job, type: "kubernetes:batch/v1:Job", path: ["spec", "template"] },
  { cls: batchV1.CronJob, type: "kubernetes:batch/v1:CronJob", path: ["spec", "jobTemplate", "spec", "template"] },
] as const;

export type WorkloadClass = (typeof podTemplateWorkloads)[number]["cls"];

const templatePaths = new Map<string, readonly string[]>(podTemplateWorkloads.map((w) => [w.type, w.path]));

/** The type tokens of every object that carries a pod template. */
export const podTemplateTypes: readonly string[] = [...templatePaths.keys()];

/** The Kubernetes kind a type token names (`kubernetes:apps/v1:Deployment` -> `Deployment`). */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** A pod's metadata and spec, always objects. */
export interface PodTemplate {
  readonly metadata: KObject;
  readonly spec: KObject;
}

/**
 * The pod template of a workload's properties, or undefined when `type` carries none or the
 * template is absent or not an object (the API server would refuse such an object, so there is
 * nothing to judge). A template without metadata has empty metadata; one without a spec, an
 * empty spec (no containers: the checks over containers find nothing).
 */
export function podTemplateOf(type: string, props: unknown): PodTemplate | undefined {
  const path = templatePaths.get(type);
  if (path === undefined) return undefined;
  const template = asObject(dig(props, ...path));
  if (template === undefined) return undefined;
  return { metadata: asObject(template["metadata"]) ?? {}, spec: asObject(template["spec"]) ?? {} };
}

/** Which list of the pod spec a container came from. */
export type ContainerList = "initContainers" | "containers" | "ephemeralContainers";

/** One container of a pod spec, read leniently. */
export interface ContainerView {
  readonly list: ContainerList;
  /** Its name ("" when absent or not a string: upstream's zero value). */
  readonly name: string;
  readonly container: KObject;
  /** `securityContext`, undefined when absent or not an object. */
  readonly securityContext: KObject | undefined;
}

/**
 * Every container of the pod spec in upstream's order (`visitContainers`: init, regular,
 * ephemeral). Entries that are not objects are skipped: they are no container.
 */
export function containersOf(spec: KObject): ContainerView[] {
  const out: ContainerView[] = [];
  for (const list of ["initContainers", "containers", "ephemeralContainers"] as const) {
    for (const entry of asArray(spec[list])) {
      const container = asObject(entry);
      if (container === undefined) continue;
      out.push({ list, name: asString(container["name"]) ?? "", container, securityContext: asObject(container["securityContext"]) });
    }
  }
  return out;
}

/** The namespace an object names, undefined when it names none (the provider's default then applies). */
export function namespaceOf(props: unknown): string | undefined {
  return asString(dig(props, "metadata", "namespace"));
}

/** The webhook configuration classes (admissionregistration.k8s.io/v1). */
export const webhookConfigurationClasses = [
  admissionregistrationV1.ValidatingWebhookConfiguration,
  admissionregistrationV1.MutatingWebhookConfiguration,
] as const;

/**
 * One validation over every workload type: `validate` gets the pod template of each (skipped
 * when the object carries none, see `podTemplateOf`); other types are reported not applicable in
 * the SDK's type-bound form.
 */
export function validateWorkloads(
  validate: (template: PodTemplate, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  return anyOfTypes(
    podTemplateWorkloads.map((w) =>
      // The classes differ only in their args type, which this reader does not use.
      validateResourceOfType(w.cls as typeof coreV1.Pod, (props, args, report) => {
        const template = podTemplateOf(args.type, props);
        if (template !== undefined) validate(template, args, report);
      }),
    ),
  );
}
