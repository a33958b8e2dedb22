import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPinned, parsePinnedReference, registryAllowed, type PinnedReference } from "../../verifier/reference";

const HEX = "a".repeat(64);

describe("parsePinnedReference", () => {
  it("reads registry, repository and digest of a pinned reference", () => {
    expect(parsePinnedReference(`myacr.azurecr.io/ml/serving@sha256:${HEX}`)).toEqual({
      canonical: `myacr.azurecr.io/ml/serving@sha256:${HEX}`,
      registry: "myacr.azurecr.io",
      repository: "ml/serving",
      digest: `sha256:${HEX}`,
      tag: undefined,
    });
  });

  it("drops a tag written beside the digest from the canonical form, as the runtime does", () => {
    const r = parsePinnedReference(`127.0.0.1:5000/ml/serving:1.2@sha256:${HEX}`) as PinnedReference;
    expect([r.canonical, r.tag]).toEqual([`127.0.0.1:5000/ml/serving@sha256:${HEX}`, "1.2"]);
  });

  it("normalises Docker Hub short names to the registry the kubelet pulls from", () => {
    expect((parsePinnedReference(`nginx@sha256:${HEX}`) as PinnedReference).canonical).toBe(`docker.io/library/nginx@sha256:${HEX}`);
    expect((parsePinnedReference(`index.docker.io/bitnami/redis@sha256:${HEX}`) as PinnedReference).canonical).toBe(`docker.io/bitnami/redis@sha256:${HEX}`);
  });

  it("refuses a tag-only reference and says how to pin it", () => {
    expect(parsePinnedReference("nginx:1.27")).toEqual({
      code: "REFERENCE_NOT_PINNED",
      message: "is not pinned by digest; pin it as docker.io/library/nginx@sha256:<digest> (the digest of the tag you tested: skopeo inspect --format '{{.Digest}}' docker://docker.io/library/nginx:1.27)",
      suggestion: "docker.io/library/nginx@sha256:<digest>",
    });
  });

  it("refuses digests other than sha256", () => {
    expect(parsePinnedReference(`r.io/x@sha512:${"b".repeat(128)}`)).toEqual({ code: "DIGEST_UNSUPPORTED", message: "uses digest algorithm sha512; only sha256 digests (64 lowercase hex) are accepted" });
    expect(parsePinnedReference(`r.io/x@sha256:${"A".repeat(64)}`)).toEqual({ code: "DIGEST_UNSUPPORTED", message: "uses digest algorithm sha256; only sha256 digests (64 lowercase hex) are accepted" });
  });

  it("refuses what is not a reference", () => {
    const bad = ["", "UPPER/case@sha256:" + HEX, "r.io/x@", "r.io//x", "r.io/x:bad tag", `r.io/x@sha256:${HEX}@sha256:${HEX}`, "a".repeat(5000)];
    expect(bad.length).toBeGreaterThan(0);
    for (const ref of bad) expect(parsePinnedReference(ref)).toEqual({ code: "REFERENCE_INVALID", message: "is not a valid image reference" });
  });

  it("never returns a pinned reference without a 64-hex sha256 digest (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parsePinnedReference(s);
        if (isPinned(r)) expect(r.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("registryAllowed", () => {
  const ref = (s: string): PinnedReference => parsePinnedReference(s) as PinnedReference;
  it("matches a host, case-insensitively", () => {
    expect(registryAllowed(ref(`myacr.azurecr.io/ml/x@sha256:${HEX}`), ["MyAcr.azurecr.io"])).toBe(true);
  });
  it("matches a repository prefix at a component boundary only", () => {
    expect(registryAllowed(ref(`myacr.azurecr.io/ml/x@sha256:${HEX}`), ["myacr.azurecr.io/ml"])).toBe(true);
    expect(registryAllowed(ref(`myacr.azurecr.io/mlevil/x@sha256:${HEX}`), ["myacr.azurecr.io/ml"])).toBe(false);
  });
  it("does not take a host for its suffix or a port for another", () => {
    expect(registryAllowed(ref(`evilmyacr.azurecr.io/x@sha256:${HEX}`), ["myacr.azurecr.io"])).toBe(false);
    expect(registryAllowed(ref(`127.0.0.1:5001/x@sha256:${HEX}`), ["127.0.0.1:5000"])).toBe(false);
  });
});
