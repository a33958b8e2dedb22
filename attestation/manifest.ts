import { createHash } from "node:crypto";
import { lstatSync, promises as fsp, readdirSync, realpathSync, statSync, type BigIntStats } from "node:fs";
import * as path from "node:path";
import { ManifestError } from "./errors";
import { CALLING_THREAD_ONLY_BYTES, defaultHashConcurrency, hashTasks, warmHashPool, type FileIdentity, type HashTask } from "./hash-pool";

/**
 * Manifests of a model or dataset tree in the OpenSSF Model Signing (OMS) layout: one resource
 * per regular file (`files`) or per byte range of each file (`shards`), POSIX names relative to
 * the root, sorted as the reference tool sorts them, and a root digest that is SHA-256 over the
 * concatenated raw resource digests.
 */

/** The detached signature file OMS writes at the root of the model. */
export const DEFAULT_SIGNATURE_FILE = "model.sig";
/** Where `attest evidence` appends its bundles; recorded as ignored so adding evidence later does not break the model signature. */
export const DEFAULT_EVIDENCE_FILE = "model.evidence.jsonl";
/** Ignored at the root by default, as the reference tool does. */
export const DEFAULT_IGNORED_PATHS: readonly string[] = [".git", ".gitattributes", ".github", ".gitignore"];
/** OMS default shard size (bytes), and the largest one we pick ourselves. */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;
/** The smallest shard size we pick ourselves: below it a shard costs more to schedule than to hash. */
export const MIN_AUTO_SHARD_SIZE = 16 * 1024 * 1024;
/** Shards a model is cut into when the caller gives no shard size (see `autoShardSize`). */
export const AUTO_SHARDS = 16;

/**
 * The shard size when the caller gives none: a sixteenth of the model, in whole MiB, between
 * 16 MiB and the OMS default of 1e9. OMS records the size in the signature
 * (`serialization.shard_size`) and its verifier reads it back, as ours does, so any size
 * verifies; the default 1e9 would leave an 800 MB file to one core. Sixteen pieces keep every
 * core of a machine up to 8 cores busy to the end, and the size depends on the model alone, so
 * the same model gets the same signed manifest on any machine.
 */
export function autoShardSize(totalBytes: number): number {
  const mib = 1024 * 1024;
  const target = Math.ceil(totalBytes / AUTO_SHARDS / mib) * mib;
  return Math.min(DEFAULT_SHARD_SIZE, Math.max(MIN_AUTO_SHARD_SIZE, target));
}

export type HashType = "sha256" | "blake2b" | "blake3";
export type SerializationMethod = "files" | "shards";

/** The OMS `predicate.serialization`, in our naming. */
export interface Serialization {
  readonly method: SerializationMethod;
  readonly hashType: HashType;
  readonly allowSymlinks: boolean;
  /** Shards only. */
  readonly shardSize?: number;
  /** Paths relative to the root (or globs) left out of the manifest; compared as a set. */
  readonly ignorePaths: readonly string[];
}

/** One OMS resource: a file (`files`) or a byte range `path:start:end` (`shards`). */
export interface ManifestResource {
  readonly name: string;
  readonly algorithm: string;
  readonly digest: string;
}

export interface Manifest {
  /** Basename of the root, informational (the statement's subject name). */
  readonly modelName: string;
  readonly serialization: Serialization;
  /** Sorted in canonical order (see `compareResourceNames`). */
  readonly resources: readonly ManifestResource[];
  /** Hex SHA-256 over the raw bytes of every resource digest, in resource order. */
  readonly rootDigest: string;
  readonly fileCount: number;
  readonly totalBytes: number;
}

export interface HashProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface ManifestOptions {
  /** @default "files" */
  readonly method?: SerializationMethod;
  /** Shards only. @default `autoShardSize` of the model's size */
  readonly shardSize?: number;
  /** @default "sha256" */
  readonly hashType?: HashType;
  /** Hash symlinks (never one that leaves the root) instead of refusing them. @default false */
  readonly allowSymlinks?: boolean;
  /** Extra paths relative to the root, or picomatch globs, to leave out. @default [] */
  readonly ignorePaths?: readonly string[];
  /** Leave out `.git`, `.gitattributes`, `.github`, `.gitignore` at the root. @default true */
  readonly ignoreGitPaths?: boolean;
  /** Absolute paths of signature and evidence files to leave out when they are inside the root. @default [] */
  readonly signatureFiles?: readonly string[];
  /** Return an empty manifest instead of throwing when nothing is left to hash (verification). @default false */
  readonly allowEmpty?: boolean;
  /** Hashing lanes (worker threads, and the calling thread with `hashOnCallingThread`). @default one per core */
  readonly concurrency?: number;
  /**
   * Hash on the calling thread too, as one of the lanes, and alone for a model under 64 MiB
   * (`hashTasks`' `callingThread`): for a command-line process; a service leaves it off. The
   * worker threads start once the walk has seen 64 MiB. @default false
   */
  readonly hashOnCallingThread?: boolean;
  /** Called as bytes are hashed (at most every 32 MiB per thread, and at the end of each task). */
  readonly onProgress?: (progress: HashProgress) => void;
}

