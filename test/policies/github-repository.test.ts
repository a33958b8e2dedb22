import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const T = {
  repository: "github:index/repository:Repository",
  alerts: "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts",
  dependabot: "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates",
  webhook: "github:index/repositoryWebhook:RepositoryWebhook",
  orgWebhook: "github:index/organizationWebhook:OrganizationWebhook",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  orgRuleset: "github:index/organizationRuleset:OrganizationRuleset",
  workflow: "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
  actions: "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
  file: "github:index/repositoryFile:RepositoryFile",
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

/** A repository that passes every repository policy of the strict pack. */
const compliant = (): Record<string, unknown> => ({
  name: "ml",
  visibility: "private",
  allowForking: false,
  allowMergeCommit: false,
  deleteBranchOnMerge: true,
  securityAndAnalysis: {
    advancedSecurity: { status: "enabled" },
    secretScanning: { status: "enabled" },
    secretScanningPushProtection: { status: "enabled" },
  },
});

async function verdicts(type: string, props: Record<string, unknown>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("a compliant repository", () => {
  it("passes every resource policy", async () => {
    expect(await verdicts(T.repository, compliant())).toEqual({});
  });
});

describe("when one setting of the repository is flipped", () => {
  type Case = [string, (p: Record<string, unknown>) => void, Record<string, string[]>];
  const sa = (p: Record<string, unknown>) => p["securityAndAnalysis"] as Record<string, unknown>;
  const cases: Case[] = [
    ["it is public", (p) => (p["visibility"] = "public"), { "github-repository-private": ["The repository must be private or internal (it is public)."] }],
    [
      "no visibility is set",
      (p) => {
        delete p["visibility"];
        delete p["allowForking"];
      },
      { "github-repository-private": ["The repository must be private or internal (no visibility is set, and GitHub creates it public)."] },
    ],
    [
      "secret scanning is off",
      (p) => (sa(p)["secretScanning"] = { status: "disabled" }),
      { "github-repository-secret-scanning": ["The repository must have secret scanning enabled."] },
    ],
    [
      "push protection is left out",
      (p) => delete sa(p)["secretScanningPushProtection"],
      { "github-repository-secret-scanning": ["The repository must have secret scanning push protection enabled."] },
    ],
    [
      "no security settings are given",
      (p) => delete p["securityAndAnalysis"],
      {
        "github-repository-secret-scanning": [
          "The repository must have secret scanning enabled.",
          "The repository must have secret scanning push protection enabled.",
        ],
      },
    ],
    [
      "its deprecated vulnerabilityAlerts is false",
      (p) => (p["vulnerabilityAlerts"] = false),
      { "github-repository-vulnerability-alerts": ["The repository must have vulnerability alerts enabled."] },
    ],
    ["forks are allowed", (p) => (p["allowForking"] = true), { "github-repository-forking-disabled": ["The repository must disable forking (it allows forks)."] }],
    [
      "forking is left to the organization",
      (p) => delete p["allowForking"],
      { "github-repository-forking-disabled": ["The repository must disable forking (allowForking is unset, so the organization's setting decides)."] },
    ],
    [
      "merge commits are allowed",
      (p) => delete p["allowMergeCommit"],
      { "github-repository-merge-settings": ["The repository must disable merge commits (squash or rebase merges only)."] },
    ],
    [
      "merged branches are kept",
      (p) => (p["deleteBranchOnMerge"] = false),
      { "github-repository-merge-settings": ["The repository must delete head branches when their pull requests merge."] },
    ],
  ];
  for (const [when, flip, expected] of cases) {
    it(`refuses it when ${when}`, async () => {
      const props = compliant();
      flip(props);
      expect(await verdicts(T.repository, props)).toEqual(expected);
    });
  }

  it("accepts a public repository when `allowPublic` is set, and never asks it to disable forking", async () => {
    await pack.configure({ "github-repository-private": { allowPublic: true } });
    try {
      const open: Record<string, unknown> = { ...compliant(), visibility: "public" };
      delete open["allowForking"];
      expect(await verdicts(T.repository, open)).toEqual({});
    } finally {
      await pack.configure({});
    }
  });
});

describe("repository security resources", () => {
  it("refuses vulnerability alerts turned off and accepts them on (or left to the default, on)", async () => {
    expect(await verdicts(T.alerts, { repository: "ml", enabled: false })).toEqual({
      "github-repository-vulnerability-alerts": ["The repository's vulnerability alerts must be enabled."],
    });
    expect(await verdicts(T.alerts, { repository: "ml", enabled: true })).toEqual({});
    expect(await verdicts(T.alerts, { repository: "ml" })).toEqual({});
  });
  it("refuses Dependabot security updates off and accepts them on", async () => {
    expect(await verdicts(T.dependabot, { repository: "ml", enabled: false })).toEqual({
      "github-repository-dependabot-security-updates": ["The repository must have Dependabot security updates enabled."],
    });
    expect(await verdicts(T.dependabot, { repository: "ml", enabled: true })).toEqual({});
  });
});

describe("github-repository-webhook-secure", () => {
  const good = { url: "https://hooks.example.com/github", contentType: "json", insecureSsl: false, secret: "s3cret" };
  it("accepts an https webhook with a secret, for repositories and organizations", async () => {
    expect(await verdicts(T.webhook, { repository: "ml", events: ["push"], configuration: good })).toEqual({});
    expect(await verdicts(T.orgWebhook, { events: ["push"], configuration: good })).toEqual({});
  });
  it("refuses plain http, skipped TLS verification and a missing secret", async () => {
    expect(await verdicts(T.webhook, { repository: "ml", events: ["push"], configuration: { url: "http://hooks.example.com", insecureSsl: true } })).toEqual({
      "github-repository-webhook-secure": [
        "The webhook must deliver to an https:// URL.",
        "The webhook must verify TLS certificates (insecureSsl must be false).",
        "The webhook must have a secret, so the receiver can verify its payloads.",
      ],
    });
  });
});

describe("github-ruleset-enforcement-active", () => {
  const base = { repository: "ml", target: "branch", rules: { deletion: true } };
  it("accepts an active branch ruleset, and an evaluating tag ruleset", async () => {
    expect(await verdicts(T.ruleset, { ...base, enforcement: "active" })).toEqual({});
    expect(await verdicts(T.ruleset, { ...base, target: "tag", enforcement: "evaluate" })).toEqual({});
  });
  it("refuses a branch ruleset that only evaluates or is disabled", async () => {
    expect(await verdicts(T.ruleset, { ...base, enforcement: "evaluate" })).toEqual({
      "github-ruleset-enforcement-active": ["The ruleset must be active (its enforcement is 'evaluate')."],
    });
    expect(await verdicts(T.orgRuleset, { ...base, enforcement: "disabled" })).toEqual({
      "github-ruleset-enforcement-active": ["The organization ruleset must be active (its enforcement is 'disabled')."],
    });
  });
});

describe("github-repository-security-settings-managed", () => {
  const policy = "github-repository-security-settings-managed";
  const repo = resourceRecord(T.repository, "ml-repo", compliant());
  const dep = { repository: [repo.urn] };
  const complete = [
    repo,
    resourceRecord(T.alerts, "alerts", { repository: "ml", enabled: true }, dep),
    resourceRecord(T.dependabot, "dependabot", { repository: "ml", enabled: true }, dep),
    resourceRecord(T.workflow, "workflow", { repository: "ml", defaultWorkflowPermissions: "read", canApprovePullRequestReviews: false }, dep),
    resourceRecord(T.actions, "actions", { repository: "ml", allowedActions: "selected", shaPinningRequired: true }, dep),
    resourceRecord(T.file, "codeowners", { repository: "ml", file: ".github/CODEOWNERS", content: "* @octo-org/ml\n" }, dep),
  ];
  it("accepts a repository whose security resources are all in the stack", async () => {
    expect(messagesOf(await pack.judge(complete), policy)).toEqual([]);
  });
  it("names each missing resource", async () => {
    expect(messagesOf(await pack.judge([repo]), policy)).toEqual([
      "The repository 'ml' must enable vulnerability alerts (github.RepositoryVulnerabilityAlerts).",
      "The repository 'ml' must enable Dependabot security updates (github.RepositoryDependabotSecurityUpdates).",
      "The repository 'ml' must set its workflows' token permissions (github.WorkflowRepositoryPermissions).",
      "The repository 'ml' must restrict which actions may run (github.ActionsRepositoryPermissions).",
      "The repository 'ml' must have a CODEOWNERS file (a github.RepositoryFile at .github/CODEOWNERS).",
    ]);
  });
  it("does not count another repository's resources", async () => {
    const other = resourceRecord(T.file, "other-codeowners", { repository: "other", file: "CODEOWNERS", content: "* @x/y\n" });
    expect(messagesOf(await pack.judge([...complete.filter((r) => r.name !== "codeowners"), other]), policy)).toEqual([
      "The repository 'ml' must have a CODEOWNERS file (a github.RepositoryFile at .github/CODEOWNERS).",
    ]);
  });
});
