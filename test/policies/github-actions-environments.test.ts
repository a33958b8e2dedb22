import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPack, type TestPack } from "../support/harness";

const T = {
  workflow: "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
  orgWorkflow: "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions",
  actions: "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
  orgActions: "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions",
  secret: "github:index/actionsSecret:ActionsSecret",
  envSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  deploymentPolicy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  branchPolicy: "github:index/repositoryDeploymentBranchPolicy:RepositoryDeploymentBranchPolicy",
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());
afterEach(() => pack.configure({}));

async function verdicts(type: string, props: Record<string, unknown>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("workflow token permissions", () => {
  it("accept a read-only token that cannot approve pull requests", async () => {
    expect(await verdicts(T.workflow, { repository: "ml", defaultWorkflowPermissions: "read", canApprovePullRequestReviews: false })).toEqual({});
    expect(await verdicts(T.orgWorkflow, { organizationSlug: "octo-org" })).toEqual({});
  });
  it("refuse a write token by default", async () => {
    expect(await verdicts(T.workflow, { repository: "ml", defaultWorkflowPermissions: "write" })).toEqual({
      "github-actions-token-read-only": ["The repository's workflows must get a read-only token by default (it is 'write')."],
    });
    expect(await verdicts(T.workflow, { repository: "ml" })).toEqual({
      "github-actions-token-read-only": ["The repository's workflows must get a read-only token by default (defaultWorkflowPermissions is unset)."],
    });
    expect(await verdicts(T.orgWorkflow, { organizationSlug: "octo-org", defaultWorkflowPermissions: "write" })).toEqual({
      "github-actions-token-read-only": ["The organization's workflows must get a read-only token by default (it is 'write')."],
    });
  });
  it("refuse workflows that can approve pull requests", async () => {
    expect(await verdicts(T.workflow, { repository: "ml", defaultWorkflowPermissions: "read", canApprovePullRequestReviews: true })).toEqual({
      "github-actions-cannot-approve-pull-requests": ["The repository's workflows must not be able to approve pull requests."],
    });
    expect(await verdicts(T.orgWorkflow, { organizationSlug: "octo-org", canApprovePullRequestReviews: true })).toEqual({
      "github-actions-cannot-approve-pull-requests": ["The organization's workflows must not be able to approve pull requests."],
    });
  });
});

describe("allowed actions", () => {
  const selected = {
    repository: "ml",
    enabled: true,
    allowedActions: "selected",
    allowedActionsConfig: { githubOwnedAllowed: true, patternsAlloweds: ["azure/login@*"] },
    shaPinningRequired: true,
  };
  it("accept selected, SHA-pinned actions, and Actions turned off", async () => {
    expect(await verdicts(T.actions, selected)).toEqual({});
    expect(await verdicts(T.actions, { repository: "ml", enabled: false })).toEqual({});
    expect(await verdicts(T.orgActions, { enabledRepositories: "all", allowedActions: "localOnly", shaPinningRequired: true })).toEqual({});
  });
  it("refuse every action, a `*` pattern, and unpinned actions", async () => {
    expect(await verdicts(T.actions, { ...selected, allowedActions: "all" })).toEqual({
      "github-actions-allowed-actions-restricted": ["The repository must allow only selected actions to run (allowedActions is 'all')."],
    });
    expect(await verdicts(T.actions, { repository: "ml", shaPinningRequired: true })).toEqual({
      "github-actions-allowed-actions-restricted": ["The repository must allow only selected actions to run (allowedActions is unset, so every action may run)."],
    });
    expect(await verdicts(T.actions, { ...selected, allowedActionsConfig: { githubOwnedAllowed: true, patternsAlloweds: ["*"] } })).toEqual({
      "github-actions-allowed-actions-restricted": ["The repository must allow only selected actions to run (the pattern '*' allows every action)."],
    });
    expect(await verdicts(T.actions, { ...selected, shaPinningRequired: false })).toEqual({
      "github-actions-sha-pinning-required": ["The repository must require actions to be pinned to a full commit SHA."],
    });
    expect(await verdicts(T.orgActions, { enabledRepositories: "all", allowedActions: "all" })).toEqual({
      "github-actions-allowed-actions-restricted": ["The organization must allow only selected actions to run (allowedActions is 'all')."],
      "github-actions-sha-pinning-required": ["The organization must require actions to be pinned to a full commit SHA."],
    });
  });
});

describe("github-actions-secret-encrypted", () => {
  it("refuses a plaintextValue and accepts an encrypted value", async () => {
    expect(await verdicts(T.secret, { repository: "ml", secretName: "TOKEN", plaintextValue: "x" })).toEqual({
      "github-actions-secret-encrypted": ["The Actions secret 'TOKEN' must not be given as plaintextValue."],
    });
    expect(await verdicts(T.envSecret, { repository: "ml", environment: "production", secretName: "TOKEN", plaintextValue: "x" })).toEqual({
      "github-actions-secret-encrypted": ["The Actions environment secret 'TOKEN' must not be given as plaintextValue."],
    });
    expect(await verdicts(T.secret, { repository: "ml", secretName: "TOKEN", valueEncrypted: "b64", keyId: "k" })).toEqual({});
  });
});

describe("production environments", () => {
  /** A production environment that passes every environment policy. */
  const production = (): Record<string, unknown> => ({
    repository: "ml",
    environment: "production",
    reviewers: [{ teams: [4242] }],
    preventSelfReview: true,
    canAdminsBypass: false,
    waitTimer: 15,
    deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false },
  });
  it("accept a reviewed environment that only the production branch deploys to", async () => {
    expect(await verdicts(T.environment, production())).toEqual({});
  });
  const cases: [string, (p: Record<string, unknown>) => void, Record<string, string[]>][] = [
    [
      "it has no reviewer",
      (p) => delete p["reviewers"],
      { "github-environment-requires-reviewers": ["The environment 'production' must require a reviewer to approve each deployment."] },
    ],
    [
      "its reviewer list is empty",
      (p) => (p["reviewers"] = [{ teams: [], users: [] }]),
      { "github-environment-requires-reviewers": ["The environment 'production' must require a reviewer to approve each deployment."] },
    ],
    [
      "the author may approve",
      (p) => (p["preventSelfReview"] = false),
      { "github-environment-requires-reviewers": ["The environment 'production' must prevent the person who started a deployment from approving it."] },
    ],
    [
      "admins may bypass it (GitHub's default)",
      (p) => delete p["canAdminsBypass"],
      { "github-environment-admins-cannot-bypass": ["The environment 'production' must not let repository administrators bypass its protection rules."] },
    ],
    [
      "any branch may deploy",
      (p) => delete p["deploymentBranchPolicy"],
      { "github-environment-deployment-branches-restricted": ["The environment 'production' must restrict which branches may deploy to it (every branch may)."] },
    ],
    [
      "every protected branch may deploy",
      (p) => (p["deploymentBranchPolicy"] = { customBranchPolicies: false, protectedBranches: true }),
      { "github-environment-deployment-branches-restricted": ["The environment 'production' must allow only named branches to deploy, not every protected branch."] },
    ],
  ];
  for (const [when, flip, expected] of cases) {
    it(`refuse it when ${when}`, async () => {
      const props = production();
      flip(props);
      expect(await verdicts(T.environment, props)).toEqual(expected);
    });
  }
  it("leave a staging environment to the team unless the knob lists it", async () => {
    const staging = { repository: "ml", environment: "staging" };
    expect(await verdicts(T.environment, staging)).toEqual({});
    await pack.configure({ "github-environment-requires-reviewers": { environments: ["production", "staging"] } });
    expect(await verdicts(T.environment, staging)).toEqual({
      "github-environment-requires-reviewers": [
        "The environment 'staging' must require a reviewer to approve each deployment.",
        "The environment 'staging' must prevent the person who started a deployment from approving it.",
      ],
    });
  });
  it("match environment names without regard to case", async () => {
    expect(await verdicts(T.environment, { ...production(), environment: "Production", canAdminsBypass: true })).toEqual({
      "github-environment-admins-cannot-bypass": ["The environment 'Production' must not let repository administrators bypass its protection rules."],
    });
  });
});