/** A file found by the walk, before hashing. */
export interface ManifestFile {
  /** Resource name: POSIX path relative to the root, or "." when the root is a single file. */
  readonly name: string;
  readonly absolutePath: string;
  readonly isSymlink: boolean;
  readonly identity: FileIdentity;
}

const NODE_HASH: Record<HashType, string | undefined> = {
  sha256: "sha256",
  blake2b: "blake2b512",
  // node:crypto has no BLAKE3; the reference tool's default is SHA-256, so this only matters
  // for models signed with `--hash_type blake3`, which we refuse clearly
  blake3: undefined,
};

/** Code point order, as Python compares `str` (JS `<` compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done === cb.done ? 0 : ca.done ? -1 : 1;
    const da = ca.value.codePointAt(0)!;
    const db = cb.value.codePointAt(0)!;
    if (da !== db) return da < db ? -1 : 1;
  }
}

/** Parsed resource name. */
export interface ResourceName {
  readonly path: string;
  readonly start?: number;
  readonly end?: number;
}

/**
 * The reference tool sorts `PurePosixPath` keys, which compare component by component (so
 * `a/b` sorts before `a.b`), then shard start and end as integers.
 */
export function compareResourceNames(a: ResourceName, b: ResourceName): number {
  const pa = a.path.split("/");
  const pb = b.path.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  if (pa.length !== pb.length) return pa.length < pb.length ? -1 : 1;
  const sa = a.start ?? 0;
  const sb = b.start ?? 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ea = a.end ?? 0;
  const eb = b.end ?? 0;
  return ea === eb ? 0 : ea < eb ? -1 : 1;
}

/**
 * True when `p` is a safe POSIX path relative to a root: not empty, not absolute, no empty, `.`
 * or `..` component, no NUL, no backslash (a separator on Windows). The single-file name "." is
 * handled by the callers.
 */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith("/") || p.includes("\0") || p.includes("\\")) return false;
  return p.split("/").every((part) => part.length > 0 && part !== "." && part !== "..");
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Parses and checks an OMS resource name from a signed statement. `files`: a safe relative path
 * or "."; `shards`: `path:start:end` with decimal offsets, start < end. Throws `Error` with a
 * one-line reason; the statement parser wraps it.
 */
export function parseResourceName(name: string, method: SerializationMethod): ResourceName {
  if (method === "files") {
    if (name !== "." && !isSafeRelativePath(name)) throw new Error(`resource name ${JSON.stringify(name)} is not a safe relative path`);
    return { path: name };
  }
  // the reference tool splits on ":" and wants exactly three parts; we take the last two so a
  // name is never misread, and the signer refuses paths with ":" in shard mode
  const second = name.lastIndexOf(":");
  const first = second > 0 ? name.lastIndexOf(":", second - 1) : -1;
  if (first <= 0) throw new Error(`shard name ${JSON.stringify(name)} is not "path:start:end"`);
  const p = name.slice(0, first);
  const startText = name.slice(first + 1, second);
  const endText = name.slice(second + 1);
  if (!DECIMAL.test(startText) || !DECIMAL.test(endText)) throw new Error(`shard name ${JSON.stringify(name)} has offsets that are not decimal integers`);
  const start = Number(startText);
  const end = Number(endText);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) throw new Error(`shard name ${JSON.stringify(name)} has an empty or reversed range`);
  if (p !== "." && !isSafeRelativePath(p)) throw new Error(`shard name ${JSON.stringify(name)} has an unsafe path`);
  return { path: p, start, end };
}

/** Hex SHA-256 over the raw bytes of each digest, in order: the OMS subject digest. */
export function rootDigestOf(resources: readonly { readonly digest: string }[]): string {
  const h = createHash("sha256");
  for (const r of resources) h.update(Buffer.from(r.digest, "hex"));
  return h.digest("hex");
}

