import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { asArray, asObject, asString, asText, kindOf, webhookConfigurationClasses, type KObject } from "./lib/kubernetes";
import { mapped, type ControlMapping } from "./lib/metadata";
import { knobsOf, type KnobbedPolicy } from "./lib/config";
import { anyOfTypes } from "./lib/types";

// Admission webhook configurations (admissionregistration.k8s.io/v1). Checkov has no check on
// their contents (failurePolicy, timeout, sideEffects, selector, caBundle); these follow the
// verifier's needs: a webhook that guards the supply chain must fail closed, answer in bounded time, have no side effects, speak v1, never
// lock out the control plane or itself, and be reached over a trusted TLS connection.

/** One webhook of a configuration, with the name messages use. */
interface Webhook {
  readonly name: string;
  readonly hook: KObject;
}

function webhooksOf(config: unknown): Webhook[] {
  return asArray(asObject(config)?.["webhooks"]).flatMap((w) => {
    const hook = asObject(w);
    return hook === undefined ? [] : [{ name: asText(hook["name"]), hook }];
  });
}

type WebhookCheck = (hook: KObject, config: Record<string, unknown>) => string | undefined;

/** A validation over both configuration kinds that reports each webhook `check` refuses. */
/** `configSchema` is the policy's own schema, so its knobs are read with their schema defaults. */
function validateWebhooks(check: WebhookCheck, configSchema?: KnobbedPolicy["configSchema"]) {
  return anyOfTypes(
    webhookConfigurationClasses.map((cls) =>
      validateResourceOfType(cls as (typeof webhookConfigurationClasses)[0], (props, args: ResourceValidationArgs, report: ReportViolation) => {
        const config = knobsOf<Record<string, unknown>>({ name: args.type, configSchema }, args);
        for (const w of webhooksOf(props)) {
          const problem = check(w.hook, config);
          if (problem !== undefined) report(`The ${kindOf(args.type)}'s webhook "${w.name}" ${problem}.`);
        }
      }),
    ),
  );
}

const mapping = (extra: Partial<ControlMapping> = {}): ReturnType<typeof mapped> =>
  mapped({ atlas: ["AML.M0014", "AML.M0019"], nist: ["MANAGE-3.1"], ...extra, tags: ["kubernetes", "admission-webhook", ...(extra.tags ?? [])] });

export const webhookFailClosed: ResourceValidationPolicy = {
  name: "kubernetes-webhook-fail-closed",
  description: "Admission webhooks must fail closed: `failurePolicy: Fail` (the v1 default), so an unreachable webhook denies instead of admitting.",
  severity: "critical",
  remediationSteps: "Set `failurePolicy: \"Fail\"` on every webhook (or leave it unset in admissionregistration.k8s.io/v1).",
  ...mapping(),
  validateResource: validateWebhooks((hook) => {
    const policy = hook["failurePolicy"];
    // v1 defaults an unset failurePolicy to Fail.
    if (policy === undefined || policy === null || policy === "Fail") return undefined;
    return `must fail closed (failurePolicy "Fail"), got "${asText(policy)}"`;
  }),
};

const timeoutKnobs = {
  properties: {
    maxTimeoutSeconds: { type: "integer" as const, minimum: 1, maximum: 30, default: 10, description: "Longest timeoutSeconds allowed." },
  },
};

export const webhookTimeoutBounded: ResourceValidationPolicy = {
  name: "kubernetes-webhook-timeout-bounded",
  description: "Admission webhooks must answer within a bounded time (timeoutSeconds at most the configured maximum; v1's default is 10 s).",
  severity: "medium",
  remediationSteps: "Set `timeoutSeconds` to 10 or less.",
  ...mapping(),
  configSchema: timeoutKnobs,
  validateResource: validateWebhooks((hook, config) => {
    const timeout = hook["timeoutSeconds"];
    if (timeout === undefined || timeout === null) return undefined;
    const max = config["maxTimeoutSeconds"];
    if (typeof timeout === "number" && typeof max === "number" && timeout <= max) return undefined;
    return `must set timeoutSeconds to at most ${asText(max)}, got ${asText(timeout)}`;
  }, timeoutKnobs),
};

