import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

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

// The worker is evaluated from source so it runs the same under tsx, vitest and compiled
// output (a .ts worker file would need a loader in each of them). Reads are synchronous: the
// thread does nothing else, and it keeps one 4 MiB buffer, so memory stays flat whatever the
// file size. Identity (dev, ino, size, mtime) is compared when the file is opened and again
// after the last byte, so a file replaced or written while hashed is refused, not signed.
const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const CHUNK = 4 * 1024 * 1024;
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
  pending: Pending | undefined;
  pendingId = -1;
  constructor(onExit: (w: PooledWorker) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on("message", (reply: WireReply) => this.onMessage(reply));
    this.worker.on("error", (err: Error) => this.fail(err));
    this.worker.on("exit", () => {
      this.fail(new Error("hash worker exited"));
      onExit(this);
    });
    // after the listeners: adding a "message" listener refs the worker's port again, and a
    // worker started ahead of use (warmHashPool) and never given a task would keep the CLI alive
    this.worker.unref();
  }
  private onMessage(reply: WireReply): void {
    const pending = this.pending;
    if (!pending || reply.id !== this.pendingId) return;
    if ("progress" in reply) {
      pending.onBytes(reply.progress);
      return;
    }
    this.pending = undefined;
    this.worker.unref();
    if (reply.ok) pending.resolve({ ok: true, digest: reply.digest });
    else pending.resolve({ ok: false, reason: reply.reason, detail: reply.detail });
  }
  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) pending.reject(err);
  }
  run(id: number, task: HashTask, onBytes: (n: number) => void): Promise<HashOutcome> {
    return new Promise<HashOutcome>((resolve, reject) => {
      this.pending = { resolve, reject, onBytes };
      this.pendingId = id;
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

/**
 * Hashes every task on up to `concurrency` worker threads, largest tasks first so that the
 * threads finish together. Resolves with one outcome per task, in task order; after the first
 * refused task the remaining ones are not started and stay `undefined`.
 */
export async function hashTasks(
  tasks: readonly HashTask[],
  concurrency: number,
  onBytes: (n: number) => void,
): Promise<(HashOutcome | undefined)[]> {
  if (tasks.length === 0) return [];
  const outcomes = new Array<HashOutcome | undefined>(tasks.length).fill(undefined);
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[b]!.end - tasks[b]!.start - (tasks[a]!.end - tasks[a]!.start));
  let cursor = 0;
  let failed = false;
  const lanes = Math.max(1, Math.min(concurrency, tasks.length));
  const runLane = async (): Promise<void> => {
    const worker = acquire();
    try {
      while (cursor < order.length && !failed) {
        const index = order[cursor++]!;
        const outcome = await worker.run(nextId++, tasks[index]!, onBytes);
        outcomes[index] = outcome;
        // one refused file is enough to refuse the model; stop reading the others
        if (!outcome.ok) failed = true;
      }
    } finally {
      release(worker);
    }
  };
  await Promise.all(Array.from({ length: lanes }, () => runLane()));
  return outcomes;
}

/** Stops every pooled worker (for tests and for services shutting down). */
export async function closeHashPool(): Promise<void> {
  const stopping = [...all];
  all.clear();
  idle.length = 0;
  await Promise.all(stopping.map((w) => w.worker.terminate()));
}