/** `sha256` for files; the reference tool's `sha256-sharded-<size>` for shards. */
export function resourceAlgorithm(hashType: HashType, method: SerializationMethod, shardSize: number): string {
  return method === "shards" ? `${hashType}-sharded-${shardSize}` : hashType;
}

/** Normalises a user ignore entry: POSIX separators, no leading "./", no trailing "/". */
export function normaliseIgnorePath(entry: string): string {
  let p = entry.replace(/\\/g, "/");
  while (p.startsWith("./")) p = p.slice(2);
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** A compiled set of ignore entries: literal path prefixes (as OMS) and picomatch globs. */
export interface IgnoreMatcher {
  /** True when the relative path, or one of its parent directories, is ignored. */
  readonly matches: (relativePath: string) => boolean;
}

// Every character picomatch gives a meaning to; an entry with none of them is a literal path, and
// picomatch (5 ms to load) is not needed for the default entries.
const GLOB_CHARACTERS = /[*?[\]{}()!+@]/;

function mayBeGlob(entry: string): boolean {
  return GLOB_CHARACTERS.test(entry);
}

function loadPicomatch(): typeof import("picomatch") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first glob, see GLOB_CHARACTERS
  return require("picomatch") as typeof import("picomatch");
}

/** Compiles OMS ignore paths (root-relative prefixes) plus globs (any entry that picomatch calls a glob). */
export function compileIgnore(entries: readonly string[]): IgnoreMatcher {
  const literals = new Set<string>();
  const globs: ((p: string) => boolean)[] = [];
  for (const raw of entries) {
    const entry = normaliseIgnorePath(raw);
    if (entry.length === 0 || entry === "." || entry === "/") continue;
    literals.add(entry);
    if (mayBeGlob(entry)) {
      const picomatch = loadPicomatch();
      if (picomatch.scan(entry).isGlob) globs.push(picomatch(entry, { dot: true }));
    }
  }
  return {
    matches(relativePath: string): boolean {
      const parts = relativePath.split("/");
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join("/");
        if (literals.has(prefix)) return true;
        for (const g of globs) if (g(prefix)) return true;
      }
      return false;
    },
  };
}

