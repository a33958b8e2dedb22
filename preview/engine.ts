import * as path from "node:path";
import {
  PolicyPackClient,
  encodeStack,
  type AnalyzeInput,
  type AnalyzeResult,
  type EncodedStack,
  type AnalyzerProvider,
  type PackStartOptions,
  type Diagnostic,
  type PackInfo,
  type PolicyInfo,
  type ResolvedPolicyConfig,
} from "./pack-client";
import { readPolicyConfigFile, resolvePolicyConfig } from "./policy-config";
import { applicablePolicies, planProcesses, type ProcessPlan } from "./routing";
import { analyzeInput } from "./analyze-input";
import type { RecordedResource } from "./recorder";

/**
 * The offline preview: runs a Pulumi program on the mocks and sends every resource, then the whole
 * stack, to the policy pack over the analyzer protocol, as `pulumi preview --policy-pack` does.
 */

export interface PreviewOptions {
  /** Project folder (with Pulumi.yaml); its `main` is the program. */
  readonly projectDir: string;
  readonly stack: string;
  /** Run this program folder instead of the project's `main` (its own Pulumi.yaml, if any, names it). */
  readonly programDir?: string;
  readonly policyPackDir: string;
  readonly policyConfigFile?: string;
  /** Resources judged at once; the pack answers concurrent requests faster than sequential ones. */
  readonly concurrency?: number;
}

export interface PreviewResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly custom: boolean;
}

export interface Violation {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly urn: string;
  /** Logical name and type of the resource, for people (empty for stack-wide findings without a resource). */
  readonly resourceName: string;
  readonly resourceType: string;
  readonly message: string;
  readonly enforcementLevel: Diagnostic["enforcementLevel"];
  readonly severity: Diagnostic["severity"];
  /** ATLAS mitigation ids (the policy's framework reference) and NIST AI RMF tags. */
  readonly frameworks: readonly string[];
  readonly remediationSteps: string;
}

