/** Kubernetes objects for the policy tests, as the pack receives them (plain inputs). */

export interface PodParts {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

export const digest = "sha256:" + "0123456789abcdef".repeat(4);
export const platformImage = `crsmlopsprod.azurecr.io/serving/model-server@${digest}`;

/**
 * The minimal pod that passes the restricted profile, as upstream's own tests build it
 * (pod-security-admission `test/fixtures_*.go`: runAsNonRoot and a RuntimeDefault seccomp
 * profile on the pod; allowPrivilegeEscalation false and drop ALL on every container), with an
 * init container so the checks meet both lists.
 */
export function restrictedPod(): PodParts {
  const container = (name: string): Record<string, unknown> => ({
    name,
    image: platformImage,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  });
  return {
    metadata: { labels: { app: "model-server" } },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [container("init")],
      containers: [container("app")],
    },
  };
}

/** `pod` placed where each workload type carries its pod template. */
export function ownerOf(type: string, pod: PodParts, namespace = "ml"): Record<string, unknown> {
  const kind = type.slice(type.lastIndexOf(":") + 1);
  const metadata = { name: "workload", namespace };
  const template = { metadata: pod.metadata, spec: pod.spec };
  const selector = { matchLabels: { app: "model-server" } };
  switch (kind) {
    case "Pod":
      return { apiVersion: "v1", kind, metadata: { ...metadata, ...pod.metadata }, spec: pod.spec };
    case "PodTemplate":
      return { apiVersion: "v1", kind, metadata, template };
    case "ReplicationController":
      return { apiVersion: "v1", kind, metadata, spec: { replicas: 2, selector: { app: "model-server" }, template } };
    case "CronJob":
      return { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } };
    case "Job":
      return { apiVersion: "batch/v1", kind, metadata, spec: { template } };
    default:
      return { apiVersion: "apps/v1", kind, metadata, spec: { replicas: 2, selector, template } };
  }
}

const resources = (): Record<string, unknown> => ({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });

/** A pod that passes every Kubernetes policy of the strict pack: restricted, pinned, bounded, probed. */
export function compliantPod(): PodParts {
  const pod = restrictedPod();
  pod.spec["automountServiceAccountToken"] = false;
  for (const c of pod.spec["initContainers"] as Record<string, unknown>[]) c["resources"] = resources();
  for (const c of pod.spec["containers"] as Record<string, unknown>[]) {
    c["resources"] = resources();
    c["livenessProbe"] = { httpGet: { path: "/healthz", port: 8080 } };
    c["readinessProbe"] = { httpGet: { path: "/readyz", port: 8080 } };
  }
  return pod;
}

/** A ValidatingWebhookConfiguration as the verifier needs it: fails closed, bounded, no side effects. */
export function compliantWebhookConfiguration(): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "secure-mlops-verifier" },
    webhooks: [
      {
        name: "verify.secure-mlops.dev",
        failurePolicy: "Fail",
        timeoutSeconds: 10,
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
        clientConfig: { service: { name: "verifier", namespace: "secure-mlops-verifier", port: 443, path: "/validate" }, caBundle: "LS0tLS1CRUdJTg==" },
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "secure-mlops-verifier"] }],
        },
        rules: [{ apiGroups: ["", "apps", "batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods", "deployments", "jobs", "cronjobs"] }],
      },
    ],
  };
}
