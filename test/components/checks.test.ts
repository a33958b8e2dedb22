import { describe, expect, it } from "vitest";
import { checkRoleAssignments, checkUniqueKeys } from "../../components/lib/checks";
import { checker } from "../../components/lib/errors";
import { isGuid } from "../../components/lib/formats";
import { expectArgumentError } from "../support/argument-error";

const T = "secure-mlops:test:Thing";
const check = checker(T);

describe("the shared argument checks", () => {
  it("accept distinct child keys and groups or service principals", () => {
    expect(() => checkUniqueKeys(check, [{ name: "a" }, { name: "b-2" }], "items")).not.toThrow();
    expect(() => checkRoleAssignments(check, [{ name: "ci", role: "AcrPush", principalId: "p" }, { name: "ds", role: "Reader", principalId: "g", principalType: "Group" }])).not.toThrow();
  });

  it("name the first key that is malformed or repeated", () => {
    expectArgumentError(() => checkUniqueKeys(check, [{ name: "a" }, { name: "A" }], "items"), `${T}: [items[1].name] must be lower-case letters, digits and dashes, got "A"`);
    expectArgumentError(() => checkUniqueKeys(check, [{ name: "a" }, { name: "a" }], "items"), `${T}: [items[1].name] "a" is used twice`);
  });

  it("refuse a role for a user", () => {
    expectArgumentError(
      () => checkRoleAssignments(check, [{ name: "alice", role: "Reader", principalId: "u", principalType: "User" as never }]),
      `${T}: [roleAssignments[0].principalType] must be ServicePrincipal or Group (never a user), got "User"`,
    );
  });

  it("tell a GUID from other ids", () => {
    expect(isGuid("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")).toBe(true);
    expect(isGuid("1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D")).toBe(true);
    expect(["", "alice@example.com", "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5"].map(isGuid)).toEqual([false, false, false, false]);
  });
});
