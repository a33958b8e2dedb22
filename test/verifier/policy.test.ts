import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AdmissionPolicyError } from "../../verifier/errors";
import { admissionDefaults, loadActivePolicy, modeFor } from "../../verifier/policy";
import { POLICY, cleanupTemp, tempDir } from "./helpers";

afterAll(cleanupTemp);

async function failure(text: string): Promise<{ code: string; problems: readonly string[] }> {
  const file = path.join(tempDir(), "policy.yaml");
  writeFileSync(file, text);
  try {
    await loadActivePolicy(file);
  } catch (err) {
    if (err instanceof AdmissionPolicyError) return { code: err.code, problems: err.problems.map((p) => p.replace(`${file}:`, "")) };
    throw err;
  }
  throw new Error("loaded");
}

const HEAD = "apiVersion: secure-mlops.dev/v1\nkind: AttestationPolicy\n";

describe("the admission section of the policy", () => {
  it("loads the fixture with its settings and the attestation rules beside them", async () => {
    const p = await loadActivePolicy(POLICY);
    expect(p.admission).toEqual({
      allowedRegistries: ["myacr.azurecr.io"],
      mode: "enforce",
      namespaces: { "ml-sandbox": "warn" },
      exemptNamespaces: ["kube-system", "secure-mlops-verifier"],
      deadline: { maxMs: 10000, marginMs: 250 },
      cache: { maxEntries: 1000, ttlSeconds: 300, failureTtlSeconds: 30 },
    });
    expect(p.attestation.policy.requireEvidence).toEqual(["vulnerability-scan"]);
    expect([modeFor(p.admission, "ml-sandbox"), modeFor(p.admission, "ml-serving")]).toEqual(["warn", "enforce"]);
  });

  it("fills every default", async () => {
    const file = path.join(tempDir(), "policy.yaml");
    writeFileSync(file, `${HEAD}admission:\n  allowedRegistries: [r.example.com]\n`);
    const p = await loadActivePolicy(file);
    expect(p.admission).toEqual({ allowedRegistries: ["r.example.com"], ...admissionDefaults });
  });

  it("is required: the verifier has no registry to allow without it", async () => {
    expect(await failure(HEAD)).toEqual({ code: "ADMISSION_POLICY_SCHEMA", problems: ['1:1: (top level): missing field "admission" (the verifier needs at least admission.allowedRegistries)'] });
  });

  it("names the line and field of each mistake", async () => {
    const text = `${HEAD}admission:\n  allowedRegistries: [r.example.com]\n  mode: audit\n  namespaces: { Bad_NS: warn }\n  cache: { failureTtlSeconds: 300 }\n  exemptByLabel: true\n`;
    expect(await failure(text)).toEqual({
      code: "ADMISSION_POLICY_SCHEMA",
      problems: [
        '5:9: /admission/mode: must be one of "enforce", "warn"',
        '6:15: /admission/namespaces: "Bad_NS" is not a namespace name',
        "7:31: /admission/cache/failureTtlSeconds: must be <= 30",
        '8:18: /admission: unknown field "exemptByLabel"',
      ],
    });
  });

  it("reports attestation mistakes at their own line, the admission section blanked out", async () => {
    const text = `${HEAD}admission:\n  allowedRegistries: [r.example.com]\nrequireEvidence: [vibes]\n`;
    const f = await failure(text);
    expect(f.code).toBe("ADMISSION_POLICY_ATTESTATION");
    expect(f.problems.map((p) => p.split(": ")[0])).toEqual(["5:19"]);
  });

  it("changes its hash when a key file it names changes", async () => {
    const dir = tempDir();
    const { generateKeyPairSync } = await import("node:crypto");
    const pem = (): string => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }) as string;
    writeFileSync(path.join(dir, "k.pem"), pem());
    writeFileSync(path.join(dir, "policy.yaml"), `${HEAD}signers: [{ key: k.pem }]\nadmission:\n  allowedRegistries: [r.example.com]\n`);
    const a = await loadActivePolicy(path.join(dir, "policy.yaml"));
    writeFileSync(path.join(dir, "k.pem"), pem());
    const b = await loadActivePolicy(path.join(dir, "policy.yaml"));
    expect([a.files.length, a.hash === b.hash]).toEqual([2, false]);
  });
});
