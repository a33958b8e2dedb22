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

/**
 * CPU seconds (user + system) of this process and its children so far, from /proc: on a shared
 * machine wall time moves with the neighbours' load, CPU time much less.
 */
function cpuSeconds(): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      if (Number(pid) === process.pid || Number(fields[1]) === process.pid) total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function main(): Promise<void> {
  console.log(`machine: ${os.availableParallelism()} cores, Node ${process.version}; load average at the start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const records =
    stack === "kubernetes" ? kubernetesStack(5000) : stack === "registry" ? syntheticStack(5000) : replicateStack(await runProgram(loadProgramSource(root, "prod")), 5000);
  const started = await Promise.all([0, 1].map(() => startConfiguredPack(path.join(root, "policies"))));
  try {
    const times: number[] = [];
    const cpu: number[] = [];
    let violations = 0;
    for (let i = 0; i <= rounds; i++) {
      const c = cpuSeconds();
      const t = process.hrtime.bigint();
      const v = await judge(started.map((s) => s.client), started[0]!.pack, records, new Map(), { config: started[0]!.config });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      cpu.push(cpuSeconds() - c);
      violations = v.length;
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    const restCpu = cpu.slice(1).sort((a, b) => a - b);
    console.log(`CPU time of a judging (client and both packs): first run ${cpu[0]!.toFixed(2)} s, median of the next ${rounds} ${restCpu[Math.floor(restCpu.length / 2)]!.toFixed(2)} s`);
    console.log(`judging ${records.length} ${stack === "prod" ? "prod-shaped" : `synthetic ${stack}`} resources, 2 pack processes: first run ${times[0]!.toFixed(0)} ms, median of the next ${rounds} ${rest[Math.floor(rest.length / 2)]!.toFixed(0)} ms; ${violations} violations (goal < 2000 ms)`);
  } finally {
    for (const s of started) s.client.close();
  }
  console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
