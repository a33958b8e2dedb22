import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadActivePolicy } from "../../verifier/policy";
import { budgetMs, parseGoDuration, type AdmissionService } from "../../verifier/service";
import { D, FakeVerifier, REG, fakeVerifiers, type Behaviour } from "./fakes";
import { cleanupTemp, fixture, makeService, policyCopy } from "./helpers";

afterAll(cleanupTemp);

const WEB = D("1");
const SIDE = D("2");
const INIT = D("3");
const MODEL = D("4");
const DEBUG = D("5");
const WEIGHTS = D("6");
const PROXY = D("7");
const EVAL = D("8");
const ALL_GOOD: Record<string, Behaviour> = { [WEB]: "signed", [SIDE]: "signed", [INIT]: "signed", [MODEL]: "signed", [DEBUG]: "signed", [WEIGHTS]: "signed", [PROXY]: "signed", [EVAL]: "signed" };

interface Answer {
  status: number;
  body: { apiVersion?: string; kind?: string; response?: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[]; patch?: unknown } };
}

async function send(service: AdmissionService, body: unknown, timeout?: string): Promise<Answer> {
  return (await service.review(JSON.stringify(body), timeout)) as Answer;
}

async function setup(overrides: Record<string, Behaviour> = {}): Promise<{ fake: FakeVerifier } & Awaited<ReturnType<typeof makeService>>> {
  const fake = new FakeVerifier({ ...ALL_GOOD, ...overrides });
  return { fake, ...(await makeService(fakeVerifiers(fake))) };
}

function denial(uid: string, code: number, message: string): Answer {
  return { status: 200, body: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: false, status: { code, message } } } };
}

function allowed(uid: string): Answer {
  return { status: 200, body: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: true } } };
}

describe("when every image and model is proven", () => {
  it("allows the Pod and logs one line with each image's digest and verdict", async () => {
    const { service, lines } = await setup();
    expect(await send(service, fixture("pod"))).toEqual(allowed("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01"));
    expect(lines.length).toBe(1);
    const line = lines[0]!;
    expect({ ...line, time: undefined, ms: undefined, artifacts: undefined }).toEqual({
      level: 30,
      msg: "review",
      time: undefined,
      uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01",
      kind: "Pod",
      namespace: "ml-serving",
      name: "",
      operation: "CREATE",
      dryRun: false,
      user: "system:serviceaccount:kube-system:replicaset-controller",
      mode: "enforce",
      policy: service.policy.hash.slice(0, 12),
      decision: "allow",
      code: "VERIFIED",
      ms: undefined,
      artifacts: undefined,
    });
    expect((line["artifacts"] as Record<string, unknown>[]).map((a) => [a["where"], a["digest"], a["decision"], a["code"], a["source"]])).toEqual([
      ["model in the secure-mlops.dev/models annotation of the Pod", MODEL, "allow", "VERIFIED", "fresh"],
      ['container "web"', WEB, "allow", "VERIFIED", "fresh"],
      ['container "metrics"', SIDE, "allow", "VERIFIED", "fresh"],
    ]);
  });

  it("allows each fixture workload kind", async () => {
    const { service } = await setup();
    const names = ["pod", "pod-init-container", "pod-image-volume", "pod-ephemeral-containers", "deployment", "deployment-dry-run", "cronjob"];
    expect(names.length).toBe(7);
    for (const name of names) expect((await send(service, fixture(name))).body.response?.allowed, name).toBe(true);
  });
});

