import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { closeHashPool } from "../../attestation/hash-pool";
import { compareManifests, compareResourceNames, computeManifest, isSafeRelativePath, listModelFiles, parseResourceName, rootDigestOf } from "../../attestation/manifest";
import { autoShardSize, compareCodePoints, DEFAULT_SHARD_SIZE, MIN_AUTO_SHARD_SIZE, shardRanges } from "../../attestation/manifest";
import { hashTasks } from "../../attestation/hash-pool";
import { cleanupTemp, sha256Hex, tempDir, writeTree } from "./helpers";

afterAll(async () => {
  cleanupTemp();
  await closeHashPool();
});

const names = (m: { resources: readonly { name: string }[] }): string[] => m.resources.map((r) => r.name);

describe("manifest of a directory", () => {
  it("lists every regular file with its SHA-256, POSIX paths relative to the root", async () => {
    const root = tempDir();
    writeTree(root, { "a.bin": "A", "sub/b.bin": "B", "sub/deeper/c.bin": "" });
    const m = await computeManifest(root);
    expect(m.resources).toEqual([
      { name: "a.bin", algorithm: "sha256", digest: sha256Hex("A") },
      { name: "sub/b.bin", algorithm: "sha256", digest: sha256Hex("B") },
      { name: "sub/deeper/c.bin", algorithm: "sha256", digest: sha256Hex("") },
    ]);
    expect(m.rootDigest).toBe(sha256Hex(Buffer.concat(m.resources.map((r) => Buffer.from(r.digest, "hex")))));
    expect([m.fileCount, m.totalBytes, m.modelName]).toEqual([3, 2, path.basename(root)]);
  });

  it("sorts by path component as the reference tool does (a/b before a.b), by code point", () => {
    expect([{ path: "a.b" }, { path: "a/b" }].sort(compareResourceNames)).toEqual([{ path: "a/b" }, { path: "a.b" }]);
    expect(compareCodePoints("\u{10000}", "\uFFFF")).toBe(1);
    expect("\u{10000}" < "\uFFFF").toBe(true); // why UTF-16 order would be wrong
    expect([{ path: "x", start: 10, end: 20 }, { path: "x", start: 2, end: 10 }].sort(compareResourceNames)).toEqual([
      { path: "x", start: 2, end: 10 },
      { path: "x", start: 10, end: 20 },
    ]);
  });

  it("ignores .git, .gitattributes, .github, .gitignore at the root only, and records them", async () => {
    const root = tempDir();
    writeTree(root, { ".git/HEAD": "x", ".github/w.yml": "x", ".gitignore": "x", ".gitattributes": "x", "sub/.git/HEAD": "y", "sub/.gitignore": "y", "w.bin": "w" });
    const m = await computeManifest(root);
    expect(names(m)).toEqual(["sub/.git/HEAD", "sub/.gitignore", "w.bin"]);
    expect(m.serialization.ignorePaths).toEqual([".git", ".gitattributes", ".github", ".gitignore"]);
    expect(names(await computeManifest(root, { ignoreGitPaths: false }))).toEqual([".git/HEAD", ".gitattributes", ".github/w.yml", ".gitignore", "sub/.git/HEAD", "sub/.gitignore", "w.bin"]);
  });

  it("applies --ignore as root-relative paths (prefixes) and as globs", async () => {
    const root = tempDir();
    writeTree(root, { "a.log": "1", "logs/b.log": "2", "data/x.bin": "3", "data2/y.bin": "4", "keep.bin": "5" });
    expect(names(await computeManifest(root, { ignorePaths: ["data"] }))).toEqual(["a.log", "data2/y.bin", "keep.bin", "logs/b.log"]);
    expect(names(await computeManifest(root, { ignorePaths: ["./data/"] }))).toEqual(["a.log", "data2/y.bin", "keep.bin", "logs/b.log"]);
    expect(names(await computeManifest(root, { ignorePaths: ["*.log"] }))).toEqual(["data/x.bin", "data2/y.bin", "keep.bin", "logs/b.log"]);
    expect(names(await computeManifest(root, { ignorePaths: ["**/*.log"] }))).toEqual(["data/x.bin", "data2/y.bin", "keep.bin"]);
    const m = await computeManifest(root, { ignorePaths: ["data*", "**/*.log"] });
    expect(names(m)).toEqual(["keep.bin"]);
    expect(m.serialization.ignorePaths).toEqual(["**/*.log", ".git", ".gitattributes", ".github", ".gitignore", "data*"]);
  });

  it("leaves out the signature and evidence files and records them when inside the root", async () => {
    const root = tempDir();
    writeTree(root, { "model.sig": "old", "model.evidence.jsonl": "e", "w.bin": "w" });
    const m = await computeManifest(root, { signatureFiles: [path.join(root, "model.sig"), path.join(root, "model.evidence.jsonl"), "/elsewhere/x.sig"] });
    expect(names(m)).toEqual(["w.bin"]);
    expect(m.serialization.ignorePaths).toEqual([".git", ".gitattributes", ".github", ".gitignore", "model.evidence.jsonl", "model.sig"]);
  });

  it("names a single-file model's resource '.' as the reference tool does", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "weights" });
    const m = await computeManifest(path.join(root, "w.bin"));
    expect(m.resources).toEqual([{ name: ".", algorithm: "sha256", digest: sha256Hex("weights") }]);
    expect(m.modelName).toBe("w.bin");
  });

  it("refuses an empty tree, unless asked (verification)", async () => {
    const root = tempDir();
    writeTree(root, { ".git/HEAD": "x" });
    await expect(computeManifest(root)).rejects.toMatchObject({ code: "MANIFEST_EMPTY", message: `${root}: no regular files left after applying the ignore rules` });
    expect((await computeManifest(root, { allowEmpty: true })).resources).toEqual([]);
  });

  it("refuses a missing root", async () => {
    const root = path.join(tempDir(), "nope");
    await expect(computeManifest(root)).rejects.toMatchObject({ code: "MANIFEST_NOT_FOUND", message: `${root}: no such file or directory` });
  });

  it("supports blake2b and refuses blake3 clearly", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "w" });
    const m = await computeManifest(root, { hashType: "blake2b" });
    expect(m.resources).toEqual([{ name: "w.bin", algorithm: "blake2b", digest: createHash("blake2b512").update("w").digest("hex") }]);
    await expect(computeManifest(root, { hashType: "blake3" })).rejects.toMatchObject({ code: "MANIFEST_UNSUPPORTED_HASH" });
  });
});

