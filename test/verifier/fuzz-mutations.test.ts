import { describe, expect, it } from "vitest";
import { buildReviewApp } from "../../verifier/server";
import { FakeVerifier, fakeVerifiers } from "./fakes";
import { GOOD, GOOD_REFS, chunkedSample, heapAfterGc, mutatedReview, violation } from "./fuzz-support";
import { makeService } from "./helpers";

/** 60,000 mutations of valid reviews (with fuzz-generated.test.ts, 100,000 malformed reviews). */
describe("mutations of valid AdmissionReviews", () => {
  const setup = makeService(fakeVerifiers(new FakeVerifier(GOOD, GOOD_REFS)), undefined, true);

  function decoded(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  it("never crash and never allow an unproven image: 58,000 in process, heap flat", async () => {
    const { service } = await setup;
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let heapAtTenth = 0;
    let n = 0;
    for (const text of chunkedSample(mutatedReview, 58_000, 20261130)) {
      if (n++ === 5_800) heapAtTenth = heapAfterGc();
      const answer = await service.review(text, "10s");
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const v = violation(decoded(text), answer);
      if (v) problems.push(`${v}: ${text.slice(0, 300)}`);
    }
    const growth = heapAfterGc() - heapAtTenth;
    expect(n).toBe(58_000);
    expect(problems.slice(0, 5)).toEqual([]);
    // both answers occur: the mutations reach the verdict, not only the parser
    expect((statuses.get(200) ?? 0) > 10_000 && (statuses.get(400) ?? 0) > 1_000).toBe(true);
    // the cache is bounded (1,000 entries) and nothing else may keep per-review state
    expect(growth).toBeLessThan(24 * 1024 * 1024);
  });

  it("never crash and never allow through fastify's inject either: 2,000", async () => {
    const { service, metrics } = await setup;
    const app = buildReviewApp({ service, metrics });
    await app.ready();
    const problems: string[] = [];
    let n = 0;
    for (const text of chunkedSample(mutatedReview, 2_000, 7)) {
      n++;
      const res = await app.inject({ method: "POST", url: "/validate?timeout=10s", headers: { "content-type": "application/json" }, payload: text });
      const v = violation(decoded(text), { status: res.statusCode, body: res.json() } as Parameters<typeof violation>[1]);
      if (v) problems.push(`${v}: ${text.slice(0, 300)}`);
    }
    await app.close();
    expect(n).toBe(2_000);
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
