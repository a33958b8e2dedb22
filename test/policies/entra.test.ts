import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInRoles, type BuiltInRole } from "../../constants/roles";
import type { RecordedResource } from "../../preview/recorder";
import { resourceRecord, startTestPack, type TestPack } from "../support/harness";

const t = {
  application: "azuread:index/application:Application",
  password: "azuread:index/applicationPassword:ApplicationPassword",
  spPassword: "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
  certificate: "azuread:index/applicationCertificate:ApplicationCertificate",
  spCertificate: "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
  fic: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  flexible: "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
  identityFic: "azure-native:managedidentity:FederatedIdentityCredential",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  group: "azuread:index/group:Group",
  groupWithoutMembers: "azuread:index/groupWithoutMembers:GroupWithoutMembers",
  roleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

const github = "https://token.actions.githubusercontent.com";
const exchange = "api://AzureADTokenExchange";
const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const rg = `${sub}/resourceGroups/rg-smlops-prod`;

/** A federated credential that passes every policy: one repository, one environment. */
const credential = (subject = "repo:octo-org/ml-platform:environment:prod"): Record<string, unknown> => ({
  applicationId: "/applications/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
  displayName: "github-prod",
  issuer: github,
  audiences: [exchange],
  subject,
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(type: string, props: Record<string, unknown>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("azuread-application-password-forbidden", () => {
  const policy = "azuread-application-password-forbidden";
  it("refuses an application password", async () => {
    expect(await verdicts(t.password, { applicationId: "/applications/x", displayName: "ci" })).toEqual({
      [policy]: ["The application password must not be created; use a federated identity credential (OIDC) or a managed identity instead."],
    });
  });
  it("refuses a service principal password", async () => {
    expect(await verdicts(t.spPassword, { servicePrincipalId: "/servicePrincipals/x" })).toEqual({
      [policy]: ["The service principal password must not be created; use a federated identity credential (OIDC) or a managed identity instead."],
    });
  });
  it("refuses a password defined inline on the application", async () => {
    expect(await verdicts(t.application, { displayName: "ci", password: { displayName: "ci" } })).toEqual({
      [policy]: ["The application must not define a password; use a federated identity credential (OIDC) or a managed identity instead."],
    });
  });
  it("accepts an application without a password", async () => {
    expect(await verdicts(t.application, { displayName: "ci", owners: ["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"] })).toEqual({});
  });
});

describe("azuread-application-certificate-forbidden", () => {
  const policy = "azuread-application-certificate-forbidden";
  it("refuses application and service principal certificates", async () => {
    expect(await verdicts(t.certificate, { applicationId: "/applications/x", value: "MII...", type: "AsymmetricX509Cert" })).toEqual({
      [policy]: ["The application certificate must not be created; use a federated identity credential (OIDC) or a managed identity instead."],
    });
    expect(await verdicts(t.spCertificate, { servicePrincipalId: "/servicePrincipals/x", value: "MII..." })).toEqual({
      [policy]: ["The service principal certificate must not be created; use a federated identity credential (OIDC) or a managed identity instead."],
    });
  });
  it("accepts a federated credential instead", async () => {
    expect(await verdicts(t.fic, credential())).toEqual({});
  });
});

describe("azuread-federated-credential-trusted-issuer", () => {
  const policy = "azuread-federated-credential-trusted-issuer";
  it("refuses an unknown issuer", async () => {
    expect(await verdicts(t.fic, { ...credential(), issuer: "https://evil.example.com" })).toEqual({
      [policy]: [`The federated credential must trust an allowed issuer (${github} or an AKS OIDC issuer), not "https://evil.example.com".`],
    });
  });
  it("accepts an AKS cluster's OIDC issuer for a workload identity, and refuses it when AKS issuers are off", async () => {
    const aks = {
      resourceGroupName: "rg",
      resourceName: "id-workload",
      issuer: "https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-4000-8000-00000000c0de/0b5e7a1c-2d3f-4a6b-9c8d-7e6f5a4b3c2d/",
      subject: "system:serviceaccount:ml:scorer",
      audiences: [exchange],
    };
    expect(await verdicts(t.identityFic, aks)).toEqual({});
    await pack.configure({ [policy]: { allowAksIssuers: false } });
    try {
      expect(Object.keys(await verdicts(t.identityFic, aks))).toEqual([policy]);
    } finally {
      await pack.configure({});
    }
  });
  it("accepts a GitHub Enterprise Server issuer listed in the pack config", async () => {
    const ghes = "https://github.example.com/_services/token";
    await pack.configure({ [policy]: { allowedIssuers: [github, ghes] }, "azuread-federated-credential-pinned-subject": { githubIssuers: [github, ghes] } });
    try {
      expect(await verdicts(t.fic, { ...credential(), issuer: ghes })).toEqual({});
      expect(Object.keys(await verdicts(t.fic, { ...credential("repo:octo-org/*"), issuer: ghes }))).toEqual(["azuread-federated-credential-pinned-subject"]);
    } finally {
      await pack.configure({});
    }
  });
});

describe("azuread-federated-credential-exchange-audience", () => {
  const policy = "azuread-federated-credential-exchange-audience";
  it("refuses another audience or a second one", async () => {
    expect(await verdicts(t.fic, { ...credential(), audiences: ["api://AzureADTokenExchange", "https://github.com/octo-org"] })).toEqual({
      [policy]: ['The federated credential must accept exactly one audience, api://AzureADTokenExchange (got ["api://AzureADTokenExchange","https://github.com/octo-org"]).'],
    });
    expect(await verdicts(t.flexible, { applicationId: "/applications/x", displayName: "f", issuer: "https://login.example.com", audience: "sts.amazonaws.com", claimsMatchingExpression: "x" })).toMatchObject({
      [policy]: ['The federated credential must accept exactly one audience, api://AzureADTokenExchange (got "sts.amazonaws.com").'],
    });
  });
  it("accepts the token-exchange audience", async () => {
    expect(await verdicts(t.fic, credential())).toEqual({});
  });
});

describe("azuread-federated-credential-pinned-subject", () => {
  const policy = "azuread-federated-credential-pinned-subject";
  const refused: [string, string][] = [
    ["repo:org/*", "it contains a wildcard; it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches"],
    ["repo:octo-org/*:ref:refs/heads/main", "it contains a wildcard"],
    ["repo:octo-org/ml-platform:ref:refs/heads/*", "it contains a wildcard"],
    ["repo:octo-org/ml-platform", "it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches"],
    ["repository_owner:octo-org", "it does not name one repository (repo, repository or repository_id claim); it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches"],
    ["environment:prod", "it does not name one repository (repo, repository or repository_id claim)"],
    ["repo:octo-org/ml-platform:ref:main", 'the ref "main" is not a git ref (refs/heads/..., refs/tags/...)'],
  ];
  for (const [subject, reason] of refused) {
    it(`refuses ${JSON.stringify(subject)}`, async () => {
      expect(await verdicts(t.fic, credential(subject))).toEqual({
        [policy]: [`The federated credential must trust one GitHub repository in one pinned context; the subject ${JSON.stringify(subject)} is refused: ${reason}.`],
      });
    });
  }
  const accepted = [
    "repo:octo-org/ml-platform:environment:prod",
    "repo:octo-org/ml-platform:ref:refs/heads/main",
    "repo:octo-org/ml-platform:ref:refs/tags/v1.2.0",
    "repo:octo-org/ml-platform:pull_request",
    "repo:octocat@123456/my-repo@456789:environment:prod",
    "repo:octocat-123456/my-repo-456789:ref:refs/heads/main",
    "repository_owner_id:72338:repository_id:123456:environment:prod",
  ];
  for (const subject of accepted) {
    it(`accepts ${JSON.stringify(subject)}`, async () => {
      expect(await verdicts(t.fic, credential(subject))).toEqual({});
    });
  }
  it("refuses a flexible (claims-matching) credential for GitHub", async () => {
    const flexible = { applicationId: "/applications/x", displayName: "f", issuer: github, audience: exchange, claimsMatchingExpression: "claims['sub'] matches 'repo:octo-org/ml-platform:ref:refs/heads/*'" };
    expect(await verdicts(t.flexible, flexible)).toEqual({
      [policy]: ["The flexible federated credential must not trust GitHub: its claims expression matches many workflow runs; use one pinned subject per context."],
    });
  });
  it("refuses a wildcard in a managed identity's Kubernetes subject", async () => {
    const aks = { resourceGroupName: "rg", resourceName: "id", issuer: "https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-4000-8000-00000000c0de/0b5e7a1c-2d3f-4a6b-9c8d-7e6f5a4b3c2d/", audiences: [exchange], subject: "system:serviceaccount:ml:*" };
    expect(await verdicts(t.identityFic, aks)).toEqual({ [policy]: ['The federated credential subject "system:serviceaccount:ml:*" must not contain wildcards.'] });
  });
  it("keeps to the owners the pack config allows", async () => {
    await pack.configure({ [policy]: { allowedOwners: ["octo-org"] } });
    try {
      expect(await verdicts(t.fic, credential("repo:octo-org/ml-platform:environment:prod"))).toEqual({});
      expect(await verdicts(t.fic, credential("repo:OCTO-ORG@1/ml@2:environment:prod"))).toEqual({});
      expect(await verdicts(t.fic, credential("repo:other-org/ml-platform:environment:prod"))).toEqual({
        [policy]: ['The federated credential must trust a repository of octo-org; the subject "repo:other-org/ml-platform:environment:prod" names "other-org".'],
      });
    } finally {
      await pack.configure({});
    }
  });
});

describe("azuread-group-security-enabled and azuread-group-owner-present", () => {
  const group = (): Record<string, unknown> => ({ displayName: "sg-smlops-prod-readers", securityEnabled: true, owners: ["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"] });
  it("accepts a security group with an owner", async () => {
    expect(await verdicts(t.group, group())).toEqual({});
    expect(await verdicts(t.groupWithoutMembers, group())).toEqual({});
  });
  it("refuses a group that is not security-enabled", async () => {
    expect(await verdicts(t.group, { ...group(), securityEnabled: false, mailEnabled: true })).toEqual({
      "azuread-group-security-enabled": ["The group must be security-enabled."],
    });
    const unset = group();
    delete unset["securityEnabled"];
    expect(await verdicts(t.groupWithoutMembers, unset)).toEqual({
      "azuread-group-security-enabled": ["The group must be security-enabled."],
    });
  });
  it("refuses a Microsoft 365 group", async () => {
    expect(await verdicts(t.group, { ...group(), types: ["Unified"], mailEnabled: true })).toEqual({
      "azuread-group-security-enabled": ["The group must be a security group, not a Microsoft 365 (Unified) group."],
    });
  });
  it("refuses a group without owners", async () => {
    expect(await verdicts(t.group, { ...group(), owners: [] })).toEqual({ "azuread-group-owner-present": ["The group must have at least one owner."] });
    const noOwners = group();
    delete noOwners["owners"];
    expect(await verdicts(t.groupWithoutMembers, noOwners)).toEqual({ "azuread-group-owner-present": ["The group must have at least one owner."] });
  });
});

/** An application, its service principal, a credential and role assignments, linked as the engine records them. */
function principalStack(subject: string, roles: BuiltInRole[], scope = rg): RecordedResource[] {
  const app = resourceRecord(t.application, "deployer-app", { displayName: "deployer", objectId: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", clientId: "11111111-2222-4333-8444-555555555555" });
  const sp = resourceRecord(t.servicePrincipal, "deployer-sp", { clientId: "11111111-2222-4333-8444-555555555555", objectId: "99999999-8888-4777-8666-555555555555" }, { clientId: [app.urn] });
  const fic = resourceRecord(t.fic, "deployer-fic", credential(subject), { applicationId: [app.urn] });
  const assignments = roles.map((role) =>
    resourceRecord(
      t.roleAssignment,
      `deployer-${role.toLowerCase().replace(/[^a-z]+/g, "-")}`,
      { scope, principalId: "99999999-8888-4777-8666-555555555555", principalType: "ServicePrincipal", roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}` },
      { principalId: [sp.urn] },
    ),
  );
  return [app, sp, fic, ...assignments];
}

async function stackVerdicts(records: RecordedResource[]): Promise<string[]> {
  return (await pack.judge(records)).map((v) => `${v.policyName} ${v.resourceName}: ${v.message}`);
}

describe("azuread-federated-credential-writer-environment-subject", () => {
  const policy = "azuread-federated-credential-writer-environment-subject";
  it("accepts an environment subject for a principal with Contributor", async () => {
    expect(await stackVerdicts(principalStack("repo:octo-org/ml-platform:environment:prod", ["Contributor"]))).toEqual([]);
  });
  it("accepts a pull_request subject for a principal that only reads", async () => {
    expect(await stackVerdicts(principalStack("repo:octo-org/ml-platform:pull_request", ["Reader", "AcrPull"]))).toEqual([]);
  });
  for (const [subject, kind] of [
    ["repo:octo-org/ml-platform:pull_request", "pull_request"],
    ["repo:octo-org/ml-platform:ref:refs/heads/main", "branch"],
    ["repo:octo-org/ml-platform:ref:refs/tags/v1", "tag"],
  ] as const) {
    it(`refuses a ${kind} subject for a principal with Contributor`, async () => {
      expect(await stackVerdicts(principalStack(subject, ["Reader", "Contributor"]))).toEqual([
        `${policy} deployer-fic: The federated credential 'deployer-fic' must trust a GitHub environment subject (repo:OWNER/REPO:environment:NAME), since 'deployer-sp' holds Contributor; ${JSON.stringify(subject)} does not.`,
      ]);
    });
  }
  it("follows a managed identity's credential to its role assignments", async () => {
    const identity = resourceRecord(t.identity, "deployer-id", { resourceName: "id-deployer", name: "id-deployer", principalId: "77777777-8888-4777-8666-555555555555" });
    const fic = resourceRecord(t.identityFic, "deployer-id-fic", { resourceGroupName: "rg", resourceName: "id-deployer", issuer: github, audiences: [exchange], subject: "repo:octo-org/ml-platform:ref:refs/heads/main" }, { resourceName: [identity.urn] });
    const ra = resourceRecord(t.roleAssignment, "deployer-id-push", { scope: rg, principalId: "77777777-8888-4777-8666-555555555555", principalType: "ServicePrincipal", roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles.AcrPush}` });
    expect(await stackVerdicts([identity, fic, ra])).toEqual([
      `${policy} deployer-id-fic: The federated credential 'deployer-id-fic' must trust a GitHub environment subject (repo:OWNER/REPO:environment:NAME), since 'deployer-id' holds AcrPush; "repo:octo-org/ml-platform:ref:refs/heads/main" does not.`,
    ]);
  });
});

describe("azuread-application-federated-credential-limit", () => {
  it("refuses a 21st federated credential on one application and accepts 20", async () => {
    const app = resourceRecord(t.application, "busy-app", { displayName: "busy" });
    const fics = (n: number): RecordedResource[] =>
      Array.from({ length: n }, (_, i) => resourceRecord(t.fic, `busy-fic-${i}`, credential(`repo:octo-org/ml-platform:environment:e${i}`), { applicationId: [app.urn] }));
    expect(await stackVerdicts([app, ...fics(20)])).toEqual([]);
    expect(await stackVerdicts([app, ...fics(21)])).toEqual([
      "azuread-application-federated-credential-limit busy-app: 'busy-app' must have at most 20 federated identity credentials (it has 21).",
    ]);
  });
});