describe("shards", () => {
  it("splits files in shard-size ranges named path:start:end and leaves zero-byte files out", async () => {
    const root = tempDir();
    writeTree(root, { "a.bin": "0123456789", "empty.bin": "", "b.bin": "xy" });
    const m = await computeManifest(root, { method: "shards", shardSize: 4 });
    expect(m.resources).toEqual([
      { name: "a.bin:0:4", algorithm: "sha256-sharded-4", digest: sha256Hex("0123") },
      { name: "a.bin:4:8", algorithm: "sha256-sharded-4", digest: sha256Hex("4567") },
      { name: "a.bin:8:10", algorithm: "sha256-sharded-4", digest: sha256Hex("89") },
      { name: "b.bin:0:2", algorithm: "sha256-sharded-4", digest: sha256Hex("xy") },
    ]);
    expect(m.serialization).toMatchObject({ method: "shards", shardSize: 4 });
    expect(shardRanges(8, 4)).toEqual([[0, 4], [4, 8]]);
    expect(shardRanges(0, 4)).toEqual([]);
  });

  it("picks a sixteenth of the model, in whole MiB, between 16 MiB and the OMS default, when no size is given", () => {
    const mib = 1024 * 1024;
    // the model: one 800 MB file and 1,000 files of 200 KB
    expect(autoShardSize(800e6 + 1000 * 200e3)).toBe(60 * mib);
    expect(autoShardSize(1024 * mib)).toBe(64 * mib);
    expect(autoShardSize(10e6)).toBe(MIN_AUTO_SHARD_SIZE);
    expect(autoShardSize(0)).toBe(MIN_AUTO_SHARD_SIZE);
    expect(autoShardSize(100e9)).toBe(DEFAULT_SHARD_SIZE);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (total) => {
        const size = autoShardSize(total);
        expect(size).toBeGreaterThanOrEqual(MIN_AUTO_SHARD_SIZE);
        expect(size).toBeLessThanOrEqual(DEFAULT_SHARD_SIZE);
        // no more than sixteen shards of the whole, unless the cap forces more
        if (size < DEFAULT_SHARD_SIZE) expect(Math.ceil(total / size)).toBeLessThanOrEqual(16);
      }),
    );
  });

  it("starts hashing threads ahead of use that never keep a process alive", () => {
    // a CLI process warms the pool while it walks the tree; a thread it never needed must not hold it
    const hashPool = path.resolve(__dirname, "../../attestation/hash-pool.ts");
    const r = spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), "-e", `require(${JSON.stringify(hashPool)}).warmHashPool(2); console.log("warmed")`], { encoding: "utf8", timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("warmed\n");
  });

  it("records the size it picked, so the verifier cuts the same shards", async () => {
    const root = tempDir();
    writeTree(root, { "a.bin": "0123456789" });
    const m = await computeManifest(root, { method: "shards" });
    expect(m.serialization).toMatchObject({ method: "shards", shardSize: MIN_AUTO_SHARD_SIZE });
    expect(m.resources).toEqual([{ name: "a.bin:0:10", algorithm: `sha256-sharded-${MIN_AUTO_SHARD_SIZE}`, digest: sha256Hex("0123456789") }]);
  });

  it("refuses a ':' in a file name, which the reference tool cannot parse as a shard name", async () => {
    const root = tempDir();
    writeTree(root, { "a:b.bin": "x" });
    await expect(computeManifest(root, { method: "shards" })).rejects.toMatchObject({ code: "MANIFEST_BAD_NAME", path: "a:b.bin" });
    expect(names(await computeManifest(root))).toEqual(["a:b.bin"]);
  });
});

