import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itCatchesEachRelaxation } from "../support/relaxations";
import { defaultOfflineIdentity } from "../../preview/mocks";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { GithubOidcPrincipal, githubOidcPrincipalDefaults, delegationCondition } = await import("../../components");
type Args = ConstructorParameters<typeof GithubOidcPrincipal>[1];

const type = "secure-mlops:azuread:GithubOidcPrincipal";
const rg = `/subscriptions/${defaultOfflineIdentity.subscriptionId}/resourceGroups/rg-smlops-prod`;
const minimal: Args = {
  repository: "octo-org/ml-platform",
  purpose: "deploy-prod",
  federatedCredentials: [{ name: "prod", entity: "environment", value: "prod" }],
};
/** What a prod deployer holds: Contributor and conditioned role assignment rights on its resource group. */
const deployerRoles: Args["roleAssignments"] = [
  { name: "contributor", role: "Contributor", scope: rg },
  { name: "role-assignments", role: "Role Based Access Control Administrator", scope: rg, delegableRoles: ["AcrPull", "Reader"] },
];

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  return record(() => new GithubOidcPrincipal(`gh${++counter}`, args));
}
const ofType = (rs: RecordedResource[], t: string): RecordedResource[] => rs.filter((r) => r.type === t);
const fic = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";

