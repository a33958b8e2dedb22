import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delegationCondition } from "../../components/lib/rbac";
import { builtInRoles, type BuiltInRole } from "../../constants/roles";
import { startTestPack, type TestPack } from "../support/harness";

const assignmentType = "azure-native:authorization:RoleAssignment";
const definitionType = "azure-native:authorization:RoleDefinition";
const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${sub}/resourceGroups/rg-smlops-prod`;
const roleId = (role: BuiltInRole): string => `${sub}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}`;

/** A role assignment that passes every authorization policy: AcrPull to a group on a registry. */
const compliant = (): Record<string, unknown> => ({
  scope: `${rg}/providers/Microsoft.ContainerRegistry/registries/crsmlopsprod`,
  principalId: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
  principalType: "Group",
  roleDefinitionId: roleId("AcrPull"),
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(props: Record<string, unknown>, type = assignmentType): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("a compliant role assignment", () => {
  it("passes every policy of the strict pack", async () => {
    expect(await verdicts(compliant())).toEqual({});
  });
  it("passes with Contributor on a resource group", async () => {
    expect(await verdicts({ ...compliant(), scope: rg, principalType: "ServicePrincipal", roleDefinitionId: roleId("Contributor") })).toEqual({});
  });
  it("passes with Role Based Access Control Administrator conditioned by delegationCondition", async () => {
    const props = { ...compliant(), scope: rg, roleDefinitionId: roleId("Role Based Access Control Administrator"), condition: delegationCondition(["AcrPull", "Reader"]), conditionVersion: "2.0" };
    expect(await verdicts(props)).toEqual({});
  });
  it("passes Reader at the subscription (only privileged roles are bound to resource groups)", async () => {
    expect(await verdicts({ ...compliant(), scope: sub, roleDefinitionId: roleId("Reader") })).toEqual({});
  });
});

describe("azure-authorization-role-assignment-no-user-principal", () => {
  const policy = "azure-authorization-role-assignment-no-user-principal";
  it("refuses a role assigned to a user", async () => {
    expect(await verdicts({ ...compliant(), principalType: "User" })).toEqual({
      [policy]: ["The role assignment must grant the role to a group or service principal, not to a user."],
    });
  });
  it("refuses a role assignment that leaves the principal type to ARM", async () => {
    const props = compliant();
    delete props["principalType"];
    expect(await verdicts(props)).toEqual({
      [policy]: ["The role assignment must state its principal type (Group or ServicePrincipal), so a user cannot be granted the role unseen."],
    });
  });
  it("refuses a principal type outside the allowed list", async () => {
    expect(await verdicts({ ...compliant(), principalType: "ForeignGroup" })).toEqual({
      [policy]: ['The role assignment must grant the role to a Group or ServicePrincipal (got "ForeignGroup").'],
    });
  });
  it("accepts a principal type the pack config allows", async () => {
    await pack.configure({ [policy]: { allowedPrincipalTypes: ["Group", "ServicePrincipal", "ForeignGroup"] } });
    try {
      expect(await verdicts({ ...compliant(), principalType: "ForeignGroup" })).toEqual({});
    } finally {
      await pack.configure({});
    }
  });
});

describe("azure-authorization-role-assignment-privileged-scope", () => {
  const policy = "azure-authorization-role-assignment-privileged-scope";
  const cases: [BuiltInRole, string, string][] = [
    ["Owner", sub, `The role assignment must not grant Owner at the subscription "${sub}"; grant it on a resource group or resource.`],
    ["Contributor", sub, `The role assignment must not grant Contributor at the subscription "${sub}"; grant it on a resource group or resource.`],
    ["User Access Administrator", "/providers/Microsoft.Management/managementGroups/contoso", 'The role assignment must not grant User Access Administrator at the management group "/providers/Microsoft.Management/managementGroups/contoso"; grant it on a resource group or resource.'],
    ["Contributor", "/", 'The role assignment must not grant Contributor at the tenant root "/"; grant it on a resource group or resource.'],
  ];
  for (const [role, scope, message] of cases) {
    it(`refuses ${role} at ${scope}`, async () => {
      const condition = role === "User Access Administrator" ? { condition: delegationCondition(["Reader"]), conditionVersion: "2.0" } : {};
      const found = await verdicts({ ...compliant(), scope, roleDefinitionId: roleId(role), principalType: "ServicePrincipal", ...condition });
      expect(found[policy]).toEqual([message]);
    });
  }
  it("reads role definition ids case-insensitively", async () => {
    const found = await verdicts({ ...compliant(), scope: sub, roleDefinitionId: roleId("Contributor").toUpperCase() });
    expect(found[policy]).toHaveLength(1);
  });
});

describe("azure-authorization-role-assignment-delegation-condition", () => {
  const policy = "azure-authorization-role-assignment-delegation-condition";
  const admin = (condition?: string): Record<string, unknown> => ({
    ...compliant(),
    scope: rg,
    principalType: "ServicePrincipal",
    roleDefinitionId: roleId("Role Based Access Control Administrator"),
    ...(condition === undefined ? {} : { condition, conditionVersion: "2.0" }),
  });
  const owner = builtInRoles.Owner;
  const cases: [string, string | undefined, string][] = [
    ["it has no condition", undefined, "must carry an ABAC condition that limits which roles it may assign and to which principal types"],
    ["its condition does not look at role ids", "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'Group'}", "must have a condition that constrains the role definition ids it may assign"],
    ["its allow list includes Owner", delegationCondition(["Reader"]).replace(builtInRoles.Reader, `${builtInRoles.Reader}, ${owner}`), "must not let its condition assign Owner"],
    [
      "its deny list forgets User Access Administrator",
      `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {${owner}, ${builtInRoles["Role Based Access Control Administrator"]}}))`,
      "must exclude User Access Administrator from the roles its condition lets it assign",
    ],
    ["its condition does not constrain principal types", delegationCondition(["Reader"]).replace(/ AND @(Request|Resource)\[Microsoft\.Authorization\/roleAssignments:PrincipalType\][^)]*/g, ""), "must have a condition that constrains the principal types it may assign to (Group, ServicePrincipal)"],
    ["its condition lets it assign to users", delegationCondition(["Reader"]).replace(/'Group'/g, "'User'"), "must not let its condition assign roles to users"],
  ];
  for (const [when, condition, problem] of cases) {
    it(`refuses Role Based Access Control Administrator when ${when}`, async () => {
      expect((await verdicts(admin(condition)))[policy]).toEqual([`The role assignment of Role Based Access Control Administrator ${problem}.`]);
    });
  }
  it("accepts the deny-list form that excludes the three granting roles", async () => {
    const denyAll = `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {${owner}, ${builtInRoles["User Access Administrator"]}, ${builtInRoles["Role Based Access Control Administrator"]}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal', 'Group'}))`;
    expect(await verdicts(admin(denyAll))).toEqual({});
  });
  it("refuses Owner without a condition, even on a resource group", async () => {
    expect(await verdicts({ ...compliant(), scope: rg, roleDefinitionId: roleId("Owner") })).toEqual({
      [policy]: ["The role assignment of Owner must carry an ABAC condition that limits which roles it may assign and to which principal types."],
    });
  });
});