function identityOf(st: BigIntStats): FileIdentity {
  return { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, dev: st.dev };
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function toPosix(relative: string): string {
  return path.sep === "/" ? relative : relative.split(path.sep).join("/");
}

function lstatOrThrow(absolute: string, name: string): BigIntStats {
  try {
    return lstatSync(absolute, { bigint: true });
  } catch (err) {
    throw new ManifestError("MANIFEST_UNREADABLE", `cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err, path: name });
  }
}

/** Resolved walk settings. */
interface WalkSettings {
  readonly root: string;
  readonly realRoot: string;
  readonly allowSymlinks: boolean;
  readonly ignore: IgnoreMatcher;
  readonly signatureFiles: ReadonlySet<string>;
  readonly rejectColon: boolean;
  readonly onFile?: (file: ManifestFile) => void;
}

function found(settings: WalkSettings, out: ManifestFile[], file: ManifestFile): void {
  out.push(file);
  settings.onFile?.(file);
}

/**
 * The walk calls the file system synchronously: 1,000 awaited lstat calls cost 100 ms or more of
 * callbacks where the calls themselves take 5 ms. It yields every `WALK_YIELD_EVERY` entries so a
 * service's other work is never held for long.
 */
const WALK_YIELD_EVERY = 256;

interface WalkState {
  sinceYield: number;
}

async function walkTurn(state: WalkState): Promise<void> {
  if (++state.sinceYield < WALK_YIELD_EVERY) return;
  state.sinceYield = 0;
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lists the regular files of a root (a directory, or one file), applying the ignore rules and
 * the symlink policy, without hashing. Directories that are ignored are not entered (a Hugging
 * Face clone's `.git` holds a second copy of every LFS file).
 */
export async function listModelFiles(root: string, options: ManifestOptions = {}): Promise<ManifestFile[]> {
  return walkModelFiles(root, options);
}

/** `listModelFiles`, telling `onFile` of each file as it is found. */
async function walkModelFiles(root: string, options: ManifestOptions, onFile?: (file: ManifestFile) => void): Promise<ManifestFile[]> {
  const absoluteRoot = path.resolve(root);
  let realRoot: string;
  let rootStat: BigIntStats;
  try {
    realRoot = await fsp.realpath(absoluteRoot);
    rootStat = await fsp.stat(realRoot, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ManifestError("MANIFEST_NOT_FOUND", `${root}: no such file or directory`, { cause: err });
    throw new ManifestError("MANIFEST_UNREADABLE", `${root}: cannot read (${code ?? String(err)})`, { cause: err });
  }
  const method = options.method ?? "files";
  if (rootStat.isFile()) {
    // a single-file model: its one resource is named "." as the reference tool names it
    const file: ManifestFile = { name: ".", absolutePath: realRoot, isSymlink: false, identity: identityOf(rootStat) };
    onFile?.(file);
    return [file];
  }
  if (!rootStat.isDirectory()) throw new ManifestError("MANIFEST_SPECIAL_FILE", `${root}: not a regular file or directory`);
  const ignoreEntries = [...(options.ignoreGitPaths ?? true ? DEFAULT_IGNORED_PATHS : []), ...(options.ignorePaths ?? [])];
  const settings: WalkSettings = {
    root: absoluteRoot,
    realRoot,
    allowSymlinks: options.allowSymlinks ?? false,
    ignore: compileIgnore(ignoreEntries),
    signatureFiles: new Set((options.signatureFiles ?? []).map((f) => path.resolve(f))),
    rejectColon: method === "shards",
    ...(onFile ? { onFile } : {}),
  };
  const out: ManifestFile[] = [];
  await walkDirectory(settings, realRoot, "", new Set([realRoot]), out, { sinceYield: 0 });
  return out;
}

async function walkDirectory(settings: WalkSettings, directory: string, relative: string, ancestors: Set<string>, out: ManifestFile[], state: WalkState): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (err) {
    throw new ManifestError("MANIFEST_UNREADABLE", `cannot list ${relative || "."}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err, path: relative || "." });
  }
  names.sort(compareCodePoints);
  for (const entry of names) {
    const name = relative ? `${relative}/${entry}` : entry;
    const absolute = path.join(directory, entry);
    if (settings.ignore.matches(name)) continue;
    if (settings.signatureFiles.has(absolute) || settings.signatureFiles.has(path.join(settings.root, toPosix(name)))) continue;
    if (entry.includes("\uFFFD")) throw new ManifestError("MANIFEST_BAD_NAME", `${name}: file name is not valid UTF-8`, { path: name });
    if (entry.includes("\\")) throw new ManifestError("MANIFEST_BAD_NAME", `${name}: file name contains a backslash, which is a separator on Windows`, { path: name });
    await walkTurn(state);
    const st = lstatOrThrow(absolute, name);
    if (st.isSymbolicLink()) {
      await followSymlink(settings, absolute, name, ancestors, out, state);
    } else if (st.isDirectory()) {
      ancestors.add(absolute);
      await walkDirectory(settings, absolute, name, ancestors, out, state);
      ancestors.delete(absolute);
    } else if (st.isFile()) {
      if (settings.rejectColon && name.includes(":")) {
        throw new ManifestError("MANIFEST_BAD_NAME", `${name}: a ":" in a file name cannot be written as an OMS shard name; use --method files or ignore it`, { path: name });
      }
      found(settings, out, { name, absolutePath: absolute, isSymlink: false, identity: identityOf(st) });
    } else {
      throw new ManifestError("MANIFEST_SPECIAL_FILE", `${name}: not a regular file, directory or symlink (fifo, socket or device)`, { path: name });
    }
  }
}

async function followSymlink(settings: WalkSettings, absolute: string, name: string, ancestors: Set<string>, out: ManifestFile[], state: WalkState): Promise<void> {
  if (!settings.allowSymlinks) {
    throw new ManifestError("MANIFEST_SYMLINK", `${name}: is a symlink; symlinks are refused unless allowed`, { path: name });
  }
  let target: string;
  try {
    target = realpathSync.native(absolute);
  } catch (err) {
    throw new ManifestError("MANIFEST_UNREADABLE", `${name}: broken symlink (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, path: name });
  }
  // the reference tool follows links anywhere (its issue #666); a link out of the root would let
  // the signed bytes change without touching the model directory, so it is always refused
  if (!isInside(settings.realRoot, target)) {
    throw new ManifestError("MANIFEST_SYMLINK_OUTSIDE_ROOT", `${name}: symlink points outside the model root (${target})`, { path: name });
  }
  let st: BigIntStats;
  try {
    st = statSync(target, { bigint: true });
  } catch (err) {
    throw new ManifestError("MANIFEST_UNREADABLE", `${name}: cannot read symlink target (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, path: name });
  }
  if (st.isDirectory()) {
    if (ancestors.has(target)) throw new ManifestError("MANIFEST_SYMLINK", `${name}: symlink loop`, { path: name });
    ancestors.add(target);
    await walkDirectory(settings, target, name, ancestors, out, state);
    ancestors.delete(target);
  } else if (st.isFile()) {
    if (settings.rejectColon && name.includes(":")) {
      throw new ManifestError("MANIFEST_BAD_NAME", `${name}: a ":" in a file name cannot be written as an OMS shard name; use --method files or ignore it`, { path: name });
    }
    found(settings, out, { name, absolutePath: target, isSymlink: true, identity: identityOf(st) });
  } else {
    throw new ManifestError("MANIFEST_SPECIAL_FILE", `${name}: symlink to something that is not a regular file or directory`, { path: name });
  }
}

