import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReviewError } from "../../verifier/errors";
import { MAX_REVIEW_BYTES, parseAdmissionReview, parseAdmissionReviewText, reviewResponse } from "../../verifier/review";
import { extractArtifacts } from "../../verifier/workload";
import { D, REG } from "./fakes";
import { fixture } from "./helpers";

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof ReviewError) return err.code;
    throw err;
  }
  return undefined;
}

describe("parseAdmissionReview", () => {
  it("reads a Pod review as the API server sends it, keeping only the user name of userInfo", () => {
    const r = parseAdmissionReview(fixture("pod-ephemeral-containers"));
    expect({ ...r, object: undefined }).toEqual({
      uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a04",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      subResource: "ephemeralcontainers",
      name: "sentiment-7d9f8b6c5-x2k9q",
      namespace: "ml-serving",
      operation: "UPDATE",
      username: "alice@example.com",
      object: undefined,
      dryRun: false,
    });
  });

  it("reads dryRun and a DELETE without object", () => {
    expect(parseAdmissionReview(fixture("deployment-dry-run")).dryRun).toBe(true);
    const del = parseAdmissionReview(fixture("pod-delete"));
    expect([del.operation, del.object]).toEqual(["DELETE", null]);
  });

  it("refuses another API version, naming the setting to change", () => {
    const body = { ...fixture("pod"), apiVersion: "admission.k8s.io/v1beta1" };
    expect(() => parseAdmissionReview(body)).toThrow('apiVersion must be "admission.k8s.io/v1" (set admissionReviewVersions: ["v1"] on the webhook)');
  });

  const broken: readonly [string, (r: Record<string, unknown>) => void, string][] = [
    ["no uid", (r) => delete r["uid"], "request.uid must be a string"],
    ["an empty uid", (r) => (r["uid"] = ""), "request.uid must not be empty"],
    ["a kind without kind", (r) => (r["kind"] = { group: "", version: "v1" }), "request.kind.kind must be a string"],
    ["an unknown operation", (r) => (r["operation"] = "PATCH"), "request.operation must be one of CREATE, UPDATE, DELETE, CONNECT"],
    ["a CREATE without object", (r) => (r["object"] = null), "request.object is required on CREATE"],
    ["an object that is a list", (r) => (r["object"] = []), "request.object must be an object or null"],
    ["dryRun as a string", (r) => (r["dryRun"] = "true"), "request.dryRun must be a boolean"],
    ["a numeric namespace", (r) => (r["namespace"] = 7), "request.namespace must be a string"],
  ];
  it.each(broken)("refuses a request with %s", (_name, mutate, message) => {
    const body = fixture("pod");
    mutate(body.request);
    expect(() => parseAdmissionReview(body)).toThrow(message);
  });

  it("refuses a body over the size bound before decoding it", () => {
    expect(codeOf(() => parseAdmissionReviewText(Buffer.alloc(MAX_REVIEW_BYTES + 1, 0x20)))).toBe("REVIEW_TOO_LARGE");
    expect(codeOf(() => parseAdmissionReviewText("{"))).toBe("REVIEW_NOT_JSON");
  });

  it("either parses or throws a ReviewError for any JSON value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const body = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: v };
        const code = codeOf(() => parseAdmissionReview(body));
        expect(code === undefined || code.startsWith("REVIEW_")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("answers with the exact envelope and no patch", () => {
    expect(reviewResponse({ uid: "u", allowed: false, status: { code: 403, message: "m" } })).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "u", allowed: false, status: { code: 403, message: "m" } },
    });
  });
});

