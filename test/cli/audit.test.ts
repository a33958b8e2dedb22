import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import type { RecordedResource } from "../../preview/recorder";
import { repoRoot } from "../support/harness";
import { cliWithin } from "../support/cli";
import { stackExportOf } from "../support/stack-export";

const cli = cliWithin(120_000);

const registryUrn =
  "urn:pulumi:prod::secure-mlops::secure-mlops:platform:SecureMlopsPlatform$secure-mlops:azure:SecureRegistry$azure-native:containerregistry:Registry::platform-acr-registry";
const workspaceUrn =
  "urn:pulumi:prod::secure-mlops::secure-mlops:platform:SecureMlopsPlatform$secure-mlops:azure:MlWorkspace$azure-native:machinelearningservices:Workspace::platform-mlw-workspace";

type StateResource = { urn: string; type: string; inputs?: Record<string, unknown>; outputs: Record<string, unknown> };
type State = { version: 3; deployment: { resources: StateResource[] } };

let dir: string;
let records: RecordedResource[];
const write = (name: string, doc: unknown): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
  return file;
};
const prodConfig = path.join("policies", "config", "prod.json");

/** Every plaintext secret of an export made with `showSecrets`. */
function plaintexts(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o["plaintext"] === "string") {
        const inner = JSON.parse(o["plaintext"]) as unknown;
        if (typeof inner === "string") out.push(inner);
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(doc);
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
  // The prod stack's program on the offline mocks, once: its resources become a deployed state.
  records = await runProgram(loadProgramSource(repoRoot, "prod"));
}, 120_000);

describe("secure-mlops audit --state of the prod stack as deployed", () => {
  it("passes the export of what the prod preview would deploy", () => {
    const state = write("prod.json", stackExportOf(records));
    const r = cli("audit", "--state", state, "--policy-config", prodConfig);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^Auditing secure-mlops\/prod as deployed \(.*prod\.json\) with policy pack secure-mlops@/);
    expect(r.stdout).toContain("+ azure-native:containerregistry:Registry  platform-acr-registry");
    expect(records.length).toBeGreaterThan(100);
    expect(r.stdout).toMatch(new RegExp(`^${records.length} resources; 0 mandatory and 0 advisory violations\\.$`, "m"));
  });

  it("refuses the registry and the workspace whose settings were changed in the portal", () => {
    const doc = stackExportOf(records) as unknown as State;
    const registry = doc.deployment.resources.find((x) => x.urn === registryUrn);
    const workspace = doc.deployment.resources.find((x) => x.urn === workspaceUrn);
    // The program still declares them closed: only what the cloud returned changed.
    expect(registry?.inputs?.["adminUserEnabled"]).toBe(false);
    expect(workspace?.inputs?.["publicNetworkAccess"]).toBe("Disabled");
    (registry as StateResource).outputs["adminUserEnabled"] = true;
    (workspace as StateResource).outputs["publicNetworkAccess"] = "Enabled";
    const state = write("drifted.json", doc);
    const sarif = path.join(dir, "drifted.sarif");

    const r = cli("audit", "--state", state, "--policy-config", prodConfig, "--json", "--sarif", sarif);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout) as { resources: unknown[]; violations: { policyName: string; urn: string; message: string; enforcementLevel: string }[] };
    expect(json.resources).toHaveLength(records.length);
    expect(json.violations.map((v) => [v.policyName, v.urn, v.enforcementLevel, v.message])).toEqual([
      ["azure-containerregistry-registry-admin-user-disabled", registryUrn, "mandatory", "The container registry must have the admin user disabled."],
      ["azure-machinelearningservices-workspace-public-network-disabled", workspaceUrn, "mandatory", "The machine learning workspace must have public network access disabled."],
    ]);
    const report = JSON.parse(fs.readFileSync(sarif, "utf8")) as { runs: { results: { ruleId: string; level: string; locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }[] }[] };
    expect(report.runs[0]?.results.map((x) => [x.ruleId, x.level, x.locations[0]?.logicalLocations[0]?.fullyQualifiedName])).toEqual([
      ["azure-containerregistry-registry-admin-user-disabled", "error", registryUrn],
      ["azure-machinelearningservices-workspace-public-network-disabled", "error", workspaceUrn],
    ]);

    const text = cli("audit", "--state", state, "--policy-config", prodConfig);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain("+ azure-native:containerregistry:Registry  platform-acr-registry  [mandatory violation]");
    expect(text.stdout).toMatch(/^mandatory +high +azure-containerregistry-registry-admin-user-disabled +platform-acr-registry \(azure-native:containerregistry:Registry\) /m);
  });

  it("keeps plaintext secrets out of the text, the JSON and the SARIF", () => {
    const doc = stackExportOf(records, { showSecrets: true }) as unknown as State;
    const secrets = plaintexts(doc);
    expect(secrets.length).toBeGreaterThan(0);
    // A private key the tls provider generated: the kind of value that must never reach a log.
    expect(secrets.some((s) => s.includes("PRIVATE KEY"))).toBe(true);
    (doc.deployment.resources.find((x) => x.urn === registryUrn) as StateResource).outputs["adminUserEnabled"] = true;
    const state = write("plain.json", doc);
    const sarif = path.join(dir, "plain.sarif");
    const json = cli("audit", "--state", state, "--json", "--sarif", sarif);
    const text = cli("audit", "--state", state);
    expect([json.status, text.status]).toEqual([1, 1]);
    // The same verdict as with the secrets sealed: only the registry changed.
    expect((JSON.parse(json.stdout) as { violations: { policyName: string; urn: string }[] }).violations.map((v) => [v.policyName, v.urn])).toEqual([
      ["azure-containerregistry-registry-admin-user-disabled", registryUrn],
    ]);
    const everything = [json.stdout, json.stderr, text.stdout, text.stderr, fs.readFileSync(sarif, "utf8")].join("\n");
    for (const s of secrets) expect(everything.includes(s), `a secret of ${s.length} characters appears in the output`).toBe(false);
  });
});

describe("secure-mlops audit --state of a bad file", () => {
  it("exits 2 naming the JSON path where a truncated export stops", () => {
    const text = JSON.stringify(stackExportOf(records), null, 2);
    const at = text.indexOf('"adminUserEnabled"');
    expect(at).toBeGreaterThan(0);
    const state = write("cut.json", text.slice(0, at + '"adminUserEnabled": '.length));
    const r = cli("audit", "--state", state);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const index = (stackExportOf(records) as unknown as State).deployment.resources.findIndex((x) => x.urn === registryUrn);
    expect(r.stderr).toBe(`secure-mlops: ${state}: $.deployment.resources[${index}].inputs.adminUserEnabled is cut off: the file ends before the JSON does\n`);
  });

  it("exits 2 naming the resource whose field is wrong", () => {
    const doc = stackExportOf(records) as unknown as State;
    const index = doc.deployment.resources.findIndex((x) => x.urn === workspaceUrn);
    (doc.deployment.resources[index] as unknown as Record<string, unknown>)["outputs"] = "Enabled";
    const state = write("bad.json", doc);
    const r = cli("audit", "--state", state);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`secure-mlops: ${state}: $.deployment.resources[${index}].outputs must be object\n`);
  });

  it("exits 2 for a file that is not there, and without --state", () => {
    const missing = path.join(dir, "none.json");
    expect(cli("audit", "--state", missing)).toMatchObject({ status: 2, stderr: `secure-mlops: ${missing}: $ cannot be read: ENOENT\n` });
    const r = cli("audit");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("required option '--state <file>' not specified");
  });
});
