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
import { judge, startConfiguredPack } from "../preview/engine";
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
  console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
