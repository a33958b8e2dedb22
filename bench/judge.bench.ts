/**
 * Judging 5,000 prod-shaped resources (the prod stack copied, every type the platform creates)
 * on two pack processes, as `judge()` does in a preview: a focused part of bench/index.ts.
 *
 *   npx tsx bench/judge.bench.ts          # BENCH_ROUNDS (default 5) runs after a first one
 *   BENCH_STACK=kubernetes|registry       # the synthetic Kubernetes or registry stack instead
 */
import { readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { judge, startConfiguredPack } from "../preview/engine";
import { encodeAnalyzeRequest, encodeStack } from "../preview/pack-client";
import type { RecordedResource } from "../preview/recorder";
import { loadProgramSource, runProgram } from "../preview/run-program";
import { kubernetesStack, replicateStack, syntheticStack } from "./synthetic";

const root = path.resolve(__dirname, "..");
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);
const stack = process.env["BENCH_STACK"] ?? "prod";

/** CPU seconds (user + system) of a process so far, from /proc (0 once it is gone). */
function cpuOf(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / tick;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of this process and of each of its children so far, this process first: on a shared
 * machine wall time moves with the neighbours' load, CPU time much less, and the split shows
 * whether the work is balanced between the pack processes.
 */
function cpuSeconds(): number[] {
  const children = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
  return [cpuOf(process.pid), ...children.map(cpuOf)];
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * The floor of the pack's side, measured alone in this process (same Node): what @pulumi/policy's
 * server must do for each resource before any policy runs, with no gRPC around it: decoding the
 * `Analyze` requests (one per resource) and the `AnalyzeStack` request with google-protobuf, and
 * turning each resource's Struct into JavaScript values (`toJavaScript`, the first step of the
 * server's deserializeProperties; once per request with the patch). Milliseconds.
 */
function decodeFloor(records: readonly RecordedResource[]): Record<"encode" | "analyze" | "analyzeJs" | "stack" | "stackJs", number> {
  const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
  let t = process.hrtime.bigint();
  const requests = records.map((r) => encodeAnalyzeRequest({ type: r.type, name: r.name, urn: r.urn, properties: r.inputs, options: r.options }));
  const stack = encodeStack(
    records.map((r) => ({ type: r.type, name: r.name, urn: r.urn, properties: r.outputs, options: r.options, parent: r.parent, dependencies: r.dependencies, propertyDependencies: r.propertyDependencies })),
  );
  const encode = ms(t);
  t = process.hrtime.bigint();
  const decoded = requests.map((bytes) => analyzerproto.AnalyzeRequest.deserializeBinary(bytes));
  const analyze = ms(t);
  t = process.hrtime.bigint();
  for (const req of decoded) req.getProperties()?.toJavaScript();
  const analyzeJs = ms(t);
  t = process.hrtime.bigint();
  const resources = analyzerproto.AnalyzeStackRequest.deserializeBinary(stack.buffer).getResourcesList();
  const stackDecode = ms(t);
  t = process.hrtime.bigint();
  for (const r of resources) r.getProperties()?.toJavaScript();
  return { encode, analyze, analyzeJs, stack: stackDecode, stackJs: ms(t) };
}

async function main(): Promise<void> {
  console.log(`machine: ${os.availableParallelism()} cores, Node ${process.version}; load average at the start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const records =
    stack === "kubernetes" ? kubernetesStack(5000) : stack === "registry" ? syntheticStack(5000) : replicateStack(await runProgram(loadProgramSource(root, "prod")), 5000);
  const started = await Promise.all([0, 1].map(() => startConfiguredPack(path.join(root, "policies"))));
  try {
    const times: number[] = [];
    const cpu: number[][] = [];
    let violations = 0;
    for (let i = 0; i <= rounds; i++) {
      const c = cpuSeconds();
      const t = process.hrtime.bigint();
      const v = await judge(started.map((s) => s.client), started[0]!.pack, records, new Map(), { config: started[0]!.config });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      cpu.push(cpuSeconds().map((x, k) => x - (c[k] ?? 0)));
      violations = v.length;
    }
    const rest = cpu.slice(1);
    const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    // Children that did no work (tsx's esbuild service) are left out of the split.
    const split = (rest[0] ?? [])
      .map((_, k) => median(rest.map((r) => r[k] ?? 0)))
      .filter((x, k) => k === 0 || x > 0)
      .map((x) => x.toFixed(2))
      .join(" / ");
    console.log(`CPU time of a judging (client and both packs): first run ${total(cpu[0]!).toFixed(2)} s, median of the next ${rounds} ${median(rest.map(total)).toFixed(2)} s (client / pack processes: ${split} s)`);
    console.log(`judging ${records.length} ${stack === "prod" ? "prod-shaped" : `synthetic ${stack}`} resources, 2 pack processes: first run ${times[0]!.toFixed(0)} ms, median of the next ${rounds} ${median(times.slice(1)).toFixed(0)} ms; ${violations} violations (goal < 2000 ms)`);
  } finally {
    for (const s of started) s.client.close();
  }
  const floors = Array.from({ length: Math.max(3, rounds) }, () => decodeFloor(records));
  const floor = (k: keyof ReturnType<typeof decodeFloor>) => median(floors.map((f) => f[k])).toFixed(0);
  console.log(
    `floor, alone in this process (median of ${floors.length}): encoding the ${records.length} Analyze requests and the stack request ${floor("encode")} ms; ` +
      `decoding the Analyze requests ${floor("analyze")} ms + their properties to JavaScript ${floor("analyzeJs")} ms; the stack request ${floor("stack")} ms + ${floor("stackJs")} ms`,
  );
  console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