describe("symlinks and special files", () => {
  it("refuses a symlink by default, naming it", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "w" });
    symlinkSync("w.bin", path.join(root, "link.bin"));
    await expect(computeManifest(root)).rejects.toMatchObject({ code: "MANIFEST_SYMLINK", path: "link.bin", message: "link.bin: is a symlink; symlinks are refused unless allowed" });
  });

  it("when allowed, hashes a link inside the root under its own name", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "w", "dir/x.bin": "x" });
    symlinkSync("w.bin", path.join(root, "link.bin"));
    symlinkSync("dir", path.join(root, "dirlink"));
    const m = await computeManifest(root, { allowSymlinks: true });
    expect(m.resources.map((r) => [r.name, r.digest])).toEqual([
      ["dir/x.bin", sha256Hex("x")],
      ["dirlink/x.bin", sha256Hex("x")],
      ["link.bin", sha256Hex("w")],
      ["w.bin", sha256Hex("w")],
    ]);
  });

  it("never follows a link out of the root, even when allowed", async () => {
    const outside = tempDir();
    writeTree(outside, { "secret.bin": "s" });
    const root = tempDir();
    writeTree(root, { "w.bin": "w" });
    symlinkSync(path.join(outside, "secret.bin"), path.join(root, "escape.bin"));
    await expect(computeManifest(root, { allowSymlinks: true })).rejects.toMatchObject({ code: "MANIFEST_SYMLINK_OUTSIDE_ROOT", path: "escape.bin" });
    const viaDots = tempDir();
    writeTree(viaDots, { "w.bin": "w" });
    symlinkSync("../", path.join(viaDots, "up"));
    await expect(computeManifest(viaDots, { allowSymlinks: true })).rejects.toMatchObject({ code: "MANIFEST_SYMLINK_OUTSIDE_ROOT", path: "up" });
  });

  it("stops a symlink loop and reports a broken link", async () => {
    const root = tempDir();
    mkdirSync(path.join(root, "d"));
    writeTree(root, { "d/w.bin": "w" });
    symlinkSync("..", path.join(root, "d", "loop"));
    await expect(computeManifest(root, { allowSymlinks: true })).rejects.toMatchObject({ code: "MANIFEST_SYMLINK", path: "d/loop", message: "d/loop: symlink loop" });
    const broken = tempDir();
    symlinkSync("missing", path.join(broken, "dangling"));
    await expect(computeManifest(broken, { allowSymlinks: true })).rejects.toMatchObject({ code: "MANIFEST_UNREADABLE", path: "dangling" });
  });

  it("refuses a fifo", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "w" });
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    await expect(computeManifest(root)).rejects.toMatchObject({ code: "MANIFEST_SPECIAL_FILE", path: "pipe" });
    expect(names(await computeManifest(root, { ignorePaths: ["pipe"] }))).toEqual(["w.bin"]);
  });
});

