import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInRoles } from "../../constants/roles";
import { defaultOfflineIdentity } from "../../preview/mocks";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { AccessGroups, accessGroupsDefaults, delegationCondition } = await import("../../components");
type Args = ConstructorParameters<typeof AccessGroups>[1];

const type = "secure-mlops:azuread:AccessGroups";
const rg = `/subscriptions/${defaultOfflineIdentity.subscriptionId}/resourceGroups/rg-smlops-prod`;
const scopes = {
  resourceGroup: rg,
  registry: `${rg}/providers/Microsoft.ContainerRegistry/registries/crsmlopsprod`,
  workspace: `${rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-smlops-prod`,
  keyVault: `${rg}/providers/Microsoft.KeyVault/vaults/kv-smlops-prod`,
  storageContainer: `${rg}/providers/Microsoft.Storage/storageAccounts/stsmlopsprod/blobServices/default/containers/datasets`,
};
const minimal: Args = { environment: "prod", scopes: { resourceGroup: rg } };

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  return record(() => new AccessGroups(`ag${++counter}`, args));
}
const groupsOf = (rs: RecordedResource[]): RecordedResource[] => rs.filter((r) => r.type === "azuread:index/group:Group");
const assignmentsOf = (rs: RecordedResource[]): RecordedResource[] => rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment");

/** `persona: role @ scopeKey` of each recorded assignment, from its group and scope. */
function table(rs: RecordedResource[], given: Record<string, string>): string[] {
  const groups = groupsOf(rs);
  return assignmentsOf(rs)
    .map((a) => {
      const group = groups.find((g) => a.propertyDependencies["principalId"]?.includes(g.urn));
      const persona = String(group?.inputs["displayName"]).replace(/^sg-mlops-prod-/, "");
      const role = Object.entries(builtInRoles).find(([, guid]) => String(a.inputs["roleDefinitionId"]).endsWith(guid))?.[0];
      const scope = Object.entries(given).find(([, id]) => id === a.inputs["scope"])?.[0];
      return `${persona}: ${role} @ ${scope}`;
    })
    .sort();
}