/** Byte ranges of one file in shard mode; zero-byte files have none (as the reference tool). */
export function shardRanges(size: number, shardSize: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < size; start += shardSize) ranges.push([start, Math.min(size, start + shardSize)]);
  return ranges;
}

function checkOptions(options: ManifestOptions): { method: SerializationMethod; hashType: HashType; shardSize: number | undefined; nodeHash: string } {
  const method = options.method ?? "files";
  if (method !== "files" && method !== "shards") throw new ManifestError("MANIFEST_BAD_OPTIONS", `method must be "files" or "shards", got ${JSON.stringify(method)}`);
  const hashType = options.hashType ?? "sha256";
  const nodeHash = NODE_HASH[hashType];
  if (!nodeHash) throw new ManifestError("MANIFEST_UNSUPPORTED_HASH", `hash type ${JSON.stringify(hashType)} is not supported here (sha256 and blake2b are)`);
  const shardSize = options.shardSize;
  if (shardSize !== undefined && (!Number.isSafeInteger(shardSize) || shardSize <= 0)) throw new ManifestError("MANIFEST_BAD_OPTIONS", `shard size must be a positive integer, got ${shardSize}`);
  return { method, hashType, shardSize, nodeHash };
}

/** Ignore paths as recorded in the statement: defaults, signature files inside the root, user entries. */
export function recordedIgnorePaths(root: string, options: ManifestOptions): string[] {
  const recorded = new Set<string>();
  if (options.ignoreGitPaths ?? true) for (const p of DEFAULT_IGNORED_PATHS) recorded.add(p);
  const absoluteRoot = path.resolve(root);
  for (const f of options.signatureFiles ?? []) {
    const relative = path.relative(absoluteRoot, path.resolve(f));
    if (relative && !relative.startsWith("..") && !path.isAbsolute(relative)) recorded.add(toPosix(relative));
  }
  for (const p of options.ignorePaths ?? []) {
    const n = normaliseIgnorePath(p);
    if (n && n !== ".") recorded.add(n);
  }
  return [...recorded].sort(compareCodePoints);
}

/**
 * Computes the manifest of a root: walks it, hashes every file (or shard) on worker threads
 * with flat memory, refuses files that change while hashed, and sorts the resources.
 */
