import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rulesOf } from "../../policies/kubernetes-rbac";
import { selectorExcludes } from "../../policies/kubernetes-webhooks";
import { asText, podTemplateOf } from "../../policies/lib/kubernetes";

// The readers of outside input that the webhook and RBAC policies use, over arbitrary values.

describe("the namespace selector reader", () => {
  const name = "kubernetes.io/metadata.name";
  it("excludes a namespace by NotIn, by an In of others, or by matchLabels of another", () => {
    expect(selectorExcludes({ matchExpressions: [{ key: name, operator: "NotIn", values: ["kube-system"] }] }, "kube-system")).toBe(true);
    expect(selectorExcludes({ matchExpressions: [{ key: name, operator: "In", values: ["ml"] }] }, "kube-system")).toBe(true);
    expect(selectorExcludes({ matchLabels: { [name]: "ml" } }, "kube-system")).toBe(true);
    expect(selectorExcludes({ matchLabels: { team: "ml" } }, "kube-system")).toBe(false);
    expect(selectorExcludes(undefined, "kube-system")).toBe(false);
  });
  it("never throws and answers a boolean on any selector", () => {
    fc.assert(fc.property(fc.anything(), fc.string(), (selector, ns) => typeof selectorExcludes(selector, ns) === "boolean"));
  });
});

describe("the RBAC rule reader", () => {
  it("reads every list as strings and skips entries that are not rules", () => {
    expect(rulesOf({ rules: [{ verbs: ["get", 1] }, "x", null] })).toEqual([{ apiGroups: [], resources: [], verbs: ["get", "1"] }]);
  });
  it("never throws on arbitrary roles", () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true }), (role) => Array.isArray(rulesOf(role))));
  });
});

describe("text of arbitrary values", () => {
  it("never throws, even on objects without a prototype", () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withBigInt: true }), (v) => typeof asText(v) === "string"));
    expect(asText(Object.create(null))).toBe("{}");
  });
  it("reads no pod template from a type that carries none", () => {
    expect(podTemplateOf("kubernetes:core/v1:Service", { spec: { template: {} } })).toBeUndefined();
    expect(podTemplateOf("kubernetes:apps/v1:Deployment", { spec: { template: [] } })).toBeUndefined();
    expect(podTemplateOf("kubernetes:apps/v1:Deployment", { spec: { template: {} } })).toEqual({ metadata: {}, spec: {} });
  });
});