export const webhookSideEffectsNone: ResourceValidationPolicy = {
  name: "kubernetes-webhook-side-effects-none",
  description: "Admission webhooks must declare no side effects (`sideEffects: None` or `NoneOnDryRun`), so dry runs and retries are safe.",
  severity: "medium",
  remediationSteps: "Set `sideEffects: \"None\"`.",
  ...mapping(),
  validateResource: validateWebhooks((hook) => {
    const effects = hook["sideEffects"];
    return effects === "None" || effects === "NoneOnDryRun" ? undefined : `must set sideEffects to "None" or "NoneOnDryRun", got ${effects === undefined ? "none" : `"${asText(effects)}"`}`;
  }),
};

export const webhookReviewVersionsV1: ResourceValidationPolicy = {
  name: "kubernetes-webhook-review-versions-v1",
  description: "Admission webhooks must accept AdmissionReview v1.",
  severity: "low",
  remediationSteps: "Set `admissionReviewVersions: [\"v1\"]`.",
  ...mapping(),
  validateResource: validateWebhooks((hook) =>
    asArray(hook["admissionReviewVersions"]).includes("v1")
      ? undefined
      : `must list "v1" in admissionReviewVersions, got ${JSON.stringify(asArray(hook["admissionReviewVersions"]).map(asText))}`,
  ),
};

const nameLabel = "kubernetes.io/metadata.name";

/**
 * True when the namespace selector cannot match the namespace `ns` (selected by its
 * `kubernetes.io/metadata.name` label, which the API server sets on every namespace): a
 * matchLabels or an `In` that names other namespaces, or a `NotIn` that names it.
 */
export function selectorExcludes(selector: unknown, ns: string): boolean {
  const s = asObject(selector);
  if (s === undefined) return false;
  const label = asObject(s["matchLabels"])?.[nameLabel];
  if (label !== undefined && label !== ns) return true;
  for (const e of asArray(s["matchExpressions"])) {
    const expr = asObject(e);
    if (expr === undefined || expr["key"] !== nameLabel) continue;
    const values = asArray(expr["values"]);
    if (expr["operator"] === "NotIn" && values.includes(ns)) return true;
    if (expr["operator"] === "In" && !values.includes(ns)) return true;
    if (expr["operator"] === "DoesNotExist") return true;
  }
  return false;
}

export const webhookExcludesSystemNamespaces: ResourceValidationPolicy = {
  name: "kubernetes-webhook-excludes-system-namespaces",
  description:
    "Admission webhooks must not intercept kube-system nor their own service's namespace, so a failing webhook cannot block the control plane or its own recovery.",
  severity: "high",
  remediationSteps:
    'Add to `namespaceSelector.matchExpressions` `{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "<webhook namespace>"] }`.',
  ...mapping(),
  validateResource: validateWebhooks((hook) => {
    const own = asString(asObject(asObject(hook["clientConfig"])?.["service"])?.["namespace"]);
    const required = ["kube-system", ...(own === undefined || own === "kube-system" ? [] : [own])];
    const intercepted = required.filter((ns) => !selectorExcludes(hook["namespaceSelector"], ns));
    return intercepted.length === 0
      ? undefined
      : `must exclude ${intercepted.map((n) => `"${n}"`).join(" and ")} with its namespaceSelector (${nameLabel} NotIn)`;
  }),
};

export const webhookTrustedClientConfig: ResourceValidationPolicy = {
  name: "kubernetes-webhook-trusted-client-config",
  description:
    "Admission webhooks must be reached over TLS the API server can verify: a `caBundle`, or an in-cluster service reference (whose CA the program injects); a URL needs a caBundle and https.",
  severity: "high",
  remediationSteps: "Set `clientConfig.service` (name, namespace, port) and `clientConfig.caBundle` to the base64 PEM of the webhook's CA.",
  ...mapping(),
  validateResource: validateWebhooks((hook) => {
    const client = asObject(hook["clientConfig"]);
    if (client === undefined) return "must set clientConfig";
    const caBundle = asText(client["caBundle"]);
    const service = asObject(client["service"]);
    const url = asString(client["url"]);
    if (url !== undefined && !url.startsWith("https://")) return `must call an https:// URL, got "${url}"`;
    if (caBundle.length > 0 || service !== undefined) return undefined;
    return "must set clientConfig.caBundle or a clientConfig.service reference";
  }),
};

export const kubernetesWebhookPolicies = [
  webhookFailClosed,
  webhookTimeoutBounded,
  webhookSideEffectsNone,
  webhookReviewVersionsV1,
  webhookExcludesSystemNamespaces,
  webhookTrustedClientConfig,
] as const;