export async function computeManifest(root: string, options: ManifestOptions = {}): Promise<Manifest> {
  const { method, hashType, shardSize: givenShardSize, nodeHash } = checkOptions(options);
  const concurrency = options.concurrency ?? defaultHashConcurrency();
  const callingThread = options.hashOnCallingThread ?? false;
  // The threads boot (30 to 100 ms of CPU each) while the tree is walked. Beside the calling
  // thread, only once the walk has seen enough bytes to need them: a small model is hashed
  // sooner by the calling thread alone than a thread starts.
  let seenBytes = 0;
  const startThreadsWhenLarge = (file: ManifestFile): void => {
    if (seenBytes >= CALLING_THREAD_ONLY_BYTES) return;
    seenBytes += Number(file.identity.size);
    if (seenBytes >= CALLING_THREAD_ONLY_BYTES) warmHashPool(concurrency - 1);
  };
  if (!callingThread) warmHashPool(concurrency);
  const files = await walkModelFiles(root, options, callingThread ? startThreadsWhenLarge : undefined);
  if (files.length === 0 && !options.allowEmpty) throw new ManifestError("MANIFEST_EMPTY", `${root}: no regular files left after applying the ignore rules`);
  const tasks: HashTask[] = [];
  const owners: { file: ManifestFile; start: number; end: number }[] = [];
  let totalBytes = 0;
  for (const file of files) totalBytes += Number(file.identity.size);
  const shardSize = givenShardSize ?? autoShardSize(totalBytes);
  for (const file of files) {
    const size = Number(file.identity.size);
    const ranges: [number, number][] = method === "shards" ? shardRanges(size, shardSize) : [[0, size]];
    for (const [start, end] of ranges) {
      tasks.push({ file: file.absolutePath, start, end, algorithm: nodeHash, followSymlink: file.isSymlink, expect: file.identity });
      owners.push({ file, start, end });
    }
  }
  let done = 0;
  const onProgress = options.onProgress;
  onProgress?.({ bytesDone: 0, bytesTotal: totalBytes });
  const outcomes = await hashTasks(
    tasks,
    concurrency,
    (n) => {
      done += n;
      onProgress?.({ bytesDone: done, bytesTotal: totalBytes });
    },
    { callingThread },
  );
  const algorithm = resourceAlgorithm(hashType, method, shardSize);
  const resources: (ManifestResource & ResourceName)[] = [];
  outcomes.forEach((outcome, i) => {
    const owner = owners[i]!;
    if (!outcome) return;
    if (!outcome.ok) {
      const name = owner.file.name;
      if (outcome.reason === "changed") throw new ManifestError("MANIFEST_CHANGED_DURING_HASHING", `${name}: ${outcome.detail}; refusing to sign or verify a moving target`, { path: name });
      if (outcome.reason === "symlink") throw new ManifestError("MANIFEST_SYMLINK", `${name}: ${outcome.detail}; symlinks are refused unless allowed`, { path: name });
      throw new ManifestError("MANIFEST_UNREADABLE", `${name}: cannot read (${outcome.detail})`, { path: name });
    }
    const p = owner.file.name;
    const name = method === "shards" ? `${p}:${owner.start}:${owner.end}` : p;
    resources.push(method === "shards" ? { name, algorithm, digest: outcome.digest, path: p, start: owner.start, end: owner.end } : { name, algorithm, digest: outcome.digest, path: p });
  });
  resources.sort(compareResourceNames);
  const sorted: ManifestResource[] = resources.map(({ name, algorithm: a, digest }) => ({ name, algorithm: a, digest }));
  const serialization: Serialization = {
    method,
    hashType,
    allowSymlinks: options.allowSymlinks ?? false,
    ...(method === "shards" ? { shardSize } : {}),
    ignorePaths: recordedIgnorePaths(root, options),
  };
  return {
    modelName: path.basename(path.resolve(root)),
    serialization,
    resources: sorted,
    rootDigest: rootDigestOf(sorted),
    fileCount: files.length,
    totalBytes,
  };
}

export type ManifestDifferenceKind = "changed" | "missing" | "extra";

/** One difference between the signed manifest and the tree on disk. */
export interface ManifestDifference {
  readonly kind: ManifestDifferenceKind;
  readonly name: string;
  readonly expected?: string;
  readonly actual?: string;
}

/**
 * Compares the signed resources with the ones computed from disk. Algorithms are not compared
 * (the reference tool writes `sha256-sharded-N` for shards while the spec says `sha256`); the
 * hash type that produced the actual digests comes from the signed serialization. A
 * single-file model signed as "." or by its basename matches either way.
 */
export function compareManifests(
  expected: readonly ManifestResource[],
  actual: readonly ManifestResource[],
  options: { readonly ignoreUnsigned?: boolean; readonly singleFileName?: string } = {},
): ManifestDifference[] {
  const alias = (name: string): string => {
    if (options.singleFileName === undefined) return name;
    if (name === options.singleFileName) return ".";
    if (name.startsWith(`${options.singleFileName}:`)) return `.${name.slice(options.singleFileName.length)}`;
    return name;
  };
  const want = new Map<string, string>();
  for (const r of expected) want.set(alias(r.name), r.digest.toLowerCase());
  const have = new Map<string, string>();
  for (const r of actual) have.set(alias(r.name), r.digest.toLowerCase());
  const out: ManifestDifference[] = [];
  for (const [name, digest] of want) {
    const got = have.get(name);
    if (got === undefined) out.push({ kind: "missing", name, expected: digest });
    else if (got !== digest) out.push({ kind: "changed", name, expected: digest, actual: got });
  }
  if (!options.ignoreUnsigned) {
    for (const [name, digest] of have) if (!want.has(name)) out.push({ kind: "extra", name, actual: digest });
  }
  return out.sort((a, b) => compareCodePoints(a.name, b.name));
}
