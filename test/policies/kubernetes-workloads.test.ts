import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podTemplateWorkloads } from "../../policies/lib/kubernetes";
import { imageProblem, registryOf } from "../../policies/kubernetes-workloads";
import { resourceRecord, startTestPack, type TestPack } from "../support/harness";
import { compliantPod, compliantWebhookConfiguration, digest, ownerOf, platformImage, type PodParts } from "./kubernetes-fixtures";
import * as fc from "fast-check";

const ownerTypes = podTemplateWorkloads.map((w) => w.type);
type Obj = Record<string, unknown>;

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

/** Every verdict of the strict pack on one object. */
async function verdicts(type: string, props: Obj, name = "subject"): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, name)) (out[d.policyName] ??= []).push(d.message);
  return out;
}

const main = (p: PodParts): Obj => (p.spec["containers"] as Obj[])[0]!;

describe("a compliant workload", () => {
  it("passes every policy of the strict pack, in every workload type", async () => {
    expect(ownerTypes.length).toBe(9);
    for (const type of ownerTypes) expect(await verdicts(type, ownerOf(type, compliantPod())), type).toEqual({});
  });
});

describe("when one setting of a workload is flipped", () => {
  const cases: [string, string, (p: PodParts) => void, string, string][] = [
    ["its image is a tag", "kubernetes:apps/v1:Deployment", (p) => (main(p)["image"] = "nginx:1.27"), "kubernetes-workload-image-digest", 'The pod template\'s container "app" must pin its image by digest (@sha256:...), got "nginx:1.27".'],
    ["it mounts the service-account token", "kubernetes:batch/v1:CronJob", (p) => delete p.spec["automountServiceAccountToken"], "kubernetes-workload-service-account-token", 'The pod template must set automountServiceAccountToken: false (service account "default" is not listed as needing the API).'],
    ["a container has no limits", "kubernetes:core/v1:Pod", (p) => delete (main(p)["resources"] as Obj)["limits"], "kubernetes-workload-resources", 'The pod\'s container "app" must set resources.limits.cpu, resources.limits.memory.'],
    ["a container has no readiness probe", "kubernetes:apps/v1:StatefulSet", (p) => delete main(p)["readinessProbe"], "kubernetes-workload-probes", 'The pod template\'s container "app" must have readinessProbe.'],
  ];
  for (const [when, type, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const pod = compliantPod();
      flip(pod);
      expect(await verdicts(type, ownerOf(type, pod))).toEqual({ [policy]: [message] });
    });
  }

  it("does not ask a Job for probes", async () => {
    const pod = compliantPod();
    delete main(pod)["livenessProbe"];
    expect(await verdicts("kubernetes:batch/v1:Job", ownerOf("kubernetes:batch/v1:Job", pod))).toEqual({});
  });

  it("refuses the default namespace, named or implied", async () => {
    const type = "kubernetes:apps/v1:Deployment";
    expect(await verdicts(type, ownerOf(type, compliantPod(), "default"))).toEqual({
      "kubernetes-workload-namespace": ['The Deployment must name a namespace other than "default" (got "default").'],
    });
    const props = ownerOf(type, compliantPod());
    delete (props["metadata"] as Obj)["namespace"];
    expect(await verdicts(type, props)).toEqual({ "kubernetes-workload-namespace": ['The Deployment must name a namespace other than "default" (got none).'] });
  });
});

