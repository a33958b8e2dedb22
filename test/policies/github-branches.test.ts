import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { resourceRecord, startTestPack, type TestPack } from "../support/harness";

const T = {
  repository: "github:index/repository:Repository",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  orgRuleset: "github:index/organizationRuleset:OrganizationRuleset",
  protection: "github:index/branchProtection:BranchProtection",
  protectionV3: "github:index/branchProtectionV3:BranchProtectionV3",
  branchDefault: "github:index/branchDefault:BranchDefault",
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

type Props = Record<string, unknown>;

/** Ruleset rules that meet every branch policy of the strict pack. */
const strictRules = (): Props => ({
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
  },
  requiredStatusChecks: { requiredChecks: [{ context: "secure-mlops preview", integrationId: 15368 }], strictRequiredStatusChecksPolicy: true },
});

const repository = resourceRecord(T.repository, "ml-repo", { name: "ml", visibility: "private" });

function ruleset(name: string, props: Props = {}, rules: Props = strictRules()): RecordedResource {
  return resourceRecord(
    T.ruleset,
    name,
    {
      repository: "ml",
      name,
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      rules,
      ...props,
    },
    { repository: [repository.urn] },
  );
}

/** A classic branch protection rule that meets every branch policy. */
function classic(name: string, props: Props = {}): RecordedResource {
  return resourceRecord(T.protection, name, {
    repositoryId: "ml",
    pattern: "main",
    enforceAdmins: true,
    allowsForcePushes: false,
    allowsDeletions: false,
    requireSignedCommits: true,
    requiredLinearHistory: true,
    requireConversationResolution: true,
    requiredPullRequestReviews: [
      { requiredApprovingReviewCount: 2, dismissStaleReviews: true, requireCodeOwnerReviews: true, requireLastPushApproval: true },
    ],
    requiredStatusChecks: [{ strict: true, contexts: ["secure-mlops preview"] }],
    ...props,
  });
}

/** The verdicts of the branch policies (github-branch-protection-* and the default-branch policy). */
async function verdicts(records: RecordedResource[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const v of await pack.judge(records)) {
    if (!v.policyName.startsWith("github-branch-protection-") && v.policyName !== "github-repository-default-branch-protected") continue;
    (out[v.policyName] ??= []).push(v.message);
  }
  return out;
}

const main = "The branch 'main' of repository 'ml'";
const tier = (reached: number, missing: string): Record<string, string[]> => ({
  "github-branch-protection-scorecard-tier": [`${main} must reach OpenSSF Scorecard Branch-Protection tier 5 (it reaches tier ${reached}; missing: ${missing}).`],
});

describe("a repository whose default branch has a strict ruleset", () => {
  it("passes every branch policy", async () => {
    expect(await verdicts([repository, ruleset("main-rules")])).toEqual({});
  });
});

