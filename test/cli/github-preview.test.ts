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

function previewJson(fixture: string): { status: number | null; violations: JsonViolation[] } {
  const r = cli("preview", "--program", path.join("test", "fixtures", "programs", fixture), "--json");
  return { status: r.status, ...(JSON.parse(r.stdout) as { violations: JsonViolation[] }) };
}

const main = "The branch 'main' of repository 'ml-platform'";

describe("secure-mlops preview --program judges GitHub protection another program wrote", () => {
  it("exits 0 for a repository protected with a ruleset and the provider's own resources", () => {
    const r = cli("preview", "--program", path.join("test", "fixtures", "programs", "github-compliant"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^10 resources; 0 mandatory and 0 advisory violations\.$/m);
  });

  it("exits 1 for `allowsForcePushes: true` on main, naming the branch protection rule and the policy", () => {
    const r = previewJson("github-force-push");
    expect(r.status).toBe(1);
    const urn = "urn:pulumi:dev::github-force-push::github:index/branchProtection:BranchProtection::main-protection";
    expect(r.violations.map((v) => [v.policyName, v.urn, v.enforcementLevel, v.message])).toEqual([
      ["github-branch-protection-blocks-force-push", urn, "mandatory", `${main} must block force pushes.`],
      ["github-branch-protection-scorecard-tier", urn, "mandatory", `${main} must reach OpenSSF Scorecard Branch-Protection tier 5 (it reaches tier 0; missing: block force pushes).`],
    ]);
  });

  it("prints the force-push violation in the table with the resource", () => {
    const r = cli("preview", "--program", path.join("test", "fixtures", "programs", "github-force-push"));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /mandatory\s+high\s+github-branch-protection-blocks-force-push\s+main-protection \(github:index\/branchProtection:BranchProtection\)\s+AML\.M0005 AML\.M0013\s+The branch 'main' of repository 'ml-platform' must block force pushes\./,
    );
  });

  it("exits 1 for zero required reviews on main, naming the ruleset and the policy", () => {
    const r = previewJson("github-no-reviews");
    expect(r.status).toBe(1);
    const urn = "urn:pulumi:dev::github-no-reviews::github:index/repositoryRuleset:RepositoryRuleset::main-ruleset";
    expect(r.violations.map((v) => [v.policyName, v.urn, v.message])).toEqual([
      ["github-branch-protection-requires-reviews", urn, `${main} must require at least 2 approving reviews (it requires 0).`],
      [
        "github-branch-protection-scorecard-tier",
        urn,
        `${main} must reach OpenSSF Scorecard Branch-Protection tier 5 (it reaches tier 1; missing: require at least one approving review, require two approving reviews).`,
      ],
    ]);
  });

  it("exits 1 for secret scanning off, naming the repository and the policy", () => {
    const r = previewJson("github-secret-scanning-off");
    expect(r.status).toBe(1);
    const urn = "urn:pulumi:dev::github-secret-scanning-off::github:index/repository:Repository::ml-platform";
    expect(r.violations.map((v) => [v.policyName, v.urn, v.message])).toEqual([
      ["github-repository-secret-scanning", urn, "The repository must have secret scanning enabled."],
      ["github-repository-secret-scanning", urn, "The repository must have secret scanning push protection enabled."],
    ]);
  });
});