describe("when an image is not proven", () => {
  const cases: readonly [string, Behaviour, number, string][] = [
    ["unsigned", "unsigned", 403, `container "web": image ${REG}/ml/serving@${WEB}: no attestation names this digest as its subject (referrers API: not supported; tag sha256-<hex>: not found)`],
    ["signed by a signer the policy does not allow", "wrong-signer", 403, `container "web": image ${REG}/ml/serving@${WEB}: signed, but not by a signer the policy allows (key keys/release.pub.pem)`],
    ["missing required evidence", "missing-evidence", 403, `container "web": image ${REG}/ml/serving@${WEB}: required: no verified vulnerability-scan evidence for this subject (found predicates: https://sigstore.dev/cosign/sign/v1)`],
    ["behind an unreachable registry", "unreachable", 503, `container "web": image ${REG}/ml/serving@${WEB}: registry myacr.azurecr.io unreachable (connect ECONNREFUSED)`],
    ["behind a referrers listing that failed", "listing-failed", 503, `container "web": image ${REG}/ml/serving@${WEB}: listing the referrers failed: GET /v2/ml/serving/manifests/sha256-<hex> answered 500`],
    ["judged by a verifier that crashed", "throws", 500, `container "web": image ${REG}/ml/serving@${WEB}: internal error in the verifier (Cannot read properties of undefined (reading 'layers')); the image is refused until it can be verified`],
  ];
  it.each(cases)("denies the Pod whose image is %s, with the reason", async (_name, behaviour, code, reason) => {
    const { service } = await setup({ [WEB]: behaviour });
    expect(await send(service, fixture("pod"))).toEqual(denial("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", code, `secure-mlops verifier denied Pod ml-serving/sentiment-7d9f8b6c5-*: ${reason}`));
  });

  it("names an object with neither name nor generateName as unnamed, not by its namespace alone", async () => {
    const { service } = await setup({ [WEB]: "unsigned" });
    const body = fixture("pod");
    delete (body.request.object["metadata"] as Record<string, unknown>)["generateName"];
    const answer = await send(service, body);
    expect(answer.body.response?.status?.message.startsWith("secure-mlops verifier denied Pod ml-serving/(unnamed): container \"web\"")).toBe(true);
  });

  it("denies a tag-only image and says how to pin it, without asking the registry", async () => {
    const { service, fake } = await setup();
    const body = fixture("deployment");
    (((body.request.object["spec"] as Record<string, unknown>)["template"] as Record<string, Record<string, unknown[]>>)["spec"]!["containers"]![1] as Record<string, unknown>)["image"] = `${REG}/ml/metrics-sidecar:1.4`;
    expect(await send(service, body)).toEqual(
      denial(
        "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a06",
        403,
        `secure-mlops verifier denied Deployment ml-serving/sentiment: container "metrics": image "${REG}/ml/metrics-sidecar:1.4" is not pinned by digest; pin it as ${REG}/ml/metrics-sidecar@sha256:<digest> (the digest of the tag you tested: skopeo inspect --format '{{.Digest}}' docker://${REG}/ml/metrics-sidecar:1.4)`,
      ),
    );
    expect(fake.calls.has(`${REG}/ml/metrics-sidecar:1.4`)).toBe(false);
  });

  it("denies an image from a registry the policy does not allow", async () => {
    const { service } = await setup();
    const body = fixture("pod");
    ((body.request.object["spec"] as Record<string, unknown[]>)["containers"]![0] as Record<string, unknown>)["image"] = `evil.example.com/ml/serving@${WEB}`;
    expect(await send(service, body)).toEqual(
      denial("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", 403, `secure-mlops verifier denied Pod ml-serving/sentiment-7d9f8b6c5-*: container "web": image "evil.example.com/ml/serving@${WEB}" is from registry evil.example.com, which the policy does not allow (allowed: myacr.azurecr.io)`),
    );
  });

  it("denies a tampered model named in the annotation", async () => {
    const { service } = await setup({ [MODEL]: "tampered" });
    expect(await send(service, fixture("deployment"))).toEqual(
      denial(
        "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a06",
        403,
        `secure-mlops verifier denied Deployment ml-serving/sentiment: model in the secure-mlops.dev/models annotation of the pod template: model ${REG}/models/sentiment@${MODEL}: model.sig does not match the model: file weights.bin has a different digest`,
      ),
    );
  });

  const UNSIGNED = "no attestation names this digest as its subject (referrers API: not supported; tag sha256-<hex>: not found)";
  const oneBad: readonly [string, string, string, string][] = [
    ["deployment", "Deployment ml-serving/sentiment", 'container "metrics"', `${REG}/ml/metrics-sidecar@${SIDE}`],
    ["cronjob", "CronJob ml-serving/nightly-eval", 'init container "fetch-model"', `${REG}/ml/model-fetch@${INIT}`],
    ["pod-init-container", "Pod ml-serving/sentiment-7d9f8b6c5-*", 'init container "fetch-model"', `${REG}/ml/model-fetch@${INIT}`],
    ["pod-ephemeral-containers", "Pod ml-serving/sentiment-7d9f8b6c5-x2k9q", 'ephemeral container "debugger-7w4mz"', `${REG}/tools/debug@${DEBUG}`],
    ["pod-image-volume", "Pod ml-serving/sentiment-7d9f8b6c5-*", 'image volume "weights"', `${REG}/models/sentiment-weights@${WEIGHTS}`],
  ];
  it.each(oneBad)("denies the %s for its one bad image among good ones, naming it", async (name, object, where, ref) => {
    const { service } = await setup({ [ref.split("@")[1]!]: "unsigned" });
    const answer = await send(service, fixture(name));
    expect(answer.body.response?.status).toEqual({ code: 403, message: `secure-mlops verifier denied ${object}: ${where}: image ${ref}: ${UNSIGNED}` });
  });

  it("denies each owner kind for one bad image among good ones", async () => {
    const kinds = [["apps", "ReplicaSet"], ["apps", "StatefulSet"], ["apps", "DaemonSet"], ["batch", "Job"], ["", "ReplicationController"]] as const;
    expect(kinds.length).toBe(5);
    const { service } = await setup({ [PROXY]: "wrong-signer" });
    for (const [group, kind] of kinds) {
      const body = fixture("deployment");
      body.request["kind"] = { group, version: "v1", kind };
      body.request.object["kind"] = kind;
      const answer = await send(service, body);
      expect(answer.body.response?.status?.message, kind).toBe(
        `secure-mlops verifier denied ${kind} ml-serving/sentiment: container "proxy": image ${REG}/ml/auth-proxy@${PROXY}: signed, but not by a signer the policy allows (key keys/release.pub.pem)`,
      );
    }
  });

  it("gives a dry run the same verdict", async () => {
    const { service } = await setup({ [SIDE]: "unsigned" });
    const real = await send(service, fixture("deployment"));
    const dry = await send(service, fixture("deployment-dry-run"));
    expect(dry.body.response?.status).toEqual(real.body.response?.status);
  });
});

