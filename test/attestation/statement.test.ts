import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StatementError } from "../../attestation/errors";
import { rootDigestOf, type Manifest } from "../../attestation/manifest";
import { OMS_LEGACY_PREDICATE_TYPE, OMS_PREDICATE_TYPE, buildModelStatement, encodeStatement, parseModelStatement } from "../../attestation/statement";
import { sha256Hex } from "./helpers";

const d1 = sha256Hex("one");
const d2 = sha256Hex("two");

function statement(overrides: { subject?: unknown; predicateType?: unknown; predicate?: unknown; _type?: unknown } = {}): string {
  const resources = [
    { name: "a.bin", algorithm: "sha256", digest: d1 },
    { name: "b.bin", algorithm: "sha256", digest: d2 },
  ];
  return JSON.stringify({
    _type: "_type" in overrides ? overrides._type : "https://in-toto.io/Statement/v1",
    subject: "subject" in overrides ? overrides.subject : [{ name: "model", digest: { sha256: rootDigestOf(resources) } }],
    predicateType: "predicateType" in overrides ? overrides.predicateType : OMS_PREDICATE_TYPE,
    predicate: "predicate" in overrides ? overrides.predicate : { serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: ["model.sig"] }, resources },
  });
}

function errorOf(text: string): string {
  try {
    parseModelStatement(text);
    return "OK";
  } catch (err) {
    if (err instanceof StatementError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

const files = (resources: unknown[]): unknown => ({ serialization: { method: "files", hash_type: "sha256", allow_symlinks: false }, resources });

describe("parseModelStatement", () => {
  it("reads an OMS v1.0 statement", () => {
    const s = parseModelStatement(statement());
    expect(s).toEqual({
      subjectName: "model",
      rootDigest: rootDigestOf([{ digest: d1 }, { digest: d2 }]),
      serialization: { method: "files", hashType: "sha256", allowSymlinks: false, ignorePaths: ["model.sig"] },
      resources: [
        { name: "a.bin", algorithm: "sha256", digest: d1 },
        { name: "b.bin", algorithm: "sha256", digest: d2 },
      ],
      legacy: false,
    });
  });

  it("reads the model_signing v0.2 layout (one subject per file)", () => {
    const s = parseModelStatement(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name: "a.bin", digest: { sha256: d1 } }, { name: "b.bin", digest: { sha256: d2 } }], predicateType: OMS_LEGACY_PREDICATE_TYPE, predicate: {} }));
    expect(s.legacy).toBe(true);
    expect(s.resources.map((r) => r.name)).toEqual(["a.bin", "b.bin"]);
  });

  it("accepts the reference tool's shard algorithm name and a float shard size", () => {
    const resources = [{ name: "a.bin:0:10", algorithm: "sha256-sharded-1000000000", digest: d1 }];
    const text = statement({ subject: [{ name: "m", digest: { sha256: rootDigestOf(resources) } }], predicate: { serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 1e9 }, resources } }).replace('"shard_size":1000000000', '"shard_size":1000000000.0');
    expect(text).toContain("1000000000.0");
    expect(parseModelStatement(text).serialization.shardSize).toBe(1_000_000_000);
  });

  const rootOf = (resources: { digest: string }[]): unknown => [{ name: "m", digest: { sha256: rootDigestOf(resources) } }];
  const cases: [string, string, string][] = [
    ["not JSON", "{", "STATEMENT_NOT_JSON: signed payload is not JSON"],
    ["not an object", "[1]", "STATEMENT_NOT_JSON: signed payload is not a JSON object"],
    ["in-toto v0.1", statement({ _type: "https://in-toto.io/Statement/v0.1" }), 'STATEMENT_TYPE: statement _type must be https://in-toto.io/Statement/v1, got "https://in-toto.io/Statement/v0.1"'],
    ["another predicate", statement({ predicateType: "https://slsa.dev/provenance/v1" }), 'STATEMENT_PREDICATE_TYPE: predicate type must be https://model_signing/signature/v1.0, got "https://slsa.dev/provenance/v1"'],
    ["two subjects", statement({ subject: [{ name: "a", digest: { sha256: d1 } }, { name: "b", digest: { sha256: d2 } }] }), "STATEMENT_SUBJECT: an OMS statement has exactly one subject, got 2"],
    ["no sha256 subject digest", statement({ subject: [{ name: "a", digest: { sha512: "ab" } }] }), "STATEMENT_SUBJECT: subject digest has no sha256"],
    ["uppercase digest", statement({ subject: [{ name: "a", digest: { sha256: d1.toUpperCase() } }] }), "STATEMENT_SUBJECT: subject[0].digest.sha256 is not lowercase hex"],
    ["no serialization", statement({ predicate: { resources: [] } }), "STATEMENT_SERIALIZATION: predicate.serialization is missing or not an object"],
    ["an unknown method", statement({ predicate: { serialization: { method: "tensors", hash_type: "sha256", allow_symlinks: false }, resources: [] } }), 'STATEMENT_SERIALIZATION: serialization.method must be "files" or "shards", got "tensors"'],
    ["shards without size", statement({ predicate: { serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false }, resources: [] } }), "STATEMENT_SERIALIZATION: serialization.shard_size must be a positive integer for the shards method"],
    ["no resources", statement({ predicate: files([]) }), "STATEMENT_RESOURCE: predicate.resources is empty; an empty model cannot be verified"],
    ["an escaping name", statement({ predicate: files([{ name: "../etc/passwd", algorithm: "sha256", digest: d1 }]) }), 'STATEMENT_RESOURCE: resources[0]: resource name "../etc/passwd" is not a safe relative path'],
    ["an absolute name", statement({ predicate: files([{ name: "/etc/passwd", algorithm: "sha256", digest: d1 }]) }), 'STATEMENT_RESOURCE: resources[0]: resource name "/etc/passwd" is not a safe relative path'],
    ["a duplicate name", statement({ subject: rootOf([{ digest: d1 }, { digest: d2 }]), predicate: files([{ name: "a", algorithm: "sha256", digest: d1 }, { name: "a", algorithm: "sha256", digest: d2 }]) }), 'STATEMENT_RESOURCE: resources list "a" twice'],
    ["a wrong algorithm", statement({ predicate: files([{ name: "a", algorithm: "md5", digest: d1 }]) }), 'STATEMENT_RESOURCE: resources[0] ("a") has algorithm "md5", not sha256'],
    ["a short digest", statement({ predicate: files([{ name: "a", algorithm: "sha256", digest: "abcd" }]) }), 'STATEMENT_RESOURCE: resources[0] ("a") digest is not 64 lowercase hex digits'],
    ["a shard off the grid", statement({ predicate: { serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 4 }, resources: [{ name: "a:2:6", algorithm: "sha256", digest: d1 }] } }), 'STATEMENT_RESOURCE: resources[0] ("a:2:6") does not fit shard size 4'],
    ["a root digest that is not over the resources", statement({ subject: [{ name: "m", digest: { sha256: d1 } }] }), `STATEMENT_ROOT_DIGEST_MISMATCH: subject digest ${d1} is not the SHA-256 of the listed resource digests (${rootDigestOf([{ digest: d1 }, { digest: d2 }])})`],
  ];

  it.each(cases)("refuses %s", (_what, text, expected) => {
    expect(errorOf(text)).toBe(expected);
  });
});

