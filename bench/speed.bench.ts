/**
 * Speed a person feels (issue 16): whole processes of the CLI, each as a ratio to a floor measured
 * in the same run on the same machine, so a loaded or a faster machine moves both alike.
 *
 *   npx tsx bench/speed.bench.ts                  # everything (about 3 minutes on 2 cores)
 *   BENCH_ONLY=attest,help npx tsx bench/speed.bench.ts   # a part: attest, help, verify10, preview
 *   BENCH_ROUNDS=3 ...                            # runs per figure (default 5; medians)
 *
 * - attest/verify model: the issue's 1 GiB model (one 800 MB file and 1,000 files of 200 KB,
 *   written under the temporary directory and deleted at the end), page cache warm, against
 *   `openssl dgst -sha256` over the same files one after the other (one core); peak RSS by GNU time.
 * - `secure-mlops --help` and `verify model` of a 10 MB model, whole process, with `node -e 0`.
 * - `preview --stack prod` against the floor of loading the SDKs it uses in a new process, the
 *   compile cache warm for both (the CLI keeps one, bin/secure-mlops.cjs).
 * The CLI runs from dist/, built first when it is missing or stale (bin/dist-stamp.cjs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "secure-mlops.cjs");
const MB = 1e6;
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const only = new Set((process.env["BENCH_ONLY"] ?? "attest,help,verify10,preview").split(","));
const hasGnuTime = existsSync("/usr/bin/time");

interface Run {
  readonly seconds: number;
  readonly peakRssMiB?: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** One whole process, timed from spawn to exit, with its peak RSS when GNU time is there. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Run {
  const [file, argv] = hasGnuTime ? ["/usr/bin/time", ["-f", "__rss %M", command, ...args]] : [command, [...args]];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd: root, encoding: "utf8", env, maxBuffer: 256 * MB });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const rss = /__rss (\d+)/.exec(r.stderr ?? "");
  return { seconds, ...(rss ? { peakRssMiB: Number(rss[1]) / 1024 } : {}) };
}

function cli(...args: string[]): Run {
  return run(process.execPath, [bin, ...args]);
}

/** `rounds` runs of each job, interleaved so a burst of load hits every figure alike. */
function interleaved(jobs: Record<string, () => Run>, rounds = ROUNDS): Record<string, Run[]> {
  const out: Record<string, Run[]> = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) for (const [name, job] of Object.entries(jobs)) out[name]!.push(job());
  return out;
}

function summary(runs: readonly Run[]): { median: number; peakRssMiB?: number } {
  const rss = runs.map((r) => r.peakRssMiB).filter((x): x is number => x !== undefined);
  return { median: median(runs.map((r) => r.seconds)), ...(rss.length ? { peakRssMiB: Math.max(...rss) } : {}) };
}

const lines: string[] = [];
function report(what: string, seconds: number, floorName: string, floor: number, goal: number | undefined, extra = ""): void {
  const ratio = seconds / floor;
  const verdict = goal === undefined ? "" : ratio <= goal ? `goal <= ${goal}x: met` : `goal <= ${goal}x: NOT met`;
  const line = `${what}: ${(seconds * 1000).toFixed(0)} ms = ${ratio.toFixed(2)}x ${floorName} (${(floor * 1000).toFixed(0)} ms)${extra ? `, ${extra}` : ""}${verdict ? `; ${verdict}` : ""}`;
  lines.push(line);
  console.log(line);
}
function absolute(what: string, seconds: number, goalMs: number, extra = ""): void {
  const ms = seconds * 1000;
  const line = `${what}: ${ms.toFixed(0)} ms${extra ? ` (${extra})` : ""}; goal < ${goalMs} ms: ${ms < goalMs ? "met" : "NOT met"}`;
  lines.push(line);
  console.log(line);
}

function writeModel(dir: string, bigBytes: number, smallFiles: number, smallBytes: number): string[] {
  mkdirSync(path.join(dir, "parts"), { recursive: true });
  // SHA-256 runs at the same speed on any content; a 16 MB pattern keeps the writing fast
  const pattern = Buffer.alloc(16 * MB);
  for (let i = 0; i < pattern.length; i += 4) pattern.writeUInt32LE((i * 2654435761) >>> 0, i);
  const big = path.join(dir, "model.safetensors");
  const fd = openSync(big, "w");
  for (let written = 0; written < bigBytes; written += pattern.length) writeSync(fd, pattern, 0, Math.min(pattern.length, bigBytes - written));
  closeSync(fd);
  const files = [big];
  for (let i = 0; i < smallFiles; i++) {
    const f = path.join(dir, "parts", `part-${String(i).padStart(4, "0")}.bin`);
    writeFileSync(f, pattern.subarray(i * 7, i * 7 + smallBytes));
    files.push(f);
  }
  return files;
}

function ensureBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bin's own CommonJS helper
  const { isDistFresh } = require("../bin/dist-stamp.cjs") as { isDistFresh(root: string): boolean };
  if (isDistFresh(root)) return;
  console.log("dist/ is missing or older than the sources: npm run build");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (!isDistFresh(root)) throw new Error("dist/ is still not fresh after npm run build");
}

