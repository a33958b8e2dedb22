import { createHash } from "node:crypto";
import type * as Yaml from "yaml";

/**
 * What the Kubernetes API server and the `@pulumi/kubernetes` provider answer, offline: the
 * object as applied plus the fields the server fills (uid, resourceVersion, generation,
 * creationTimestamp, a status that says "ready"), so programs that read `metadata.name`,
 * `status.loadBalancer` or `spec.clusterIP` resolve, and the YAML decode invoke the provider
 * implements for `kubernetes:yaml` ConfigFile and ConfigGroup.
 */

/** Kinds the API server keeps outside namespaces (no `metadata.namespace`, id = name). */
const clusterScopedKinds = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "CSIDriver",
  "APIService",
]);

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function uidOf(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A fixed creation time: previews are reproducible. */
const created = "2026-01-01T00:00:00Z";

/** The status the server reports once a workload has rolled out, by kind. */
function statusOf(kind: string, spec: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const replicas = typeof spec?.["replicas"] === "number" ? spec["replicas"] : 1;
  switch (kind) {
    case "Deployment":
      return { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, conditions: [{ type: "Available", status: "True" }] };
    case "StatefulSet":
    case "ReplicaSet":
    case "ReplicationController":
      return { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas };
    case "DaemonSet":
      return { observedGeneration: 1, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1 };
    case "Job":
      return { succeeded: 1, startTime: created, completionTime: created, conditions: [{ type: "Complete", status: "True" }] };
    case "CronJob":
      return { active: [] };
    case "Pod":
      return { phase: "Running", podIP: "10.244.0.10", hostIP: "10.224.0.4", conditions: [{ type: "Ready", status: "True" }] };
    case "Namespace":
      return { phase: "Active" };
    case "Service":
      return { loadBalancer: {} };
    case "PersistentVolumeClaim":
      return { phase: "Bound" };
    default:
      return undefined;
  }
}

/** The id and state of a `kubernetes:*` resource, as the provider returns them after an apply. */
export function kubernetesOutputs(type: string, logicalName: string, urn: string, inputs: Record<string, unknown>): { id: string; state: Record<string, unknown> } {
  if (type === "pulumi:providers:kubernetes") return { id: uidOf(urn), state: { ...inputs } };
  const kind = typeof inputs["kind"] === "string" ? inputs["kind"] : type.slice(type.lastIndexOf(":") + 1);
  const meta = asRecord(inputs["metadata"]) ?? {};
  // The provider auto-names like this: the logical name and a random suffix.
  const name = typeof meta["name"] === "string" && meta["name"] !== "" ? meta["name"] : `${logicalName}-${hex(urn, 8)}`;
  const clusterScoped = clusterScopedKinds.has(kind);
  const namespace = clusterScoped ? undefined : typeof meta["namespace"] === "string" && meta["namespace"] !== "" ? meta["namespace"] : "default";
  const metadata: Record<string, unknown> = {
    ...meta,
    name,
    ...(namespace === undefined ? {} : { namespace }),
    uid: uidOf(urn),
    resourceVersion: String(parseInt(hex(`${urn}#rv`, 6), 16)),
    generation: 1,
    creationTimestamp: created,
  };
  const state: Record<string, unknown> = { ...inputs, metadata };
  const spec = asRecord(inputs["spec"]);
  if (kind === "Service") {
    const ip = parseInt(hex(urn, 4), 16);
    state["spec"] = { type: "ClusterIP", ...spec, clusterIP: `10.0.${(ip >> 8) & 0xff}.${ip & 0xff}` };
  }
  const status = statusOf(kind, spec);
  if (status !== undefined) state["status"] = status;
  return { id: namespace === undefined ? name : `${namespace}/${name}`, state };
}

/**
 * `kubernetes:yaml:decode`, which `@pulumi/kubernetes` invokes to split ConfigFile and
 * ConfigGroup YAML into objects: every non-empty document, in order. A document that does not
 * parse fails the invoke, as the provider's decoder does.
 */
export function decodeYaml(args: Record<string, unknown>): { result: unknown[] } {
  const text = typeof args["text"] === "string" ? args["text"] : "";
  const result: unknown[] = [];
  // Loaded here, not with the mocks: only a program applying YAML needs it, and every program
  // host loads the mocks (~20 ms).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous invoke, so no import()
  const { parseAllDocuments } = require("yaml") as typeof Yaml;
  // Warnings (unresolved tags) would print to the console; errors still fail the decode.
  for (const doc of parseAllDocuments(text, { logLevel: "error" })) {
    if (doc.errors.length > 0) throw new Error(`kubernetes:yaml:decode: ${doc.errors[0]!.message}`);
    let value: unknown;
    try {
      // Resolving aliases can fail after a clean parse (an alias to an anchor that is not there).
      value = doc.toJS();
    } catch (e) {
      throw new Error(`kubernetes:yaml:decode: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (value !== null && value !== undefined) result.push(value);
  }
  return { result };
}