const safeName = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_\u00e9\u4e2d][A-Za-z0-9._\u00e9\u4e2d -]{0,8}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join("/"))
  .filter((p) => p.split("/").every((s) => s !== "." && s !== ".."));
const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex"));

describe("statement properties", () => {
  it("round-trips any manifest through build, encode and parse", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(safeName, hex64), { minLength: 1, maxLength: 20, selector: ([n]) => n }), fc.array(safeName, { maxLength: 4 }), (entries, ignore) => {
        const resources = entries.map(([name, digest]) => ({ name, algorithm: "sha256", digest }));
        const manifest: Manifest = {
          modelName: "m",
          serialization: { method: "files", hashType: "sha256", allowSymlinks: false, ignorePaths: ignore },
          resources,
          rootDigest: rootDigestOf(resources),
          fileCount: resources.length,
          totalBytes: 0,
        };
        const parsed = parseModelStatement(encodeStatement(buildModelStatement(manifest, { kind: "dataset", source: { commit: "a".repeat(40), remote: "https://h/x" } })));
        expect(parsed.resources).toEqual(resources);
        expect(parsed.rootDigest).toBe(manifest.rootDigest);
        expect(parsed.serialization).toEqual(manifest.serialization);
        expect(parsed.kind).toBe("dataset");
        expect(parsed.source).toEqual({ commit: "a".repeat(40), remote: "https://h/x" });
      }),
      { numRuns: 300 },
    );
  });

  it("any JSON: a StatementError or a statement whose root digest is over its resources", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ _type: fc.constant("https://in-toto.io/Statement/v1"), subject: fc.jsonValue(), predicateType: fc.constant(OMS_PREDICATE_TYPE), predicate: fc.jsonValue() })), (value) => {
        try {
          const s = parseModelStatement(JSON.stringify(value) ?? "");
          expect(rootDigestOf(s.resources)).toBe(s.rootDigest);
        } catch (err) {
          expect(err).toBeInstanceOf(StatementError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