describe("GithubOidcPrincipal with its defaults", () => {
  it("creates an application, its service principal and one pinned federated credential, and nothing secret", async () => {
    const rs = await build(minimal);
    const n = `gh${counter}`;
    expect(rs.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [`${type}::${n}`, `azuread:index/application:Application::${n}-app`, `azuread:index/servicePrincipal:ServicePrincipal::${n}-sp`, `${fic}::${n}-fic-prod`].sort(),
    );
    const app = ofType(rs, "azuread:index/application:Application")[0];
    expect(app?.inputs).toMatchObject({
      displayName: "github-octo-org-ml-platform-deploy-prod",
      signInAudience: "AzureADMyOrg",
      preventDuplicateNames: true,
      owners: [defaultOfflineIdentity.objectId],
    });
    expect(app?.inputs["password"]).toBeUndefined();
    const credential = ofType(rs, fic)[0];
    expect(credential?.inputs).toEqual({
      applicationId: app?.id,
      displayName: "github-prod",
      description: "GitHub Actions environment prod in octo-org/ml-platform",
      issuer: "https://token.actions.githubusercontent.com",
      audiences: ["api://AzureADTokenExchange"],
      subject: "repo:octo-org/ml-platform:environment:prod",
    });
    expect(credential?.propertyDependencies["applicationId"]).toEqual([app?.urn]);
  });

  it("passes every policy of the strict pack, as a prod deployer", async () => {
    const violations = await pack.judge(await build({ ...minimal, roleAssignments: deployerRoles }));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("gives its role assignments to the service principal, at the given scope, with the delegation condition", async () => {
    const rs = await build({ ...minimal, roleAssignments: deployerRoles });
    const sp = ofType(rs, "azuread:index/servicePrincipal:ServicePrincipal")[0];
    const assignments = ofType(rs, "azure-native:authorization:RoleAssignment");
    expect(assignments.map((a) => [a.inputs["scope"], a.inputs["principalType"], String(a.inputs["roleDefinitionId"]).split("/").pop(), a.inputs["condition"], a.inputs["conditionVersion"]]).sort((x, y) => String(x[2]).localeCompare(String(y[2])))).toEqual([
      [rg, "ServicePrincipal", "b24988ac-6180-42a0-ab88-20f7382dd24c", undefined, undefined],
      [rg, "ServicePrincipal", "f58310d9-a9f6-439a-9e8d-f62e7b41a168", delegationCondition(["AcrPull", "Reader"]), "2.0"],
    ]);
    for (const a of assignments) expect(a.propertyDependencies["principalId"]).toEqual([sp?.urn]);
  });

  it("outputs AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID", async () => {
    const principal = new GithubOidcPrincipal("outputs-gh", minimal);
    const [vars, clientId] = await Promise.all([
      new Promise((resolve) => principal.workflowVariables.apply(resolve)),
      new Promise((resolve) => principal.clientId.apply(resolve)),
    ]);
    expect(vars).toEqual({ AZURE_CLIENT_ID: clientId, AZURE_TENANT_ID: defaultOfflineIdentity.tenantId, AZURE_SUBSCRIPTION_ID: defaultOfflineIdentity.subscriptionId });
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("writes them as GitHub Actions environment variables when asked, never as secrets", async () => {
    const rs = await build({ ...minimal, actionsVariableEnvironments: ["prod"] });
    const vars = ofType(rs, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable");
    const byName = Object.fromEntries(vars.map((v) => [v.inputs["variableName"], [v.inputs["repository"], v.inputs["environment"], v.inputs["value"]]]));
    expect(byName).toEqual({
      AZURE_CLIENT_ID: ["ml-platform", "prod", expect.stringMatching(/^[0-9a-f-]{36}$/)],
      AZURE_TENANT_ID: ["ml-platform", "prod", defaultOfflineIdentity.tenantId],
      AZURE_SUBSCRIPTION_ID: ["ml-platform", "prod", defaultOfflineIdentity.subscriptionId],
    });
    expect(rs.some((r) => r.type.includes("Secret"))).toBe(false);
  });
});

describe("subject formats", () => {
  const subjectsOf = async (args: Args): Promise<unknown[]> => ofType(await build(args), fic).map((r) => r.inputs["subject"]);
  it("pins environment, branch, tag and pull_request subjects", async () => {
    expect(
      await subjectsOf({
        ...minimal,
        purpose: "ci",
        federatedCredentials: [
          { name: "staging", entity: "environment", value: "staging" },
          { name: "main", entity: "branch", value: "main" },
          { name: "release", entity: "tag", value: "v1.2.0" },
          { name: "pr", entity: "pull_request" },
        ],
      }),
    ).toEqual([
      "repo:octo-org/ml-platform:environment:staging",
      "repo:octo-org/ml-platform:ref:refs/heads/main",
      "repo:octo-org/ml-platform:ref:refs/tags/v1.2.0",
      "repo:octo-org/ml-platform:pull_request",
    ]);
  });
  it("writes the immutable-id form with @, or with - when chosen", async () => {
    const immutable: Args = { ...minimal, subjectFormat: "immutable-id", ownerId: 123456, repositoryId: 456789 };
    expect(await subjectsOf(immutable)).toEqual(["repo:octo-org@123456/ml-platform@456789:environment:prod"]);
    expect(await subjectsOf({ ...immutable, immutableIdDelimiter: "-" })).toEqual(["repo:octo-org-123456/ml-platform-456789:environment:prod"]);
  });
  it("follows a customized subject template", async () => {
    expect(await subjectsOf({ ...minimal, repositoryId: 456789, ownerId: 123456, subjectClaimKeys: ["repository_owner_id", "repository_id", "context"] })).toEqual([
      "repository_owner_id:123456:repository_id:456789:environment:prod",
    ]);
    expect(
      await subjectsOf({
        ...minimal,
        subjectClaimKeys: ["repo", "context", "job_workflow_ref"],
        federatedCredentials: [{ name: "prod", entity: "environment", value: "prod", claimValues: { job_workflow_ref: "octo-org/workflows/.github/workflows/deploy.yml@refs/heads/main" } }],
      }),
    ).toEqual(["repo:octo-org/ml-platform:environment:prod:job_workflow_ref:octo-org/workflows/.github/workflows/deploy.yml@refs/heads/main"]);
  });
});

describe("when a default is changed through its argument", () => {
  // Every key of githubOidcPrincipalDefaults is listed with the policy that catches a weaker value,
  // or why it is not a security setting; a new default without an entry fails "lists every default".
  const relaxations: Record<keyof typeof githubOidcPrincipalDefaults, [Partial<Args>, string] | string> = {
    issuer: [{ issuer: "https://token.example.com" }, "azuread-federated-credential-trusted-issuer"],
    audience: [{ audience: "api://SomethingElse" }, "azuread-federated-credential-exchange-audience"],
    subjectFormat: "a fact about the repository (GitHub decides the subject), not a security setting",
    immutableIdDelimiter: "a fact about GitHub's token format, not a security setting",
    includeDeployerAsOwner: "ownership of the application, which the credential policies do not depend on",
    actionsVariableEnvironments: "writes non-secret variables to GitHub; nothing is weakened",
  };
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge(await build({ ...minimal, ...override })), {
    defaults: githubOidcPrincipalDefaults,
    only: true,
  });
  it("lets the strict pack refuse a branch credential on a principal that deploys", async () => {
    const violations = await pack.judge(await build({ ...minimal, federatedCredentials: [{ name: "main", entity: "branch", value: "main" }], roleAssignments: deployerRoles }));
    expect(violations.map((v) => v.policyName)).toEqual(["azuread-federated-credential-writer-environment-subject"]);
  });
});

describe("when an argument is invalid", () => {
  const many = Array.from({ length: 21 }, (_, i) => ({ name: `env-${i}`, entity: "environment" as const, value: `env-${i}` }));
  const cases: [string, Partial<Args>, string][] = [
    ["the repository has no owner", { repository: "ml-platform" }, '[repository] must be "OWNER/REPO" with a GitHub account and repository name, got "ml-platform"'],
    ["the repository is a wildcard", { repository: "octo-org/*" }, '[repository] must be "OWNER/REPO" with a GitHub account and repository name, got "octo-org/*"'],
    ["the purpose has capitals", { purpose: "Deploy" }, '[purpose] must be lower-case letters, digits and dashes, got "Deploy"'],
    ["no credential is given", { federatedCredentials: [] }, "[federatedCredentials] must list at least one workflow context to trust"],
    ["21 credentials are given", { federatedCredentials: many }, "[federatedCredentials] has 21 entries, but Entra ID allows at most 20 federated credentials per application; split the purposes into several principals"],
    ["a branch is a wildcard", { federatedCredentials: [{ name: "any", entity: "branch", value: "release/*" }] }, '[federatedCredentials[0].value] must be one branch name (no wildcards), got "release/*"'],
    ["an environment has a colon", { federatedCredentials: [{ name: "x", entity: "environment", value: "prod:eu" }] }, '[federatedCredentials[0].value] must be a GitHub environment name without wildcards or ":", got "prod:eu"'],
    ["a pull_request credential names a branch", { federatedCredentials: [{ name: "pr", entity: "pull_request", value: "main" }] }, "[federatedCredentials[0].value] must be left out for pull_request, whose subject names no branch"],
    ["two credentials share a name", { federatedCredentials: [{ name: "a", entity: "pull_request" }, { name: "a", entity: "branch", value: "main" }] }, '[federatedCredentials[1].name] "a" is used twice'],
    ["two credentials give one subject", { federatedCredentials: [{ name: "a", entity: "branch", value: "main" }, { name: "b", entity: "branch", value: "main" }] }, '[federatedCredentials[1]] gives the subject "repo:octo-org/ml-platform:ref:refs/heads/main" a second time'],
    ["the immutable format has no ids", { subjectFormat: "immutable-id" }, '[ownerId] is required with subjectFormat "immutable-id" (the owner\'s numeric id, GET /users/OWNER .id)'],
    ["an id is not a positive integer", { subjectFormat: "immutable-id", ownerId: 1, repositoryId: -4 }, "[repositoryId] must be a positive integer, got -4"],
    ["a customized claim has no value", { subjectClaimKeys: ["repo", "context", "job_workflow_ref"] }, '[federatedCredentials[0].claimValues] the customized claim "job_workflow_ref" needs a value (claimValues.job_workflow_ref)'],
    ["the customized template pins no repository", { subjectClaimKeys: ["repository_owner", "context"] }, '[federatedCredentials[0]] gives the subject "repository_owner:octo-org:environment:prod", which is refused: it does not name one repository (repo, repository or repository_id claim)'],
    ["the issuer is not https", { issuer: "http://token.actions.githubusercontent.com" }, '[issuer] must be an https:// URL, got "http://token.actions.githubusercontent.com"'],
    ["a role is assigned at the subscription", { roleAssignments: [{ name: "c", role: "Contributor", scope: "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f" }] }, '[roleAssignments[0].scope] must be a resource group or a resource, not the subscription "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"'],
    ["Owner is asked for", { roleAssignments: [{ name: "o", role: "Owner", scope: rg }] }, '[roleAssignments[0].role] "Owner" is never given to a GitHub principal; use Contributor and "Role Based Access Control Administrator" with delegableRoles'],
    ["role assignment rights come without a condition", { roleAssignments: [{ name: "r", role: "Role Based Access Control Administrator", scope: rg }] }, '[roleAssignments[0].delegableRoles] must list the roles "Role Based Access Control Administrator" may assign (an ABAC condition enforces it)'],
    ["role assignment rights could grant Owner", { roleAssignments: [{ name: "r", role: "Role Based Access Control Administrator", scope: rg, delegableRoles: ["Reader", "Owner"] }] }, '[roleAssignments[0].delegableRoles[1]] must not be "Owner", which would let the principal escalate'],
    ["a role is not built in", { roleAssignments: [{ name: "x", role: "Global Administrator" as never, scope: rg }] }, '[roleAssignments[0].role] must be a built-in role of constants/roles.ts, got "Global Administrator"'],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const apps = (): number => all.filter((r) => r.type === "azuread:index/application:Application").length;
      const before = apps();
      expectArgumentError(() => new GithubOidcPrincipal(`bad${++counter}`, { ...minimal, ...override }), `${type}: ${message}`);
      await record(() => undefined);
      expect(apps()).toBe(before);
    });
  }
});
