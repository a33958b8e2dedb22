import { describe, expect, it } from "vitest";
import { azurePolicyBuiltIns } from "../../constants/azure-policy-builtins";
import { builtInRoles } from "../../constants/roles";
import { parsePlatformConfig } from "../../stacks/config";
import { governanceRemediationRoles } from "../../stacks/governance";
import { environmentProfiles } from "../../stacks/profiles";
import { errorOf } from "./config-error";

const valid = (governance: unknown): Record<string, unknown> => ({
  environment: "prod",
  location: "westeurope",
  prefix: "smlops",
  tags: { owner: "platform-team" },
  network: { addressSpace: "10.30.0.0/16", privateEndpointSubnet: "10.30.1.0/24" },
  registry: {},
  defenderForContainers: true,
  governance,
});

const exemption = { name: "aks-local", assignment: "aks-local-accounts-disabled", expiresOn: "2027-03-31T00:00:00Z", reason: "accepted by platform-admins (CHG-1234)" };

describe("the secure-mlops:governance setting", () => {
  it("takes the enforcement, audit-only and excluded keys and exemptions", () => {
    const governance = { enforcement: "enforce", auditOnly: ["k8s-probes"], exclude: ["aks-defender-profile"], exemptions: [exemption] };
    expect(parsePlatformConfig("secure-mlops", valid(governance)).governance).toEqual(governance);
  });

  const keys = azurePolicyBuiltIns.map((b) => `"${b.key}"`).join(", ");
  const cases: [string, unknown, string][] = [
    ["the enforcement is unknown", { enforcement: "deny" }, 'invalid config secure-mlops:governance.enforcement: must be one of "audit", "enforce"'],
    ["an excluded key is unknown", { exclude: ["aks-nope"] }, `invalid config secure-mlops:governance.exclude[0]: must be one of ${keys}`],
    ["an exemption has no reason", { exemptions: [{ ...exemption, reason: undefined }] }, "invalid config secure-mlops:governance.exemptions[0].reason: is required"],
    ["an exemption's reason is short", { exemptions: [{ ...exemption, reason: "ok" }] }, "invalid config secure-mlops:governance.exemptions[0].reason: must NOT have fewer than 20 characters"],
    [
      "an exemption's expiry has no time",
      { exemptions: [{ ...exemption, expiresOn: "2027-03-31" }] },
      "invalid config secure-mlops:governance.exemptions[0].expiresOn: must match ^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$",
    ],
    ["a setting is unknown", { mode: "deny" }, "invalid config secure-mlops:governance.mode: is not a known setting"],
  ];
  for (const [when, governance, message] of cases) {
    it(`names the key when ${when}`, () => {
      expect(errorOf(JSON.parse(JSON.stringify(valid(governance))) as Record<string, unknown>)).toBe(message);
    });
  }
});

describe("the environments' governance", () => {
  it("reports only in dev, denies in staging and prod, and keeps in audit what staging's pack config relaxes", () => {
    expect(Object.fromEntries(Object.entries(environmentProfiles).map(([env, p]) => [env, p.governance]))).toEqual({
      dev: { enforcement: "audit" },
      staging: { enforcement: "enforce", auditOnly: ["k8s-probes"] },
      prod: { enforcement: "enforce" },
    });
  });

  it("lets the deployer assign every role a remediating assignment needs", () => {
    expect([...governanceRemediationRoles].sort()).toEqual(["Azure Kubernetes Service Contributor Role", "Azure Kubernetes Service Policy Add-on Deployment", "Contributor"]);
    for (const role of governanceRemediationRoles) expect(builtInRoles[role]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
