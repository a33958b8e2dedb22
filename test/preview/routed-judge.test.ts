import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicateStack, syntheticStack } from "../../bench/synthetic";
import { judge, startConfiguredPack, type Violation } from "../../preview/engine";
import { encodeStack, type PackInfo, type PolicyPackClient, type ResolvedPolicyConfig } from "../../preview/pack-client";
import { readPolicyConfigFile, resolvePolicyConfig } from "../../preview/policy-config";
import type { RecordedResource } from "../../preview/recorder";
import { isTypeBoundReason } from "../../preview/routing";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import { policyPackDir, repoRoot, resourceRecord } from "../support/harness";

// Routing (preview/routing.ts) must not change a verdict: the same stacks judged routed over two
// processes and judged by one process with the whole config give the same violations.

let clients: PolicyPackClient[];
let pack: PackInfo;
let strict: ResolvedPolicyConfig;
let prod: RecordedResource[];

beforeAll(async () => {
  const [started, records] = await Promise.all([
    Promise.all([startConfiguredPack(policyPackDir), startConfiguredPack(policyPackDir)]),
    runProgram(loadProgramSource(repoRoot, "prod")),
  ]);
  clients = started.map((s) => s.client);
  pack = started[0]!.pack;
  strict = started[0]!.config;
  prod = records;
});
afterAll(() => {
  for (const c of clients ?? []) c.close();
});

const key = (v: Violation) => JSON.stringify([v.policyName, v.urn, v.message, v.enforcementLevel, v.severity]);
const sorted = (vs: readonly Violation[]) => vs.map(key).sort();

async function bothWays(records: readonly RecordedResource[], config: ResolvedPolicyConfig): Promise<{ routed: string[]; whole: string[] }> {
  await Promise.all(clients.map((c) => c.configure(config)));
  const routed = sorted(await judge(clients, pack, records, new Map(), { config }));
  const whole = sorted(await judge(clients[0]!, pack, records, new Map()));
  return { routed, whole };
}

describe("routed judging", () => {
  it("gives the synthetic stack's verdicts, violations and all", async () => {
    const { routed, whole } = await bothWays(syntheticStack(700), strict);
    expect(whole.length).toBeGreaterThan(100);
    expect(routed).toEqual(whole);
  });

  it("gives the verdicts of three copies of the prod stack (every type the platform creates)", async () => {
    const records = replicateStack(prod, prod.length * 3);
    const { routed, whole } = await bothWays(records, strict);
    expect(routed).toEqual(whole);
  });

  it("keeps the levels of a relaxed pack config (dev) and judges a weakened copy alike", async () => {
    const dev = resolvePolicyConfig(pack, readPolicyConfigFile(path.join(repoRoot, "policies", "config", "dev.json")));
    // One registry of the copies with its admin user on, so the copies differ.
    const records = replicateStack(prod, prod.length * 2).map((r, i) =>
      r.type === "azure-native:containerregistry:Registry" && i > prod.length ? { ...r, inputs: { ...r.inputs, adminUserEnabled: true } } : r,
    );
    const { routed, whole } = await bothWays(records, dev);
    expect(routed.some((k) => k.includes("azure-containerregistry-registry-admin-user-disabled"))).toBe(true);
    expect(routed).toEqual(whole);
  });

  it("configures the processes back to the whole config afterwards", async () => {
    await Promise.all(clients.map((c) => c.configure(strict)));
    // Routing a registry-only stack disables the GitHub policies on both processes while it runs.
    await judge(clients, pack, syntheticStack(50), new Map(), { config: strict });
    for (const c of clients) {
      const diagnostics = await c.analyze({
        type: "github:index/repository:Repository",
        name: "repo",
        urn: "urn:pulumi:test::secure-mlops::github:index/repository:Repository::repo",
        properties: { name: "repo", visibility: "public", vulnerabilityAlerts: false },
        options: {},
      });
      expect(diagnostics.map((d) => d.policyName)).toContain("github-repository-vulnerability-alerts");
    }
  });
});

describe("what the pack tells the router", () => {
  it("reports a multi-type policy not applicable to another type, for a type-bound reason", async () => {
    const answer = await clients[0]!.analyzeWithApplicability({
      type: "azure-native:resources:ResourceGroup",
      name: "rg",
      urn: "urn:pulumi:test::secure-mlops::azure-native:resources:ResourceGroup::rg",
      properties: { location: "westeurope" },
      options: {},
    });
    const password = answer.notApplicable.find((n) => n.policyName === "azuread-application-password-forbidden");
    expect(password?.reason).toBe(
      "Policy only applies to resources of type 'azuread:index/applicationPassword:ApplicationPassword' or " +
        "'azuread:index/servicePrincipalPassword:ServicePrincipalPassword' or 'azuread:index/application:Application'",
    );
    // Every resource policy that does not cover resource groups says so by type, so none is left on.
    const resourcePolicies = pack.policies.filter((p) => p.policyType === "resource").map((p) => p.name);
    const typeBound = new Set(answer.notApplicable.filter((n) => isTypeBoundReason(n.reason)).map((n) => n.policyName));
    expect(resourcePolicies.filter((n) => !typeBound.has(n))).toEqual([]);
  });

  it("reports every stack policy not applicable to a stack without the types it judges", async () => {
    await clients[0]!.configure(strict);
    const rg = resourceRecord("azure-native:resources:ResourceGroup", "rg", { location: "westeurope" });
    const answer = await clients[0]!.analyzeEncodedStack(encodeStack([{ type: rg.type, name: rg.name, urn: rg.urn, properties: rg.outputs }]));
    expect(answer.diagnostics).toEqual([]);
    const stackPolicies = pack.policies.filter((p) => p.policyType === "stack").map((p) => p.name).sort();
    expect(stackPolicies).toHaveLength(27);
    expect(answer.notApplicable.filter((n) => isTypeBoundReason(n.reason)).map((n) => n.policyName).sort()).toEqual(stackPolicies);
  });
});

describe("routed judging of a pack without secure-mlops's conventions", () => {
  let other: { client: PolicyPackClient; pack: PackInfo; config: ResolvedPolicyConfig }[];
  beforeAll(async () => {
    const dir = path.join(repoRoot, "test", "fixtures", "packs", "third-party");
    other = await Promise.all([startConfiguredPack(dir), startConfiguredPack(dir)]);
  });
  afterAll(() => {
    for (const o of other ?? []) o.client.close();
  });

  it("keeps policies on that say nothing by type, and runs every stack policy when the probe stack fails", async () => {
    const registry = (name: string, props: Record<string, unknown>) => resourceRecord("azure-native:containerregistry:Registry", name, props);
    const records = [
      registry("untagged", {}),
      registry("admin", { adminUserEnabled: true, tags: { env: "dev" } }),
      registry("tagged", { tags: { team: "ml" } }),
      resourceRecord("azure-native:resources:ResourceGroup", "rg1", {}),
      resourceRecord("azure-native:resources:ResourceGroup", "rg2", { tags: {} }),
    ];
    const { pack: info, config } = other[0]!;
    const routed = await judge(other.map((o) => o.client), info, records, new Map(), { config });
    const whole = await judge(other[0]!.client, info, records, new Map());
    expect(sorted(routed)).toEqual(sorted(whole));
    expect(routed.map((v) => `${v.policyName}: ${v.message}`).sort()).toEqual([
      "env-tag-when-tagged: rg2 has tags but no env tag",
      "env-tag-when-tagged: tagged has tags but no env tag",
      "stack-size: the stack has 5 resources",
      "untyped-admin-user: admin has its admin user on",
    ]);
  });
});