export interface PreviewResult {
  readonly project: string;
  readonly stack: string;
  readonly pack: PackInfo;
  readonly resources: readonly PreviewResource[];
  readonly violations: readonly Violation[];
  readonly mandatoryCount: number;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** ATLAS ids and NIST AI RMF subcategories of a policy, from its own metadata. */
export function frameworksOf(policy: PolicyInfo | undefined): string[] {
  if (!policy) return [];
  const atlas = (policy.framework?.reference ?? "").split(/\s+/).filter(Boolean);
  const nist = policy.tags.filter((t) => t.startsWith("nist-ai-rmf:")).map((t) => `NIST AI RMF ${t.slice("nist-ai-rmf:".length)}`);
  return [...atlas, ...nist];
}

export interface JudgeOptions {
  /** Requests in flight per pack process. */
  readonly concurrency?: number;
  /**
   * The config the processes were configured with. Given, the resources are routed by type
   * (preview/routing.ts) and the processes are configured back to it at the end; without it,
   * every process judges with the config it has.
   */
  readonly config?: ResolvedPolicyConfig;
  /**
   * `Analyze` answers already had for some resources (by URN), asked with the processes
   * configured as they are now (EarlyJudging, while the program ran): not asked again.
   */
  readonly judged?: ReadonlyMap<string, AnalyzeResult>;
}

/**
 * Judges recorded resources with running pack processes (the same pack, configured alike), as
 * the engine does: `Analyze` for each resource with its inputs, then `AnalyzeStack` with the
 * outputs. Exposed so benchmarks and tests feed synthetic stacks through the same path.
 */
export async function judge(
  clients: PolicyPackClient | readonly PolicyPackClient[],
  pack: PackInfo,
  records: readonly RecordedResource[],
  providers: ReadonlyMap<string, AnalyzerProvider>,
  options: JudgeOptions = {},
): Promise<Violation[]> {
  const pool = Array.isArray(clients) ? clients : [clients as PolicyPackClient];
  if (pool.length === 0) throw new Error("judge needs at least one policy pack process");
  const providerFor = (r: RecordedResource): AnalyzerProvider | undefined =>
    r.custom && !r.provider ? providers.get(r.type.split(":")[0] ?? "") : undefined;
  const requests: Requests = {
    analyze: (r) => analyzeInput(r, providerFor(r)),
    stack: (resources) =>
      encodeStack(
        resources.map((r) => ({
          type: r.type,
          name: r.name,
          urn: r.urn,
          properties: r.outputs,
          options: r.options,
          provider: providerFor(r),
          parent: r.parent,
          dependencies: r.dependencies,
          propertyDependencies: r.propertyDependencies,
        })),
      ),
  };
  const concurrency = options.concurrency ?? 256;
  const routable = options.config !== undefined && pack.policies.every((p) => p.policyType !== "unknown");
  const judged = options.judged ?? new Map<string, AnalyzeResult>();
  const diagnostics = routable
    ? await judgeRouted(pool, pack, options.config as ResolvedPolicyConfig, records, requests, concurrency, judged)
    : await judgeAsConfigured(pool, records, requests, concurrency, judged);
  const byUrn = new Map(records.map((r) => [r.urn, r]));
  const byPolicy = new Map(pack.policies.map((p) => [p.name, p]));
  return diagnostics.map((d) => {
    const r = byUrn.get(d.urn);
    const policy = byPolicy.get(d.policyName);
    return {
      policyName: d.policyName,
      policyPackName: d.policyPackName,
      urn: d.urn,
      resourceName: r?.name ?? "",
      resourceType: r?.type ?? "",
      message: d.message,
      enforcementLevel: d.enforcementLevel,
      severity: d.severity || policy?.severity || "",
      frameworks: frameworksOf(policy),
      remediationSteps: policy?.remediationSteps ?? "",
    };
  });
}

interface Requests {
  readonly analyze: (r: RecordedResource) => AnalyzeInput;
  /** The `AnalyzeStack` request for these resources, encoded once for every process that needs it. */
  readonly stack: (resources: readonly RecordedResource[]) => EncodedStack;
}

/**
 * Every process keeps its config: `Analyze` calls are dealt round the processes but the last,
 * which judges the stack at the same time (the two are independent; the engine runs them one
 * after the other). With one process it does both.
 */
async function judgeAsConfigured(
  pool: readonly PolicyPackClient[],
  records: readonly RecordedResource[],
  requests: Requests,
  concurrency: number,
  judged: ReadonlyMap<string, AnalyzeResult>,
): Promise<Diagnostic[]> {
  const stackClient = pool[pool.length - 1] as PolicyPackClient;
  const resourceClients = pool.length > 1 ? pool.slice(0, -1) : pool;
  const known = records.flatMap((r) => judged.get(r.urn)?.diagnostics ?? []);
  let turn = 0;
  const resources = mapLimit(records.filter((r) => !judged.has(r.urn)), concurrency * resourceClients.length, (r) =>
    (resourceClients[turn++ % resourceClients.length] as PolicyPackClient).analyze(requests.analyze(r)),
  );
  const stack = stackClient.analyzeEncodedStack(requests.stack(records));
  const [resourceDiagnostics, stackAnswer] = await Promise.all([resources, stack]);
  return [...known, ...resourceDiagnostics.flat(), ...stackAnswer.diagnostics];
}

/**
 * Routed judging (preview/routing.ts): the first resource of each type is judged with the full
 * config and tells which policies apply to its type; then every process gets its types and
 * stack policies, judges them, and is configured back to `config`.
 */
async function judgeRouted(
  pool: readonly PolicyPackClient[],
  pack: PackInfo,
  config: ResolvedPolicyConfig,
  records: readonly RecordedResource[],
  requests: Requests,
  concurrency: number,
  judged: ReadonlyMap<string, AnalyzeResult>,
): Promise<Diagnostic[]> {
  const firstOfType = new Map<string, RecordedResource>();
  for (const r of records) if (!firstOfType.has(r.type)) firstOfType.set(r.type, r);
  const probes = [...firstOfType.values()];
  const isProbe = (r: RecordedResource): boolean => firstOfType.get(r.type) === r;
  // Answers had before (with the full config) count as judged, probes included.
  const known = records.flatMap((r) => (isProbe(r) ? [] : (judged.get(r.urn)?.diagnostics ?? [])));
  const rest = records.filter((r) => !isProbe(r) && !judged.has(r.urn));
  // A stack with one resource of each type tells which stack policies apply; its violations are
  // not the stack's and are dropped. If it fails, every stack policy runs.
  const stackProbe =
    rest.length === 0
      ? Promise.resolve(undefined)
      : (pool[pool.length - 1] as PolicyPackClient)
          .analyzeEncodedStack(requests.stack(probes))
          .then((a) => applicablePolicies(pack, config, "stack", a.notApplicable))
          .catch(() => undefined);
  let turn = 0;
  const answers = await mapLimit(probes, concurrency * pool.length, (r) =>
    Promise.resolve(judged.get(r.urn) ?? (pool[turn++ % pool.length] as PolicyPackClient).analyzeWithApplicability(requests.analyze(r))),
  );
  const stackPolicies = await stackProbe;
  const probeDiagnostics = [...answers.flatMap((a) => a.diagnostics), ...known];
  if (rest.length === 0) {
    // Nothing left to route (one resource per type, or every other one answered early, as in a
    // preview of a small stack): the stack is judged with the config as it is.
    const stack = await (pool[pool.length - 1] as PolicyPackClient).analyzeEncodedStack(requests.stack(records));
    return [...probeDiagnostics, ...stack.diagnostics];
  }
  const counts = new Map<string, number>();
  for (const r of rest) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const stackValues = new Map<string, number>();
  for (const r of records) stackValues.set(r.type, (stackValues.get(r.type) ?? 0) + valueCount(r.outputs));
  const inputValues = new Map<string, number>();
  for (const r of rest) inputValues.set(r.type, (inputValues.get(r.type) ?? 0) + valueCount(r.inputs));
  const loads = probes.map((r, i) => ({
    type: r.type,
    count: counts.get(r.type) ?? 0,
    policies: applicablePolicies(pack, config, "resource", answers[i]?.notApplicable ?? []),
    stackValues: stackValues.get(r.type) ?? 0,
    values: inputValues.get(r.type) ?? 0,
  }));
  const plans = planProcesses(pack, config, loads, pool.length, stackPolicies);
  const byType = new Map<string, RecordedResource[]>();
  for (const r of rest) {
    const same = byType.get(r.type);
    if (same) same.push(r);
    else byType.set(r.type, [r]);
  }
  try {
    // Every process first gets its stack-only config, so the stack can start at once.
    await Promise.all(pool.map((c, i) => c.configure((plans[i] as ProcessPlan).stackConfig)));
    const stackClients = pool.filter((_, i) => (plans[i] as ProcessPlan).stackPolicies.size > 0);
    const encoded = stackClients.length > 0 ? requests.stack(records) : undefined;
    const stack = Promise.all(stackClients.map((c) => c.analyzeEncodedStack(encoded as EncodedStack)));
    const resources = Promise.all(
      pool.map(async (client, i) => {
        const out: Diagnostic[][] = [];
        for (const phase of (plans[i] as ProcessPlan).phases) {
          // No `Analyze` of this process is in flight here: each phase waits for its last answer.
          await client.configure(phase.config);
          const mine = phase.types.flatMap((t) => byType.get(t) ?? []);
          for (const d of await mapLimit(mine, concurrency, (r) => client.analyze(requests.analyze(r)))) out.push(d);
        }
        return out.flat();
      }),
    );
    const [resourceDiagnostics, stackAnswers] = await Promise.all([resources, stack]);
    await Promise.all(pool.map((c) => c.configure(config)));
    return [...probeDiagnostics, ...resourceDiagnostics.flat(), ...stackAnswers.flatMap((a) => a.diagnostics)];
  } catch (err) {
    // Configured back as far as the processes still answer; the first error is the one to report.
    await Promise.allSettled(pool.map((c) => c.configure(config)));
    throw err;
  }
}

/** The values of a property tree (objects, lists and scalars), as a Struct holds them. */
function valueCount(value: unknown): number {
  if (value === null || typeof value !== "object") return 1;
  let n = 1;
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += valueCount(v);
  return n;
}

/** Starts the pack, reads and resolves its config file, and configures it. */
export async function startConfiguredPack(
  policyPackDir: string,
  policyConfigFile?: string,
  startOptions: PackStartOptions = {},
): Promise<{ client: PolicyPackClient; pack: PackInfo; config: ResolvedPolicyConfig }> {
  const client = await PolicyPackClient.start(policyPackDir, startOptions);
  try {
    const pack = await client.info();
    const raw = policyConfigFile ? readPolicyConfigFile(policyConfigFile) : {};
    const config = resolvePolicyConfig(pack, raw, policyConfigFile ? path.relative(process.cwd(), policyConfigFile) : undefined);
    await client.configure(config);
    return { client, pack, config };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** Resources from which the preview (and the audit) starts a second pack process. */
export const bigStack = 1000;
