import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import { parsePlatformConfig, type PlatformConfig } from "../../stacks/config";
import { environmentProfiles } from "../../stacks/profiles";
import { record, recordWithOfflineMocks, repoRoot } from "../support/harness";
import { errorOf } from "./config-error";

await recordWithOfflineMocks();
const { createPlatformGithub, githubEnvironmentName } = await import("../../stacks/github");

const base = (github: Record<string, unknown>, environment = "prod", identity: Record<string, unknown> = {}): Record<string, unknown> => ({
  environment,
  location: "westeurope",
  prefix: "smlops",
  tags: {},
  network: { addressSpace: "10.30.0.0/16", privateEndpointSubnet: "10.30.1.0/24" },
  registry: {},
  defenderForContainers: true,
  github: { owner: "octo-org", repository: "ml-platform", ...github },
  identity,
});
const teams = { developers: "ml-engineers", admins: "platform-admins" };

describe("the github config key, extended for the repository and environments", () => {
  it("accepts teams, the owning stack, the branch table and this stack's environment", () => {
    const raw = base({
      teams,
      repositoryStack: "staging",
      visibility: "internal",
      protectionMode: "rulesets",
      requiredStatusChecks: ["secure-mlops preview", "unit tests"],
      branches: [
        { pattern: "feat/*", protected: false, developers: "write" },
        { pattern: "main", protected: true, requiredApprovals: 2, deploysTo: "staging", developers: "read" },
      ],
      environment: { reviewerTeams: ["platform-admins"], waitTimerMinutes: 30, deploymentBranches: ["production"] },
    });
    expect(parsePlatformConfig("secure-mlops", raw).github).toEqual(raw["github"]);
  });
  it("keeps the identity issue's keys alone valid (no teams: GitHub is not managed)", () => {
    expect(parsePlatformConfig("secure-mlops", base({})).github).toEqual({ owner: "octo-org", repository: "ml-platform" });
  });
  const cases: [string, Record<string, unknown>, string][] = [
    ["an environment is configured without teams", base({ environment: { waitTimerMinutes: 5 } }), "invalid config secure-mlops:github.teams: is required with github.environment: the slugs of the developers and admins teams of the branch table"],
    ["the admins team is left out", base({ teams: { developers: "ml-engineers" } }), "invalid config secure-mlops:github.teams.admins: is required"],
    ["a team slug has capitals", base({ teams: { developers: "ML", admins: "platform-admins" } }), "invalid config secure-mlops:github.teams.developers: must match ^[a-z0-9][a-z0-9_-]{0,99}$"],
    ["both teams are one", base({ teams: { developers: "ml", admins: "ml" } }), 'invalid config secure-mlops:github.teams.admins: must differ from teams.developers ("ml")'],
    [
      "a branch pattern is malformed",
      base({ teams, branches: [{ pattern: "main", protected: true, developers: "read" }, { pattern: "feat/[a-", protected: false, developers: "write" }] }),
      'invalid config secure-mlops:github.branches[1].pattern: is not a valid branch pattern: branch pattern "feat/[a-" has a character class "[" that is never closed (at character 6)',
    ],
    [
      "a deployment branch is malformed",
      base({ teams, environment: { deploymentBranches: ["release..1"] } }),
      'invalid config secure-mlops:github.environment.deploymentBranches[0]: is not a valid branch pattern: branch pattern "release..1" has "..", which git does not allow in a branch name (at character 8)',
    ],
    ["an unknown setting is given", base({ teams, reviewers: ["x"] }), "invalid config secure-mlops:github.reviewers: is not a known setting"],
    ["the owning stack is not a stack", base({ teams, repositoryStack: "qa" }), 'invalid config secure-mlops:github.repositoryStack: must be one of "dev", "staging", "prod"'],
  ];
  for (const [when, raw, message] of cases) {
    it(`refuses it when ${when}`, () => {
      expect(errorOf(raw)).toBe(message);
    });
  }
});

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Parent", name);
  }
}
let counter = 0;
async function githubOf(raw: Record<string, unknown>): Promise<RecordedResource[]> {
  const config: PlatformConfig = parsePlatformConfig("secure-mlops", raw);
  return record(() => createPlatformGithub(`p${++counter}`, new Parent(`parent${counter}`), { config, profile: environmentProfiles[config.environment] }));
}
const types = (rs: RecordedResource[]): string[] => [...new Set(rs.filter((r) => r.custom).map((r) => r.type.split(":").pop() as string))].sort();

