import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itCatchesEachRelaxation } from "../support/relaxations";
import { azurePolicyBuiltIns } from "../../constants/azure-policy-builtins";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { GovernanceAssignments, governanceAssignmentsDefaults, validateGovernanceAssignmentsArgs, ComponentArgumentError } = await import("../../components");
type Args = ConstructorParameters<typeof GovernanceAssignments>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${sub}/resourceGroups/rg-team`;
const clusterId = `${rg}/providers/Microsoft.ContainerService/managedClusters/aks-team`;
const minimal: Args = { resourceGroupId: rg, location: "westeurope", clusterId };
const assignmentType = "azure-native:authorization:PolicyAssignment";
const roleAssignmentType = "azure-native:authorization:RoleAssignment";
const exemptionType = "azure-native:authorization:PolicyExemption";
const inDays = (days: number): string => new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, "Z");

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
async function build(args: Args): Promise<{ name: string; rs: RecordedResource[] }> {
  const name = `gov${++counter}`;
  const rs = await record(() => new GovernanceAssignments(name, args));
  return { name, rs: rs.filter((r) => r.name === name || r.name.startsWith(`${name}-`)) };
}
const ofType = (rs: readonly RecordedResource[], type: string): RecordedResource[] => rs.filter((r) => r.type === type);
const byKey = (rs: readonly RecordedResource[], name: string, key: string): RecordedResource | undefined =>
  rs.find((r) => r.type === assignmentType && r.name === `${name}-${key}`);
const effectOf = (r: RecordedResource | undefined): unknown => (r?.inputs["parameters"] as Record<string, { value: unknown }> | undefined)?.["effect"]?.value;

describe("GovernanceAssignments with its defaults (enforce)", () => {
  it("assigns every built-in of the catalogue, the in-cluster ones on the cluster", async () => {
    const { name, rs } = await build(minimal);
    const assignments = ofType(rs, assignmentType);
    expect(azurePolicyBuiltIns.length).toBe(61);
    expect(assignments.map((a) => a.name).sort()).toEqual(azurePolicyBuiltIns.map((b) => `${name}-${b.key}`).sort());
    for (const b of azurePolicyBuiltIns) {
      expect(byKey(rs, name, b.key)?.inputs["scope"], b.key).toBe(b.target === "cluster" ? clusterId : rg);
    }
  });

  it("denies where the definition allows it and remediates where it deploys or modifies", async () => {
    const { name, rs } = await build(minimal);
    expect(byKey(rs, name, "acr-admin-user-disabled")?.inputs).toEqual({
      policyAssignmentName: "secure-mlops-acr-admin-user-disabled",
      displayName: "secure-mlops: Container registries should have local admin account disabled.",
      description: "Assigned by secure-mlops (enforce): the after-deployment twin of the CrossGuard pack's check. See docs/governance.md.",
      scope: rg,
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2",
      enforcementMode: "Default",
      parameters: { effect: { value: "Deny" } },
      nonComplianceMessages: [
        {
          message:
            "Container registries should have local admin account disabled.: the secure-mlops policy pack refuses this configuration before deployment too. " +
            "Fix the resource, or record an exemption with an expiry and a reason in the stack (docs/governance.md).",
        },
      ],
      metadata: { managedBy: "secure-mlops", builtIn: "acr-admin-user-disabled" },
    });
    expect(effectOf(byKey(rs, name, "aks-workload-identity"))).toBe("Audit");
    expect(effectOf(byKey(rs, name, "mlw-resource-logs"))).toBe("AuditIfNotExists");
    expect(effectOf(byKey(rs, name, "mlw-public-network-modify"))).toBe("Modify");
    expect(effectOf(byKey(rs, name, "aks-policy-addon-deploy"))).toBe("DeployIfNotExists");
  });

  it("gives the pod security initiative upstream's restricted parameters and Azure's system namespaces", async () => {
    const { name, rs } = await build({ ...minimal, excludedNamespaces: ["azureml"] });
    const pss = byKey(rs, name, "k8s-pod-security-restricted");
    expect(pss?.inputs["policyDefinitionId"]).toBe("/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00");
    expect(pss?.inputs["parameters"]).toEqual({
      effect: { value: "Deny" },
      allowedCapabilities: { value: ["NET_BIND_SERVICE"] },
      requiredDropCapabilities: { value: ["ALL"] },
      excludedNamespaces: { value: ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system", "azureml"] },
    });
  });

  it("gives each DeployIfNotExists/Modify assignment an identity, and that identity the definition's roles on the scope", async () => {
    const { name, rs } = await build(minimal);
    const remediating = azurePolicyBuiltIns.filter((b) => (b.remediationRoles ?? []).length > 0);
    expect(remediating.map((b) => b.key)).toEqual(["mlw-public-network-modify", "mlc-local-auth-modify", "aks-policy-addon-deploy"]);
    for (const b of remediating) {
      const a = byKey(rs, name, b.key);
      expect(a?.inputs["identity"], b.key).toEqual({ type: "SystemAssigned" });
      expect(a?.inputs["location"], b.key).toBe("westeurope");
      const principalId = (a?.outputs["identity"] as { principalId?: string } | undefined)?.principalId;
      expect(principalId, b.key).toMatch(/^[0-9a-f-]{36}$/);
      const grants = ofType(rs, roleAssignmentType).filter((r) => r.inputs["principalId"] === principalId);
      expect(grants.map((g) => [g.inputs["scope"], String(g.inputs["roleDefinitionId"]).split("/").pop(), g.inputs["principalType"]]), b.key).toEqual(
        (b.remediationRoles ?? []).map(() => [rg, expect.stringMatching(/^[0-9a-f-]{36}$/), "ServicePrincipal"]),
      );
    }
    const addon = ofType(rs, roleAssignmentType).filter((r) => r.name.startsWith(`${name}-aks-policy-addon-deploy-`));
    expect(addon.map((r) => String(r.inputs["roleDefinitionId"]).split("/").pop()).sort()).toEqual(["18ed5180-3e48-46fd-8541-4ea054d57064", "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8"]);
    expect(byKey(rs, name, "acr-admin-user-disabled")?.inputs["identity"]).toBeUndefined();
  });

  it("passes every policy of the strict pack", async () => {
    const { rs } = await build(minimal);
    const violations = await pack.judge(rs);
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("outputs the assignment ids by key", async () => {
    const gov = new GovernanceAssignments(`outputs-gov`, { ...minimal, exclude: azurePolicyBuiltIns.filter((b) => b.key !== "kv-soft-delete").map((b) => b.key) });
    const ids = await new Promise((resolve) => gov.assignmentIds.apply(resolve));
    expect(ids).toEqual({ "kv-soft-delete": `${rg}/providers/Microsoft.Authorization/policyAssignments/secure-mlops-kv-soft-delete` });
  });
});

describe("when a secure default is relaxed through its argument", () => {
  const relaxations: Record<keyof typeof governanceAssignmentsDefaults, [Partial<Args>, string] | "not a relaxation"> = {
    enforcement: [{ enforcement: "audit" }, "azure-authorization-policyassignment-enforced"],
    auditOnly: [{ auditOnly: ["kv-soft-delete"] }, "azure-authorization-policyassignment-enforced"],
    // Leaving an assignment to a landing zone, skipping a namespace or renaming weakens nothing the pack can see.
    exclude: "not a relaxation",
    excludedNamespaces: "not a relaxation",
    namePrefix: "not a relaxation",
    exemptionCategory: "not a relaxation",
  };
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge((await build({ ...minimal, ...override })).rs), {
    defaults: governanceAssignmentsDefaults,
  });

  it("in audit, reports where it could deny and assigns the remediating definitions without enforcing them", async () => {
    const { name, rs } = await build({ ...minimal, enforcement: "audit" });
    expect(effectOf(byKey(rs, name, "acr-admin-user-disabled"))).toBe("Audit");
    expect(byKey(rs, name, "acr-admin-user-disabled")?.inputs["enforcementMode"]).toBe("Default");
    expect(effectOf(byKey(rs, name, "mlw-public-network-modify"))).toBe("Modify");
    expect(byKey(rs, name, "mlw-public-network-modify")?.inputs["enforcementMode"]).toBe("DoNotEnforce");
    const violations = await pack.judge(rs);
    const enforced = violations.filter((v) => v.policyName === "azure-authorization-policyassignment-enforced");
    // Every assignment whose enforcing effect differs from its audit one.
    expect(enforced.length).toBe(azurePolicyBuiltIns.filter((b) => b.effects.includes("Deny") || b.effects.includes("Modify") || b.effects.includes("DeployIfNotExists")).length);
    expect(enforced.find((v) => v.message.includes("local admin account"))?.message).toBe(
      'The policy assignment of "Container registries should have local admin account disabled." must use the effect Deny, which the definition allows (got Audit).',
    );
    await pack.configure({ "azure-authorization-policyassignment-enforced": { allowAudit: true } });
    try {
      expect((await pack.judge(rs)).map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
    } finally {
      await pack.configure({});
    }
  });

  it("keeps only the auditOnly assignment in audit", async () => {
    const { name, rs } = await build({ ...minimal, auditOnly: ["k8s-probes"] });
    expect(effectOf(byKey(rs, name, "k8s-probes"))).toBe("Audit");
    expect(effectOf(byKey(rs, name, "k8s-no-default-namespace"))).toBe("Deny");
  });

  it("leaves out excluded assignments, and the in-cluster ones without a cluster", async () => {
    const { name, rs } = await build({ resourceGroupId: rg, location: "westeurope", exclude: ["aks-defender-profile", "mlc-local-auth-modify"] });
    const keys = ofType(rs, assignmentType).map((a) => a.name.slice(name.length + 1));
    expect(keys).not.toContain("aks-defender-profile");
    expect(keys).not.toContain("mlc-local-auth-modify");
    expect(keys.filter((k) => k.startsWith("k8s-"))).toEqual([]);
    expect(keys.length).toBe(azurePolicyBuiltIns.filter((b) => b.target === "resourceGroup").length - 2);
    expect(ofType(rs, roleAssignmentType).map((r) => r.name).filter((n) => n.includes("mlc-local-auth-modify"))).toEqual([]);
  });
});

describe("exemptions", () => {
  const exemption = {
    name: "aks-local-accounts-ml",
    assignment: "aks-local-accounts-disabled",
    expiresOn: inDays(60),
    reason: "Azure ML extension support without local accounts pending; accepted by platform-admins (CHG-1234).",
  };

  it("are PolicyExemption resources on the assignment, with its scope, expiry and reason", async () => {
    const { name, rs } = await build({ ...minimal, namePrefix: "smlops-prod", exemptions: [exemption] });
    const [ex, ...more] = ofType(rs, exemptionType);
    expect(more).toEqual([]);
    expect(ex?.name).toBe(`${name}-exempt-aks-local-accounts-ml`);
    expect(ex?.inputs).toEqual({
      policyExemptionName: "smlops-prod-aks-local-accounts-ml",
      scope: rg,
      policyAssignmentId: `${rg}/providers/Microsoft.Authorization/policyAssignments/smlops-prod-aks-local-accounts-disabled`,
      exemptionCategory: "Waiver",
      expiresOn: exemption.expiresOn,
      description: exemption.reason,
      displayName: "smlops-prod: aks-local-accounts-ml (Azure Kubernetes Service Clusters should have local authentication methods disabled)",
      metadata: { managedBy: "secure-mlops" },
      // The SDK's default: the exempted scope must lie within the assignment's.
      assignmentScopeValidation: "Default",
    });
    expect((await pack.judge(rs)).map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("take a narrower scope, a category and initiative members", async () => {
    const { rs } = await build({
      ...minimal,
      exemptions: [
        {
          name: "pss-verifier",
          assignment: "k8s-pod-security-restricted",
          scope: clusterId,
          category: "Mitigated",
          expiresOn: inDays(10),
          reason: "The verifier's seccomp profile is checked by the pack before deployment.",
          policyDefinitionReferenceIds: ["AllowedSeccompProfiles"],
        },
      ],
    });
    const ex = ofType(rs, exemptionType)[0];
    expect([ex?.inputs["scope"], ex?.inputs["exemptionCategory"], ex?.inputs["policyDefinitionReferenceIds"]]).toEqual([clusterId, "Mitigated", ["AllowedSeccompProfiles"]]);
  });

  it("running past the pack's bound are caught by azure-authorization-policyexemption-expiry", async () => {
    const until = inDays(400);
    const { rs } = await build({ ...minimal, exemptions: [{ ...exemption, expiresOn: until }] });
    const violations = await pack.judge(rs);
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([
      `azure-authorization-policyexemption-expiry: The policy exemption must expire within 180 days (it runs until ${until}).`,
    ]);
  });
});

describe("when an argument is invalid", () => {
  const t = "secure-mlops:azure:GovernanceAssignments";
  const ex = { name: "ok", assignment: "kv-soft-delete", expiresOn: "2027-03-31T00:00:00Z", reason: "a reason that is long enough to read" };
  const cases: [string, Partial<Args>, string][] = [
    ["the enforcement is unknown", { enforcement: "deny" as never }, `${t}: [enforcement] must be "audit" or "enforce", got "deny"`],
    ["the name prefix has capitals", { namePrefix: "Smlops" }, `${t}: [namePrefix] must be 1-20 lower-case letters, digits and dashes, got "Smlops"`],
    ["an excluded key is unknown", { exclude: ["kv-soft-delete", "kv-nope"] }, `${t}: [exclude[1]] "kv-nope" is not an assignment of constants/azure-policy-builtins.ts`],
    ["an audit-only key is unknown", { auditOnly: ["nope"] }, `${t}: [auditOnly[0]] "nope" is not an assignment of constants/azure-policy-builtins.ts`],
    ["an audit-only key is excluded", { exclude: ["k8s-probes"], auditOnly: ["k8s-probes"] }, `${t}: [auditOnly[0]] "k8s-probes" is also excluded`],
    ["a namespace is not a name", { excludedNamespaces: ["Azure_ML"] }, `${t}: [excludedNamespaces[0]] must be a Kubernetes namespace name, got "Azure_ML"`],
    ["an exemption name repeats", { exemptions: [ex, ex] }, `${t}: [exemptions[1].name] "ok" is used twice`],
    ["an exemption names no assignment", { exemptions: [{ ...ex, assignment: "nope" }] }, `${t}: [exemptions[0].assignment] "nope" is not an assignment this component makes`],
    ["an exemption names an excluded one", { exclude: ["kv-soft-delete"], exemptions: [ex] }, `${t}: [exemptions[0].assignment] "kv-soft-delete" is not an assignment this component makes`],
    [
      "an exemption names an in-cluster one without a cluster",
      { clusterId: undefined, exemptions: [{ ...ex, assignment: "k8s-probes" }] },
      `${t}: [exemptions[0].assignment] "k8s-probes" is assigned on the cluster, and no clusterId is given`,
    ],
    ["an exemption's category is unknown", { exemptions: [{ ...ex, category: "Forever" as never }] }, `${t}: [exemptions[0].category] must be "Waiver" or "Mitigated", got "Forever"`],
    ["an exemption's expiry is a date only", { exemptions: [{ ...ex, expiresOn: "2027-03-31" }] }, `${t}: [exemptions[0].expiresOn] must be an ISO 8601 UTC timestamp like 2027-03-31T00:00:00Z, got "2027-03-31"`],
    ["an exemption's expiry is not a day", { exemptions: [{ ...ex, expiresOn: "2027-02-30T00:00:00Z" }] }, `${t}: [exemptions[0].expiresOn] must be an ISO 8601 UTC timestamp like 2027-03-31T00:00:00Z, got "2027-02-30T00:00:00Z"`],
    ["an exemption gives no reason", { exemptions: [{ ...ex, reason: "because" }] }, `${t}: [exemptions[0].reason] must say why the exemption exists and who accepted the risk (at least 20 characters)`],
    [
      "an exemption names members of a single definition",
      { exemptions: [{ ...ex, policyDefinitionReferenceIds: ["NoPrivilegedContainers"] }] },
      `${t}: [exemptions[0].policyDefinitionReferenceIds[0]] "NoPrivilegedContainers" names a member, and "kv-soft-delete" is not an initiative`,
    ],
  ];
  it("has cases", () => expect(cases.length).toBeGreaterThan(10));
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.filter((r) => r.type === assignmentType).length;
      expectArgumentError(() => new GovernanceAssignments(`bad${++counter}`, { ...minimal, ...override }), message);
      await record(() => undefined);
      expect(all.filter((r) => r.type === assignmentType).length).toBe(before);
    });
  }
});

describe("the exemption expiry, as a parser of the stack file's text", () => {
  const withExpiry = (expiresOn: string): Args => ({
    ...minimal,
    exemptions: [{ name: "x", assignment: "kv-soft-delete", expiresOn, reason: "a reason that is long enough to read" }],
  });

  it("accepts every real instant written as a UTC timestamp", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2999-12-31T23:59:59Z"), noInvalidDate: true }), (d) => {
        expect(() => validateGovernanceAssignmentsArgs(withExpiry(d.toISOString()))).not.toThrow();
        expect(() => validateGovernanceAssignmentsArgs(withExpiry(d.toISOString().replace(/\.\d+Z$/, "Z")))).not.toThrow();
      }),
    );
  });

  it("answers any other text with the argument error, never another throw", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          validateGovernanceAssignmentsArgs(withExpiry(text));
        } catch (err) {
          expect(err).toBeInstanceOf(ComponentArgumentError);
          expect((err as InstanceType<typeof ComponentArgumentError>).argument).toBe("exemptions[0].expiresOn");
        }
      }),
    );
  });
});