describe("extractArtifacts", () => {
  const extract = (name: string): unknown => extractArtifacts(parseAdmissionReview(fixture(name)));
  const model = { kind: "model", ref: `${REG}/models/sentiment@${D("4")}` };

  it("lists a Pod's containers and the models of its annotation", () => {
    expect(extract("pod")).toEqual({
      workload: true,
      artifacts: [
        { ...model, where: "model in the secure-mlops.dev/models annotation of the Pod" },
        { kind: "image", ref: `${REG}/ml/serving@${D("1")}`, where: 'container "web"' },
        { kind: "image", ref: `${REG}/ml/metrics-sidecar@${D("2")}`, where: 'container "metrics"' },
      ],
    });
  });

  it("lists init containers, ephemeral containers and image volumes", () => {
    const refs = (name: string): string[] => ((extract(name) as { artifacts: { where: string }[] }).artifacts ?? []).map((a) => a.where);
    expect(refs("pod-init-container")).toContain('init container "fetch-model"');
    expect(refs("pod-ephemeral-containers")).toContain('ephemeral container "debugger-7w4mz"');
    expect(refs("pod-image-volume")).toContain('image volume "weights"');
  });

  it("reads a CronJob's job template and the models of its pod template", () => {
    expect(extract("cronjob")).toEqual({
      workload: true,
      artifacts: [
        { ...model, where: "model in the secure-mlops.dev/models annotation of the pod template" },
        { kind: "image", ref: `${REG}/ml/evaluator@${D("8")}`, where: 'container "eval"' },
        { kind: "image", ref: `${REG}/ml/model-fetch@${D("3")}`, where: 'init container "fetch-model"' },
      ],
    });
  });

  it("reads the pod template of every owner kind", () => {
    const kinds = [
      ["apps", "Deployment"],
      ["apps", "ReplicaSet"],
      ["apps", "StatefulSet"],
      ["apps", "DaemonSet"],
      ["batch", "Job"],
      ["", "ReplicationController"],
    ] as const;
    expect(kinds.length).toBe(6);
    for (const [group, kind] of kinds) {
      const body = fixture("deployment");
      body.request["kind"] = { group, version: "v1", kind };
      body.request.object["kind"] = kind;
      const out = extractArtifacts(parseAdmissionReview(body)) as unknown as { artifacts: unknown[] };
      expect(out.artifacts.length, kind).toBe(4);
    }
  });

  it("lets other kinds and subresources through at once", () => {
    const body = fixture("pod");
    body.request["kind"] = { group: "", version: "v1", kind: "ConfigMap" };
    expect(extractArtifacts(parseAdmissionReview(body))).toEqual({ workload: false, why: "kind ConfigMap runs no image" });
    const status = fixture("pod");
    status.request["subResource"] = "status";
    expect(extractArtifacts(parseAdmissionReview(status))).toEqual({ workload: false, why: "subresource status cannot change images" });
  });

  it("refuses a workload whose spec does not have its kind's shape", () => {
    const body = fixture("deployment");
    delete (body.request.object["spec"] as Record<string, unknown>)["template"];
    expect(extractArtifacts(parseAdmissionReview(body))).toEqual({ workload: true, problem: "spec.template is missing or not an object" });
    const noImage = fixture("pod");
    delete ((noImage.request.object["spec"] as Record<string, unknown>)["containers"] as Record<string, unknown>[])[1]!["image"];
    expect(extractArtifacts(parseAdmissionReview(noImage))).toEqual({ workload: true, problem: 'container "metrics" has no image' });
    const badModels = fixture("pod");
    ((badModels.request.object["metadata"] as Record<string, unknown>)["annotations"] as Record<string, string>)["secure-mlops.dev/models"] = "models/x";
    expect(extractArtifacts(parseAdmissionReview(badModels))).toEqual({
      workload: true,
      problem: 'the secure-mlops.dev/models annotation of the Pod is not JSON; write a JSON list of OCI references by digest, e.g. ["myacr.azurecr.io/models/m@sha256:<digest>"]',
    });
  });

  it("finds every image placed in any container list of a generated pod spec (property)", () => {
    const image = fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8})?(:[a-z0-9]{1,5})?$/);
    const container = fc.record({ name: fc.string({ maxLength: 8 }), image });
    const spec = fc.record({
      containers: fc.array(container, { minLength: 1, maxLength: 4 }),
      initContainers: fc.array(container, { maxLength: 3 }),
      ephemeralContainers: fc.array(container, { maxLength: 2 }),
      volumes: fc.array(fc.record({ name: fc.string({ maxLength: 8 }), image: fc.record({ reference: image }) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(spec, (s) => {
        const out = extractArtifacts({ kind: { group: "", version: "v1", kind: "Pod" }, subResource: "", object: { spec: s } });
        const expected = [...s.containers, ...s.initContainers, ...s.ephemeralContainers].map((c) => c.image).concat(s.volumes.map((v) => v.image.reference));
        expect("artifacts" in out ? out.artifacts.map((a) => a.ref) : out).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
