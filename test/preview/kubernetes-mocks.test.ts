import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeYaml, kubernetesOutputs } from "../../preview/kubernetes-mocks";

const urn = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;

describe("the offline Kubernetes API", () => {
  it("answers a Deployment with server-filled metadata and a rolled-out status", () => {
    const type = "kubernetes:apps/v1:Deployment";
    const out = kubernetesOutputs(type, "server", urn(type, "server"), { kind: "Deployment", metadata: { name: "server", namespace: "ml" }, spec: { replicas: 3 } });
    expect(out.id).toBe("ml/server");
    const meta = out.state["metadata"] as Record<string, unknown>;
    expect(meta["name"]).toBe("server");
    expect(meta["namespace"]).toBe("ml");
    expect(meta["uid"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(meta["resourceVersion"]).toMatch(/^\d+$/);
    expect(out.state["status"]).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
  });

  it("auto-names an object without a name and keeps cluster-scoped kinds out of namespaces", () => {
    const type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
    const out = kubernetesOutputs(type, "reader", urn(type, "reader"), { rules: [] });
    const meta = out.state["metadata"] as Record<string, unknown>;
    expect(meta["name"]).toMatch(/^reader-[0-9a-f]{8}$/);
    expect(meta).not.toHaveProperty("namespace");
    expect(out.id).toBe(meta["name"]);
  });

  it("gives a Service a cluster IP", () => {
    const type = "kubernetes:core/v1:Service";
    const out = kubernetesOutputs(type, "svc", urn(type, "svc"), { metadata: { namespace: "ml" }, spec: { ports: [{ port: 443 }] } });
    expect(out.state["spec"]).toMatchObject({ type: "ClusterIP", ports: [{ port: 443 }] });
    expect((out.state["spec"] as Record<string, unknown>)["clusterIP"]).toMatch(/^10\.0\.\d+\.\d+$/);
  });
});

describe("kubernetes:yaml:decode", () => {
  it("splits documents in order and drops empty ones", () => {
    expect(decodeYaml({ text: "a: 1\n---\n---\nb: [2]\n" })).toEqual({ result: [{ a: 1 }, { b: [2] }] });
    expect(decodeYaml({})).toEqual({ result: [] });
  });
  it("fails on YAML that does not parse", () => {
    expect(() => decodeYaml({ text: "a: [1\n" })).toThrow(/^kubernetes:yaml:decode: /);
  });
  it("either decodes or fails with its own error, on any text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          expect(Array.isArray(decodeYaml({ text }).result)).toBe(true);
        } catch (e) {
          expect((e as Error).message).toMatch(/^kubernetes:yaml:decode: /);
        }
      }),
    );
  });
});
