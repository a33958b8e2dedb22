"use strict";
// Whether dist/ holds the compiled form of the sources beside it. `npm run build` records every
// compiled source (size, mtime, SHA-256) in dist/build-stamp.json; the bin, the policy pack's
// entry and the preview run dist/ only while the sources still match that record, so a developer
// who edits cli/*.ts and forgets to build runs the edit through tsx, never the old dist/.
//
// Matching: the same set of files; each with the recorded size and mtime (a few stats), or, when
// the mtime moved (a git checkout, npm unpacking a tarball with its fixed 1985 dates), the
// recorded SHA-256 of its content. A build interrupted, or sources edited while tsc ran, leave no
// stamp (`begin` removes it; `end` writes it only if nothing changed since `begin`).
//
//   node bin/dist-stamp.cjs begin   before tsc: forget the old stamp, record the sources
//   node bin/dist-stamp.cjs end     after tsc: write the stamp if the sources did not move

const fs = require("node:fs");
const path = require("node:path");

const STAMP = "build-stamp.json";
const PENDING = ".build-stamp.pending.json";
const EXTENSIONS = [".ts", ".json"];

/** The folders tsconfig.build.json compiles, relative to the package root. */
function compiledFolders(root) {
  const config = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
  if (!Array.isArray(config.include) || config.include.length === 0) throw new Error("tsconfig.build.json has no include list");
  return config.include;
}

/** Source files under the folders, relative POSIX paths, sorted; declaration files left out. */
function listSources(root, folders) {
  const out = [];
  const walk = (relative) => {
    let entries;
    try {
      entries = fs.readdirSync(`${root}/${relative}`, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const name = `${relative}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== "node_modules") walk(name);
      } else if (EXTENSIONS.some((x) => e.name.endsWith(x)) && !e.name.endsWith(".d.ts")) {
        out.push(name);
      }
    }
  };
  for (const folder of folders) walk(folder);
  return out.sort();
}

function sha256(file) {
  // Required here, not at the top: loading node:crypto costs ~8 ms of every CLI start, and a fresh
  // dist/ is told by sizes and mtimes alone.
  return require("node:crypto").createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function record(root) {
  const folders = compiledFolders(root);
  const files = {};
  for (const name of listSources(root, folders)) {
    const st = fs.statSync(path.join(root, name));
    files[name] = { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(path.join(root, name)) };
  }
  return { version: 1, folders, files };
}

/**
 * True when `root`/dist was built from the sources now in `root`. Never throws: anything
 * unreadable or unexpected means "not fresh", and the caller runs the sources.
 */
function isDistFresh(root) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, "dist", STAMP), "utf8"));
  } catch {
    return false;
  }
  try {
    if (stamp.version !== 1 || !Array.isArray(stamp.folders) || typeof stamp.files !== "object" || stamp.files === null) return false;
    const names = listSources(root, stamp.folders);
    const recorded = Object.keys(stamp.files);
    if (names.length !== recorded.length) return false;
    let moved = false;
    for (const name of names) {
      const want = stamp.files[name];
      if (!want) return false;
      // plain concatenation: path.join's normalising was a third of this check at every start,
      // and fs takes "/" on every platform
      const file = `${root}/${name}`;
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined || st.size !== want.size) return false;
      if (st.mtimeMs !== want.mtimeMs) {
        if (sha256(file) !== want.sha256) return false;
        want.mtimeMs = st.mtimeMs;
        moved = true;
      }
    }
    if (moved) restamp(root, stamp);
    return true;
  } catch {
    return false;
  }
}

/**
 * Records the mtimes a fresh check found moved, with their content unchanged, so the next start
 * is told by stats again instead of reading and hashing every moved source (after a checkout, or
 * in an installed package, whose files npm dates 1985: every start would hash them all). Written
 * whole and renamed into place, so a concurrent start reads the old stamp or the new one; where
 * dist/ is read-only (a global install), nothing is written and each start keeps hashing.
 */
function restamp(root, stamp) {
  const temporary = path.join(root, "dist", `.${STAMP}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, JSON.stringify(stamp) + "\n");
    fs.renameSync(temporary, path.join(root, "dist", STAMP));
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

function begin(root) {
  fs.mkdirSync(path.join(root, "dist"), { recursive: true });
  fs.rmSync(path.join(root, "dist", STAMP), { force: true });
  fs.writeFileSync(path.join(root, "dist", PENDING), JSON.stringify(record(root)));
}

function end(root) {
  const pendingFile = path.join(root, "dist", PENDING);
  const before = JSON.parse(fs.readFileSync(pendingFile, "utf8"));
  fs.rmSync(pendingFile, { force: true });
  const after = record(root);
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    process.stderr.write("dist-stamp: sources changed while building; dist/ is left unstamped and the CLI will run the sources\n");
    return false;
  }
  fs.writeFileSync(path.join(root, "dist", STAMP), JSON.stringify(after) + "\n");
  return true;
}

module.exports = { isDistFresh, begin, end, STAMP };

if (require.main === module) {
  const root = path.resolve(__dirname, "..");
  const step = process.argv[2];
  if (step === "begin") begin(root);
  else if (step === "end") process.exitCode = end(root) ? 0 : 1;
  else {
    process.stderr.write("usage: node bin/dist-stamp.cjs begin|end\n");
    process.exitCode = 2;
  }
}