describe("when one rule of the ruleset is weakened", () => {
  const withRules = (change: (r: Props) => void): RecordedResource => {
    const rules = strictRules();
    change(rules);
    return ruleset("main-rules", {}, rules);
  };
  const pr = (r: Props): Props => r["pullRequest"] as Props;
  const cases: [string, (r: Props) => void, Record<string, string[]>][] = [
    [
      "force pushes are allowed",
      (r) => (r["nonFastForward"] = false),
      { "github-branch-protection-blocks-force-push": [`${main} must block force pushes.`], ...tier(0, "block force pushes") },
    ],
    [
      "deletion is allowed",
      (r) => delete r["deletion"],
      { "github-branch-protection-blocks-deletion": [`${main} must block deletion.`], ...tier(0, "block deletion") },
    ],
    [
      "no review is required",
      (r) => (pr(r)["requiredApprovingReviewCount"] = 0),
      {
        "github-branch-protection-requires-reviews": [`${main} must require at least 2 approving reviews (it requires 0).`],
        ...tier(1, "require at least one approving review, require two approving reviews"),
      },
    ],
    [
      "one review is required",
      (r) => (pr(r)["requiredApprovingReviewCount"] = 1),
      {
        "github-branch-protection-requires-reviews": [`${main} must require at least 2 approving reviews (it requires 1).`],
        ...tier(3, "require two approving reviews"),
      },
    ],
    [
      "approvals survive new pushes",
      (r) => (pr(r)["dismissStaleReviewsOnPush"] = false),
      { "github-branch-protection-dismisses-stale-reviews": [`${main} must dismiss stale approvals when new commits are pushed.`], ...tier(4, "dismiss stale approvals") },
    ],
    [
      "code owners need not review",
      (r) => (pr(r)["requireCodeOwnerReview"] = false),
      { "github-branch-protection-requires-code-owner-review": [`${main} must require code owner review.`], ...tier(3, "require code owner review") },
    ],
    [
      "the last push needs no other approver",
      (r) => (pr(r)["requireLastPushApproval"] = false),
      {
        "github-branch-protection-requires-last-push-approval": [`${main} must require approval of the most recent push by someone other than its author.`],
        ...tier(1, "require approval of the most recent push"),
      },
    ],
    [
      "conversations may stay open",
      (r) => (pr(r)["requiredReviewThreadResolution"] = false),
      { "github-branch-protection-requires-conversation-resolution": [`${main} must require review conversations to be resolved before merging.`] },
    ],
    [
      "the preview check is not required",
      (r) => (r["requiredStatusChecks"] = { requiredChecks: [{ context: "build" }], strictRequiredStatusChecksPolicy: true }),
      { "github-branch-protection-requires-status-checks": [`${main} must require the status check 'secure-mlops preview' before merging.`] },
    ],
    [
      "no status check is required",
      (r) => delete r["requiredStatusChecks"],
      {
        "github-branch-protection-requires-status-checks": [`${main} must require the status check 'secure-mlops preview' before merging.`],
        "github-branch-protection-requires-up-to-date-branch": [`${main} must require branches to be up to date before merging (strict status checks).`],
        ...tier(1, "require branches to be up to date, require at least one status check"),
      },
    ],
    [
      "branches need not be up to date",
      (r) => ((r["requiredStatusChecks"] as Props)["strictRequiredStatusChecksPolicy"] = false),
      {
        "github-branch-protection-requires-up-to-date-branch": [`${main} must require branches to be up to date before merging (strict status checks).`],
        ...tier(1, "require branches to be up to date"),
      },
    ],
    [
      "unsigned commits are accepted",
      (r) => (r["requiredSignatures"] = false),
      { "github-branch-protection-requires-signed-commits": [`${main} must require signed commits.`] },
    ],
    [
      "merge commits are accepted",
      (r) => delete r["requiredLinearHistory"],
      { "github-branch-protection-requires-linear-history": [`${main} must require a linear history.`] },
    ],
  ];
  for (const [when, change, expected] of cases) {
    it(`refuses it when ${when}`, async () => {
      expect(await verdicts([repository, withRules(change)])).toEqual(expected);
    });
  }

  it("refuses a ruleset that admins (or anyone) may bypass", async () => {
    const bypassed = ruleset("main-rules", { bypassActors: [{ actorType: "RepositoryRole", actorId: 5, bypassMode: "always" }] });
    expect(await verdicts([repository, bypassed])).toEqual({
      "github-branch-protection-applies-to-admins": [`${main} must apply its rules to administrators, with no bypass actors or bypass lists.`],
      ...tier(4, "apply the rules to administrators (no bypass)"),
    });
  });

  it("refuses a pull request rule removed altogether, naming each review requirement", async () => {
    const rules = strictRules();
    delete rules["pullRequest"];
    expect(await verdicts([repository, ruleset("main-rules", {}, rules)])).toEqual({
      "github-branch-protection-requires-reviews": [`${main} must take changes only through pull requests with at least 2 approving reviews.`],
      "github-branch-protection-requires-last-push-approval": [`${main} must require approval of the most recent push by someone other than its author.`],
      "github-branch-protection-dismisses-stale-reviews": [`${main} must dismiss stale approvals when new commits are pushed.`],
      "github-branch-protection-requires-code-owner-review": [`${main} must require code owner review.`],
      "github-branch-protection-requires-conversation-resolution": [`${main} must require review conversations to be resolved before merging.`],
      ...tier(
        1,
        "require a pull request, require at least one approving review, require approval of the most recent push, require two approving reviews, require code owner review, dismiss stale approvals",
      ),
    });
  });

  it("reports on the ruleset that covers the branch", async () => {
    const weak = withRules((r) => (r["requiredSignatures"] = false));
    const violations = (await pack.judge([repository, weak])).filter((v) => v.policyName === "github-branch-protection-requires-signed-commits");
    expect(violations.map((v) => [v.resourceName, v.resourceType])).toEqual([["main-rules", T.ruleset]]);
  });
});