describe("AccessGroups with its defaults", () => {
  it("creates one owned security group per persona, named from the environment", async () => {
    const rs = await build(minimal);
    expect(groupsOf(rs).map((g) => g.inputs)).toEqual(
      accessGroupsDefaults.personas.map((p) => ({
        displayName: `sg-mlops-prod-${p.name}`,
        description: p.description,
        securityEnabled: true,
        mailEnabled: false,
        assignableToRole: false,
        preventDuplicateNames: true,
        owners: [defaultOfflineIdentity.objectId],
      })),
    );
  });

  it("assigns the table's roles to the groups at the scopes given, and only those", async () => {
    const rs = await build({ ...minimal, scopes });
    expect(table(rs, scopes)).toEqual(accessGroupsDefaults.roleTable.map((r) => `${r.persona}: ${r.role} @ ${r.scope}`).sort());
    expect(assignmentsOf(rs).length).toBeGreaterThan(0);
    for (const a of assignmentsOf(rs)) expect(a.inputs["principalType"]).toBe("Group");
  });

  it("skips default rows whose scope is not given yet", async () => {
    const rs = await build(minimal);
    expect(table(rs, { resourceGroup: rg })).toEqual([
      "data-scientists: Reader @ resourceGroup",
      "ml-engineers: Reader @ resourceGroup",
      "platform-admins: Contributor @ resourceGroup",
      "readers: Reader @ resourceGroup",
    ]);
  });

  it("passes every policy of the strict pack", async () => {
    const violations = await pack.judge(await build({ ...minimal, scopes }));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("outputs each group's object id by persona", async () => {
    const groups = new AccessGroups("outputs-ag", minimal);
    const ids = await new Promise<Record<string, string>>((resolve) => groups.groupObjectIds.apply(resolve));
    expect(Object.keys(ids).sort()).toEqual(["data-scientists", "ml-engineers", "platform-admins", "readers"]);
    for (const id of Object.values(ids)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("a user-extended table", () => {
  it("adds rows, personas, owners and members", async () => {
    const owner = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";
    const member = "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f";
    const rs = await build({
      ...minimal,
      owners: [owner],
      personas: [...accessGroupsDefaults.personas, { name: "model-signers", members: [member] }],
      additionalRoles: [{ persona: "model-signers", role: "Key Vault Secrets User", scope: "resourceGroup" }],
    });
    const signers = groupsOf(rs).find((g) => g.inputs["displayName"] === "sg-mlops-prod-model-signers");
    expect(signers?.inputs["owners"]).toEqual([owner, defaultOfflineIdentity.objectId]);
    expect(signers?.inputs["members"]).toEqual([member]);
    expect(table(rs, { resourceGroup: rg })).toContain("model-signers: Key Vault Secrets User @ resourceGroup");
  });
  it("grants role assignment rights only with the delegation condition", async () => {
    const rs = await build({ ...minimal, roleTable: [{ persona: "platform-admins", role: "Role Based Access Control Administrator", scope: "resourceGroup", delegableRoles: ["Reader", "AcrPull"] }] });
    expect(assignmentsOf(rs).map((a) => [a.inputs["condition"], a.inputs["conditionVersion"]])).toEqual([[delegationCondition(["Reader", "AcrPull"]), "2.0"]]);
    expect(await pack.judge(rs)).toEqual([]);
  });
});

describe("when a default is changed through its argument", () => {
  // Every default, with why a changed value cannot weaken security unseen; a new default without
  // an entry fails "lists every default".
  const relaxations: Record<keyof typeof accessGroupsDefaults, string> = {
    displayNamePrefix: "naming only",
    includeDeployerAsOwner: "without other owners the component refuses it; azuread-group-owner-present judges hand-made groups",
    personas: "which groups exist, not how secure they are",
    roleTable: "the component refuses unsafe rows; the pack judges the assignments it makes (next test)",
  };
  it("lists every default", () => {
    expect(Object.keys(relaxations).sort()).toEqual(Object.keys(accessGroupsDefaults).sort());
  });
  it("lets the strict pack refuse a table row that hands out Owner with an unsafe condition", async () => {
    // The component refuses Owner without delegableRoles and delegableRoles with Owner; the pack
    // catches a hand-made condition that would let the group assign Owner.
    const rs = await build({ ...minimal, roleTable: [{ persona: "readers", role: "Contributor", scope: "resourceGroup" }] });
    expect(await pack.judge(rs)).toEqual([]);
    const violations = await pack.judge(
      rs.map((r) =>
        r.type === "azure-native:authorization:RoleAssignment"
          ? { ...r, inputs: { ...r.inputs, roleDefinitionId: String(r.inputs["roleDefinitionId"]).replace(builtInRoles.Contributor, builtInRoles.Owner) } }
          : r,
      ),
    );
    expect(violations.map((v) => v.policyName)).toEqual(["azure-authorization-role-assignment-delegation-condition"]);
  });
});

describe("when an argument is invalid", () => {
  const cases: [string, Partial<Args>, string][] = [
    ["the environment has capitals", { environment: "Prod" }, '[environment] must be 1-16 lower-case letters, digits and dashes, got "Prod"'],
    ["a persona repeats", { personas: [{ name: "readers" }, { name: "readers" }] }, '[personas[1].name] "readers" is used twice'],
    ["a group would have no owner", { includeDeployerAsOwner: false }, '[personas[0].owners] the group "platform-admins" needs at least one owner: give owners, or keep includeDeployerAsOwner'],
    ["a scope is the subscription", { scopes: { resourceGroup: "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f" } }, '[scopes.resourceGroup] must be a resource group or a resource, not the subscription "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"'],
    ["a scope is a management group", { scopes: { tenant: "/providers/Microsoft.Management/managementGroups/contoso" } }, '[scopes.tenant] must be a resource group or a resource, not the management group "/providers/Microsoft.Management/managementGroups/contoso"'],
    ["an added row names an unknown scope", { additionalRoles: [{ persona: "readers", role: "Reader", scope: "workspace" }] }, '[additionalRoles[0].scope] "workspace" is not a given scope (resourceGroup)'],
    ["an added row names an unknown persona", { additionalRoles: [{ persona: "auditors", role: "Reader", scope: "resourceGroup" }] }, '[additionalRoles[0].persona] "auditors" is not a persona (platform-admins, ml-engineers, data-scientists, readers)'],
    ["an added row repeats a default row", { additionalRoles: [{ persona: "readers", role: "Reader", scope: "resourceGroup" }] }, '[additionalRoles[0]] grants "Reader" to readers at resourceGroup a second time'],
    ["Owner comes without a condition", { roleTable: [{ persona: "platform-admins", role: "Owner", scope: "resourceGroup" }] }, '[roleTable[0].delegableRoles] must list the roles "Owner" may assign (an ABAC condition enforces it)'],
    ["delegation would grant Owner", { roleTable: [{ persona: "platform-admins", role: "User Access Administrator", scope: "resourceGroup", delegableRoles: ["Owner"] }] }, '[roleTable[0].delegableRoles[0]] must not be "Owner", which would let members escalate'],
    ["a role is not built in", { additionalRoles: [{ persona: "readers", role: "Superuser" as never, scope: "resourceGroup" }] }, '[additionalRoles[0].role] must be a built-in role of constants/roles.ts, got "Superuser"'],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const groups = (): number => all.filter((r) => r.type === "azuread:index/group:Group").length;
      const before = groups();
      expectArgumentError(() => new AccessGroups(`bad${++counter}`, { ...minimal, ...override }), `${type}: ${message}`);
      await record(() => undefined);
      expect(groups()).toBe(before);
    });
  }
});