describe("github-environment-deployment-branch-allowed", () => {
  it("accepts production deploying from production, and staging from main", async () => {
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "production", branchPattern: "production" })).toEqual({});
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "staging", branchPattern: "main" })).toEqual({});
    expect(await verdicts(T.branchPolicy, { repository: "ml", environmentName: "production", name: "production" })).toEqual({});
  });
  it("refuses production deploying from main, a pattern or a tag", async () => {
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "production", branchPattern: "main" })).toEqual({
      "github-environment-deployment-branch-allowed": ["The environment 'production' must deploy only from 'production' (this policy allows 'main')."],
    });
    expect(await verdicts(T.branchPolicy, { repository: "ml", environmentName: "production", name: "*" })).toEqual({
      "github-environment-deployment-branch-allowed": ["The environment 'production' must deploy only from 'production' (this policy allows '*')."],
    });
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "production", tagPattern: "v*" })).toEqual({
      "github-environment-deployment-branch-allowed": ["The environment 'production' must not deploy from tags (this policy allows 'v*')."],
    });
  });
  it("follows `allowedBranches` and `allowTags`", async () => {
    await pack.configure({ "github-environment-deployment-branch-allowed": { allowedBranches: ["release"], allowTags: true } });
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "production", branchPattern: "release" })).toEqual({});
    expect(await verdicts(T.deploymentPolicy, { repository: "ml", environment: "production", tagPattern: "v*" })).toEqual({});
  });
});