describe("custom role definitions", () => {
  const definition = (actions: string[], notActions: string[] = [], dataActions: string[] = []): Record<string, unknown> => ({
    scope: sub,
    roleName: "ml-operator",
    assignableScopes: [rg],
    permissions: [{ actions, notActions, dataActions, notDataActions: [] }],
  });
  it("accepts a role that lists exact actions", async () => {
    expect(await verdicts(definition(["Microsoft.MachineLearningServices/workspaces/read", "Microsoft.MachineLearningServices/workspaces/jobs/read"]), definitionType)).toEqual({});
  });
  it("refuses a wildcard action (CKV_AZURE_39's subscription owner, and any other wildcard)", async () => {
    expect(await verdicts(definition(["*"]), definitionType)).toEqual({
      "azure-authorization-role-definition-no-wildcard-actions": ["The custom role 'ml-operator' must not grant wildcard actions (got \"*\")."],
      "azure-authorization-role-definition-no-authorization-write": [
        "The custom role 'ml-operator' must not grant Microsoft.Authorization/roleAssignments/write, Microsoft.Authorization/roleDefinitions/write, Microsoft.Authorization/elevateAccess/action.",
      ],
    });
  });
  it("refuses a wildcard data action", async () => {
    expect(await verdicts(definition(["Microsoft.Storage/storageAccounts/read"], [], ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]), definitionType)).toEqual({
      "azure-authorization-role-definition-no-wildcard-actions": ['The custom role \'ml-operator\' must not grant wildcard actions (got "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*").'],
    });
  });
  it("allows read wildcards only when the pack config says so", async () => {
    const reads = definition(["Microsoft.Storage/*/read"]);
    expect(Object.keys(await verdicts(reads, definitionType))).toEqual(["azure-authorization-role-definition-no-wildcard-actions"]);
    await pack.configure({ "azure-authorization-role-definition-no-wildcard-actions": { allowReadWildcards: true } });
    try {
      expect(await verdicts(reads, definitionType)).toEqual({});
    } finally {
      await pack.configure({});
    }
  });
  it("refuses a role that writes role assignments", async () => {
    expect(await verdicts(definition(["Microsoft.Authorization/roleAssignments/write"]), definitionType)).toEqual({
      "azure-authorization-role-definition-no-authorization-write": ["The custom role 'ml-operator' must not grant Microsoft.Authorization/roleAssignments/write."],
    });
  });
  it("accepts a wildcard whose authorization writes are excluded, as Contributor's are (for that policy)", async () => {
    const contributorLike = definition(["*"], ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/elevateAccess/Action"]);
    expect(Object.keys(await verdicts(contributorLike, definitionType))).toEqual(["azure-authorization-role-definition-no-wildcard-actions"]);
  });
});
