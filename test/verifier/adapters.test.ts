import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../attestation/errors";
import type { ImageVerdict } from "../../attestation/image-verify";
import { RegistryError, type RegistryErrorCode } from "../../registry/errors";
import { createVerifiers, imageVerdict, transientCodeOf, verdictOfError } from "../../verifier/adapters";
import { TransientVerificationError } from "../../verifier/errors";
import { VerifierMetrics } from "../../verifier/metrics";
import { loadActivePolicy } from "../../verifier/policy";
import { parsePinnedReference, type PinnedReference } from "../../verifier/reference";
import { generateKey, writeKey } from "../attestation/helpers";
import { cleanupTemp, tempDir } from "./helpers";

afterAll(cleanupTemp);

const DIGEST = `sha256:${"1".repeat(64)}`;

/** The error thrown by `f`, or a failure when it returns. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("classifying registry errors", () => {
  it("maps every registry code to a transient code, or to none for an answer about the artifact", () => {
    const table: Record<RegistryErrorCode, string | undefined> = {
      REGISTRY_REFERENCE_INVALID: undefined,
      REGISTRY_PLAIN_HTTP_REFUSED: undefined,
      REGISTRY_UNREACHABLE: "REGISTRY_UNREACHABLE",
      REGISTRY_TIMEOUT: "REGISTRY_TIMEOUT",
      REGISTRY_ABORTED: "DEADLINE_EXCEEDED",
      REGISTRY_UNAUTHORIZED: "REGISTRY_ERROR",
      REGISTRY_CREDENTIALS_INVALID: "REGISTRY_ERROR",
      REGISTRY_NOT_FOUND: undefined,
      REGISTRY_HTTP_STATUS: "REGISTRY_ERROR",
      REGISTRY_TOO_LARGE: undefined,
      REGISTRY_BAD_RESPONSE: "LISTING_FAILED",
      REGISTRY_DIGEST_MISMATCH: undefined,
      REGISTRY_TOO_MANY_REFERRERS: "TOO_MANY_REFERRERS",
    };
    const entries = Object.entries(table);
    expect(entries.length).toBe(13);
    expect(entries.map(([code]) => [code, transientCodeOf(code)])).toEqual(entries);
  });

  it("turns verifyImage's verdicts into allow or definite deny, and its error outcome into a transient throw", () => {
    const base = { reference: `r.io/app@${DIGEST}`, registry: "r.io", repository: "app", digest: DIGEST, cacheable: true } as const;
    const verified: ImageVerdict = {
      ...base,
      outcome: "verified",
      verified: true,
      reasons: [],
      attachments: [{ layout: "referrers-tag", manifest: DIGEST, status: "verified", predicateType: "https://sigstore.dev/cosign/sign/v1", signer: { method: "public-key", label: "key release.pub.pem" } }],
    };
    expect(imageVerdict(verified)).toEqual({ decision: "allow", code: "VERIFIED", reason: "signed by key release.pub.pem; predicates https://sigstore.dev/cosign/sign/v1", definite: true });
    const refused: ImageVerdict = { ...base, outcome: "refused", verified: false, attachments: [], reasons: [{ code: "IMAGE_UNSIGNED", message: "no signature" }, { code: "IMAGE_LICENSE", message: "GPL" }] };
    expect(imageVerdict(refused)).toEqual({ decision: "deny", code: "IMAGE_UNSIGNED", reason: "no signature; GPL", definite: true });
    // 429 is not "transient" to the library (cacheable), but a throttled listing is never a verdict
    const throttled: ImageVerdict = { ...base, outcome: "error", verified: false, attachments: [], reasons: [{ code: "REGISTRY_HTTP_STATUS", message: "registry r.io: GET /v2/app/referrers/x: unexpected status 429 TOOMANYREQUESTS" }] };
    const err = thrown(() => imageVerdict(throttled)) as TransientVerificationError;
    expect([err.name, err.code, err.message]).toEqual(["TransientVerificationError", "REGISTRY_ERROR", "registry r.io: GET /v2/app/referrers/x: unexpected status 429 TOOMANYREQUESTS; the image is refused until the registry answers"]);
    const unparsable: ImageVerdict = { ...throttled, reasons: [{ code: "REGISTRY_BAD_RESPONSE", message: "registry r.io: referrers of app: not an index" }] };
    expect((thrown(() => imageVerdict(unparsable)) as TransientVerificationError).code).toBe("LISTING_FAILED");
  });

  it("turns what a model verification throws into a transient throw, a definite deny, or rethrows it", () => {
    const down = thrown(() => verdictOfError(new RegistryError("REGISTRY_HTTP_STATUS", "r.io", "GET manifest m:v1: unexpected status 503 (no body)", { status: 503 }), "model")) as TransientVerificationError;
    expect([down.code, down.message]).toEqual(["REGISTRY_ERROR", "registry r.io: GET manifest m:v1: unexpected status 503 (no body); the model is refused until the registry answers"]);
    expect(verdictOfError(new RegistryError("REGISTRY_NOT_FOUND", "r.io", "GET manifest m:x: 404 MANIFEST_UNKNOWN", { status: 404 }), "model")).toEqual({
      decision: "deny",
      code: "REGISTRY_NOT_FOUND",
      reason: "registry r.io: GET manifest m:x: 404 MANIFEST_UNKNOWN",
      definite: true,
    });
    expect(verdictOfError(new InputError("INPUT_EVIDENCE_INVALID", "r.io/m: artifact type (none) is not a secure-mlops model or dataset"), "model")).toEqual({
      decision: "deny",
      code: "INPUT_EVIDENCE_INVALID",
      reason: "r.io/m: artifact type (none) is not a secure-mlops model or dataset",
      definite: true,
    });
    const bug = new TypeError("x is undefined");
    expect(thrown(() => verdictOfError(bug, "image"))).toBe(bug);
  });
});

describe("createVerifiers against a registry that throttles", () => {
  it("denies with a transient REGISTRY_ERROR (never 'unsigned') and counts each response by status", async () => {
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests++;
      res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS" }] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = tempDir();
      writeKey(dir, generateKey("P-256"), "release");
      const policyFile = path.join(dir, "policy.yaml");
      writeFileSync(policyFile, `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - key: release.pub.pem\nadmission:\n  allowedRegistries: ["${host}"]\n`);
      const policy = await loadActivePolicy(policyFile);
      const metrics = new VerifierMetrics({ defaultMetrics: false });
      const verifiers = createVerifiers({ metrics, logger: pino({ level: "silent" }) }, { registry: { credentials: null } });
      expect(verifiers.ready?.()).toBe(true);
      const reference = parsePinnedReference(`${host}/team/app@${DIGEST}`) as PinnedReference;
      const req = { ref: reference.canonical, reference, policyHash: policy.hash, policy, signal: new AbortController().signal };
      const err = (await verifiers.image.verifyImage(req).then(
        () => undefined,
        (e: unknown) => e,
      )) as TransientVerificationError;
      expect(err).toBeInstanceOf(TransientVerificationError);
      expect(err.code).toBe("REGISTRY_ERROR");
      expect(err.message).toMatch(new RegExp(`^registry ${host.replace(/\./g, "\\.")}: GET /v2/team/app/(referrers/${DIGEST}|manifests/sha256-1{64}\\.sig): unexpected status 429 TOOMANYREQUESTS; the image is refused until the registry answers$`));
      expect(requests).toBeGreaterThan(0);
      const counted = (await metrics.registryRequests.get()).values.map((v) => [v.labels["status"], v.value]);
      expect(counted).toEqual([["429", requests]]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