// the same checks whether a worker thread or the calling thread (the CLI's main thread) hashes
describe.each([
  ["on a worker thread", {}],
  ["on the calling thread", { callingThread: true }],
] as const)("change detection, %s", (_where, options) => {
  it("refuses a file that changed between listing and hashing", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "before" });
    const [file] = await listModelFiles(root);
    appendFileSync(path.join(root, "w.bin"), " and after");
    const outcomes = await hashTasks([{ file: file!.absolutePath, start: 0, end: 6, algorithm: "sha256", followSymlink: false, expect: file!.identity }], 1, () => undefined, options);
    expect(outcomes).toEqual([{ ok: false, reason: "changed", detail: "changed between listing and hashing" }]);
  });

  it("refuses a file written while it is being hashed", async () => {
    const root = tempDir();
    const big = path.join(root, "big.bin");
    writeFileSync(big, Buffer.alloc(96 * 1024 * 1024, 7));
    const [file] = await listModelFiles(root);
    let touched = false;
    // the first progress report comes after 32 MiB, with 64 MiB still to read
    const outcomes = await hashTasks([{ file: big, start: 0, end: 96 * 1024 * 1024, algorithm: "sha256", followSymlink: false, expect: file!.identity }], 1, () => {
      if (!touched) appendFileSync(big, "x");
      touched = true;
    }, options);
    expect(outcomes).toEqual([{ ok: false, reason: "changed", detail: "modified while hashing" }]);
  });

  it("refuses a file swapped for a symlink after listing", async () => {
    const root = tempDir();
    writeTree(root, { "w.bin": "w", "other.bin": "o" });
    const files = await listModelFiles(root);
    const w = files.find((f) => f.name === "w.bin")!;
    execFileSync("rm", [w.absolutePath]);
    symlinkSync("other.bin", w.absolutePath);
    expect(lstatSync(w.absolutePath).isSymbolicLink()).toBe(true);
    const outcomes = await hashTasks([{ file: w.absolutePath, start: 0, end: 1, algorithm: "sha256", followSymlink: false, expect: w.identity }], 1, () => undefined, options);
    expect(outcomes).toEqual([{ ok: false, reason: "symlink", detail: "became a symlink" }]);
  });
});

describe("hashing lanes", () => {
  // above CALLING_THREAD_ONLY_BYTES (64 MiB), so the calling thread hashes beside a worker thread
  const root = tempDir();
  const big = Buffer.alloc(70 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  writeFileSync(path.join(root, "big.bin"), big);
  const small: Record<string, string> = {};
  for (let i = 0; i < 300; i++) small[`parts/p${String(i).padStart(3, "0")}.bin`] = `part ${i} `.repeat(i);
  writeTree(root, small);

  it("give the same manifest on worker threads alone and with the calling thread, in both methods", async () => {
    for (const method of ["files", "shards"] as const) {
      const workers = await computeManifest(root, { method, concurrency: 2 });
      const beside = await computeManifest(root, { method, concurrency: 2, hashOnCallingThread: true });
      const alone = await computeManifest(root, { method, concurrency: 1, hashOnCallingThread: true });
      // shards: five of the big file, none for the empty p000
      expect(workers.resources.length).toBe(method === "files" ? 301 : 304);
      expect(workers.resources.find((r) => r.name.startsWith("big.bin"))?.digest).toBe(method === "files" ? sha256Hex(big) : sha256Hex(big.subarray(0, MIN_AUTO_SHARD_SIZE)));
      expect(beside).toEqual(workers);
      expect(alone).toEqual(workers);
    }
  });

  it("refuse a file that disappeared among the small files queued on a worker thread", async () => {
    const files = await listModelFiles(root);
    expect(files.length).toBe(301);
    const gone = files.find((f) => f.name === "parts/p150.bin")!;
    const moved = `${gone.absolutePath}.moved`;
    execFileSync("mv", [gone.absolutePath, moved]);
    try {
      const tasks = files.map((f) => ({ file: f.absolutePath, start: 0, end: Number(f.identity.size), algorithm: "sha256", followSymlink: false, expect: f.identity }));
      const outcomes = await hashTasks(tasks, 1, () => undefined);
      expect(outcomes[files.indexOf(gone)]).toEqual({ ok: false, reason: "changed", detail: "disappeared while hashing" });
      // the largest file went first; the queue stopped at the refused one
      expect(outcomes[files.findIndex((f) => f.name === "big.bin")]).toMatchObject({ ok: true });
      expect(outcomes.filter((o) => o === undefined).length).toBeGreaterThan(0);
    } finally {
      execFileSync("mv", [moved, gone.absolutePath]);
    }
  });
});

describe("resource names from signed statements", () => {
  it("accepts safe relative paths and well-formed shard names only", () => {
    expect(parseResourceName("a/b.bin", "files")).toEqual({ path: "a/b.bin" });
    expect(parseResourceName(".", "files")).toEqual({ path: "." });
    expect(parseResourceName("a/b:c.bin:0:10", "shards")).toEqual({ path: "a/b:c.bin", start: 0, end: 10 });
    for (const bad of ["", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/./b", "a\\b", "a\0b"]) {
      expect(() => parseResourceName(bad, "files"), bad).toThrow(/is not a safe relative path$/);
    }
    for (const bad of ["a.bin", "a.bin:0", "a.bin:x:1", "a.bin:5:5", "a.bin:6:5", "a.bin:-1:5", "a.bin:01:5", "../a:0:1", ":0:1"]) {
      expect(() => parseResourceName(bad, "shards"), bad).toThrow();
    }
  });

  it("never accepts a name that escapes the root (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("files" as const, "shards" as const), (name, method) => {
        let parsed;
        try {
          parsed = parseResourceName(name, method);
        } catch {
          return true;
        }
        const p = parsed.path;
        expect(p === "." || isSafeRelativePath(p)).toBe(true);
        expect(p.startsWith("/") || p.split("/").includes("..")).toBe(false);
        if (method === "shards") {
          expect(`${p}:${parsed.start}:${parsed.end}`).toBe(name);
          expect(parsed.end! > parsed.start!).toBe(true);
        } else {
          expect(p).toBe(name);
        }
        return true;
      }),
      { numRuns: 1000 },
    );
  });
});

