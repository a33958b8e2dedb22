import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import * as path from "node:path";
import type { SecureVersion } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVerifierServer, type VerifierServer } from "../../verifier/server";
import { D, FakeVerifier, HttpStandInVerifier, REG, StandInRegistry, fakeVerifiers } from "./fakes";
import { captureLogger, cleanupTemp, fixture, makeCertificate, policyCopy, tempDir } from "./helpers";

interface HttpsAnswer {
  status: number;
  type: string | undefined;
  body: string;
  fingerprint: string;
}

function post(server: VerifierServer, ca: string, pathAndQuery: string, body: string | Buffer, options: { type?: string; maxVersion?: SecureVersion; method?: string } = {}): Promise<HttpsAnswer> {
  const url = new URL(pathAndQuery, server.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: options.method ?? "POST", ca, agent: false, maxVersion: options.maxVersion, headers: options.method === "GET" ? {} : { "content-type": options.type ?? "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const socket = res.socket as import("node:tls").TLSSocket;
          resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body: Buffer.concat(chunks).toString("utf8"), fingerprint: socket.getPeerCertificate?.().fingerprint256 ?? "" });
        });
      },
    );
    req.on("error", reject);
    if (options.method !== "GET") req.end(body);
    else req.end();
  });
}

const get = (server: VerifierServer, ca: string, p: string): Promise<HttpsAnswer> => post(server, ca, p, "", { method: "GET" });

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  // a condition polled with a generous bound, not a timed assertion
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const WEB = D("1");
const SIDE = D("2");
const MODEL = D("4");

