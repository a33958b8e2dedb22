import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { coreV1 } from "./lib/type-tokens";
import {
  asArray,
  asObject,
  asString,
  asText,
  containersOf,
  dig,
  kindOf,
  namespaceOf,
  podTemplateWorkloads,
  validateWorkloads,
} from "./lib/kubernetes";
import { mapped } from "./lib/metadata";
import { anyOfTypes } from "./lib/types";
import { knobsOf } from "./lib/config";

// Kubernetes workloads beyond the Pod Security Standards: where images come from, namespaces,
// service-account tokens, resources and probes, and the namespaces' own Pod Security labels.

const digestPattern = /@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/**
 * The registry host of an image reference, as the container runtimes resolve it: the first
 * path component when it looks like a host (has a dot or a port, or is localhost), else Docker
 * Hub. Lower-cased: registry hosts compare case-insensitively.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first.toLowerCase() : "docker.io";
}

/** Why an image reference is refused, or undefined when it is pinned by digest from an allowed registry. */
export function imageProblem(image: unknown, allowedRegistries: readonly string[]): string | undefined {
  const ref = asString(image);
  if (ref === undefined || ref.length === 0) return "names no image";
  if (!digestPattern.test(ref)) return `must pin its image by digest (@sha256:...), got "${ref}"`;
  const allowed = allowedRegistries.map((r) => r.toLowerCase());
  if (allowed.length > 0 && !allowed.includes(registryOf(ref))) {
    return `must pull from an allowed registry (${allowedRegistries.join(", ")}), got "${ref}"`;
  }
  return undefined;
}

function subjectOf(type: string): string {
  return type === "kubernetes:core/v1:Pod" ? "pod" : "pod template";
}

export const workloadImageDigest: ResourceValidationPolicy = {
  name: "kubernetes-workload-image-digest",
  description:
    "Every container, init container and ephemeral container must run an image pinned by digest, from the platform's registries when they are listed.",
  severity: "high",
  remediationSteps:
    "Reference images as `<registry>/<repository>@sha256:<digest>` from the platform's container registry; list its login server in this policy's `allowedRegistries`.",
  ...mapped({
    atlas: ["AML.M0011", "AML.M0014"],
    nist: ["MANAGE-3.1"],
    checkov: ["CKV_K8S_43", "CKV_K8S_14"],
    azurePolicy: ["febd0533-8e55-448f-b837-bd0e06f16469", "021f8078-41a0-40e6-81b6-c6597da9f3ee"],
    tags: ["kubernetes", "supply-chain"],
  }),
  configSchema: {
    properties: {
      allowedRegistries: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Registry hosts images may come from (e.g. the ACR login server); empty allows any registry, still by digest.",
      },
    },
  },
  validateResource: validateWorkloads((template, args, report) => {
    const { allowedRegistries } = knobsOf<{ allowedRegistries: string[] }>(workloadImageDigest, args);
    for (const c of containersOf(template.spec)) {
      const problem = imageProblem(c.container["image"], asArray(allowedRegistries).map(asText));
      if (problem !== undefined) report(`The ${subjectOf(args.type)}'s container "${c.name}" ${problem}.`);
    }
  }),
};

const namespacedClasses = [coreV1.Service, coreV1.ServiceAccount, coreV1.ConfigMap, coreV1.Secret] as const;

export const workloadNamespace: ResourceValidationPolicy = {
  name: "kubernetes-workload-namespace",
  description: "Workloads, services, service accounts, config maps and secrets must name a namespace other than `default`.",
  severity: "medium",
  remediationSteps: "Set `metadata.namespace` to the application's namespace (created with Pod Security labels).",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_K8S_21"],
    azurePolicy: ["9f061a12-e40d-4183-a00e-171812443373"],
    tags: ["kubernetes"],
  }),
  validateResource: anyOfTypes(
    [...podTemplateWorkloads.map((w) => w.cls), ...namespacedClasses].map((cls) =>
      validateResourceOfType(cls as typeof coreV1.Pod, (props, args, report) => {
        // No namespace means the provider's default namespace, which is `default` unless the
        // provider says otherwise: the object must say where it goes.
        const ns = namespaceOf(props);
        if (ns === undefined || ns === "" || ns === "default") {
          report(`The ${kindOf(args.type)} must name a namespace other than "default" (got ${ns === undefined || ns === "" ? "none" : '"default"'}).`);
        }
      }),
    ),
  ),
};

export const workloadServiceAccountToken: ResourceValidationPolicy = {
  name: "kubernetes-workload-service-account-token",
  description: "Pods must not mount a service-account token unless their service account is listed as needing the API.",
  severity: "medium",
  remediationSteps:
    "Set `automountServiceAccountToken: false` in the pod spec; list service accounts that must call the API in this policy's `allowedServiceAccounts`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_K8S_38"],
    azurePolicy: ["423dd1ba-798e-40e4-9c4d-b6902674b423"],
    tags: ["kubernetes"],
  }),
  configSchema: {
    properties: {
      allowedServiceAccounts: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Service account names whose pods may mount a token (they call the Kubernetes API).",
      },
    },
  },
  validateResource: validateWorkloads((template, args, report) => {
    if (template.spec["automountServiceAccountToken"] === false) return;
    const account = asString(template.spec["serviceAccountName"]) ?? "default";
    const { allowedServiceAccounts } = knobsOf<{ allowedServiceAccounts: string[] }>(workloadServiceAccountToken, args);
    if (asArray(allowedServiceAccounts).includes(account)) return;
    report(`The ${subjectOf(args.type)} must set automountServiceAccountToken: false (service account "${account}" is not listed as needing the API).`);
  }),
};