describe("rules spread over several layers", () => {
  it("combines two rulesets on the same branch as GitHub does", async () => {
    const reviews = strictRules();
    for (const k of ["deletion", "nonFastForward", "requiredLinearHistory", "requiredSignatures"]) delete reviews[k];
    const history = { deletion: true, nonFastForward: true, requiredLinearHistory: true, requiredSignatures: true };
    expect(await verdicts([repository, ruleset("reviews", {}, reviews), ruleset("history", { conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } } }, history)])).toEqual({});
  });

  it("counts an organization ruleset that targets the repository", async () => {
    const org = resourceRecord(T.orgRuleset, "org-baseline", {
      name: "baseline",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] }, repositoryName: { includes: ["ml*"], excludes: [] } },
      rules: { requiredSignatures: true, requiredLinearHistory: true },
    });
    const rules = strictRules();
    delete rules["requiredSignatures"];
    delete rules["requiredLinearHistory"];
    expect(await verdicts([repository, org, ruleset("main-rules", {}, rules)])).toEqual({});
  });

  it("holds an organization ruleset with a bypass actor against every repository it covers", async () => {
    const org = resourceRecord(T.orgRuleset, "org-baseline", {
      name: "baseline",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~ALL"], excludes: [] }, repositoryName: { includes: ["~ALL"], excludes: [] } },
      rules: { deletion: true },
      bypassActors: [{ actorType: "OrganizationAdmin", bypassMode: "always" }],
    });
    const result = await verdicts([repository, ruleset("main-rules"), org]);
    // `~ALL` covers every judged branch, which the repository's own ruleset does not.
    expect(result["github-branch-protection-applies-to-admins"]).toEqual(
      ["main", "master", "production"].map((b) => `The branch '${b}' of repository 'ml' must apply its rules to administrators, with no bypass actors or bypass lists.`),
    );
  });

  it("judges an organization ruleset on its own when no repository of the stack matches it", async () => {
    const org = resourceRecord(T.orgRuleset, "org-baseline", {
      name: "baseline",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] }, repositoryName: { includes: ["~ALL"], excludes: [] } },
      rules: { ...strictRules(), nonFastForward: false },
    });
    expect(await verdicts([org])).toEqual({
      "github-branch-protection-blocks-force-push": ["The branch 'main' in the repositories of organization ruleset 'baseline' must block force pushes."],
      "github-branch-protection-scorecard-tier": [
        "The branch 'main' in the repositories of organization ruleset 'baseline' must reach OpenSSF Scorecard Branch-Protection tier 5 (it reaches tier 0; missing: block force pushes).",
      ],
    });
  });
});