describe("what is let through at once", () => {
  it("allows a DELETE, another kind and an exempt namespace without asking the verifier", async () => {
    const { service, fake } = await setup({ [WEB]: "unsigned" });
    expect(await send(service, fixture("pod-delete"))).toEqual(allowed("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a05"));
    const cm = fixture("pod");
    cm.request["kind"] = { group: "", version: "v1", kind: "ConfigMap" };
    cm.request.object["kind"] = "ConfigMap";
    expect((await send(service, cm)).body.response?.allowed).toBe(true);
    const exempt = fixture("pod");
    exempt.request["namespace"] = "kube-system";
    expect((await send(service, exempt)).body.response?.allowed).toBe(true);
    expect(fake.callCount()).toBe(0);
  });

  it("does not exempt a namespace by a label the workload's author sets", async () => {
    const { service } = await setup({ [WEB]: "unsigned" });
    const body = fixture("pod");
    (body.request.object["metadata"] as Record<string, unknown>)["labels"] = { "kubernetes.io/metadata.name": "kube-system" };
    expect((await send(service, body)).body.response?.allowed).toBe(false);
  });
});

describe("in a namespace in warn mode", () => {
  it("allows with a warning per refusal, each at most 120 characters", async () => {
    const { service } = await setup({ [WEB]: "unsigned" });
    const body = fixture("pod");
    body.request["namespace"] = "ml-sandbox";
    const answer = await send(service, body);
    expect(answer.body.response).toEqual({
      uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01",
      allowed: true,
      warnings: [`secure-mlops (warn mode): container "web": image ${REG}/ml/serving@sha256:11111111111111111111111111111111111…`],
    });
    expect(answer.body.response?.warnings?.[0]?.length).toBe(120);
  });
});

describe("the verdict cache", () => {
  it("answers a second review of the same digests from the cache", async () => {
    const { service, fake, metrics } = await setup();
    await send(service, fixture("deployment"));
    await send(service, fixture("deployment"));
    expect(fake.callCount()).toBe(4);
    const hits = (await metrics.cacheLookups.get()).values.map((v) => [v.labels["result"], v.value]);
    expect(hits.sort()).toEqual([["hit", 4], ["miss", 4]]);
  });

  it("keeps a definite denial, never a transient failure", async () => {
    const { service, fake } = await setup({ [WEB]: "unsigned", [SIDE]: "unreachable" });
    await send(service, fixture("pod"));
    await send(service, fixture("pod"));
    expect([fake.calls.get(`${REG}/ml/serving@${WEB}`), fake.calls.get(`${REG}/ml/metrics-sidecar@${SIDE}`)]).toEqual([1, 2]);
  });

  it("denies while the registry is unreachable and allows once it is back, with no restart", async () => {
    const { service, fake } = await setup({ [WEB]: "unreachable" });
    expect((await send(service, fixture("pod"))).body.response?.status?.code).toBe(503);
    fake.set(WEB, "signed");
    expect(await send(service, fixture("pod"))).toEqual(allowed("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01"));
  });

  it("shares one verification between concurrent reviews of one digest", async () => {
    const { service, fake } = await setup();
    fake.latencyMs = 20;
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(service, fixture("pod"))));
    expect(answers.every((a) => a.body.response?.allowed === true)).toBe(true);
    expect(fake.callCount()).toBe(3);
  });

  it("keys verdicts by digest: the same digest under another tag is served from the cache", async () => {
    const { service, fake } = await setup();
    await send(service, fixture("pod"));
    const body = fixture("pod");
    ((body.request.object["spec"] as Record<string, unknown[]>)["containers"]![0] as Record<string, unknown>)["image"] = `${REG}/ml/serving:v2@${WEB}`;
    await send(service, body);
    expect(fake.calls.get(`${REG}/ml/serving@${WEB}`)).toBe(1);
  });
});

