import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { githubActionsPolicies } from "../../policies/github-actions";
import { githubBranchPolicies } from "../../policies/github-branches";
import { githubEnvironmentPolicies } from "../../policies/github-environments";
import { githubRepositoryPolicies } from "../../policies/github-repository";
import { githubRulesetPolicies } from "../../policies/github-rulesets";
import { tagPrefix } from "../../policies/lib/frameworks";
import { allstarBranchProtection, checkovGithub, legitifyRepository, notJudged, scorecardBranchProtection } from "../../policies/lib/github-controls";
import { idsWithPrefix } from "../../policies/lib/metadata";
import { repoRoot } from "../support/harness";

const githubPolicies = [...githubRepositoryPolicies, ...githubRulesetPolicies, ...githubBranchPolicies, ...githubActionsPolicies, ...githubEnvironmentPolicies];
const claimed = (prefix: string): Set<string> => new Set(allPolicies.flatMap((p) => idsWithPrefix(p.tags, prefix)));

describe("the GitHub posture tools' controls (Legitify, Scorecard, Allstar)", () => {
  const tables: [string, string, readonly string[]][] = [
    ["OpenSSF Scorecard Branch-Protection", tagPrefix.scorecard, Object.keys(scorecardBranchProtection)],
    ["OpenSSF Allstar", tagPrefix.allstar, Object.keys(allstarBranchProtection)],
    ["Legitify repository rules", tagPrefix.legitify, Object.keys(legitifyRepository)],
    ["Checkov GitHub checks", tagPrefix.checkov, Object.keys(checkovGithub)],
  ];
  for (const [tool, prefix, ids] of tables) {
    it(`are each judged by a policy or listed as not judged, with a reason: ${tool}`, () => {
      const judged = claimed(prefix);
      const unaccounted = ids.filter((id) => !judged.has(id) && notJudged[`${prefix}${id}`] === undefined);
      expect(unaccounted).toEqual([]);
    });
  }
  it("lists as not judged only controls that no policy claims", () => {
    expect(Object.keys(notJudged).length).toBeGreaterThan(0);
    for (const key of Object.keys(notJudged)) {
      const prefix = Object.values(tagPrefix).find((p) => key.startsWith(p)) ?? "";
      expect(claimed(prefix).has(key.slice(prefix.length)), key).toBe(false);
    }
  });
  it("covers every Scorecard tier requirement in the tier policy", () => {
    const tier = githubPolicies.find((p) => p.name === "github-branch-protection-scorecard-tier");
    expect(idsWithPrefix(tier?.tags, tagPrefix.scorecard).sort()).toEqual(Object.keys(scorecardBranchProtection).sort());
  });
});

describe("the GitHub policies of the pack", () => {
  it("are all in the pack, in this order", () => {
    const names = allPolicies.map((p) => p.name).filter((n) => n.startsWith("github-"));
    expect(names).toEqual([
      "github-repository-default-branch-protected",
      "github-repository-private",
      "github-repository-secret-scanning",
      "github-repository-vulnerability-alerts",
      "github-repository-dependabot-security-updates",
      "github-repository-forking-disabled",
      "github-repository-merge-settings",
      "github-repository-webhook-secure",
      "github-repository-security-settings-managed",
      "github-ruleset-enforcement-active",
      "github-branch-protection-blocks-force-push",
      "github-branch-protection-blocks-deletion",
      "github-branch-protection-requires-reviews",
      "github-branch-protection-requires-last-push-approval",
      "github-branch-protection-dismisses-stale-reviews",
      "github-branch-protection-requires-code-owner-review",
      "github-branch-protection-requires-status-checks",
      "github-branch-protection-requires-up-to-date-branch",
      "github-branch-protection-applies-to-admins",
      "github-branch-protection-requires-signed-commits",
      "github-branch-protection-requires-linear-history",
      "github-branch-protection-requires-conversation-resolution",
      "github-branch-protection-scorecard-tier",
      "github-actions-token-read-only",
      "github-actions-cannot-approve-pull-requests",
      "github-actions-allowed-actions-restricted",
      "github-actions-sha-pinning-required",
      "github-actions-secret-encrypted",
      "github-environment-requires-reviewers",
      "github-environment-admins-cannot-bypass",
      "github-environment-deployment-branches-restricted",
      "github-environment-deployment-branch-allowed",
    ]);
    expect(names).toEqual(githubPolicies.map((p) => p.name));
  });
  it("are each documented in docs/github.md, with the controls not judged", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs", "github.md"), "utf8");
    expect(githubPolicies.length).toBeGreaterThan(20);
    for (const p of githubPolicies) expect(doc, p.name).toContain(`\`${p.name}\``);
    for (const key of Object.keys(notJudged)) expect(doc, key).toContain(key.slice(key.indexOf(":") + 1));
  });
});
