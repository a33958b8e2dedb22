import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";

/**
 * A pool of hashing worker threads, created on first use and kept for the life of the process
 * (the verifier service hashes many models; a worker costs ~30 ms to start). Idle workers are
 * unref'd so they never keep a CLI process alive; busy ones are ref'd so a pending hash does.
 */

/** What the walk saw of the file; the worker refuses the file if it no longer matches. */
export interface FileIdentity {
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

export interface HashTask {
  /** Absolute path of the file to open. */
  readonly file: string;
  /** Byte range [start, end) to hash. */
  readonly start: number;
  readonly end: number;
  /** node:crypto algorithm name (`sha256`, `blake2b512`). */
  readonly algorithm: string;
  /** Open without O_NOFOLLOW (only when symlinks are allowed and this entry is one). */
  readonly followSymlink: boolean;
  readonly expect: FileIdentity;
}

export type HashOutcome =
  | { readonly ok: true; readonly digest: string }
  | { readonly ok: false; readonly reason: "changed" | "symlink" | "unreadable"; readonly detail: string };

/**
 * Bytes read at a time. A fresh buffer costs a page fault per 4 KiB on first use (25 ms of CPU for
 * 4 MiB on a virtual machine), and 1 MiB hashes as fast as 4 MiB (the file system's read-ahead
 * does the rest).
 */
const CHUNK_BYTES = 1024 * 1024;

// The worker is evaluated from source so it runs the same under tsx, vitest and compiled
// output (a .ts worker file would need a loader in each of them). Reads are synchronous: the
// thread does nothing else, and it keeps one 1 MiB buffer, so memory stays flat whatever the
// file size. Identity (dev, ino, size, mtime) is compared when the file is opened and again
// after the last byte, so a file replaced or written while hashed is refused, not signed.
const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const CHUNK = ${CHUNK_BYTES};
const PROGRESS_EVERY = 32 * 1024 * 1024;
const buffer = Buffer.allocUnsafe(CHUNK);
function same(st, e) {
  return st.size === BigInt(e.size) && st.mtimeNs === BigInt(e.mtimeNs) &&
    st.ino === BigInt(e.ino) && st.dev === BigInt(e.dev);
}
parentPort.on("message", (task) => {
  let fd = -1;
  try {
    const flags = fs.constants.O_RDONLY | (task.followSymlink ? 0 : (fs.constants.O_NOFOLLOW || 0));
    try {
      fd = fs.openSync(task.file, flags);
    } catch (err) {
      if (err && err.code === "ELOOP") {
        parentPort.postMessage({ id: task.id, ok: false, reason: "symlink", detail: "became a symlink" });
      } else if (err && err.code === "ENOENT") {
        parentPort.postMessage({ id: task.id, ok: false, reason: "changed", detail: "disappeared while hashing" });
      } else {
        parentPort.postMessage({ id: task.id, ok: false, reason: "unreadable", detail: String(err && err.message || err) });
      }
      return;
    }
    const before = fs.fstatSync(fd, { bigint: true });
    if (!before.isFile() || !same(before, task.expect)) {
      parentPort.postMessage({ id: task.id, ok: false, reason: "changed", detail: "changed between listing and hashing" });
      return;
    }
    const hash = crypto.createHash(task.algorithm);
    let position = task.start;
    let sinceProgress = 0;
    while (position < task.end) {
      const want = Math.min(CHUNK, task.end - position);
      const n = fs.readSync(fd, buffer, 0, want, position);
      if (n === 0) {
        parentPort.postMessage({ id: task.id, ok: false, reason: "changed", detail: "truncated while hashing" });
        return;
      }
      hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
      position += n;
      sinceProgress += n;
      if (sinceProgress >= PROGRESS_EVERY) {
        parentPort.postMessage({ id: task.id, progress: sinceProgress });
        sinceProgress = 0;
      }
    }
    const after = fs.fstatSync(fd, { bigint: true });
    if (!same(after, task.expect)) {
      parentPort.postMessage({ id: task.id, ok: false, reason: "changed", detail: "modified while hashing" });
      return;
    }
    if (sinceProgress > 0) parentPort.postMessage({ id: task.id, progress: sinceProgress });
    parentPort.postMessage({ id: task.id, ok: true, digest: hash.digest("hex") });
  } catch (err) {
    parentPort.postMessage({ id: task.id, ok: false, reason: "unreadable", detail: String(err && err.message || err) });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
});
`;

interface WireTask {
  readonly id: number;
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly algorithm: string;
  readonly followSymlink: boolean;
  readonly expect: { size: string; mtimeNs: string; ino: string; dev: string };
}

type WireReply =
  | { id: number; progress: number }
  | { id: number; ok: true; digest: string }
  | { id: number; ok: false; reason: "changed" | "symlink" | "unreadable"; detail: string };

interface Pending {
  readonly resolve: (outcome: HashOutcome) => void;
  readonly reject: (err: Error) => void;
  readonly onBytes: (n: number) => void;
}

class PooledWorker {
  readonly worker: Worker;
  /** Tasks posted and not answered yet, by id; the thread takes them in order. */
  private readonly pending = new Map<number, Pending>();
  /** True once the thread runs our code; false if it died first. */
  readonly online: Promise<boolean>;
  constructor(onExit: (w: PooledWorker) => void) {
    // loaded here, not at the top: a model hashed on the calling thread alone never pays for it
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker: WorkerThread } = require("node:worker_threads") as typeof import("node:worker_threads");
    this.worker = new WorkerThread(WORKER_SOURCE, { eval: true });
    let settle: (online: boolean) => void = () => undefined;
    this.online = new Promise<boolean>((resolve) => (settle = resolve));
    this.worker.once("online", () => settle(true));
    this.worker.on("message", (reply: WireReply) => this.onMessage(reply));
    this.worker.on("error", (err: Error) => {
      settle(false);
      this.fail(err);
    });
    this.worker.on("exit", () => {
      settle(false);
      this.fail(new Error("hash worker exited"));
      onExit(this);
    });
    // after the listeners: adding a "message" listener refs the worker's port again, and a
    // worker started ahead of use (warmHashPool) and never given a task would keep the CLI alive
    this.worker.unref();
  }
  private onMessage(reply: WireReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if ("progress" in reply) {
      pending.onBytes(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve({ ok: true, digest: reply.digest });
    else pending.resolve({ ok: false, reason: reply.reason, detail: reply.detail });
  }
  private fail(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
  /** Posts a task; several may be posted before the first is answered (the thread queues them). */
  run(id: number, task: HashTask, onBytes: (n: number) => void): Promise<HashOutcome> {
    return new Promise<HashOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onBytes });
      this.worker.ref();
      const wire: WireTask = {
        id,
        file: task.file,
        start: task.start,
        end: task.end,
        algorithm: task.algorithm,
        followSymlink: task.followSymlink,
        // bigint does not cross postMessage in every Node release the same way; strings do
        expect: {
          size: task.expect.size.toString(),
          mtimeNs: task.expect.mtimeNs.toString(),
          ino: task.expect.ino.toString(),
          dev: task.expect.dev.toString(),
        },
      };
      this.worker.postMessage(wire);
    });
  }
}

const idle: PooledWorker[] = [];
const all = new Set<PooledWorker>();
let nextId = 1;

function acquire(): PooledWorker {
  return idle.pop() ?? create();
}

function create(): PooledWorker {
  const created = new PooledWorker((dead) => {
    all.delete(dead);
    const at = idle.indexOf(dead);
    if (at >= 0) idle.splice(at, 1);
  });
  all.add(created);
  return created;
}

function release(worker: PooledWorker): void {
  if (all.has(worker)) idle.push(worker);
}

/**
 * Starts workers until the pool holds `count`, without waiting for them: a caller that walks a
 * tree before hashing lets the threads boot meanwhile. Idle workers never keep the process alive.
 */
export function warmHashPool(count: number): void {
  while (all.size < count) idle.push(create());
}

/** Number of hashing threads used when the caller does not say: one per core. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** Bytes, and tasks, a worker thread is given ahead of the one it hashes. */
const WORKER_QUEUE_BYTES = 8 * 1024 * 1024;
const WORKER_QUEUE_TASKS = 64;

/** Bytes below which a model is hashed on the calling thread alone: less than a thread costs to start. */
export const CALLING_THREAD_ONLY_BYTES = 64 * 1024 * 1024;

export interface HashTasksOptions {
  /**
   * Hash on the calling thread too, as one of the `concurrency` lanes, and alone when the tasks
   * total less than `CALLING_THREAD_ONLY_BYTES`. For a command-line process, whose main thread
   * would only wait: it saves a thread's start and a message per file. A service keeps its
   * thread free for requests and leaves this off. @default false
   */
  readonly callingThread?: boolean;
}

/**
 * Hashes every task, largest first so that the lanes finish together, on up to `concurrency`
 * lanes: worker threads, and the calling thread when asked. `onBytes` gets the bytes hashed since
 * its last call. Resolves with one outcome per task, in task order; after the first refused task
 * no other is handed out (a worker still finishes the few already queued to it), and those never
 * started stay `undefined`.
 */
export async function hashTasks(
  tasks: readonly HashTask[],
  concurrency: number,
  onBytes: (n: number) => void,
  options: HashTasksOptions = {},
): Promise<(HashOutcome | undefined)[]> {
  if (tasks.length === 0) return [];
  const outcomes = new Array<HashOutcome | undefined>(tasks.length).fill(undefined);
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[b]!.end - tasks[b]!.start - (tasks[a]!.end - tasks[a]!.start));
  let cursor = 0;
  let failed = false;
  const record = (index: number, outcome: HashOutcome): void => {
    outcomes[index] = outcome;
    // one refused file is enough to refuse the model; stop reading the others
    if (!outcome.ok) failed = true;
  };
  const lanes = Math.max(1, Math.min(concurrency, tasks.length));
  let callingLaneDone: Promise<false> = Promise.resolve(false);
  const runWorkerLane = async (waitOnline: boolean): Promise<void> => {
    const worker = acquire();
    try {
      // beside the calling thread, a thread still starting takes nothing: the calling thread
      // would otherwise wait at the end for a file given to a thread not yet running; and if the
      // calling thread is through first, nobody waits for the thread to start
      if (waitOnline && !(await Promise.race([worker.online, callingLaneDone]))) return;
      await feedWorker(worker);
    } finally {
      release(worker);
    }
  };
  // A thread keeps up to WORKER_QUEUE_BYTES of tasks queued (at least one), so it never waits for
  // its next file while the thread that hands them out is busy: one answer per small file,
  // taken between another thread's reads, would leave it idle most of the time.
  const feedWorker = (worker: PooledWorker): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let queued = 0;
      let queuedBytes = 0;
      const feed = (): void => {
        while (!failed && cursor < order.length && (queued === 0 || (queuedBytes < WORKER_QUEUE_BYTES && queued < WORKER_QUEUE_TASKS))) {
          const index = order[cursor++]!;
          const bytes = tasks[index]!.end - tasks[index]!.start;
          queued++;
          queuedBytes += bytes;
          worker.run(nextId++, tasks[index]!, onBytes).then((outcome) => {
            record(index, outcome);
            queued--;
            queuedBytes -= bytes;
            feed();
          }, reject);
        }
        if (queued === 0) resolve();
      };
      feed();
    });
  if (!options.callingThread) {
    await Promise.all(Array.from({ length: lanes }, () => runWorkerLane(false)));
    return outcomes;
  }
  let totalBytes = 0;
  for (const t of tasks) totalBytes += t.end - t.start;
  const workerLanes = totalBytes < CALLING_THREAD_ONLY_BYTES ? 0 : lanes - 1;
  const runCallingLane = async (): Promise<void> => {
    // alone, the calling thread never needs to look at its event loop; beside workers, it does
    // every YIELD_EVERY_BYTES, files included (a file's end is only a microtask away), and the
    // workers' queues cover the wait
    const lane: CallingLane = { buffer: Buffer.allocUnsafe(CHUNK_BYTES), sinceYield: 0, yields: workerLanes > 0 };
    while (cursor < order.length && !failed) {
      const index = order[cursor++]!;
      record(index, await hashOnCallingThread(tasks[index]!, lane, onBytes));
    }
  };
  callingLaneDone = runCallingLane().then(() => false as const);
  await Promise.all([callingLaneDone, ...Array.from({ length: workerLanes }, () => runWorkerLane(true))]);
  return outcomes;
}

const PROGRESS_EVERY_BYTES = 32 * 1024 * 1024;
/** How much the calling thread hashes between two looks at its event loop. */
const YIELD_EVERY_BYTES = 4 * 1024 * 1024;

function sameIdentity(st: BigIntStats, e: FileIdentity): boolean {
  return st.size === e.size && st.mtimeNs === e.mtimeNs && st.ino === e.ino && st.dev === e.dev;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The calling thread's read buffer, and how much it hashed since it last let other work run. */
interface CallingLane {
  readonly buffer: Buffer;
  sinceYield: number;
  readonly yields: boolean;
}

/**
 * What a worker does with a task (WORKER_SOURCE, the same checks and answers), on the calling
 * thread. Reads are synchronous; beside workers it yields every 4 MiB hashed, so their answers
 * are taken between reads.
 */
async function hashOnCallingThread(task: HashTask, lane: CallingLane, onBytes: (n: number) => void): Promise<HashOutcome> {
  const buffer = lane.buffer;
  let fd = -1;
  try {
    const flags = fsConstants.O_RDONLY | (task.followSymlink ? 0 : fsConstants.O_NOFOLLOW || 0);
    try {
      fd = openSync(task.file, flags);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP") return { ok: false, reason: "symlink", detail: "became a symlink" };
      if (code === "ENOENT") return { ok: false, reason: "changed", detail: "disappeared while hashing" };
      return { ok: false, reason: "unreadable", detail: String((err as Error).message || err) };
    }
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile() || !sameIdentity(before, task.expect)) return { ok: false, reason: "changed", detail: "changed between listing and hashing" };
    const hash = createHash(task.algorithm);
    let position = task.start;
    let sinceProgress = 0;
    while (position < task.end) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, task.end - position), position);
      if (n === 0) return { ok: false, reason: "changed", detail: "truncated while hashing" };
      hash.update(n === CHUNK_BYTES ? buffer : buffer.subarray(0, n));
      position += n;
      sinceProgress += n;
      if (sinceProgress >= PROGRESS_EVERY_BYTES) {
        onBytes(sinceProgress);
        sinceProgress = 0;
      }
      lane.sinceYield += n;
      if (lane.yields && lane.sinceYield >= YIELD_EVERY_BYTES) {
        lane.sinceYield = 0;
        await nextTurn();
      }
    }
    const after = fstatSync(fd, { bigint: true });
    if (!sameIdentity(after, task.expect)) return { ok: false, reason: "changed", detail: "modified while hashing" };
    if (sinceProgress > 0) onBytes(sinceProgress);
    return { ok: true, digest: hash.digest("hex") };
  } catch (err) {
    return { ok: false, reason: "unreadable", detail: String((err as Error).message || err) };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Stops every pooled worker (for tests and for services shutting down). */
export async function closeHashPool(): Promise<void> {
  const stopping = [...all];
  all.clear();
  idle.length = 0;
  await Promise.all(stopping.map((w) => w.worker.terminate()));
}