describe("the deadline", () => {
  it("reads the API server's timeout as a Go duration", () => {
    expect([parseGoDuration("10s"), parseGoDuration("1m30s"), parseGoDuration("2.5s"), parseGoDuration("750ms"), parseGoDuration("10"), parseGoDuration("")]).toEqual([10_000, 90_000, 2_500, 750, undefined, undefined]);
    expect([budgetMs("10s", { maxMs: 10_000, marginMs: 250 }), budgetMs("30s", { maxMs: 5_000, marginMs: 250 }), budgetMs(undefined, { maxMs: 8_000, marginMs: 250 }), budgetMs("junk", { maxMs: 8_000, marginMs: 250 })]).toEqual([9_750, 4_750, 7_750, 7_750]);
  });

  it("denies with the reason when the verification outlives the budget", async () => {
    const { service } = await setup({ [WEB]: "hang" });
    const answer = await send(service, fixture("pod"), "300ms");
    expect(answer).toEqual(
      denial(
        "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01",
        503,
        `secure-mlops verifier denied Pod ml-serving/sentiment-7d9f8b6c5-*: container "web": image ${REG}/ml/serving@${WEB}: verification timed out: not finished within the 50 ms budget (the API server's timeout 300ms, at most 10000 ms, minus 250 ms); retry, the result is cached once it completes`,
      ),
    );
  });

  it("lets a slow verification finish after the review gave up, so the retry is answered from the cache", async () => {
    const { service, fake } = await setup();
    fake.latencyMs = 150;
    expect((await send(service, fixture("pod"), "300ms")).body.response?.allowed).toBe(false);
    // waits for the verification to land in the cache (a condition, not a time)
    for (let i = 0; i < 500 && service.verdicts.size < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(service.verdicts.size).toBe(3);
    fake.latencyMs = 0;
    expect((await send(service, fixture("pod"), "300ms")).body.response?.allowed).toBe(true);
    expect(fake.callCount()).toBe(3);
  });
});

describe("a new policy", () => {
  it("is used by the next review, and drops the old verdicts", async () => {
    const file = policyCopy();
    const { service } = await setup();
    expect((await send(service, fixture("pod"))).body.response?.allowed).toBe(true);
    writeFileSync(file, (await import("node:fs")).readFileSync(file, "utf8").replace("allowedRegistries: [myacr.azurecr.io]", "allowedRegistries: [other.azurecr.io]"));
    service.setPolicy(await loadActivePolicy(file));
    expect(service.verdicts.size).toBe(0);
    expect((await send(service, fixture("pod"))).body.response?.status?.message).toContain("which the policy does not allow (allowed: other.azurecr.io)");
  });
});

describe("a malformed request", () => {
  it("gets HTTP 400 with the code, never an allow", async () => {
    const { service, lines } = await setup();
    expect(await service.review("{not json", "10s")).toEqual({ status: 400, body: { error: "REVIEW_NOT_JSON", message: "the body is not JSON" } });
    const body = fixture("pod");
    body["apiVersion"] = "v1";
    expect(await send(service, body)).toEqual({ status: 400, body: { error: "REVIEW_VERSION", message: 'apiVersion must be "admission.k8s.io/v1" (set admissionReviewVersions: ["v1"] on the webhook)' } });
    expect(lines.map((l) => [l["uid"], l["decision"], l["code"]])).toEqual([
      [undefined, "error", "REVIEW_NOT_JSON"],
      ["7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", "error", "REVIEW_VERSION"],
    ]);
  });

  it("with a workload of the wrong shape is denied with status 400", async () => {
    const { service } = await setup();
    const body = fixture("cronjob");
    (body.request.object["spec"] as Record<string, unknown>)["jobTemplate"] = "x";
    expect(await send(service, body)).toEqual(denial("7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a08", 400, "secure-mlops verifier denied CronJob ml-serving/nightly-eval: spec.jobTemplate is missing or not an object"));
  });
});
