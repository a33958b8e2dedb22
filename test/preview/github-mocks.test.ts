import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createOfflineMocks, defaultOfflineIdentity } from "../../preview/mocks";

const mocks = createOfflineMocks(defaultOfflineIdentity, "secure-mlops", "prod");

async function create(kind: string, name: string, inputs: Record<string, unknown>): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
  const [module, type] = kind.split(":") as [string, string];
  const r = await mocks.newResource({ type: `github:index/${module}:${type}`, name, inputs, custom: true } as pulumi.runtime.MockResourceArgs);
  return { id: r.id, state: r.state as Record<string, unknown> };
}

describe("the offline mocks answer like GitHub", () => {
  it("gives a repository its clone URLs, node id and visibility", async () => {
    const r = await create("repository:Repository", "repo", { name: "ml-platform", visibility: "private" });
    expect(r.id).toBe("ml-platform");
    expect(r.state).toMatchObject({
      name: "ml-platform",
      fullName: "octo-org/ml-platform",
      htmlUrl: "https://github.com/octo-org/ml-platform",
      httpCloneUrl: "https://github.com/octo-org/ml-platform.git",
      sshCloneUrl: "git@github.com:octo-org/ml-platform.git",
      visibility: "private",
      private: true,
      defaultBranch: "main",
    });
    expect(r.state["nodeId"]).toMatch(/^R_kgDO[\w-]{8}$/);
    expect(Number.isSafeInteger(r.state["repoId"])).toBe(true);
  });
  it("gives a ruleset a numeric id that is its rulesetId", async () => {
    const r = await create("repositoryRuleset:RepositoryRuleset", "main", { repository: "ml-platform", name: "main", target: "branch", enforcement: "active", rules: {} });
    expect(typeof r.state["rulesetId"]).toBe("number");
    expect(r.id).toBe(String(r.state["rulesetId"]));
  });
  it("uses the provider's import ids for environments, their policies and variables", async () => {
    expect((await create("repositoryEnvironment:RepositoryEnvironment", "env", { repository: "ml-platform", environment: "production" })).id).toBe("ml-platform:production");
    const policy = await create("repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "p", { repository: "ml-platform", environment: "production", branchPattern: "production" });
    expect(policy.id).toBe(`ml-platform:production:${String(policy.state["policyId"])}`);
    expect((await create("actionsEnvironmentVariable:ActionsEnvironmentVariable", "v", { repository: "ml-platform", environment: "production", variableName: "AZURE_CLIENT_ID", value: "x" })).id).toBe(
      "ml-platform:production:AZURE_CLIENT_ID",
    );
    expect((await create("workflowRepositoryPermissions:WorkflowRepositoryPermissions", "w", { repository: "ml-platform" })).id).toBe("ml-platform");
  });
  it("gives a committed file the blob sha git computes for its content", async () => {
    const r = await create("repositoryFile:RepositoryFile", "f", { repository: "ml-platform", file: "README", content: "hello\n", branch: "docs" });
    expect(r.id).toBe("ml-platform/README");
    // `printf 'hello\n' | git hash-object --stdin`
    expect(r.state["sha"]).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    expect(r.state["commitSha"]).toMatch(/^[0-9a-f]{40}$/);
    expect(r.state["ref"]).toBe("docs");
  });
  it("opens a pull request with a number and head and base shas", async () => {
    const r = await create("repositoryPullRequest:RepositoryPullRequest", "pr", { baseRepository: "ml-platform", baseRef: "main", headRef: "x", title: "t" });
    expect(r.state["state"]).toBe("open");
    expect(r.id).toBe(`ml-platform:${String(r.state["number"])}`);
    expect(r.state["headSha"]).toMatch(/^[0-9a-f]{40}$/);
  });
  it("answers github.getTeam with a numeric id per slug", async () => {
    const team = (await mocks.call({ token: "github:index/getTeam:getTeam", inputs: { slug: "platform-admins", summaryOnly: true } } as pulumi.runtime.MockCallArgs)) as Record<string, unknown>;
    expect(team).toMatchObject({ slug: "platform-admins", name: "platform-admins", summaryOnly: true, members: [] });
    expect(String(team["id"])).toMatch(/^\d+$/);
    const again = (await mocks.call({ token: "github:index/getTeam:getTeam", inputs: { slug: "platform-admins" } } as pulumi.runtime.MockCallArgs)) as Record<string, unknown>;
    expect(again["id"]).toBe(team["id"]);
  });
});
