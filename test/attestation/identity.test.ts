import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SignatureError, SigningError } from "../../attestation/errors";
import {
  CONDITION_NAMES,
  FULCIO_EXTENSIONS,
  checkCertificateConditions,
  decodeFulcioExtension,
  encodeFulcioExtension,
  unmetConditions,
  type CertificateIdentity,
  type FulcioExtensionName,
} from "../../attestation/identity";
import { GITHUB_ACTIONS_ISSUER, assertTokenUsable, parseIdentityToken } from "../../attestation/oidc";
import { parsePolicy } from "../../attestation/policy";
import { conditionsFrom } from "../../cli/certificate-flags";
import { UsageError } from "../../cli/command";

const NAMES = Object.keys(FULCIO_EXTENSIONS) as FulcioExtensionName[];
const V2_NAMES = NAMES.filter((n) => !FULCIO_EXTENSIONS[n].legacy);
const LEGACY_NAMES = NAMES.filter((n) => FULCIO_EXTENSIONS[n].legacy);
// every code point but lone surrogates, which have no UTF-8 form
const text = fc.string({ unit: "binary", maxLength: 400 });

describe("Fulcio extension values", () => {
  it("cover Fulcio's OIDs 1.1 to 1.22 but 1.7, legacy up to 1.6", () => {
    expect(NAMES.map((n) => FULCIO_EXTENSIONS[n].oid.split(".").pop())).toEqual(["1", "2", "3", "4", "5", "6", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22"]);
    expect(LEGACY_NAMES).toEqual(["issuerV1", "githubWorkflowTrigger", "githubWorkflowSha", "githubWorkflowName", "githubWorkflowRepository", "githubWorkflowRef"]);
  });

  it("decode a DER UTF8String and a raw legacy string", () => {
    expect(decodeFulcioExtension("sourceRepositoryRef", Buffer.from([0x0c, 0x04, ...Buffer.from("refs")]))).toBe("refs");
    expect(decodeFulcioExtension("githubWorkflowRef", Buffer.from("refs/tags/v1"))).toBe("refs/tags/v1");
    const long = "x".repeat(200);
    expect(decodeFulcioExtension("buildSignerUri", Buffer.concat([Buffer.from([0x0c, 0x81, 200]), Buffer.from(long)]))).toBe(long);
  });

  it.each([
    ["an empty value", []],
    ["another tag (PrintableString)", [0x13, 0x01, 0x61]],
    ["an indefinite length", [0x0c, 0x80, 0x61, 0x00, 0x00]],
    ["a non-minimal length", [0x0c, 0x81, 0x01, 0x61]],
    ["a length longer than the value", [0x0c, 0x05, 0x61]],
    ["bytes after the string", [0x0c, 0x01, 0x61, 0x62]],
    ["invalid UTF-8", [0x0c, 0x01, 0xff]],
  ])("refuse %s", (_what, bytes) => {
    expect(() => decodeFulcioExtension("runnerEnvironment", Uint8Array.from(bytes))).toThrow(expect.objectContaining({ name: "SignatureError", code: "SIGNATURE_EXTENSION_INVALID" }));
  });

  it("round-trip any text through the encoding Fulcio uses (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), text, (name, value) => {
        expect(decodeFulcioExtension(name, encodeFulcioExtension(name, value))).toBe(value);
      }),
    );
  });

  it("any bytes: a string whose DER encoding is those very bytes, or SIGNATURE_EXTENSION_INVALID (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...V2_NAMES), fc.oneof(fc.uint8Array({ maxLength: 300 }), text.map((t) => Uint8Array.from(encodeFulcioExtension("issuer", t)))), (name, bytes) => {
        let decoded: string;
        try {
          decoded = decodeFulcioExtension(name, bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(SignatureError);
          expect((err as SignatureError).code).toBe("SIGNATURE_EXTENSION_INVALID");
          return;
        }
        // DER has one encoding per value, so accepting anything else would let two byte strings mean one value
        expect(encodeFulcioExtension(name, decoded).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe("certificate conditions", () => {
  const identity = (extensions: CertificateIdentity["extensions"]): CertificateIdentity => ({ subjectAlternativeName: "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1", issuer: GITHUB_ACTIONS_ISSUER, extensions });

  it("name every extension but the issuer", () => {
    expect(CONDITION_NAMES).toHaveLength(19);
    expect(CONDITION_NAMES).not.toContain("issuer");
  });

  it("report each unmet or absent extension", () => {
    expect(unmetConditions({ githubWorkflowRef: "refs/tags/v1", runnerEnvironment: "github-hosted" }, identity({ githubWorkflowRef: "refs/heads/main" }))).toEqual([
      'certificate githubWorkflowRef (1.3.6.1.4.1.57264.1.6) is "refs/heads/main", expected "refs/tags/v1"',
      'certificate has no runnerEnvironment (1.3.6.1.4.1.57264.1.11), expected "github-hosted"',
    ]);
    expect(() => checkCertificateConditions({ githubWorkflowRef: "refs/tags/v1" }, identity({}))).toThrow(
      expect.objectContaining({ code: "SIGNATURE_EXTENSION_MISMATCH", message: 'certificate has no githubWorkflowRef (1.3.6.1.4.1.57264.1.6), expected "refs/tags/v1"' }),
    );
  });

  it("hold for the certificate's own values and fail for exactly each changed one (property)", () => {
    const values = fc.dictionary(fc.constantFrom(...CONDITION_NAMES), fc.string({ minLength: 1, maxLength: 20 }), { minKeys: 1 });
    fc.assert(
      fc.property(values, fc.string({ minLength: 1, maxLength: 20 }), (own, other) => {
        const id = identity(own);
        expect(unmetConditions(own, id)).toEqual([]);
        const names = Object.keys(own) as (keyof typeof own)[];
        expect(names.length).toBeGreaterThan(0);
        const changed = names[0]!;
        if (own[changed] === other) return;
        expect(unmetConditions({ ...own, [changed]: other }, id)).toHaveLength(1);
      }),
    );
  });

  it("from the command line: conditions, or a UsageError, for any flag values (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), (pairs, ref) => {
        try {
          const conditions = conditionsFrom({ certificateExtension: pairs, ...(ref !== undefined ? { certificateGithubWorkflowRef: ref } : {}) });
          for (const pair of pairs) expect(conditions?.[pair.slice(0, pair.indexOf("=")) as keyof typeof conditions]).toBeDefined();
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});

function jwt(header: unknown, payload: unknown, signature = "c2ln"): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

describe("OIDC identity tokens", () => {
  const claims = { iss: GITHUB_ACTIONS_ISSUER, sub: "repo:o/r:ref:refs/tags/v1", aud: "sigstore", exp: 4102444800, job_workflow_ref: "o/r/.github/workflows/w.yml@refs/tags/v1" };

  it("give issuer, subject, audience, expiry and every claim", () => {
    const token = parseIdentityToken(jwt({ alg: "RS256" }, claims));
    expect(token).toEqual({ issuer: GITHUB_ACTIONS_ISSUER, subject: "repo:o/r:ref:refs/tags/v1", audience: ["sigstore"], expiresAt: new Date("2100-01-01T00:00:00.000Z"), claims });
  });

  it.each([
    ["a.b", "identity token: a JWT has 3 dot-separated parts, this has 2"],
    [jwt({ alg: "none" }, claims), "identity token: the header names no signature algorithm"],
    [jwt({ alg: "ES256" }, claims, ""), "identity token: the signature is missing or not base64url"],
    [jwt({ alg: "ES256" }, [1]), "identity token: the payload is not a JSON object"],
    [jwt({ alg: "ES256" }, { ...claims, iss: "http://token.actions.githubusercontent.com" }), "identity token: claim iss is not an https URL"],
    [jwt({ alg: "ES256" }, { ...claims, sub: "" }), "identity token: claim sub is missing"],
    [jwt({ alg: "ES256" }, { ...claims, aud: [1] }), "identity token: claim aud is neither a string nor a list of strings"],
    [jwt({ alg: "ES256" }, { ...claims, exp: "soon" }), "identity token: claim exp is not a number of seconds"],
    [`e30.${"A".repeat(70000)}.c2ln`, "identity token: longer than 65536 bytes"],
  ])("refuse %j", (token, message) => {
    expect(() => parseIdentityToken(token)).toThrow(expect.objectContaining({ name: "SigningError", code: "SIGNING_IDENTITY_TOKEN_INVALID", message }));
  });

  it("refuse an expired token", () => {
    const token = parseIdentityToken(jwt({ alg: "ES256" }, { ...claims, exp: 1_600_000_000 }));
    expect(() => assertTokenUsable(token, new Date("2026-01-01T00:00:00Z"))).toThrow("identity token: expired at 2020-09-13T12:26:40.000Z");
    expect(() => assertTokenUsable(token, new Date("2020-01-01T00:00:00Z"))).not.toThrow();
  });

  it("any claims object with an https issuer and a subject reads back as sent (property)", () => {
    const extra = fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !["iss", "sub", "aud", "exp", "iat", "nbf"].includes(k)), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ["https"] }), fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), extra, (iss, sub, rest) => {
        const payload = { ...rest, iss, sub };
        const token = parseIdentityToken(jwt({ alg: "ES256" }, payload));
        expect([token.issuer, token.subject]).toEqual([iss, sub]);
        expect(token.claims).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
    );
  });

  it("any text: claims or SIGNING_IDENTITY_TOKEN_INVALID, never another exception (property)", () => {
    const segment = fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? "").toString("base64url")));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.tuple(segment, segment, segment).map((p) => p.join("."))), (token) => {
        try {
          parseIdentityToken(token);
        } catch (err) {
          expect(err).toBeInstanceOf(SigningError);
          expect((err as SigningError).code).toBe("SIGNING_IDENTITY_TOKEN_INVALID");
        }
      }),
    );
  });
});