describe("the verifier over HTTPS on 127.0.0.1", () => {
  const dir = tempDir();
  const first = makeCertificate(dir, "first");
  const second = makeCertificate(dir, "second");
  const live = { cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key") };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  const ca = readFileSync(first.cert, "utf8");
  const policyFile = policyCopy();
  const registry = new StandInRegistry();
  const { logger, lines } = captureLogger();
  let server: VerifierServer;

  beforeAll(async () => {
    registry.table.set(WEB, "signed");
    registry.table.set(SIDE, "signed");
    registry.table.set(MODEL, "signed");
    await registry.start();
    server = await startVerifierServer({
      policyFile,
      tlsCert: live.cert,
      tlsKey: live.key,
      port: 0,
      metricsPort: 0,
      logger,
      defaultMetrics: false,
      verifiers: ({ metrics }) => {
        const v = new HttpStandInVerifier(registry, (s) => metrics.registryRequest(s));
        return { image: v, model: v };
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await registry.stop();
    cleanupTemp();
  });

  it("answers a Pod review with an exact AdmissionReview allowing it", async () => {
    const answer = await post(server, ca, "/validate?timeout=10s", JSON.stringify(fixture("pod")));
    expect([answer.status, answer.type, JSON.parse(answer.body)]).toEqual([
      200,
      "application/json; charset=utf-8",
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "7e0b8a0e-4f0c-4c1e-9a61-0f4cbb6a1a01", allowed: true } },
    ]);
  });

  it("refuses TLS below 1.2 and accepts 1.2", async () => {
    await expect(post(server, ca, "/validate", "{}", { maxVersion: "TLSv1.1" })).rejects.toThrow();
    expect((await post(server, ca, "/validate", "{}", { maxVersion: "TLSv1.2" })).status).toBe(400);
  });

  it("answers /healthz and /readyz", async () => {
    expect((await get(server, ca, "/healthz")).status).toBe(200);
    expect(JSON.parse((await get(server, ca, "/readyz")).body)).toEqual({ status: "ready", policy: server.service.policy.hash.slice(0, 12) });
  });

  it("answers 400 to a body that is not JSON, too large, or not application/json", async () => {
    const notJson = await post(server, ca, "/validate", "{nope");
    expect([notJson.status, JSON.parse(notJson.body)]).toEqual([400, { error: "REVIEW_NOT_JSON", message: "the body is not JSON" }]);
    const big = await post(server, ca, "/validate", Buffer.alloc(4 * 1024 * 1024 + 10, 0x20));
    expect([big.status, JSON.parse(big.body)]).toEqual([400, { error: "REVIEW_TOO_LARGE", message: "the body is larger than 4194304 bytes" }]);
    const text = await post(server, ca, "/validate", JSON.stringify(fixture("pod")), { type: "text/plain" });
    expect([text.status, JSON.parse(text.body)]).toEqual([400, { error: "REVIEW_CONTENT_TYPE", message: "the body must be application/json" }]);
  });

  it("denies with the reason while the registry is stopped, and allows again once it is back, without a restart", async () => {
    // other digests than the cached ones, so the registry is asked
    const body = fixture("pod");
    ((body.request.object["spec"] as Record<string, unknown[]>)["containers"]![0] as Record<string, unknown>)["image"] = `${REG}/ml/serving@${D("9")}`;
    registry.table.set(D("9"), "signed");
    await registry.stop();
    const down = JSON.parse((await post(server, ca, "/validate?timeout=10s", JSON.stringify(body))).body) as { response: { allowed: boolean; status: { code: number; message: string } } };
    expect(down.response.allowed).toBe(false);
    expect(down.response.status).toEqual({ code: 503, message: `secure-mlops verifier denied Pod ml-serving/sentiment-7d9f8b6c5-*: container "web": image ${REG}/ml/serving@${D("9")}: registry myacr.azurecr.io unreachable (ECONNREFUSED)` });
    await registry.start();
    const up = JSON.parse((await post(server, ca, "/validate?timeout=10s", JSON.stringify(body))).body) as { response: { allowed: boolean } };
    expect(up.response.allowed).toBe(true);
  });

  it("exposes reviews, verifications, cache lookups and registry requests on the metrics port", async () => {
    const text = await (await fetch(server.metricsUrl)).text();
    const wanted = [
      'secure_mlops_verifier_reviews_total{decision="allow",code="VERIFIED"}',
      'secure_mlops_verifier_reviews_total{decision="deny",code="REGISTRY_UNREACHABLE"} 1',
      'secure_mlops_verifier_registry_requests_total{status="200"}',
      'secure_mlops_verifier_registry_requests_total{status="error"} 1',
      'secure_mlops_verifier_cache_lookups_total{result="miss"}',
      'secure_mlops_verifier_verifications_total{kind="model",decision="allow",code="VERIFIED",source="fresh"} 1',
      "secure_mlops_verifier_review_duration_seconds_bucket",
    ];
    expect(wanted.filter((w) => !text.includes(w))).toEqual([]);
  });

  it("uses a rewritten policy for the next review, and keeps the old one when the new one is bad", async () => {
    const before = server.service.policy.hash;
    const good = readFileSync(policyFile, "utf8");
    writeFileSync(policyFile, good.replace("exemptNamespaces: [kube-system, secure-mlops-verifier]", "exemptNamespaces: [kube-system, secure-mlops-verifier, ml-serving]"));
    await until("the policy reload", () => server.service.policy.hash !== before);
    registry.table.set(WEB, "unsigned");
    const exempt = JSON.parse((await post(server, ca, "/validate", JSON.stringify(fixture("pod-init-container")))).body) as { response: { allowed: boolean } };
    expect(exempt.response.allowed).toBe(true);

    const inForce = server.service.policy.hash;
    writeFileSync(policyFile, good.replace("allowedRegistries: [myacr.azurecr.io]", "allowedRegistries: []"));
    await until("the failed reload", async () => (await server.metrics.policyReloadFailing.get()).values[0]?.value === 1);
    expect(server.service.policy.hash).toBe(inForce);
    const failed = lines.find((l) => l["event"] === "policy-reload-failed");
    expect(failed?.["problems"]).toEqual([`${policyFile}:8:22: /admission/allowedRegistries: must NOT have fewer than 1 items`]);
    writeFileSync(policyFile, good);
    await until("the policy back", () => server.service.policy.hash === before);
    registry.table.set(WEB, "signed");
  });

  it("serves a new certificate once its files change, without a restart", async () => {
    const firstPrint = (await get(server, ca, "/healthz")).fingerprint;
    copyFileSync(second.key, live.key);
    copyFileSync(second.cert, live.cert);
    const ca2 = readFileSync(second.cert, "utf8");
    await until("the new certificate", async () => {
      try {
        return (await get(server, ca2, "/healthz")).fingerprint !== firstPrint;
      } catch {
        return false;
      }
    });
    expect((await get(server, ca2, "/healthz")).status).toBe(200);
  });
});

describe("a graceful shutdown", () => {
  afterAll(cleanupTemp);

  it("finishes the review in flight, then refuses connections", async () => {
    const dir = tempDir();
    const { cert, key } = makeCertificate(dir, "tls");
    const ca = readFileSync(cert, "utf8");
    const fake = new FakeVerifier({ [WEB]: "signed", [SIDE]: "signed", [MODEL]: "signed" });
    fake.latencyMs = 300;
    const server = await startVerifierServer({ policyFile: policyCopy(), tlsCert: cert, tlsKey: key, port: 0, metricsPort: 0, logger: captureLogger().logger, defaultMetrics: false, watch: false, verifiers: () => fakeVerifiers(fake) });
    const inFlight = post(server, ca, "/validate?timeout=10s", JSON.stringify(fixture("pod")));
    await until("the review to start", () => fake.callCount() > 0);
    const closed = server.close();
    const answer = await inFlight;
    await closed;
    expect([answer.status, (JSON.parse(answer.body) as { response: { allowed: boolean } }).response.allowed]).toEqual([200, true]);
    await expect(get(server, ca, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
  });
});
