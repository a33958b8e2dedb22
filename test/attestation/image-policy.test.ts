import { describe, expect, it } from "vitest";
import { CYCLONEDX_BOM_PREDICATE_TYPE, SLSA_PROVENANCE_V1, githubActionsProvenance } from "../../attestation/image";
import { evaluateImagePolicy, sbomLicenses, type AttachmentReport } from "../../attestation/image-verify";
import { parsePolicy } from "../../attestation/policy";
import { VULNS_PREDICATE_TYPE } from "../../attestation/evidence";

function verified(kind: AttachmentReport["kind"], predicateType: string, predicate: Record<string, unknown> = {}): AttachmentReport {
  return { layout: "referrers-tag", manifest: `sha256:${"1".repeat(64)}`, kind, predicateType, status: "verified", ...({ statement: { _type: "x", subject: [], predicateType, predicate } } as object) } as AttachmentReport;
}

describe("the images: section of the policy", () => {
  it("parses, and refuses unknown fields with their place", () => {
    const p = parsePolicy("apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nimages:\n  allowedRegistries: [myacr.azurecr.io]\n  requirePredicates: [signature, https://slsa.dev/provenance/v1]\n  vulnerabilities: { maxSeverity: medium }\n  licenses: { denied: [GPL-3.0-only] }\n");
    expect(p.images).toEqual({ allowedRegistries: ["myacr.azurecr.io"], requirePredicates: ["signature", SLSA_PROVENANCE_V1], vulnerabilities: { maxSeverity: "medium" }, licenses: { denied: ["GPL-3.0-only"] } });
    expect(() => parsePolicy("apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\nimages:\n  allowedRegistry: [x]\n", "p.yaml")).toThrow(expect.objectContaining({ code: "POLICY_SCHEMA", problems: ['p.yaml:4:20: /images: unknown field "allowedRegistry"'] }));
  });

  it("requirePredicates by kind or exact URI; the message lists what was verified", () => {
    const found = [verified("signature", "https://sigstore.dev/cosign/sign/v1")];
    expect(evaluateImagePolicy({ requirePredicates: ["signature"] }, found)).toEqual([]);
    expect(evaluateImagePolicy({ requirePredicates: ["https://example.com/custom/v1"] }, found)).toEqual([
      { code: "IMAGE_PREDICATE_MISSING", rule: "images.requirePredicates", message: "required predicate https://example.com/custom/v1 has no verified attestation; verified: https://sigstore.dev/cosign/sign/v1" },
    ]);
  });

  it("vulnerabilities: unknown severities count as critical unless said otherwise; no scan is a failure", () => {
    const scan = verified("vulnerability-scan", VULNS_PREDICATE_TYPE, { scanner: { result: [{ id: "CVE-1", severity: [{ method: "secure-mlops/normalised", score: "unknown" }] }] } });
    expect(evaluateImagePolicy({ vulnerabilities: { maxSeverity: "high" } }, [scan]).map((r) => r.message)).toEqual(["1 finding above high: CVE-1 (unknown)"]);
    expect(evaluateImagePolicy({ vulnerabilities: { maxSeverity: "high", unknownSeverityAs: "medium" } }, [scan])).toEqual([]);
    expect(evaluateImagePolicy({ vulnerabilities: { maxSeverity: "high" } }, []).map((r) => r.code)).toEqual(["IMAGE_PREDICATE_MISSING"]);
  });

  it("licences of the SBOM's components: ids, names and expressions; a component without a licence is not allowed", () => {
    const bom = { bomFormat: "CycloneDX", components: [{ name: "a", version: "1", licenses: [{ license: { id: "MIT" } }] }, { name: "b", licenses: [{ expression: "Apache-2.0 OR MIT" }] }, { name: "c" }] };
    expect(sbomLicenses(bom)).toEqual([
      { component: "a@1", licenses: ["MIT"] },
      { component: "b", licenses: ["Apache-2.0 OR MIT"] },
      { component: "c", licenses: [] },
    ]);
    expect(evaluateImagePolicy({ licenses: { allowed: ["MIT"] } }, [verified("sbom", CYCLONEDX_BOM_PREDICATE_TYPE, bom)]).map((r) => r.message)).toEqual([
      "2 components break the licence rule: b (Apache-2.0 OR MIT: not allowed), c (no licence: not allowed)",
    ]);
  });
});

describe("SLSA v1 provenance from the GitHub Actions environment", () => {
  const env = {
    GITHUB_ACTIONS: "true",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "org/ml-service",
    GITHUB_REF: "refs/heads/main",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_WORKFLOW_REF: "org/ml-service/.github/workflows/release.yml@refs/heads/main",
    GITHUB_RUN_ID: "42",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_EVENT_NAME: "push",
  };
  it("builds the workflow buildType with the commit as resolved dependency", () => {
    const p = githubActionsProvenance(env) as { buildDefinition: Record<string, unknown>; runDetails: Record<string, unknown> };
    expect(p.buildDefinition["externalParameters"]).toEqual({ workflow: { ref: "refs/heads/main", repository: "https://github.com/org/ml-service", path: ".github/workflows/release.yml" } });
    expect(p.buildDefinition["resolvedDependencies"]).toEqual([{ uri: "git+https://github.com/org/ml-service@refs/heads/main", digest: { gitCommit: env.GITHUB_SHA } }]);
    expect(p.runDetails).toEqual({ builder: { id: "https://github.com/org/ml-service/.github/workflows/release.yml@refs/heads/main" }, metadata: { invocationId: "https://github.com/org/ml-service/actions/runs/42/attempts/1" } });
  });
  it("outside GitHub Actions, or with a variable missing, is an input error naming it", () => {
    expect(() => githubActionsProvenance({})).toThrow(expect.objectContaining({ code: "INPUT_OPTIONS_INVALID" }));
    expect(() => githubActionsProvenance({ ...env, GITHUB_SHA: "" })).toThrow("provenance from GitHub Actions: GITHUB_SHA unset");
  });
});