describe("the registry and token settings", () => {
  afterAll(() => pack.configure({}));
  it("refuses an image by digest from a registry not listed, and accepts the listed one", async () => {
    await pack.configure({ "kubernetes-workload-image-digest": { allowedRegistries: ["crsmlopsprod.azurecr.io"] } });
    const pod = compliantPod();
    main(pod)["image"] = `docker.io/library/python@${digest}`;
    expect(await verdicts("kubernetes:core/v1:Pod", ownerOf("kubernetes:core/v1:Pod", pod))).toEqual({
      "kubernetes-workload-image-digest": [`The pod's container "app" must pull from an allowed registry (crsmlopsprod.azurecr.io), got "docker.io/library/python@${digest}".`],
    });
    expect(await verdicts("kubernetes:core/v1:Pod", ownerOf("kubernetes:core/v1:Pod", compliantPod()))).toEqual({});
  });
  it("lets a listed service account mount its token", async () => {
    await pack.configure({ "kubernetes-workload-service-account-token": { allowedServiceAccounts: ["verifier"] } });
    const pod = compliantPod();
    delete pod.spec["automountServiceAccountToken"];
    pod.spec["serviceAccountName"] = "verifier";
    expect(await verdicts("kubernetes:apps/v1:Deployment", ownerOf("kubernetes:apps/v1:Deployment", pod))).toEqual({});
  });
});

describe("image references", () => {
  it("resolves the registry host as container runtimes do", () => {
    expect(registryOf("nginx@sha256:x")).toBe("docker.io");
    expect(registryOf("library/nginx")).toBe("docker.io");
    expect(registryOf("CRX.azurecr.io/a/b")).toBe("crx.azurecr.io");
    expect(registryOf("localhost:5000/a")).toBe("localhost:5000");
    expect(imageProblem(platformImage, ["crsmlopsprod.azurecr.io"])).toBeUndefined();
    expect(imageProblem(undefined, [])).toBe("names no image");
  });
  it("never throws on arbitrary image values", () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.string()), (image, registries) => {
        const p = imageProblem(image, registries);
        expect(p === undefined || typeof p === "string").toBe(true);
      }),
    );
  });
});

describe("namespaces", () => {
  const ns = (labels: Obj): Obj => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ml", labels } });
  it("accepts a restricted namespace and refuses a baseline or unlabelled one", async () => {
    const type = "kubernetes:core/v1:Namespace";
    expect(await verdicts(type, ns({ "pod-security.kubernetes.io/enforce": "restricted" }))).toEqual({});
    expect(await verdicts(type, ns({ "pod-security.kubernetes.io/enforce": "baseline" }))).toEqual({
      "kubernetes-namespace-pod-security-label": ['The namespace\'s label pod-security.kubernetes.io/enforce must be restricted or stricter, got "baseline".'],
    });
    expect(await verdicts(type, ns({}))).toEqual({
      "kubernetes-namespace-pod-security-label": ["The namespace must carry the label pod-security.kubernetes.io/enforce (restricted or stricter), got none."],
    });
  });
});

describe("admission webhook configurations", () => {
  const validating = "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration";
  const mutating = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
  const hook = (c: Obj): Obj => (c["webhooks"] as Obj[])[0]!;

  it("accepts the verifier's configuration, validating or mutating", async () => {
    expect(await verdicts(validating, compliantWebhookConfiguration())).toEqual({});
    expect(await verdicts(mutating, { ...compliantWebhookConfiguration(), kind: "MutatingWebhookConfiguration" })).toEqual({});
  });

  const cases: [string, (h: Obj) => void, string, string][] = [
    ["it fails open", (h) => (h["failurePolicy"] = "Ignore"), "kubernetes-webhook-fail-closed", 'must fail closed (failurePolicy "Fail"), got "Ignore"'],
    ["its timeout is 30 s", (h) => (h["timeoutSeconds"] = 30), "kubernetes-webhook-timeout-bounded", "must set timeoutSeconds to at most 10, got 30"],
    ["it has side effects", (h) => (h["sideEffects"] = "Some"), "kubernetes-webhook-side-effects-none", 'must set sideEffects to "None" or "NoneOnDryRun", got "Some"'],
    ["it speaks only v1beta1", (h) => (h["admissionReviewVersions"] = ["v1beta1"]), "kubernetes-webhook-review-versions-v1", 'must list "v1" in admissionReviewVersions, got ["v1beta1"]'],
    ["it intercepts every namespace", (h) => delete h["namespaceSelector"], "kubernetes-webhook-excludes-system-namespaces", 'must exclude "kube-system" and "secure-mlops-verifier" with its namespaceSelector (kubernetes.io/metadata.name NotIn)'],
    ["it calls a plain-http URL", (h) => (h["clientConfig"] = { url: "http://verifier.example.com/validate" }), "kubernetes-webhook-trusted-client-config", 'must call an https:// URL, got "http://verifier.example.com/validate"'],
    ["it calls a URL with no caBundle", (h) => (h["clientConfig"] = { url: "https://verifier.example.com/validate" }), "kubernetes-webhook-trusted-client-config", "must set clientConfig.caBundle or a clientConfig.service reference"],
  ];
  for (const [when, flip, policy, problem] of cases) {
    it(`refuses it when ${when}`, async () => {
      const config = compliantWebhookConfiguration();
      flip(hook(config));
      expect(await verdicts(validating, config)).toEqual({ [policy]: [`The ValidatingWebhookConfiguration's webhook "verify.secure-mlops.dev" ${problem}.`] });
    });
  }
});

