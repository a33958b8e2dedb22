import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/harness";
import { cliWithin } from "../support/cli";

const cli = cliWithin(230_000);

const fixture = (name: string): string => path.join("test", "fixtures", "programs", name);

describe("secure-mlops preview --stack prod", () => {
  it("prints the prod stack's resources and exits 0 with no mandatory violation", () => {
    const r = cli("preview", "--stack", "prod", "--policy-config", "policies/config/prod.json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("+ azure-native:containerregistry:Registry  platform-acr-registry");
    expect(r.stdout).toMatch(/^\d+ resources; 0 mandatory and 0 advisory violations\.$/m);
  });

  it("prints the documented JSON shape", () => {
    const r = cli("preview", "--stack", "prod", "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { resources: Record<string, unknown>[]; violations: unknown[] };
    expect(Object.keys(doc)).toEqual(["resources", "violations"]);
    expect(doc.violations).toEqual([]);
    const registry = doc.resources.find((x) => x["type"] === "azure-native:containerregistry:Registry");
    expect(registry).toEqual({
      urn: "urn:pulumi:prod::secure-mlops::secure-mlops:platform:SecureMlopsPlatform$secure-mlops:azure:SecureRegistry$azure-native:containerregistry:Registry::platform-acr-registry",
      type: "azure-native:containerregistry:Registry",
      name: "platform-acr-registry",
      parent: "urn:pulumi:prod::secure-mlops::secure-mlops:platform:SecureMlopsPlatform$secure-mlops:azure:SecureRegistry::platform-acr",
    });
    expect(doc.resources.length).toBeGreaterThan(100);
    for (const res of doc.resources) expect(Object.keys(res)).toEqual(["urn", "type", "name", "parent"]);
  });

  for (const env of ["dev", "staging"]) {
    it(`passes the ${env} stack with the ${env} pack config`, () => {
      const r = cli("preview", "--stack", env, "--policy-config", `policies/config/${env}.json`);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    });
  }
});

describe("secure-mlops preview of a stack of over 1,000 resources (two pack processes, routed by type)", () => {
  it("refuses exactly the registries with the admin user on, and nothing else", () => {
    const r = cli("preview", "--program", fixture("many-registries"), "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { resources: unknown[]; violations: { policyName: string; urn: string; enforcementLevel: string }[] };
    expect(doc.resources.length).toBeGreaterThanOrEqual(1000);
    expect(doc.violations.map((v) => [v.policyName, v.enforcementLevel, v.urn.split("::").pop()])).toEqual(
      [0, 25, 50, 75, 100, 125].map((i) => ["azure-containerregistry-registry-admin-user-disabled", "mandatory", `team${i}-acr-registry`]),
    );
  }, 240_000);
});

describe("secure-mlops preview --program", () => {
  it("exits 1 and names the registry and the policy when the admin user is on", () => {
    const r = cli("preview", "--program", fixture("registry-admin-user"), "--json");
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { violations: Record<string, unknown>[] };
    expect(doc.violations).toEqual([
      {
        policyName: "azure-containerregistry-registry-admin-user-disabled",
        urn: "urn:pulumi:dev::registry-admin-user::secure-mlops:azure:SecureRegistry$azure-native:containerregistry:Registry::shared-acr-registry",
        message: "The container registry must have the admin user disabled.",
        enforcementLevel: "mandatory",
        severity: "high",
        frameworks: ["AML.M0005", "AML.M0019", "NIST AI RMF MEASURE-2.7"],
      },
    ]);
  });

  it("prints the violation table naming the resource", () => {
    const r = cli("preview", "--program", fixture("registry-admin-user"));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /mandatory\s+high\s+azure-containerregistry-registry-admin-user-disabled\s+shared-acr-registry \(azure-native:containerregistry:Registry\)\s+AML\.M0005 AML\.M0019\s+The container registry must have the admin user disabled\./,
    );
  });

  it("accepts the component's defaults", () => {
    expect(cli("preview", "--program", fixture("compliant-registry")).status).toBe(0);
  });

  it("exits 2 naming the file and line when the program throws", () => {
    const r = cli("preview", "--program", fixture("throws"));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("secure-mlops: test/fixtures/programs/throws/index.ts:7:9: region is not configured\n");
  });

  it("exits 2 naming the file and line when the program does not compile", () => {
    const r = cli("preview", "--program", fixture("syntax-error"));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('secure-mlops: test/fixtures/programs/syntax-error/index.ts:4:60: Expected ")" but found ";"\n');
  });

  it("writes SARIF 2.1.0 with one result per violation", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sarif-")), "preview.sarif");
    const r = cli("preview", "--program", fixture("registry-admin-user"), "--sarif", out);
    expect(r.status).toBe(1);
    const sarif = JSON.parse(fs.readFileSync(out, "utf8")) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string }[] } }; results: Record<string, unknown>[] }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0]!;
    expect(run.results.map((x) => [x["ruleId"], x["level"]])).toEqual([["azure-containerregistry-registry-admin-user-disabled", "error"]]);
    expect(run.tool.driver.rules.map((x) => x.id)).toContain("azure-containerregistry-registry-admin-user-disabled");
  });
});

describe("bad usage or input", () => {
  it("exits 2 for an unknown stack", () => {
    const r = cli("preview", "--stack", "qa");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("secure-mlops: --stack qa: no stacks/Pulumi.qa.yaml (stacks: dev, staging, prod)\n");
  });
  it("exits 2 for a program folder that does not exist", () => {
    const r = cli("preview", "--program", "no/such/dir");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("secure-mlops: --program no/such/dir is not a folder\n");
  });
  it("exits 2 for an unknown flag", () => {
    const r = cli("preview", "--stak", "prod");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--stak'");
  });
  it("exits 2 naming the policy config file and the bad key", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pc-")), "bad.json");
    fs.writeFileSync(file, JSON.stringify({ "azure-containerregistry-registry-retention-enabled": { maxDays: 0 } }));
    const r = cli("preview", "--stack", "prod", "--policy-config", file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^secure-mlops: .*bad\.json: "azure-containerregistry-registry-retention-enabled\.maxDays" must be >= 1\n$/);
  });
  it("exits 2 naming the config key when the stack config is invalid", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    fs.cpSync(path.join(repoRoot, "stacks", "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
    const yaml = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8").replace("privateEndpointSubnet: 10.30.1.0/24", "privateEndpointSubnet: 10.30.1.0");
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), yaml);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: secure-mlops\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.ts"), `import "${path.join(repoRoot, "stacks", "index.ts").replace(/\\/g, "/")}";\n`);
    const r = cli("preview", "--program", dir, "--stack", "prod");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^secure-mlops: .*\/Pulumi\.prod\.yaml: invalid config secure-mlops:network\.privateEndpointSubnet: must be an IPv4 CIDR range like 10\.20\.1\.0\/24\n$/);
  });
});