describe("which branches are judged", () => {
  it("does not hold feature branches to the floor", async () => {
    const feature = ruleset("features", { conditions: { refName: { includes: ["refs/heads/feat/*"], excludes: [] } } }, { deletion: false });
    expect(await verdicts([repository, ruleset("main-rules"), feature])).toEqual({});
  });

  it("judges production, which the default scope lists", async () => {
    const prod = ruleset("production", { conditions: { refName: { includes: ["refs/heads/production"], excludes: [] } } }, { ...strictRules(), requiredSignatures: false });
    expect(await verdicts([repository, ruleset("main-rules"), prod])).toEqual({
      "github-branch-protection-requires-signed-commits": ["The branch 'production' of repository 'ml' must require signed commits."],
    });
  });

  it("sees that an excluded branch is not covered", async () => {
    const all = ruleset("all", { conditions: { refName: { includes: ["~ALL"], excludes: ["refs/heads/main"] } } });
    expect(await verdicts([repository, all])).toEqual({
      "github-repository-default-branch-protected": ["The default branch 'main' of repository 'ml' must be protected by an active ruleset or branch protection rule."],
    });
  });

  it("follows the default branch a github.BranchDefault sets", async () => {
    const trunk = resourceRecord(T.branchDefault, "default", { repository: "ml", branch: "trunk" }, { repository: [repository.urn] });
    // ~DEFAULT_BRANCH now means trunk; a rule written for main no longer covers the default branch.
    const weak = ruleset("main-rules", {}, { ...strictRules(), requiredSignatures: false });
    expect(await verdicts([repository, trunk, weak])).toEqual({
      "github-branch-protection-requires-signed-commits": ["The branch 'trunk' of repository 'ml' must require signed commits."],
    });
    const named = ruleset("main-rules", { conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } } });
    expect(await verdicts([repository, trunk, named])).toEqual({
      "github-repository-default-branch-protected": ["The default branch 'trunk' of repository 'ml' must be protected by an active ruleset or branch protection rule."],
    });
  });

  it("judges the branches of its `branches` knob", async () => {
    await pack.configure({ "github-branch-protection-requires-signed-commits": { branches: ["release"] } });
    try {
      const release = ruleset("release", { conditions: { refName: { includes: ["refs/heads/rel*"], excludes: [] } } }, { ...strictRules(), requiredSignatures: false });
      expect(await verdicts([repository, ruleset("main-rules"), release])).toEqual({
        "github-branch-protection-requires-signed-commits": ["The branch 'release' of repository 'ml' must require signed commits."],
      });
    } finally {
      await pack.configure({});
    }
  });
});

describe("classic branch protection rules", () => {
  it("passes a strict rule", async () => {
    expect(await verdicts([repository, classic("main-protection")])).toEqual({});
  });
  it("refuses `allowsForcePushes: true`", async () => {
    expect(await verdicts([repository, classic("main-protection", { allowsForcePushes: true })])).toEqual({
      "github-branch-protection-blocks-force-push": [`${main} must block force pushes.`],
      ...tier(0, "block force pushes"),
    });
  });
  it("refuses zero required reviews", async () => {
    const rule = classic("main-protection");
    (rule.inputs["requiredPullRequestReviews"] as Props[])[0]!["requiredApprovingReviewCount"] = 0;
    expect(await verdicts([repository, rule])).toEqual({
      "github-branch-protection-requires-reviews": [`${main} must require at least 2 approving reviews (it requires 0).`],
      ...tier(1, "require at least one approving review, require two approving reviews"),
    });
  });
  it("takes the provider's default of one review when the count is left out", async () => {
    const rule = classic("main-protection");
    delete (rule.inputs["requiredPullRequestReviews"] as Props[])[0]!["requiredApprovingReviewCount"];
    expect((await verdicts([repository, rule]))["github-branch-protection-requires-reviews"]).toEqual([
      `${main} must require at least 2 approving reviews (it requires 1).`,
    ]);
  });
  it("refuses a rule not enforced on admins, or with bypassers", async () => {
    const expected = {
      "github-branch-protection-applies-to-admins": [`${main} must apply its rules to administrators, with no bypass actors or bypass lists.`],
      ...tier(4, "apply the rules to administrators (no bypass)"),
    };
    expect(await verdicts([repository, classic("main-protection", { enforceAdmins: false })])).toEqual(expected);
    expect(await verdicts([repository, classic("main-protection", { forcePushBypassers: ["/alice"] })])).toEqual(expected);
    const bypass = classic("main-protection");
    (bypass.inputs["requiredPullRequestReviews"] as Props[])[0]!["pullRequestBypassers"] = ["octo-org/admins"];
    expect(await verdicts([repository, bypass])).toEqual(expected);
  });
  it("finds the repository of a rule that names it by node id", async () => {
    const withNode = { ...repository, inputs: { ...repository.inputs, nodeId: "R_kgDOabc" }, outputs: { ...repository.outputs, nodeId: "R_kgDOabc" } };
    expect(await verdicts([withNode, classic("main-protection", { repositoryId: "R_kgDOabc", requiredLinearHistory: false })])).toEqual({
      "github-branch-protection-requires-linear-history": [`${main} must require a linear history.`],
    });
  });
  it("reads the REST rule (BranchProtectionV3), which cannot require a linear history", async () => {
    const v3 = resourceRecord(T.protectionV3, "main-v3", {
      repository: "ml",
      branch: "main",
      enforceAdmins: true,
      requireSignedCommits: true,
      requireConversationResolution: true,
      requiredPullRequestReviews: { requiredApprovingReviewCount: 2, dismissStaleReviews: true, requireCodeOwnerReviews: true, requireLastPushApproval: true },
      requiredStatusChecks: { strict: true, checks: ["secure-mlops preview:15368"] },
    });
    expect(await verdicts([repository, v3])).toEqual({
      "github-branch-protection-requires-linear-history": [`${main} must require a linear history.`],
    });
  });
});