describe("which stack owns what in GitHub", () => {
  it("creates nothing without teams", async () => {
    expect((await githubOf(base({}))).filter((r) => r.type.startsWith("github:") || r.type.startsWith("secure-mlops:github"))).toEqual([]);
  });
  it("gives the repository to prod by default, and each stack its own environment", async () => {
    const prod = await githubOf(base({ teams }, "prod", { deployEnvironment: "production" }));
    expect(types(prod)).toContain("Repository");
    expect(prod.filter((r) => r.type.endsWith(":RepositoryEnvironment")).map((r) => r.inputs["environment"])).toEqual(["production"]);
    const staging = await githubOf(base({ teams }, "staging"));
    expect(types(staging)).toEqual(["RepositoryEnvironment", "RepositoryEnvironmentDeploymentPolicy"]);
    const env = staging.find((r) => r.type.endsWith(":RepositoryEnvironment"));
    expect(env?.inputs).toMatchObject({ repository: "ml-platform", environment: "staging", waitTimer: 0 });
    expect(staging.find((r) => r.type.endsWith(":RepositoryEnvironmentDeploymentPolicy"))?.inputs["branchPattern"]).toBe("main");
  });
  it("moves the repository to the stack `repositoryStack` names", async () => {
    expect(types(await githubOf(base({ teams, repositoryStack: "staging" }, "staging")))).toContain("Repository");
    expect(types(await githubOf(base({ teams, repositoryStack: "staging" }, "prod")))).not.toContain("Repository");
  });
  it("names the environment after the one the deployer trusts", () => {
    expect(githubEnvironmentName(parsePlatformConfig("secure-mlops", base({}, "prod", { deployEnvironment: "production" })))).toBe("production");
    expect(githubEnvironmentName(parsePlatformConfig("secure-mlops", base({}, "staging")))).toBe("staging");
  });
  it("takes this stack's reviewers, wait and branches from config over the profile", async () => {
    const rs = await githubOf(base({ teams, environment: { reviewerTeams: ["release-managers"], waitTimerMinutes: 30, deploymentBranches: ["release"] } }, "staging"));
    const env = rs.find((r) => r.type.endsWith(":RepositoryEnvironment"));
    expect(env?.inputs["waitTimer"]).toBe(30);
    expect(rs.filter((r) => r.type.endsWith(":RepositoryEnvironmentDeploymentPolicy")).map((r) => r.inputs["branchPattern"])).toEqual(["release"]);
  });
});

/** What identifies a GitHub object, whichever stack manages it. */
function githubIdentity(r: RecordedResource): string {
  const p = r.inputs;
  const repo = String(p["repository"] ?? p["repositoryId"] ?? p["baseRepository"] ?? p["name"]);
  const kind = r.type.split(":").pop() as string;
  switch (kind) {
    case "Repository":
      return `repository ${String(p["name"])}`;
    case "RepositoryEnvironment":
      return `environment ${repo}/${String(p["environment"])}`;
    case "ActionsEnvironmentVariable":
      return `variable ${repo}/${String(p["environment"])}/${String(p["variableName"])}`;
    case "RepositoryEnvironmentDeploymentPolicy":
      return `deployment policy ${repo}/${String(p["environment"])}/${String(p["branchPattern"])}`;
    case "RepositoryRuleset":
      return `ruleset ${repo}/${String(p["name"])}`;
    case "BranchProtection":
      return `branch protection ${repo}/${String(p["pattern"])}`;
    case "RepositoryFile":
      return `file ${repo}/${String(p["file"])}`;
    case "Branch":
      return `branch ${repo}/${String(p["branch"])}`;
    case "TeamRepository":
      return `team ${repo}/${String(p["teamId"])}`;
    default:
      return `${kind} ${repo}`;
  }
}

describe("the three stacks", () => {
  it("never manage the same GitHub object twice", async () => {
    const owners = new Map<string, string[]>();
    for (const env of ["dev", "staging", "prod"]) {
      const rs = await runProgram(loadProgramSource(repoRoot, env));
      for (const r of rs.filter((x) => x.custom && x.type.startsWith("github:"))) {
        const key = githubIdentity(r);
        owners.set(key, [...(owners.get(key) ?? []), env]);
      }
    }
    expect(owners.size).toBeGreaterThan(10);
    const shared = [...owners].filter(([, envs]) => envs.length > 1);
    expect(shared).toEqual([]);
    expect(owners.get("repository secure-mlops")).toEqual(["prod"]);
    expect(owners.get("environment secure-mlops/production")).toEqual(["prod"]);
    expect(owners.get("environment secure-mlops/staging")).toEqual(["staging"]);
    expect(owners.get("environment secure-mlops/dev")).toEqual(["dev"]);
    expect(owners.get("variable secure-mlops/production/AZURE_CLIENT_ID")).toEqual(["prod"]);
  });
});
