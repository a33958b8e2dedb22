import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cliWithin } from "../support/cli";

const cli = cliWithin(120_000);

interface JsonViolation {
  policyName: string;
  urn: string;
  message: string;
  enforcementLevel: string;
}

function previewJson(...args: string[]): { status: number | null; violations: JsonViolation[]; resources: { type: string; name: string }[] } {
  const r = cli("preview", ...args, "--json");
  const doc = JSON.parse(r.stdout) as { violations: JsonViolation[]; resources: { type: string; name: string }[] };
  return { status: r.status, ...doc };
}

const fixture = (name: string): string => path.join("test", "fixtures", "programs", name);

describe("secure-mlops preview --program refuses identity mistakes", () => {
  it("exits 1 for Owner on the subscription given to a user, naming the policies and the resource", () => {
    const r = previewJson("--program", fixture("owner-to-user"));
    expect(r.status).toBe(1);
    const urn = "urn:pulumi:dev::owner-to-user::azure-native:authorization:RoleAssignment::alice-owner";
    expect(r.violations.map((v) => [v.policyName, v.urn, v.enforcementLevel, v.message]).sort()).toEqual([
      ["azure-authorization-role-assignment-delegation-condition", urn, "mandatory", "The role assignment of Owner must carry an ABAC condition that limits which roles it may assign and to which principal types."],
      ["azure-authorization-role-assignment-no-user-principal", urn, "mandatory", "The role assignment must grant the role to a group or service principal, not to a user."],
      ["azure-authorization-role-assignment-privileged-scope", urn, "mandatory", 'The role assignment must not grant Owner at the subscription "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"; grant it on a resource group or resource.'],
    ]);
  });

  it("exits 1 for an application password, naming the policy and the resource", () => {
    const r = cli("preview", "--program", fixture("application-password"));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /mandatory\s+critical\s+azuread-application-password-forbidden\s+ci-secret \(azuread:index\/applicationPassword:ApplicationPassword\)\s+AML\.M0005 AML\.M0019\s+The application password must not be created; use a federated identity credential \(OIDC\) or a managed identity instead\./,
    );
    expect(r.stdout).toMatch(/^3 resources; 1 mandatory and 0 advisory violations\.$/m);
  });

  it("exits 1 for the federated subject repo:org/*, naming the policy and the resource", () => {
    const r = previewJson("--program", fixture("wildcard-subject"));
    expect(r.status).toBe(1);
    expect(r.violations.map((v) => [v.policyName, v.urn, v.message])).toEqual([
      [
        "azuread-federated-credential-pinned-subject",
        "urn:pulumi:dev::wildcard-subject::azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential::org-wide",
        'The federated credential must trust one GitHub repository in one pinned context; the subject "repo:org/*" is refused: it contains a wildcard; it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches.',
      ],
    ]);
  });
});

describe("the stacks' identity", () => {
  for (const env of ["dev", "staging", "prod"]) {
    it(`${env} creates the persona groups, their role assignments and one deployer, and passes its pack config`, () => {
      const r = previewJson("--stack", env, "--policy-config", `policies/config/${env}.json`);
      expect(r.violations).toEqual([]);
      expect(r.status).toBe(0);
      const names = (t: string): string[] => r.resources.filter((x) => x.type === t).map((x) => x.name).sort();
      expect(names("azuread:index/group:Group")).toEqual(["platform-access-data-scientists", "platform-access-ml-engineers", "platform-access-platform-admins", "platform-access-readers"]);
      expect(names("azuread:index/application:Application")).toEqual(["platform-deployer-app"]);
      expect(names("azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential")).toEqual([`platform-deployer-fic-environment-${env === "prod" ? "production" : env}`]);
      expect(names("azure-native:authorization:RoleAssignment")).toEqual(
        expect.arrayContaining(["platform-access-platform-admins-contributor-resourcegroup", "platform-access-readers-reader-resourcegroup", "platform-deployer-role-contributor", "platform-deployer-role-role-assignments"]),
      );
      expect(r.resources.some((x) => /Password|Certificate/.test(x.type))).toBe(false);
    });
  }
  it("prod passes the strict pack with no config at all", () => {
    expect(previewJson("--stack", "prod").violations).toEqual([]);
  });
});