function benchAttest(scratch: string, key: string, pub: string): void {
  const model = path.join(scratch, "model-1g");
  const files = writeModel(model, 800 * MB, 1000, 200_000);
  for (const f of files) readFileSync(f); // the page cache holds the model, as for OpenSSL
  const sig = (m: string): string => path.join(scratch, `${m}.sig`);
  // one signature per mode to verify against, out of the timed runs
  for (const m of ["files", "shards"]) cli("attest", "model", model, "--key", key, "--method", m, "--out", sig(m), "--no-git-source");
  const runs = interleaved({
    openssl: () => run("openssl", ["dgst", "-sha256", ...files]),
    attestFiles: () => cli("attest", "model", model, "--key", key, "--method", "files", "--out", path.join(scratch, "t-files.sig"), "--no-git-source"),
    attestShards: () => cli("attest", "model", model, "--key", key, "--method", "shards", "--out", path.join(scratch, "t-shards.sig"), "--no-git-source"),
    verifyFiles: () => cli("verify", "model", model, "--key", pub, "--bundle", sig("files")),
    verifyShards: () => cli("verify", "model", model, "--key", pub, "--bundle", sig("shards")),
  });
  const floor = summary(runs["openssl"]!).median;
  const goals: Record<string, [string, number]> = {
    attestFiles: ["attest model --method files", 0.9],
    attestShards: ["attest model --method shards", 0.7],
    verifyFiles: ["verify model (files signature)", 0.9],
    verifyShards: ["verify model (shards signature)", 0.7],
  };
  for (const [name, [label, goal]] of Object.entries(goals)) {
    const s = summary(runs[name]!);
    const rss = s.peakRssMiB === undefined ? "peak RSS not measured (no GNU time)" : `peak RSS ${s.peakRssMiB.toFixed(0)} MiB (goal < 200 MB: ${s.peakRssMiB * 1.048576 < 200 ? "met" : "NOT met"})`;
    report(`${label}, 1 GiB model, whole process, median of ${ROUNDS}`, s.median, "serial openssl dgst -sha256", floor, goal, rss);
  }
  rmSync(model, { recursive: true, force: true });
}

function benchHelpAndSmallVerify(scratch: string, key: string, pub: string): void {
  const small = path.join(scratch, "model-10m");
  writeModel(small, 8 * MB, 10, 200_000);
  cli("attest", "model", small, "--key", key, "--no-git-source");
  const runs = interleaved(
    {
      node: () => run(process.execPath, ["-e", "0"]),
      help: () => cli("--help"),
      verify: () => cli("verify", "model", small, "--key", pub),
    },
    Math.max(ROUNDS, 10),
  );
  const node = summary(runs["node"]!).median;
  if (only.has("help")) absolute(`secure-mlops --help, whole process, median of ${runs["help"]!.length}`, summary(runs["help"]!).median, 100, `node -e 0: ${(node * 1000).toFixed(0)} ms`);
  if (only.has("verify10")) absolute(`verify model, 10 MB model, whole process, median of ${runs["verify"]!.length}`, summary(runs["verify"]!).median, 300, `node -e 0: ${(node * 1000).toFixed(0)} ms`);
  rmSync(small, { recursive: true, force: true });
}

/** What the prod stack and the pack load; the floor is loading them in a new process. */
const sdks = ["@pulumi/pulumi", "@pulumi/policy", "@pulumi/azure-native", "@pulumi/azuread", "@pulumi/github", "@pulumi/kubernetes"];

function benchPreview(): void {
  const load = `for (const m of ${JSON.stringify(sdks)}) require(m);`;
  // warm both compile caches (the CLI's, and the floor's in the same place) before timing
  cli("preview", "--stack", "prod");
  run(process.execPath, ["-e", load]);
  const runs = interleaved({
    floor: () => run(process.execPath, ["-e", load]),
    floorNoCache: () => run(process.execPath, ["-e", load], { ...process.env, NODE_DISABLE_COMPILE_CACHE: "1", NODE_COMPILE_CACHE: "" }),
    preview: () => cli("preview", "--stack", "prod"),
  });
  const floor = summary(runs["floor"]!).median;
  const floorNoCache = summary(runs["floorNoCache"]!).median;
  report(`preview --stack prod, whole process, median of ${ROUNDS}`, summary(runs["preview"]!).median, "SDK load", floor, 3.0, `SDK load without the compile cache ${(floorNoCache * 1000).toFixed(0)} ms`);
}

function main(): void {
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${execFileSync("openssl", ["version"], { encoding: "utf8" }).trim()}; load average at the start ${load}`);
  ensureBuilt();
  const scratch = mkdtempSync(path.join(tmpdir(), "secure-mlops-speed-"));
  try {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const key = path.join(scratch, "key.pem");
    const pub = path.join(scratch, "key.pub.pem");
    writeFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(pub, publicKey.export({ type: "spki", format: "pem" }));
    if (only.has("help") || only.has("verify10")) benchHelpAndSmallVerify(scratch, key, pub);
    if (only.has("attest")) benchAttest(scratch, key, pub);
    if (only.has("preview")) benchPreview();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\nload average at the end ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(lines.join("\n"));
}

main();