describe("a policy signer's certificate conditions", () => {
  const policyText = (certificate: string): string =>
    `apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nsigners:\n  - identityRegexp: ^https://github\\.com/o/r/.*$\n    issuer: ${GITHUB_ACTIONS_ISSUER}\n    certificate: ${certificate}\n`;

  it("are read as written", () => {
    expect(parsePolicy(policyText("{ githubWorkflowRef: refs/tags/v1, runnerEnvironment: github-hosted }")).signers).toEqual([
      { identityRegexp: "^https://github\\.com/o/r/.*$", issuer: GITHUB_ACTIONS_ISSUER, certificate: { githubWorkflowRef: "refs/tags/v1", runnerEnvironment: "github-hosted" } },
    ]);
  });

  it.each([
    ["{ workflowRef: refs/tags/v1 }", 'p.yaml:6:33: /signers/0/certificate: unknown field "workflowRef"'],
    ["{ githubWorkflowRef: '' }", "p.yaml:6:39: /signers/0/certificate/githubWorkflowRef: must NOT have fewer than 1 characters"],
    ["{}", "p.yaml:6:18: /signers/0/certificate: must NOT have fewer than 1 properties"],
  ])("refuse %s", (certificate, problem) => {
    expect(() => parsePolicy(policyText(certificate), "p.yaml")).toThrow(expect.objectContaining({ code: "POLICY_SCHEMA", problems: [problem] }));
  });
});
