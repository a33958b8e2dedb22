import { readFileSync } from "node:fs";
import { request } from "node:https";
import { afterAll, describe, expect, it } from "vitest";
import { buildReviewApp, startVerifierServer } from "../../verifier/server";
import { FakeVerifier, fakeVerifiers } from "./fakes";
import { GOOD, GOOD_REFS, chunkedSample, generatedReview, mutatedReview, violation } from "./fuzz-support";
import { captureLogger, cleanupTemp, makeCertificate, makeService, policyCopy, tempDir } from "./helpers";

afterAll(cleanupTemp);

/** 40,000 generated reviews (with fuzz-mutations.test.ts, 100,000 malformed reviews), 500 of them over real HTTPS. */
describe("generated AdmissionReviews", () => {
  const verifiers = fakeVerifiers(new FakeVerifier(GOOD, GOOD_REFS));

  function decoded(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  it("never crash and never allow: 37,500 in process", async () => {
    const { service } = await makeService(verifiers, undefined, true);
    const problems: string[] = [];
    let n = 0;
    for (const text of chunkedSample(generatedReview, 37_500, 424242)) {
      n++;
      const v = violation(decoded(text), await service.review(text, "10s"));
      if (v) problems.push(`${v}: ${text.slice(0, 300)}`);
    }
    expect(n).toBe(37_500);
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it("never crash and never allow through fastify's inject: 2,000", async () => {
    const { service, metrics } = await makeService(verifiers, undefined, true);
    const app = buildReviewApp({ service, metrics });
    await app.ready();
    const problems: string[] = [];
    let n = 0;
    for (const text of chunkedSample(generatedReview, 2_000, 99)) {
      n++;
      const res = await app.inject({ method: "POST", url: "/validate", headers: { "content-type": "application/json" }, payload: text });
      const v = violation(decoded(text), { status: res.statusCode, body: res.json() } as Parameters<typeof violation>[1]);
      if (v) problems.push(`${v}: ${text.slice(0, 300)}`);
    }
    await app.close();
    expect(n).toBe(2_000);
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it("never crash and never allow over HTTPS on 127.0.0.1: 500 generated and mutated", async () => {
    const dir = tempDir();
    const { cert, key } = makeCertificate(dir, "tls");
    const ca = readFileSync(cert, "utf8");
    const server = await startVerifierServer({ policyFile: policyCopy(), tlsCert: cert, tlsKey: key, port: 0, metricsPort: 0, logger: captureLogger().logger.child({}, { level: "silent" }), defaultMetrics: false, watch: false, verifiers: () => verifiers });
    const post = (text: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(new URL("/validate?timeout=10s", server.url), { method: "POST", ca, agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end(text);
      });
    const texts = [...chunkedSample(generatedReview, 250, 5, 250), ...chunkedSample(mutatedReview, 250, 6, 250)];
    expect(texts.length).toBe(500);
    const problems: string[] = [];
    try {
      for (const text of texts) {
        const res = await post(text);
        const v = violation(decoded(text), { status: res.status, body: JSON.parse(res.body) } as Parameters<typeof violation>[1]);
        if (v) problems.push(`${v}: ${text.slice(0, 300)}`);
      }
    } finally {
      await server.close();
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
