import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itCatchesEachRelaxation } from "../support/relaxations";
import type { RecordedResource } from "../../preview/recorder";
import { expectArgumentError } from "../support/argument-error";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { ProtectedRepository, ProtectedEnvironment, protectedRepositoryDefaults, protectedEnvironmentDefaults, defaultBranchRules } =
  await import("../../components");
const { parse } = await import("yaml");
type Args = ConstructorParameters<typeof ProtectedRepository>[1];
type EnvArgs = ConstructorParameters<typeof ProtectedEnvironment>[1];

const teams = { developers: "ml-engineers", admins: "platform-admins" };
const minimal: Args = { owner: "octo-org", teams };
/** The team id the offline mocks give a slug (github.getTeam). */
const teamId = (slug: string): number => parseInt(createHash("sha256").update(`team:${slug}`).digest("hex").slice(0, 7), 16);

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
/** Builds the component under a fresh name and returns what it registered. */
function build(args: Args): Promise<RecordedResource[]> {
  const name = `repo${++counter}`;
  return record(() => new ProtectedRepository(name, args));
}
const byName = (rs: RecordedResource[], suffix: string): RecordedResource => {
  const found = rs.find((r) => r.name === `repo${counter}-${suffix}`);
  if (!found) throw new Error(`no child ${suffix}`);
  return found;
};
const mandatory = async (rs: RecordedResource[]): Promise<string[]> =>
  (await pack.judge(rs)).filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policyName}: ${v.message}`);

describe("ProtectedRepository with its defaults", () => {
  it("creates the repository, its rules per the branch table, environments, settings and managed files", async () => {
    const rs = await build(minimal);
    const n = `repo${counter}`;
    expect(rs.map((r) => `${r.type.replace(/^github:index\/[a-zA-Z0-9]+:/, "github:")}::${r.name}`).sort()).toEqual(
      [
        `secure-mlops:github:ProtectedRepository::${n}`,
        `github:Repository::${n}-repo`,
        `github:BranchDefault::${n}-default-branch`,
        `github:TeamRepository::${n}-team-developers`,
        `github:TeamRepository::${n}-team-admins`,
        `github:RepositoryVulnerabilityAlerts::${n}-vulnerability-alerts`,
        `github:RepositoryDependabotSecurityUpdates::${n}-dependabot-security-updates`,
        `github:ActionsRepositoryPermissions::${n}-actions-permissions`,
        `github:WorkflowRepositoryPermissions::${n}-workflow-permissions`,
        `github:Branch::${n}-branch-production`,
        `github:Branch::${n}-files-branch`,
        `github:RepositoryFile::${n}-file-codeowners`,
        `github:RepositoryFile::${n}-file-pre-commit`,
        `github:RepositoryFile::${n}-file-preview-workflow`,
        `github:RepositoryFile::${n}-file-codeql-workflow`,
        `github:RepositoryFile::${n}-file-source-branch-workflow`,
        `github:RepositoryFile::${n}-file-deploy-workflow`,
        `github:RepositoryFile::${n}-file-model-release-workflow`,
        `github:RepositoryFile::${n}-file-image-release-workflow`,
        `github:RepositoryFile::${n}-file-dast-workflow`,
        `github:RepositoryFile::${n}-file-drift-workflow`,
        `github:RepositoryFile::${n}-file-dependabot`,
        `github:RepositoryPullRequest::${n}-files-pull-request`,
        `github:RepositoryRuleset::${n}-ruleset-main`,
        `github:RepositoryRuleset::${n}-ruleset-production`,
        `github:BranchProtection::${n}-push-restriction-main`,
        `github:BranchProtection::${n}-push-restriction-production`,
        `secure-mlops:github:ProtectedEnvironment::${n}-env-staging`,
        `github:RepositoryEnvironment::${n}-env-staging-environment`,
        `github:RepositoryEnvironmentDeploymentPolicy::${n}-env-staging-deploy-from-main`,
        `secure-mlops:github:ProtectedEnvironment::${n}-env-production`,
        `github:RepositoryEnvironment::${n}-env-production-environment`,
        `github:RepositoryEnvironmentDeploymentPolicy::${n}-env-production-deploy-from-production`,
      ].sort(),
    );
  });

  it("passes every policy of the strict pack", async () => {
    expect(await mandatory(await build(minimal))).toEqual([]);
  });

  it("passes the strict pack in branchProtection mode too (classic rules only)", async () => {
    const rs = await build({ ...minimal, protectionMode: "branchProtection" });
    expect(rs.filter((r) => r.type.endsWith(":RepositoryRuleset"))).toEqual([]);
    expect(await mandatory(rs)).toEqual([]);
  });

  it("writes the repository's settings exactly", async () => {
    const rs = await build(minimal);
    expect(byName(rs, "repo").inputs).toEqual({
      name: `repo${counter}`,
      visibility: "private",
      autoInit: true,
      hasWiki: false,
      hasProjects: false,
      hasDiscussions: false,
      hasIssues: true,
      allowMergeCommit: false,
      allowSquashMerge: true,
      allowRebaseMerge: false,
      allowAutoMerge: false,
      allowUpdateBranch: true,
      deleteBranchOnMerge: true,
      squashMergeCommitTitle: "PR_TITLE",
      squashMergeCommitMessage: "PR_BODY",
      webCommitSignoffRequired: true,
      allowForking: false,
      archiveOnDestroy: true,
      securityAndAnalysis: {
        advancedSecurity: { status: "enabled" },
        secretScanning: { status: "enabled" },
        secretScanningPushProtection: { status: "enabled" },
      },
    });
  });

  it("protects main with a ruleset that nobody bypasses, requiring the preview from GitHub Actions", async () => {
    const rs = await build(minimal);
    expect(byName(rs, "ruleset-main").inputs).toEqual({
      repository: `repo${counter}`,
      name: "secure-mlops main",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      bypassActors: [],
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredLinearHistory: true,
        requiredSignatures: true,
        pullRequest: {
          requiredApprovingReviewCount: 2,
          dismissStaleReviewsOnPush: true,
          requireCodeOwnerReview: true,
          requireLastPushApproval: true,
          requiredReviewThreadResolution: true,
          allowedMergeMethods: ["squash"],
        },
        requiredStatusChecks: {
          requiredChecks: [{ context: "secure-mlops preview", integrationId: 15368 }],
          strictRequiredStatusChecksPolicy: true,
          doNotEnforceOnCreate: true,
        },
      },
    });
  });

  it("takes pull requests into production from main only, after a staging deployment", async () => {
    const rs = await build(minimal);
    const rules = byName(rs, "ruleset-production").inputs["rules"] as Record<string, unknown>;
    expect(rules["requiredDeployments"]).toEqual({ requiredDeploymentEnvironments: ["staging"] });
    expect((rules["requiredStatusChecks"] as { requiredChecks: unknown[] }).requiredChecks).toEqual([
      { context: "secure-mlops preview", integrationId: 15368 },
      { context: "secure-mlops source branch", integrationId: 15368 },
    ]);
    const workflow = parse(String(byName(rs, "file-source-branch-workflow").inputs["content"])) as {
      on: { pull_request: { branches: string[] } };
      jobs: { "source-branch": { name: string; steps: { run: string }[] } };
    };
    expect(workflow.on.pull_request.branches).toEqual(["production"]);
    expect(workflow.jobs["source-branch"].name).toBe("secure-mlops source branch");
    expect(workflow.jobs["source-branch"].steps[0]?.run).toContain('"production:main") exit 0 ;;');
    expect(workflow.jobs["source-branch"].steps[0]?.run).toContain('if [ "$HEAD_REPO" != "$REPO" ]');
  });

  it("lets only the admins team merge into the branches developers may only read", async () => {
    const rs = await build(minimal);
    expect(byName(rs, "push-restriction-main").inputs).toEqual({
      repositoryId: `repo${counter}`,
      pattern: "main",
      enforceAdmins: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      restrictPushes: [{ blocksCreations: true, pushAllowances: ["octo-org/platform-admins"] }],
    });
    expect(byName(rs, "team-developers").inputs).toEqual({ repository: `repo${counter}`, teamId: "ml-engineers", permission: "push" });
    expect(byName(rs, "team-admins").inputs).toEqual({ repository: `repo${counter}`, teamId: "platform-admins", permission: "maintain" });
    expect(rs.some((r) => r.name.endsWith("-feat-star"))).toBe(false);
  });

  it("guards production with the admins team's review, no admin bypass, and deployments from production only", async () => {
    const rs = await build(minimal);
    expect(byName(rs, "env-production-environment").inputs).toEqual({
      repository: `repo${counter}`,
      environment: "production",
      reviewers: [{ teams: [teamId("platform-admins")] }],
      waitTimer: 0,
      preventSelfReview: true,
      canAdminsBypass: false,
      deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false },
    });
    expect(byName(rs, "env-production-deploy-from-production").inputs).toEqual({
      repository: `repo${counter}`,
      environment: "production",
      branchPattern: "production",
    });
    expect(byName(rs, "env-staging-deploy-from-main").inputs["branchPattern"]).toBe("main");
  });

  it("restricts Actions to GitHub's own and listed actions, pinned by SHA, with a read-only token", async () => {
    const rs = await build(minimal);
    expect(byName(rs, "actions-permissions").inputs).toEqual({
      repository: `repo${counter}`,
      enabled: true,
      allowedActions: "selected",
      allowedActionsConfig: { githubOwnedAllowed: true, verifiedAllowed: false, patternsAlloweds: ["azure/login@*", "pulumi/actions@*", "aquasecurity/trivy-action@*", "zaproxy/action-baseline@*"] },
      shaPinningRequired: true,
    });
    expect(byName(rs, "workflow-permissions").inputs).toEqual({
      repository: `repo${counter}`,
      defaultWorkflowPermissions: "read",
      canApprovePullRequestReviews: false,
    });
  });

  it("proposes its files on a content-addressed branch through a pull request into main", async () => {
    const rs = await build(minimal);
    const branch = String(byName(rs, "files-branch").inputs["branch"]);
    expect(branch).toMatch(/^secure-mlops\/managed-files-[0-9a-f]{8}$/);
    const files = rs.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile");
    expect(files.map((f) => [f.inputs["file"], f.inputs["branch"]])).toEqual(
      [
        ".github/CODEOWNERS",
        ".pre-commit-config.yaml",
        ".github/workflows/secure-mlops-preview.yml",
        ".github/workflows/codeql.yml",
        ".github/workflows/secure-mlops-source-branch.yml",
        ".github/workflows/secure-mlops-deploy.yml",
        ".github/workflows/secure-mlops-model-release.yml",
        ".github/workflows/secure-mlops-image-release.yml",
        ".github/workflows/secure-mlops-dast.yml",
        ".github/workflows/secure-mlops-drift.yml",
        ".github/dependabot.yml",
      ].map(
        (f) => [f, branch],
      ),
    );
    expect(byName(rs, "files-pull-request").inputs).toMatchObject({ baseRef: "main", headRef: branch, owner: "octo-org" });
    // Another version of the files is another branch.
    const other = await build({ ...minimal, preCommitConfig: "repos: []\n" });
    expect(String(other.find((r) => r.name.endsWith("-files-branch"))?.inputs["branch"])).not.toBe(branch);
  });

  it("writes CODEOWNERS, pre-commit and workflows whose actions are pinned to full SHAs", async () => {
    const rs = await build(minimal);
    const content = (suffix: string): string => String(byName(rs, suffix).inputs["content"]);
    expect(content("file-codeowners").split("\n").slice(1, 3)).toEqual(["*                        @octo-org/ml-engineers", "/.github/                @octo-org/platform-admins"]);
    const preCommit = parse(content("file-pre-commit")) as { repos: { repo: string; rev: string; hooks: { id: string }[] }[] };
    expect(preCommit.repos.map((r) => [r.repo, r.rev])).toEqual([
      ["https://github.com/pre-commit/pre-commit-hooks", "cef0300fd0fc4d2a87a85fa2093c6b283ea36f4b"],
      ["https://github.com/gitleaks/gitleaks", "83d9cd684c87d95d656c1458ef04895a7f1cbd8e"],
      ["https://github.com/astral-sh/ruff-pre-commit", "0c7b6c989466a93942def1f84baf36ddfcd60c83"],
    ]);
    expect(preCommit.repos.flatMap((r) => r.hooks.map((h) => h.id))).toEqual(
      expect.arrayContaining(["detect-private-key", "gitleaks", "ruff-format", "check-added-large-files"]),
    );
    for (const file of ["file-preview-workflow", "file-codeql-workflow"]) {
      const uses = [...content(file).matchAll(/uses: (\S+)/g)].map((m) => m[1] as string);
      expect(uses.length).toBeGreaterThan(0);
      for (const u of uses) expect(u).toMatch(/^[a-z-]+\/[a-z/-]+@[0-9a-f]{40}$/);
    }
    const preview = parse(content("file-preview-workflow")) as { permissions: unknown; jobs: { preview: { name: string } } };
    expect(preview.jobs.preview.name).toBe("secure-mlops preview");
    expect(preview.permissions).toEqual({ contents: "read" });
    const codeql = parse(content("file-codeql-workflow")) as { permissions: unknown; jobs: { analyze: { strategy: { matrix: { language: string[] } } } } };
    expect(codeql.permissions).toEqual({});
    expect(codeql.jobs.analyze.strategy.matrix.language).toEqual(["actions", "python"]);
  });

  it("outputs the repository's name, URL and ruleset ids", async () => {
    const repo = new ProtectedRepository("outputs-repo", minimal);
    const [full, url, ids] = await Promise.all([
      new Promise((resolve) => repo.fullName.apply(resolve)),
      new Promise((resolve) => repo.htmlUrl.apply(resolve)),
      new Promise<Record<string, number>>((resolve) => repo.rulesetIds.apply(resolve)),
    ]);
    expect(full).toBe("octo-org/outputs-repo");
    expect(url).toBe("https://github.com/octo-org/outputs-repo");
    expect(Object.keys(ids)).toEqual(["main", "production"]);
    expect(Object.keys(repo.environments)).toEqual(["staging", "production"]);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  // Every key of protectedRepositoryDefaults must appear here, with the policy that catches it or
  // the reason no policy can; a new default without either fails "lists every default".
  const relaxations: Record<keyof typeof protectedRepositoryDefaults, [Partial<Args>, string] | string> = {
    visibility: [{ visibility: "public" }, "github-repository-private"],
    secretScanning: [{ secretScanning: false }, "github-repository-secret-scanning"],
    secretScanningPushProtection: [{ secretScanningPushProtection: false }, "github-repository-secret-scanning"],
    vulnerabilityAlerts: [{ vulnerabilityAlerts: false }, "github-repository-vulnerability-alerts"],
    dependabotSecurityUpdates: [{ dependabotSecurityUpdates: false }, "github-repository-dependabot-security-updates"],
    shaPinningRequired: [{ shaPinningRequired: false }, "github-actions-sha-pinning-required"],
    defaultWorkflowPermissions: [{ defaultWorkflowPermissions: "write" }, "github-actions-token-read-only"],
    actionsCanApprovePullRequests: [{ actionsCanApprovePullRequests: true }, "github-actions-cannot-approve-pull-requests"],
    allowForking: [{ allowForking: true }, "github-repository-forking-disabled"],
    allowMergeCommit: [{ allowMergeCommit: true }, "github-repository-merge-settings"],
    deleteBranchOnMerge: [{ deleteBranchOnMerge: false }, "github-repository-merge-settings"],
    requiredStatusChecks: [{ requiredStatusChecks: ["unit tests"] }, "github-branch-protection-requires-status-checks"],
    protectionMode: "equivalent: branchProtection mode passes the strict pack too (tested above)",
    requireCodeScanningResults: "the default (off) is the relaxed value; turning it on is stricter",
    statusCheckIntegrationId: "which app reports a check is not visible to a policy judging other programs",
    advancedSecurity: "a licence choice; secret scanning itself is judged by github-repository-secret-scanning",
    codeqlLanguages: "CodeQL may come from GitHub's default setup or an organization security configuration the stack cannot see",
    allowedActions: "a `*` pattern is refused by validation and by github-actions-allowed-actions-restricted",
    allowRebaseMerge: "not a relaxation of review: rebase merges still need the same approvals",
    adminsPermission: "team roles are organization membership, outside what the pack judges",
    previewWorkflow: "the required check itself is judged by github-branch-protection-requires-status-checks",
    deliveryWorkflows: "a team may deliver its own way; `pulumi up` with the pack judges what is deployed, and the verifier what runs",
    dependabotVersionUpdates: "version updates are hygiene; security updates are judged",
    archiveOnDestroy: "what `pulumi destroy` does is not a deployed setting",
    defaultBranch: "a name, not a setting",
    managedFilesBranchPrefix: "a name, not a setting",
  };
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge(await build({ ...minimal, ...override })), {
    defaults: protectedRepositoryDefaults,
  });

  const table = (change: (rules: Args["branches"] & object) => void): Args => {
    const rules = defaultBranchRules.map((r) => ({ ...r }));
    change(rules);
    return { ...minimal, branches: rules };
  };
  const tableCases: [string, Args, string[]][] = [
    [
      "main needs one approval",
      table((r) => ((r[1] as { requiredApprovals?: number }).requiredApprovals = 1)),
      ["github-branch-protection-requires-reviews", "github-branch-protection-scorecard-tier"],
    ],
    [
      "production deploys from main",
      { ...minimal, environments: [{ name: "production", reviewerTeams: ["platform-admins"], deploymentBranches: ["main"] }] },
      ["github-environment-deployment-branch-allowed"],
    ],
  ];
  for (const [when, args, policies] of tableCases) {
    it(`is caught when ${when}`, async () => {
      const names = new Set((await mandatory(await build(args))).map((m) => m.split(":")[0]));
      expect([...names].sort()).toEqual([...policies].sort());
    });
  }
});

describe("ProtectedEnvironment on its own (an environment stack)", () => {
  const envMinimal: EnvArgs = { repository: "ml-platform", environment: "production", reviewerTeams: ["platform-admins"], deploymentBranches: ["production"] };
  const buildEnv = (args: EnvArgs): Promise<RecordedResource[]> => record(() => new ProtectedEnvironment(`env${++counter}`, args));

  it("creates the environment, its deployment branch policies and plain variables", async () => {
    const rs = await buildEnv({ ...envMinimal, waitTimerMinutes: 15, variables: { AZURE_CLIENT_ID: "0b5e7a1c-2d3f-4a6b-9c8d-7e6f5a4b3c2d" } });
    const n = `env${counter}`;
    expect(rs.map((r) => r.name)).toEqual([n, `${n}-environment`, `${n}-deploy-from-production`, `${n}-var-azure-client-id`]);
    expect(rs[1]?.inputs["waitTimer"]).toBe(15);
    expect(rs[3]?.inputs).toEqual({
      repository: "ml-platform",
      environment: "production",
      variableName: "AZURE_CLIENT_ID",
      value: "0b5e7a1c-2d3f-4a6b-9c8d-7e6f5a4b3c2d",
    });
    expect(await mandatory(rs)).toEqual([]);
  });

  const relaxations: Record<keyof typeof protectedEnvironmentDefaults, [Partial<EnvArgs>, string] | string> = {
    preventSelfReview: [{ preventSelfReview: false }, "github-environment-requires-reviewers"],
    canAdminsBypass: [{ canAdminsBypass: true }, "github-environment-admins-cannot-bypass"],
    deploymentBranches: [{ deploymentBranches: ["main"] }, "github-environment-deployment-branch-allowed"],
    waitTimerMinutes: "0 is the relaxed value; a wait is stricter",
  };
  itCatchesEachRelaxation<EnvArgs>(relaxations, async (override) => pack.judge(await buildEnv({ ...envMinimal, ...override })), {
    defaults: protectedEnvironmentDefaults,
  });
});

describe("when an argument is invalid", () => {
  const R = "secure-mlops:github:ProtectedRepository";
  const E = "secure-mlops:github:ProtectedEnvironment";
  const rules = (patch: Record<number, object>) => defaultBranchRules.map((r, i) => ({ ...r, ...(patch[i] ?? {}) }));
  const cases: [string, () => unknown, string][] = [
    ["the owner has a space", () => new ProtectedRepository("b1", { ...minimal, owner: "octo org" }), `${R}: [owner] must be a GitHub organization login (letters, digits and single dashes, at most 39), got "octo org"`],
    ["the developers team is not given", () => new ProtectedRepository("b2", { ...minimal, teams: { admins: "platform-admins" } as never }), `${R}: [teams.developers] is required: the slug of the developers team`],
    ["a team slug has capitals", () => new ProtectedRepository("b3", { ...minimal, teams: { developers: "ML Engineers", admins: "platform-admins" } }), `${R}: [teams.developers] must be a team slug (lower-case letters, digits, "-" and "_"), got "ML Engineers"`],
    ["both columns name one team", () => new ProtectedRepository("b4", { ...minimal, teams: { developers: "ml", admins: "ml" } }), `${R}: [teams.admins] must differ from teams.developers ("ml"), or "developers: read" restricts nobody`],
    [
      "a branch pattern is malformed",
      () => new ProtectedRepository("b5", { ...minimal, branches: rules({ 0: { pattern: "feat//x" } }) }),
      `${R}: [branches[0].pattern] is not a valid branch pattern: branch pattern "feat//x" has an empty path segment ("//") (at character 6)`,
    ],
    [
      "a branch pattern has a space",
      () => new ProtectedRepository("b6", { ...minimal, branches: rules({ 2: { pattern: "prod uction" } }) }),
      `${R}: [branches[2].pattern] is not a valid branch pattern: branch pattern "prod uction" has a space, which git does not allow in a branch name (at character 5)`,
    ],
    ["the default branch is unprotected", () => new ProtectedRepository("b7", { ...minimal, branches: rules({ 1: { pattern: "develop" } }) }), `${R}: [branches] must protect the default branch "main" (add a rule with protected: true whose pattern matches it)`],
    ["a branch asks for no approval", () => new ProtectedRepository("b8", { ...minimal, branches: rules({ 1: { requiredApprovals: 0 } }) }), `${R}: [branches[1].requiredApprovals] must be an integer from 1 to 6, got 0`],
    ["an unprotected branch is read-only for developers", () => new ProtectedRepository("b9", { ...minimal, branches: rules({ 0: { developers: "read" } }) }), `${R}: [branches[0].developers] must be "write" on an unprotected branch (a branch developers cannot write is a protected one)`],
    ["a source branch is a pattern", () => new ProtectedRepository("b10", { ...minimal, branches: rules({ 2: { sourceBranches: ["release/*"] } }) }), `${R}: [branches[2].sourceBranches[0]] must be a plain branch name (letters, digits, ".", "_", "-", "/"), got "release/*"`],
    [
      "an environment has no reviewer team",
      () => new ProtectedRepository("b11", { ...minimal, environments: [{ name: "staging", reviewerTeams: ["platform-admins"] }, { name: "production", reviewerTeams: [] }] }),
      `${R}: [environments[1].reviewerTeams] is required: at least one team (its slug) whose members approve deployments`,
    ],
    ["a wait timer is negative", () => new ProtectedRepository("b12", { ...minimal, environments: [{ name: "production", reviewerTeams: ["platform-admins"], waitTimerMinutes: -5 }] }), `${R}: [environments[0].waitTimerMinutes] must be an integer from 0 to 43200 (30 days), got -5`],
    ["a variable name is reserved", () => new ProtectedRepository("b13", { ...minimal, environments: [{ name: "production", reviewerTeams: ["platform-admins"], variables: { GITHUB_TOKEN: "x" } }] }), `${R}: [environments[0].variables.GITHUB_TOKEN] must not start with GITHUB_ (reserved by GitHub), got "GITHUB_TOKEN"`],
    ["a CodeQL language needs a build", () => new ProtectedRepository("b14", { ...minimal, codeqlLanguages: ["c-cpp"] }), `${R}: [codeqlLanguages[0]] must be one of actions, javascript-typescript, python, ruby (compiled languages need a build step the managed workflow does not have), got "c-cpp"`],
    ["every action is allowed", () => new ProtectedRepository("b15", { ...minimal, allowedActions: ["*/*"] }), `${R}: [allowedActions[0]] must not allow every action`],
    [
      "a delivery workflow path would be expanded by the shell",
      () => new ProtectedRepository("b15a", { ...minimal, deliveryWorkflows: { modelDir: "$(curl evil)" } }),
      `${R}: [deliveryWorkflows.modelDir] must be a path of letters, digits, ".", "_", "/" and "-", got "$(curl evil)"`,
    ],
    [
      "the release environment deploys no stack",
      () => new ProtectedRepository("b15b", { ...minimal, deliveryWorkflows: { releaseEnvironment: "qa" } }),
      `${R}: [deliveryWorkflows.releaseEnvironment] must be the environment of one of the stacks (staging, production), got "qa"`,
    ],
    ["a CODEOWNERS pattern negates", () => new ProtectedRepository("b16", { ...minimal, codeOwners: [{ pattern: "!docs/", owners: ["@octo-org/docs"] }] }), `${R}: [codeOwners[0].pattern] must be a CODEOWNERS path pattern without spaces, "!" negation or "[ ]" ranges (GitHub ignores those), got "!docs/"`],
    [
      "the managed files' branch is protected",
      () => new ProtectedRepository("b17", { ...minimal, branches: [...defaultBranchRules, { pattern: "secure-mlops/*", protected: true, developers: "read" }] }),
      `${R}: [managedFilesBranchPrefix] "secure-mlops/managed-files" falls under the protected pattern "secure-mlops/*", so the managed files could never be committed`,
    ],
    ["an environment name has a slash", () => new ProtectedEnvironment("b18", { repository: "ml", environment: "prod/eu", reviewerTeams: ["a"] }), `${E}: [environment] must be a GitHub environment name (letters, digits, ".", "_", "-" and inner spaces, at most 255), got "prod/eu"`],
    ["an environment lists seven teams", () => new ProtectedEnvironment("b19", { repository: "ml", environment: "production", reviewerTeams: ["a", "b", "c", "d", "e", "f", "g"] }), `${E}: [reviewerTeams] may list at most 6 teams (GitHub's limit), got 7`],
    ["a deployment branch is malformed", () => new ProtectedEnvironment("b20", { repository: "ml", environment: "production", reviewerTeams: ["a"], deploymentBranches: ["main."] }), `${E}: [deploymentBranches[0]] is not a valid branch pattern: branch pattern "main." ends with ".", which git does not allow (at character 5)`],
  ];
  for (const [when, construct, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.filter((r) => r.type.startsWith("github:")).length;
      expectArgumentError(construct, message);
      await record(() => undefined);
      expect(all.filter((r) => r.type.startsWith("github:")).length).toBe(before);
    });
  }
});
