import { describe, expect, it } from "vitest";
import { parsePlatformConfig } from "../../stacks/config";
import { errorOf } from "./config-error";

const valid = (): Record<string, unknown> => ({
  environment: "prod",
  location: "westeurope",
  prefix: "smlops",
  tags: { owner: "platform-team" },
  network: { addressSpace: "10.30.0.0/16", privateEndpointSubnet: "10.30.1.0/24" },
  registry: {},
  defenderForContainers: true,
  github: { owner: "octo-org", repository: "ml-platform" },
  identity: { deployEnvironment: "prod" },
});

describe("the github and identity config keys", () => {
  it("accept a repository, immutable ids, customized claims, personas and added rows", () => {
    const full = {
      ...valid(),
      github: { owner: "octo-org", repository: "ml-platform", ownerId: 123456, repositoryId: 456789, subjectFormat: "immutable-id", immutableIdDelimiter: "@", subjectClaimKeys: ["repo", "context"] },
      identity: {
        owners: ["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"],
        groupNamePrefix: "sg-ml",
        personas: [{ name: "readers", members: ["2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"] }],
        roleAssignments: [{ persona: "readers", role: "AcrPull", scope: "registry" }],
        deployEnvironment: "production",
        writeActionsVariables: true,
      },
    };
    expect(parsePlatformConfig("secure-mlops", full)).toEqual(full);
  });
  it("are optional (no repository: no deployer)", () => {
    const raw = valid();
    delete raw["github"];
    delete raw["identity"];
    expect(parsePlatformConfig("secure-mlops", raw).github).toBeUndefined();
  });
  const cases: [string, (c: Record<string, unknown>) => void, string][] = [
    ["the repository is missing", (c) => (c["github"] = { owner: "octo-org" }), "invalid config secure-mlops:github.repository: is required"],
    ["the owner has a slash", (c) => (c["github"] = { owner: "octo/org", repository: "r" }), "invalid config secure-mlops:github.owner: must match ^[A-Za-z0-9][A-Za-z0-9-]{0,38}$"],
    ["the subject format is unknown", (c) => (c["github"] = { owner: "o", repository: "r", subjectFormat: "id" }), 'invalid config secure-mlops:github.subjectFormat: must be one of "name", "immutable-id"'],
    ["an owner is not an object id", (c) => (c["identity"] = { owners: ["alice@contoso.com"] }), "invalid config secure-mlops:identity.owners[0]: must be an Entra object id (a GUID)"],
    ["a row names an unknown role", (c) => (c["identity"] = { roleAssignments: [{ persona: "readers", role: "Global Administrator", scope: "registry" }] }), "invalid config secure-mlops:identity.roleAssignments[0].role: must be one of "],
    ["an identity setting is unknown", (c) => (c["identity"] = { adminUsers: [] }), "invalid config secure-mlops:identity.adminUsers: is not a known setting"],
  ];
  for (const [when, change, message] of cases) {
    it(`names the key when ${when}`, () => {
      const raw = valid();
      change(raw);
      expect(errorOf(raw).startsWith(message)).toBe(true);
    });
  }
});
