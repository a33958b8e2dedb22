import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { rbacV1 } from "./lib/type-tokens";
import { asArray, asObject, asText, dig, kindOf, type KObject } from "./lib/kubernetes";
import { mapped } from "./lib/metadata";
import { knobsOf, type KnobbedPolicy } from "./lib/config";
import { anyOfTypes } from "./lib/types";

// Kubernetes RBAC roles (rbac.authorization.k8s.io/v1 Role and ClusterRole): least privilege,
// and nothing that lets a workload switch off admission control or raise its own rights.

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** The rules of a role, each list read as strings (an aggregated ClusterRole's rules are the controller's: none here). */
export function rulesOf(role: unknown): Rule[] {
  return asArray(asObject(role)?.["rules"]).flatMap((r) => {
    const rule = asObject(r);
    if (rule === undefined) return [];
    const list = (k: string) => asArray(rule[k]).map(asText);
    return [{ apiGroups: list("apiGroups"), resources: list("resources"), verbs: list("verbs") }];
  });
}

const grants = (list: readonly string[], wanted: readonly string[]): boolean => list.some((v) => v === "*" || wanted.includes(v));

/** `configSchema` is the policy's own schema, so its knobs are read with their schema defaults. */
function validateRoles(check: (rules: Rule[], role: KObject, config: Record<string, unknown>, logicalName: string) => string | undefined, configSchema?: KnobbedPolicy["configSchema"]) {
  return anyOfTypes(
    [rbacV1.Role, rbacV1.ClusterRole].map((cls) =>
      validateResourceOfType(cls as typeof rbacV1.Role, (props, args, report) => {
        const role = asObject(props) ?? {};
        const problem = check(rulesOf(role), role, knobsOf<Record<string, unknown>>({ name: args.type, configSchema }, args), args.name);
        if (problem !== undefined) report(`The ${kindOf(args.type)} ${problem}.`);
      }),
    ),
  );
}

const rbacMapping = (checkov: string[], azurePolicy: string[] = []) =>
  mapped({ atlas: ["AML.M0005", "AML.M0019"], nist: ["MEASURE-2.7"], checkov, azurePolicy, tags: ["kubernetes", "rbac"] });

export const rbacNoWildcards: ResourceValidationPolicy = {
  name: "kubernetes-rbac-no-wildcards",
  description: "Roles and ClusterRoles must not grant `*` in apiGroups, resources or verbs.",
  severity: "high",
  remediationSteps: "List the API groups, resources and verbs the subject needs.",
  ...rbacMapping(["CKV_K8S_49"], ["ca8d5704-aa2b-40cf-b110-dc19052825ad"]),
  validateResource: validateRoles((rules) => {
    const fields = new Set<string>();
    for (const r of rules) {
      if (r.apiGroups.includes("*")) fields.add("apiGroups");
      if (r.resources.includes("*")) fields.add("resources");
      if (r.verbs.includes("*")) fields.add("verbs");
    }
    return fields.size === 0 ? undefined : `must not grant "*" in ${[...fields].join(", ")}`;
  }),
};

const admissionGroup = "admissionregistration.k8s.io";
const webhookResources = ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"];
const writeVerbs = ["create", "update", "patch", "delete", "deletecollection"];

export const rbacNoWebhookControl: ResourceValidationPolicy = {
  name: "kubernetes-rbac-no-webhook-configuration-control",
  description: "Roles must not grant write access to validating or mutating webhook configurations (a subject could switch off the verifier).",
  severity: "critical",
  remediationSteps: "Remove create/update/patch/delete on validatingwebhookconfigurations and mutatingwebhookconfigurations; let only the platform's deployment identity manage them.",
  ...rbacMapping(["CKV_K8S_155"]),
  validateResource: validateRoles((rules) =>
    rules.some((r) => grants(r.apiGroups, [admissionGroup]) && grants(r.resources, webhookResources) && grants(r.verbs, writeVerbs))
      ? "must not grant write access to admission webhook configurations"
      : undefined,
  ),
};

export const rbacNoCsrApproval: ResourceValidationPolicy = {
  name: "kubernetes-rbac-no-csr-approval",
  description: "Roles must not grant approval of certificate signing requests (update on certificatesigningrequests/approval or approve on signers).",
  severity: "high",
  remediationSteps: "Remove update/patch on `certificatesigningrequests/approval` and `approve` on `signers` in certificates.k8s.io.",
  ...rbacMapping(["CKV_K8S_156"]),
  validateResource: validateRoles((rules) => {
    const approvesRequests = rules.some(
      (r) => grants(r.apiGroups, ["certificates.k8s.io"]) && grants(r.resources, ["certificatesigningrequests/approval"]) && grants(r.verbs, ["update", "patch"]),
    );
    const approvesSigners = rules.some((r) => grants(r.apiGroups, ["certificates.k8s.io"]) && grants(r.resources, ["signers"]) && grants(r.verbs, ["approve"]));
    return approvesRequests || approvesSigners ? "must not grant approval of certificate signing requests" : undefined;
  }),
};

const privilegeVerbs = ["escalate", "bind", "impersonate"];

const privilegeVerbKnobs = {
  properties: {
    platformRoles: {
      type: "array" as const,
      items: { type: "string" as const, minLength: 1 },
      default: [],
      description: "Names of the platform's own roles (metadata.name, or the Pulumi resource name when it has none), which may grant escalate, bind and impersonate.",
    },
  },
};

export const rbacPrivilegeVerbs: ResourceValidationPolicy = {
  name: "kubernetes-rbac-privilege-verbs",
  description: "Only the platform's own roles may grant escalate, bind or impersonate.",
  severity: "high",
  remediationSteps: "Remove the escalate, bind and impersonate verbs, or list the role in this policy's `platformRoles` when the platform itself needs it.",
  ...rbacMapping(["CKV_K8S_157", "CKV_K8S_158", "CKV2_K8S_3"]),
  configSchema: privilegeVerbKnobs,
  validateResource: validateRoles((rules, role, config, logicalName) => {
    // Explicit verbs only: "*" is the wildcard policy's to refuse.
    const granted = [...new Set(rules.flatMap((r) => r.verbs.filter((v) => privilegeVerbs.includes(v))))];
    if (granted.length === 0) return undefined;
    // Pulumi auto-names a role without metadata.name from its logical name.
    const name = asText(dig(role, "metadata", "name")) || logicalName;
    if (asArray(config["platformRoles"]).includes(name)) return undefined;
    return `must not grant ${granted.join(", ")} (it is not one of the platform's roles)`;
  }, privilegeVerbKnobs),
};

export const kubernetesRbacPolicies = [rbacNoWildcards, rbacNoWebhookControl, rbacNoCsrApproval, rbacPrivilegeVerbs] as const;
