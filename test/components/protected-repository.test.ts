import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { ProtectedRepository } = await import("../../components");
type Args = ConstructorParameters<typeof ProtectedRepository>[1];

const minimal: Args = { owner: "octo-org", teams: { developers: "ml-engineers", admins: "platform-admins" } };

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  const name = `repo${++counter}`;
  return record(() => new ProtectedRepository(name, args));
}

describe("smoke", () => {
  it("passes", async () => {
    const rs = await build(minimal);
    console.log(rs.map((r) => `${r.type}::${r.name}`).join("\n"));
    const violations = await pack.judge(rs);
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });
});
