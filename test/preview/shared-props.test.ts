import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubernetesStack, replicateStack, syntheticStack } from "../../bench/synthetic";
import { judge, startConfiguredPack, type Violation } from "../../preview/engine";
import { encodeStack, type PackInfo, type PolicyPackClient, type ResolvedPolicyConfig } from "../../preview/pack-client";
import { readPolicyConfigFile, resolvePolicyConfig } from "../../preview/policy-config";
import type { RecordedResource } from "../../preview/recorder";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import { policyPackDir, repoRoot, resourceRecord } from "../support/harness";

// patches/@pulumi+policy+1.21.0.patch makes @pulumi/policy's server deserialize a resource once per
// request (and build the stack's resources once per AnalyzeStack) and share it between the
// policies, decode properties straight from their bytes, encode each not-applicable entry once,
// and answer a multi-type policy not applicable from the types it lists. Two guards: the verdicts and not-applicable lists are those of the server as published
// (the patch's four switches below turn each change off), and no policy of the pack writes to
// what it shares (a pack process whose deserialized props and stack resources throw on any write,
// test/support/read-only-props.cjs, judges the same stacks alike, without an error).
// test/preview/policy-wire.test.ts holds the decoding and encoding to google-protobuf's.

const published = {
  PULUMI_POLICY_DESERIALIZE_PER_POLICY: "1",
  PULUMI_POLICY_DECODE_STRUCTS_EAGERLY: "1",
  PULUMI_POLICY_ENCODE_PER_RESPONSE: "1",
  PULUMI_POLICY_CALL_EVERY_POLICY: "1",
};
const readOnlyProps = {
  NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --require ${path.join(repoRoot, "test", "support", "read-only-props.cjs")}`.trim(),
};

interface Started {
  readonly client: PolicyPackClient;
  readonly pack: PackInfo;
  readonly config: ResolvedPolicyConfig;
}
let shared: Started;
let copied: Started;
let readOnly: Started;
let prod: RecordedResource[];

beforeAll(async () => {
  const [packs, records] = await Promise.all([
    Promise.all([startConfiguredPack(policyPackDir), startConfiguredPack(policyPackDir, undefined, { env: published }), startConfiguredPack(policyPackDir, undefined, { env: readOnlyProps })]),
    runProgram(loadProgramSource(repoRoot, "prod")),
  ]);
  [shared, copied, readOnly] = packs as [Started, Started, Started];
  prod = records;
});
afterAll(() => {
  for (const s of [shared, copied, readOnly]) s?.client.close();
});

const key = (v: Violation) => JSON.stringify([v.policyName, v.urn, v.message, v.enforcementLevel, v.severity]);

/** The stack's violations from one pack process with `config`, every policy on every resource (no routing). */
async function verdicts(started: Started, records: readonly RecordedResource[], config: ResolvedPolicyConfig): Promise<string[]> {
  await started.client.configure(config);
  return (await judge(started.client, started.pack, records, new Map())).map(key).sort();
}

/** Every boolean of a value negated, deep: a copy of a clean stack that trips many policies. */
function negated(value: unknown): unknown {
  if (typeof value === "boolean") return !value;
  if (Array.isArray(value)) return value.map(negated);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, negated(v)]));
  return value;
}

/** Copies of the prod stack: the first as it is, the second with every boolean negated. */
function weakenedProd(copies: number): RecordedResource[] {
  return replicateStack(prod, prod.length * copies).map((r, i) =>
    Math.floor(i / prod.length) % 2 === 1 ? { ...r, inputs: negated(r.inputs) as Record<string, unknown>, outputs: negated(r.outputs) as Record<string, unknown> } : r,
  );
}

const stacks: readonly { name: string; records: () => RecordedResource[]; config?: string; least: number }[] = [
  { name: "four copies of the prod stack, two with every boolean negated", records: () => weakenedProd(4), least: 100 },
  { name: "the same, dev config", records: () => weakenedProd(4), config: "dev.json", least: 50 },
  { name: "the synthetic Kubernetes stack", records: () => kubernetesStack(600), least: 50 },
  { name: "the synthetic registry stack", records: () => syntheticStack(300), least: 100 },
];

describe("the patched @pulumi/policy server", () => {
  it("is the one installed (npm's prepare script applies patches/)", () => {
    const server = readFileSync(require.resolve("@pulumi/policy/server"), "utf8");
    expect(server).toContain('process.env.PULUMI_POLICY_DESERIALIZE_PER_POLICY === "1"');
    expect(server).toContain("wirestruct_1.withWireStructs(");
    expect(server).toContain('process.env.PULUMI_POLICY_CALL_EVERY_POLICY === "1"');
    expect(readFileSync(require.resolve("@pulumi/policy/protoutil"), "utf8")).toContain('process.env.PULUMI_POLICY_ENCODE_PER_RESPONSE === "1"');
  });

  it.each(stacks)("gives $name the verdicts of the server as published", async ({ records, config, least }) => {
    const resolved = config ? resolvePolicyConfig(shared.pack, readPolicyConfigFile(path.join(repoRoot, "policies", "config", config))) : shared.config;
    const stack = records();
    const once = await verdicts(shared, stack, resolved);
    expect(once.length).toBeGreaterThanOrEqual(least);
    expect(once).toEqual(await verdicts(copied, stack, resolved));
  });

  it("answers each resource of the prod stack with the not-applicable list of the server as published", async () => {
    await Promise.all([shared.client.configure(shared.config), copied.client.configure(shared.config)]);
    expect(prod.length).toBeGreaterThan(100);
    for (const r of prod) {
      const input = { type: r.type, name: r.name, urn: r.urn, properties: r.inputs, options: {} };
      const [ours, theirs] = await Promise.all([shared.client.analyzeWithApplicability(input), copied.client.analyzeWithApplicability(input)]);
      expect(ours.notApplicable.length).toBeGreaterThan(0);
      expect(ours.notApplicable).toEqual(theirs.notApplicable);
      expect(ours.diagnostics).toEqual(theirs.diagnostics);
    }
  });
});

describe("no policy of the pack writes to the arguments it shares", () => {
  it.each(stacks)("judges $name with read-only props, every policy on, alike", async ({ records, config }) => {
    const resolved = config ? resolvePolicyConfig(shared.pack, readPolicyConfigFile(path.join(repoRoot, "policies", "config", config))) : shared.config;
    const stack = records();
    expect(await verdicts(readOnly, stack, resolved)).toEqual(await verdicts(shared, stack, resolved));
  });

  it("reaches every stack policy, and every resource policy at least with a bare resource of its type", async () => {
    // The stacks above leave some resource types out; a bare resource of each type a policy
    // names stands for them (`properties: {}`, which azure-native's Key Vault types require). Bare props may make a policy fail on a field it takes as given, so
    // each is judged alone: the same answer or the same error with read-only props, and never a write.
    const stack = [...replicateStack(prod, prod.length), ...kubernetesStack(60), ...syntheticStack(10)];
    const types = new Set(stack.map((r) => r.type));
    const nothing = await shared.client.analyzeWithApplicability({ type: "test:index:Nothing", name: "n", urn: "urn:pulumi:test::secure-mlops::test:index:Nothing::n", properties: {}, options: {} });
    const named = new Set(nothing.notApplicable.flatMap((n) => [...n.reason.matchAll(/'([^']+)'/g)].map((m) => m[1] as string)));
    const bare = [...named].filter((t) => !types.has(t)).map((t, i) => resourceRecord(t, `bare${i}`, { properties: {} }));
    expect(bare.length).toBeGreaterThan(0);
    const reached = new Set<string>();
    for (const r of [...stack.filter((x, i) => stack.findIndex((y) => y.type === x.type) === i), ...bare]) {
      const input = { type: r.type, name: r.name, urn: r.urn, properties: r.inputs, options: {} };
      const answer = await shared.client.analyzeWithApplicability(input).catch((err: Error) => ({ error: err.message }));
      if ("notApplicable" in answer) {
        const off = new Set(answer.notApplicable.map((n) => n.policyName));
        for (const p of shared.pack.policies) if (p.policyType === "resource" && !off.has(p.name)) reached.add(p.name);
      }
      const guarded = await readOnly.client.analyzeWithApplicability(input).catch((err: Error) => ({ error: err.message }));
      expect(JSON.stringify(guarded)).not.toContain("the arguments of a policy are shared");
      expect(guarded).toEqual(answer);
    }
    const resourcePolicies = shared.pack.policies.filter((p) => p.policyType === "resource").map((p) => p.name);
    expect(resourcePolicies.length).toBeGreaterThan(100);
    // A policy whose type no bare resource could be judged for (all failed) is not counted as reached.
    expect(resourcePolicies.filter((n) => !reached.has(n))).toEqual([]);
    const stackAnswer = await shared.client.analyzeEncodedStack(encodeStack(stack.map((r) => ({ type: r.type, name: r.name, urn: r.urn, properties: r.outputs }))));
    expect(stackAnswer.notApplicable).toEqual([]);
  });
});

describe("the read-only guard itself", () => {
  let mutating: Started;
  beforeAll(async () => {
    mutating = await startConfiguredPack(path.join(repoRoot, "test", "fixtures", "packs", "mutating"), undefined, { env: readOnlyProps });
  });
  afterAll(() => mutating?.client.close());

  it("fails the request of a policy that sorts its props in place, naming the policy and the field", async () => {
    await mutating.client.configure({ ...mutating.config, "marks-resources-seen": { enforcementLevel: "disabled" } });
    const account = resourceRecord("azure-native:storage:StorageAccount", "open", { ipRules: ["10.0.0.0/8", "0.0.0.0/0"] });
    await expect(judge(mutating.client, mutating.pack, [account], new Map())).rejects.toThrow(
      /sorts-ip-rules-in-place[\s\S]*a policy wrote props\.ipRules\.0: the arguments of a policy are shared/,
    );
  });

  it("fails the request of a stack policy that writes to a resource, naming the policy", async () => {
    await mutating.client.configure({ ...mutating.config, "sorts-ip-rules-in-place": { enforcementLevel: "disabled" } });
    const account = resourceRecord("azure-native:storage:StorageAccount", "closed", { ipRules: [] });
    await expect(judge(mutating.client, mutating.pack, [account], new Map())).rejects.toThrow(
      /marks-resources-seen[\s\S]*a policy wrote resources\[0\]\.seen: the arguments of a policy are shared/,
    );
  });
});
