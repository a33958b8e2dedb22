import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticStack } from "../../bench/synthetic";
import { EarlyJudging } from "../../preview/early-judging";
import { judge, startConfiguredPack, type Violation } from "../../preview/engine";
import type { AnalyzeInput, PackInfo, PolicyPackClient, ResolvedPolicyConfig } from "../../preview/pack-client";
import type { RecordedResource } from "../../preview/recorder";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import { policyPackDir, repoRoot } from "../support/harness";

// The preview judges each resource while the program still runs (preview/early-judging.ts) and
// hands the answers to judge(): the verdicts must be those of judging everything at the end.

let client: PolicyPackClient;
let pack: PackInfo;
let config: ResolvedPolicyConfig;

beforeAll(async () => {
  ({ client, pack, config } = await startConfiguredPack(policyPackDir));
});
afterAll(() => client?.close());

const inputOf = (r: RecordedResource): AnalyzeInput => ({ type: r.type, name: r.name, urn: r.urn, properties: r.inputs, options: r.options });
const key = (v: Violation): string => JSON.stringify([v.policyName, v.urn, v.message, v.enforcementLevel, v.severity]);
const sorted = (vs: readonly Violation[]): string[] => vs.map(key).sort();

/** The client, counting the `Analyze` requests made through it. */
function counting(inner: PolicyPackClient): { client: PolicyPackClient; analyzed: () => number } {
  let n = 0;
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "analyze" || prop === "analyzeWithApplicability") n++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, analyzed: () => n };
}

describe("EarlyJudging", () => {
  it("answers for every resource, before and after the pack is ready, and judge() then asks only for the stack", async () => {
    const records = syntheticStack(120);
    // more in flight than resources: every one is asked before settle stops new requests
    const early = new EarlyJudging(256);
    for (const r of records.slice(0, 50)) early.add(inputOf(r));
    early.start(client);
    for (const r of records.slice(50)) early.add(inputOf(r));
    const judged = await early.settle();
    expect(judged.size).toBe(records.length);

    const whole = sorted(await judge(client, pack, records, new Map(), { config }));
    expect(whole.length).toBeGreaterThan(10);
    const watched = counting(client);
    const withEarly = sorted(await judge(watched.client, pack, records, new Map(), { config, judged }));
    expect(withEarly).toEqual(whole);
    expect(watched.analyzed()).toBe(0);
  });

  it("stops asking at settle, and judge() asks for each of the rest once", async () => {
    const records = syntheticStack(90);
    const early = new EarlyJudging(8);
    early.start(client);
    for (const r of records.slice(0, 30)) early.add(inputOf(r));
    // settle at once: the 8 in flight are answered, the 22 waiting are never sent
    const judged = await early.settle();
    expect(judged.size).toBe(8);
    const whole = sorted(await judge(client, pack, records, new Map(), { config }));
    expect(sorted(await judge(client, pack, records, new Map(), { config, judged }))).toEqual(whole);
    // unrouted, every resource not answered early is asked once (routed, types no policy applies
    // to are asked once per type)
    const watched = counting(client);
    expect(sorted(await judge(watched.client, pack, records, new Map(), { judged }))).toEqual(whole);
    expect(watched.analyzed()).toBe(records.length - judged.size);
  });

  it("forgets a request that fails, so judge() asks again and reports the error there", async () => {
    const [good, bad] = syntheticStack(2) as [RecordedResource, RecordedResource];
    const early = new EarlyJudging(4);
    early.start(client);
    early.add(inputOf(good));
    // A bigint has no protobuf Struct form: encoding the request throws.
    early.add({ ...inputOf(bad), properties: { size: 10n } });
    const judged = await early.settle();
    expect([...judged.keys()]).toEqual([good.urn]);
  });

  it("asks nothing after settle, nor before start", async () => {
    const [r] = syntheticStack(1) as [RecordedResource];
    const never = new EarlyJudging(4);
    never.add(inputOf(r));
    expect((await never.settle()).size).toBe(0);
    const late = new EarlyJudging(4);
    await late.settle();
    late.start(client);
    late.add(inputOf(r));
    expect((await late.settle()).size).toBe(0);
  });
});

describe("runProgram's result", () => {
  it("holds the outputs a component and the stack register after their resource was sent", async () => {
    const records = await runProgram(loadProgramSource(path.join(repoRoot, "test", "fixtures", "programs", "compliant-registry"), "dev"));
    const stack = records.find((r) => r.type === "pulumi:pulumi:Stack");
    const registry = records.find((r) => r.type === "secure-mlops:azure:SecureRegistry");
    expect(stack?.outputs["loginServer"]).toMatch(/\.azurecr\.io$/);
    expect(registry?.outputs["loginServer"]).toBe(stack?.outputs["loginServer"]);
    const account = records.find((r) => r.custom && r.type === "azure-native:containerregistry:Registry");
    expect(account?.outputs["adminUserEnabled"]).toBe(false);
  });
});

describe("the program host without the SDK's promise-leak bookkeeping", () => {
  it("records what it records with it (PULUMI_DEBUG_PROMISE_LEAKS=1 keeps the SDK's)", async () => {
    const source = loadProgramSource(path.join(repoRoot, "test", "fixtures", "programs", "kubernetes-compliant"), "dev");
    const lean = await runProgram(source);
    process.env["PULUMI_DEBUG_PROMISE_LEAKS"] = "1";
    let full: RecordedResource[];
    try {
      full = await runProgram(source);
    } finally {
      delete process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
    }
    expect(lean.length).toBeGreaterThan(5);
    expect(JSON.stringify(lean)).toBe(JSON.stringify(full));
  });
});

describe("runProgram's onRegistered", () => {
  it("sees every resource the program registers, in the order of the result, before it resolves", async () => {
    const seen: string[] = [];
    let resolved = false;
    const records = await runProgram(loadProgramSource(repoRoot, "dev"), {
      onRegistered: (r) => {
        expect(resolved).toBe(false);
        seen.push(r.urn);
      },
    });
    resolved = true;
    expect(records.length).toBeGreaterThan(100);
    expect(seen).toEqual(records.map((r) => r.urn));
  });
});