describe("RBAC roles", () => {
  const clusterRole = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
  const role = "kubernetes:rbac.authorization.k8s.io/v1:Role";
  const roleWith = (rules: Obj[], name = "model-reader"): Obj => ({ apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name, namespace: "ml" }, rules });
  const reader = { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] };

  it("accepts a least-privilege role", async () => {
    expect(await verdicts(role, roleWith([reader]))).toEqual({});
    expect(await verdicts(clusterRole, roleWith([reader]))).toEqual({});
  });
  it("refuses wildcards", async () => {
    expect(await verdicts(clusterRole, roleWith([{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }]))).toEqual({
      "kubernetes-rbac-no-wildcards": ['The ClusterRole must not grant "*" in apiGroups, resources.'],
    });
  });
  it("refuses control over webhook configurations", async () => {
    expect(await verdicts(clusterRole, roleWith([{ apiGroups: ["admissionregistration.k8s.io"], resources: ["validatingwebhookconfigurations"], verbs: ["patch"] }]))).toEqual({
      "kubernetes-rbac-no-webhook-configuration-control": ["The ClusterRole must not grant write access to admission webhook configurations."],
    });
  });
  it("refuses CSR approval", async () => {
    expect(await verdicts(clusterRole, roleWith([{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"] }]))).toEqual({
      "kubernetes-rbac-no-csr-approval": ["The ClusterRole must not grant approval of certificate signing requests."],
    });
  });
  it("refuses escalate, bind and impersonate outside the platform's roles", async () => {
    const rules = [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind", "escalate"] }];
    expect(await verdicts(role, roleWith(rules))).toEqual({
      "kubernetes-rbac-privilege-verbs": ["The Role must not grant bind, escalate (it is not one of the platform's roles)."],
    });
    await pack.configure({ "kubernetes-rbac-privilege-verbs": { platformRoles: ["secure-mlops-deployer"] } });
    try {
      expect(await verdicts(role, roleWith(rules, "secure-mlops-deployer"))).toEqual({});
    } finally {
      await pack.configure({});
    }
  });
});

describe("NetworkPolicy coverage (a stack policy)", () => {
  const deployment = (name: string, namespace: string) =>
    resourceRecord("kubernetes:apps/v1:Deployment", name, ownerOf("kubernetes:apps/v1:Deployment", compliantPod(), namespace));
  const netpol = (namespace: string) =>
    resourceRecord("kubernetes:networking.k8s.io/v1:NetworkPolicy", `deny-${namespace}`, {
      metadata: { name: "default-deny", namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });

  it("refuses a namespace with workloads and no NetworkPolicy, and accepts a covered one", async () => {
    const violations = await pack.judge([deployment("served", "ml"), netpol("ml"), deployment("batch", "jobs")]);
    expect(violations.filter((v) => v.policyName === "kubernetes-networkpolicy-present").map((v) => v.message)).toEqual([
      "The Deployment 'batch' runs in namespace \"jobs\", which has no NetworkPolicy.",
    ]);
  });
});