const resourceFields = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

export const workloadResources: ResourceValidationPolicy = {
  name: "kubernetes-workload-resources",
  description: "Every container and init container must set CPU and memory requests and limits.",
  severity: "medium",
  remediationSteps: "Set `resources.requests` and `resources.limits` with `cpu` and `memory` on every container and init container.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MANAGE-2.4"],
    checkov: ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
    azurePolicy: ["03a4ecdb-0684-4039-be91-2762979e1bc8", "e345eecc-fa47-480f-9e88-67dcc122b164"],
    tags: ["kubernetes"],
  }),
  validateResource: validateWorkloads((template, args, report) => {
    // Ephemeral containers cannot declare resources: the API refuses them there.
    for (const c of containersOf(template.spec).filter((x) => x.list !== "ephemeralContainers")) {
      const missing = resourceFields.filter(([group, name]) => {
        const v = dig(c.container, "resources", group, name);
        return v === undefined || v === null || asText(v) === "";
      });
      if (missing.length > 0) {
        report(`The ${subjectOf(args.type)}'s container "${c.name}" must set ${missing.map(([g, n]) => `resources.${g}.${n}`).join(", ")}.`);
      }
    }
  }),
};

/** Run-to-completion workloads: probes would restart or gate a job, not a service. */
const completionKinds = new Set(["Job", "CronJob"]);

export const workloadProbes: ResourceValidationPolicy = {
  name: "kubernetes-workload-probes",
  description: "Every long-running container must have a liveness and a readiness probe (Jobs and CronJobs are exempt).",
  severity: "low",
  remediationSteps: "Add `livenessProbe` and `readinessProbe` to every container (init and ephemeral containers take none).",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MEASURE-2.4"],
    checkov: ["CKV_K8S_8", "CKV_K8S_9"],
    azurePolicy: ["b1a9997f-2883-4f12-bdff-2280f99b5915"],
    tags: ["kubernetes"],
  }),
  validateResource: validateWorkloads((template, args, report) => {
    if (completionKinds.has(kindOf(args.type))) return;
    for (const c of containersOf(template.spec).filter((x) => x.list === "containers")) {
      const missing = ["livenessProbe", "readinessProbe"].filter((p) => asObject(c.container[p]) === undefined);
      if (missing.length > 0) report(`The ${subjectOf(args.type)}'s container "${c.name}" must have ${missing.join(" and ")}.`);
    }
  }),
};

const levelRank: Readonly<Record<string, number>> = { privileged: 0, baseline: 1, restricted: 2 };
const enforceLabel = "pod-security.kubernetes.io/enforce";

export const namespacePodSecurityLabel: ResourceValidationPolicy = {
  name: "kubernetes-namespace-pod-security-label",
  description: "Namespaces must carry the `pod-security.kubernetes.io/enforce` label at the required level or stricter.",
  severity: "high",
  remediationSteps:
    "Label the namespace `pod-security.kubernetes.io/enforce: restricted` (and `pod-security.kubernetes.io/enforce-version`); AKS takes no cluster-wide admission configuration.",
  ...mapped({
    atlas: ["AML.M0019"],
    nist: ["MEASURE-2.7"],
    // The Azure counterpart is an initiative (42b8ef37, pod security restricted), not a definition.
    tags: ["kubernetes", "pod-security"],
  }),
  configSchema: {
    properties: {
      minimumLevel: {
        type: "string",
        enum: ["baseline", "restricted"],
        default: "restricted",
        description: "The loosest enforce level a namespace may carry.",
      },
    },
  },
  validateResource: validateResourceOfType(coreV1.Namespace, (ns, args, report) => {
    const { minimumLevel } = knobsOf<{ minimumLevel: "baseline" | "restricted" }>(namespacePodSecurityLabel, args);
    const value = asText(dig(ns, "metadata", "labels", enforceLabel));
    const rank = levelRank[value];
    if (rank === undefined) {
      report(`The namespace must carry the label ${enforceLabel} (${minimumLevel} or stricter), got ${value === "" ? "none" : `"${value}"`}.`);
    } else if (rank < (levelRank[minimumLevel] ?? 2)) {
      report(`The namespace's label ${enforceLabel} must be ${minimumLevel} or stricter, got "${value}".`);
    }
  }),
};

export const kubernetesWorkloadPolicies = [
  workloadImageDigest,
  workloadNamespace,
  workloadServiceAccountToken,
  workloadResources,
  workloadProbes,
  namespacePodSecurityLabel,
] as const;