describe("github-repository-default-branch-protected", () => {
  const policy = "github-repository-default-branch-protected";
  it("refuses a repository with no protection", async () => {
    expect(await verdicts([repository])).toEqual({
      [policy]: ["The default branch 'main' of repository 'ml' must be protected by an active ruleset or branch protection rule."],
    });
  });
  it("does not count a ruleset that only evaluates", async () => {
    expect(await verdicts([repository, ruleset("main-rules", { enforcement: "evaluate" })])).toEqual({
      [policy]: ["The default branch 'main' of repository 'ml' must be protected by an active ruleset or branch protection rule."],
    });
  });
  it("requires the branches of its `requiredBranches` knob", async () => {
    await pack.configure({ [policy]: { requiredBranches: ["production"] } });
    try {
      expect(await verdicts([repository, ruleset("main-rules")])).toEqual({
        [policy]: ["The branch 'production' of repository 'ml' must be protected by an active ruleset or branch protection rule."],
      });
    } finally {
      await pack.configure({});
    }
  });
});

describe("with a relaxed policy config", () => {
  afterEach(() => pack.configure({}));
  it("accepts one review when `minimumApprovals` is 1 and `minimumTier` is 3", async () => {
    await pack.configure({
      "github-branch-protection-requires-reviews": { minimumApprovals: 1 },
      "github-branch-protection-scorecard-tier": { minimumTier: 3 },
    });
    const rules = strictRules();
    (rules["pullRequest"] as Props)["requiredApprovingReviewCount"] = 1;
    expect(await verdicts([repository, ruleset("main-rules", {}, rules)])).toEqual({});
  });
  it("requires the checks of `requiredChecks`", async () => {
    await pack.configure({ "github-branch-protection-requires-status-checks": { requiredChecks: ["secure-mlops preview", "unit tests"] } });
    expect(await verdicts([repository, ruleset("main-rules")])).toEqual({
      "github-branch-protection-requires-status-checks": [`${main} must require the status check 'unit tests' before merging.`],
    });
  });
});

describe("during a preview, with values not known yet", () => {
  // The wire value Pulumi sends for an unknown string/boolean/number output.
  const unknown = { string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421" };
  // The engine judges a resource's inputs one by one and the stack's planned outputs together;
  // a new repository's computed outputs are unknown in the latter.
  const planned = resourceRecord(T.repository, "ml-repo", {
    name: "ml",
    visibility: "private",
    nodeId: unknown.string,
    repoId: unknown.number,
    defaultBranch: unknown.string,
    vulnerabilityAlerts: unknown.boolean,
  });
  const newRepository = { ...planned, inputs: { name: "ml", visibility: "private" } };

  it("judges a new repository whose computed outputs are unknown, without skipping any policy", async () => {
    const rules = ruleset("main-rules");
    const all = await pack.judge([newRepository, { ...rules, propertyDependencies: { repository: [newRepository.urn] } }]);
    expect(all.filter((v) => v.policyName.startsWith("github-branch-protection-") || v.message.includes("can't run"))).toEqual([]);
  });

  it("does not credit a rule whose value is unknown (fails closed)", async () => {
    const rules = strictRules();
    rules["requiredSignatures"] = unknown.boolean;
    expect(await verdicts([newRepository, ruleset("main-rules", {}, rules)])).toEqual({
      "github-branch-protection-requires-signed-commits": [`${main} must require signed commits.`],
    });
  });
});