// Independent model of the manifest: each file's SHA-256 from its bytes, names sorted by path
// components (ASCII names here, so JS string order is code point order).
function expectedManifest(files: ReadonlyMap<string, Uint8Array>): { name: string; digest: string }[] {
  const entries = [...files].map(([name, bytes]) => ({ name, digest: sha256Hex(Buffer.from(bytes)) }));
  return entries.sort((a, b) => {
    const pa = a.name.split("/");
    const pb = b.name.split("/");
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
    return pa.length - pb.length;
  });
}

const segment = fc.stringMatching(/^[a-z0-9_][a-z0-9._-]{0,6}$/).filter((s) => !s.startsWith(".git"));
const tree = fc
  .uniqueArray(fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")), { minLength: 1, maxLength: 12 })
  // a path cannot be both a file and a directory
  .filter((paths) => paths.every((p) => !paths.some((q) => q !== p && q.startsWith(`${p}/`))))
  .chain((paths) => fc.tuple(fc.constant(paths), fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: paths.length, maxLength: paths.length })));

describe("manifest properties (any tree of files)", () => {
  it("matches an independent computation and detects a flipped byte in exactly that file", async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 2 }), async ([paths, contents], pick, at, concurrency) => {
        const root = tempDir("prop-");
        const files = new Map(paths.map((p, i) => [p, contents[i]!]));
        for (const [p, bytes] of files) {
          mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
          writeFileSync(path.join(root, p), bytes);
        }
        const m = await computeManifest(root, { concurrency });
        const want = expectedManifest(files);
        expect(m.resources.map(({ name, digest }) => ({ name, digest }))).toEqual(want);
        expect(m.rootDigest).toBe(rootDigestOf(want));
        const nonEmpty = [...files].filter(([, b]) => b.length > 0);
        if (nonEmpty.length === 0) return;
        const [victim, bytes] = nonEmpty[pick % nonEmpty.length]!;
        const flipped = Buffer.from(bytes);
        flipped[at % flipped.length]! ^= 0x01;
        writeFileSync(path.join(root, victim), flipped);
        const after = await computeManifest(root, { concurrency });
        expect(compareManifests(m.resources, after.resources)).toEqual([
          { kind: "changed", name: victim, expected: sha256Hex(Buffer.from(bytes)), actual: sha256Hex(flipped) },
        ]);
        expect(readFileSync(path.join(root, victim)).equals(flipped)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
