import type { StackValidationPolicy } from "@pulumi/policy";
import { asText, dig, kindOf, podTemplateTypes } from "./lib/kubernetes";
import { mapped } from "./lib/metadata";
import { prop } from "./lib/stack";
import { stackOfTypes } from "./lib/types";

const networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/**
 * The namespace an object of the stack goes to; an object that names none goes to the
 * provider's default namespace, taken as "default" (the workload-namespace policy refuses that
 * separately).
 */
function namespaceIn(metadata: unknown): string {
  return asText(dig(metadata, "namespace")) || "default";
}

export const networkPolicyPresent: StackValidationPolicy = {
  name: "kubernetes-networkpolicy-present",
  description: "Every namespace that runs workloads must have a NetworkPolicy in the same stack, so pod traffic is not open by default.",
  severity: "high",
  remediationSteps:
    "Create a `kubernetes:networking.k8s.io/v1:NetworkPolicy` in the namespace (a default deny of ingress and egress, then the flows the workloads need).",
  ...mapped({
    atlas: ["AML.M0019", "AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV2_K8S_6"],
    tags: ["kubernetes", "network"],
  }),
  validateStack: stackOfTypes(podTemplateTypes, (args, report) => {
    const covered = new Set(args.resources.filter((r) => r.type === networkPolicyType).map((r) => namespaceIn(prop(r, "metadata"))));
    const workloads = new Set(podTemplateTypes);
    for (const r of args.resources) {
      if (!workloads.has(r.type)) continue;
      const ns = namespaceIn(prop(r, "metadata"));
      if (!covered.has(ns)) report(`The ${kindOf(r.type)} '${r.name}' runs in namespace "${ns}", which has no NetworkPolicy.`, r.urn);
    }
  }),
};

export const kubernetesNetworkPolicies = [networkPolicyPresent] as const;
