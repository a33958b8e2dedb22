"use strict";
// npm's `prepare` step: applies patches/ to this checkout's node_modules with patch-package,
// failing when a patch no longer applies. npm runs it on `npm ci` / `npm install` in a clone
// (never when the package is installed as a dependency) and before `npm pack`; a copy being
// packed without its own node_modules (test/package/tarball.test.ts) has nothing to patch, and
// says so instead of failing.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const patches = path.join(root, "patches");
const patched = fs.existsSync(patches) ? fs.readdirSync(patches).filter((f) => f.endsWith(".patch")) : [];
// "@scope+name+version.patch" -> "@scope/name"
const packages = patched.map((f) => f.replace(/\+[^+]*\.patch$/, "").replace(/\+/g, "/"));
const missing = packages.filter((p) => !fs.existsSync(path.join(root, "node_modules", p, "package.json")));
if (patched.length === 0 || missing.length === packages.length) {
  process.stderr.write(`apply-patches: no node_modules here for ${packages.join(", ") || "any patch"}; nothing to patch\n`);
  process.exit(0);
}
if (missing.length > 0) {
  process.stderr.write(`apply-patches: ${missing.join(", ")} not installed under node_modules, which patches/ expects\n`);
  process.exit(1);
}
let patchPackage;
try {
  patchPackage = require.resolve("patch-package/index.js", { paths: [root] });
} catch {
  // `npm ci --omit=dev`: the patch only makes big stacks judge faster, with the same verdicts
  process.stderr.write(`apply-patches: patch-package is not installed (dev dependencies omitted); ${packages.join(", ")} left as published\n`);
  process.exit(0);
}
const result = spawnSync(process.execPath, [patchPackage, "--error-on-fail", "--error-on-warn"], {
  cwd: root,
  // its report to stderr: npm prints a lifecycle script's stdout into `npm pack --json`'s answer
  stdio: ["ignore", 2, 2],
});
process.exit(result.status ?? 1);
