#!/usr/bin/env node
"use strict";
// Runs the compiled CLI from dist/ when it was built from the sources beside it
// (bin/dist-stamp.cjs says when), and the TypeScript sources through tsx otherwise, so
// `npx secure-mlops` works on a fresh clone with no build step and never runs a stale dist/.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `secure-mlops: Node ${process.versions.node} is too old; Node 22 or later is required ` +
      "(in a clone, `npm ci` installs one under node_modules/.bin, which npm scripts and npx use).\n",
  );
  process.exit(2);
}
const path = require("node:path");
const root = path.resolve(__dirname, "..");
// V8's code cache on disk: the CLI and the processes it starts (the policy pack, the program on
// the mocks, which inherit the variable) skip compiling the SDKs they load again at every run.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for any Node program.
const nodeModule = require("node:module");
if (typeof nodeModule.enableCompileCache === "function" && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  if (!process.env.NODE_COMPILE_CACHE) {
    process.env.NODE_COMPILE_CACHE = path.join(require("node:os").tmpdir(), "secure-mlops-compile-cache");
  }
  nodeModule.enableCompileCache(process.env.NODE_COMPILE_CACHE);
}
const fromDist = process.env.SECURE_MLOPS_FROM_SOURCES !== "1" && require("./dist-stamp.cjs").isDistFresh(root);
let main;
if (fromDist) {
  main = withLazyChildProcessForCommander(() => require("../dist/cli/main.js").main);
} else {
  require("tsx/cjs/api").register();
  // Commands load their heavy modules on use with import(), which goes through the ESM loader.
  require("tsx/esm/api").register();
  ({ main } = require("../cli/main.ts"));
}
/**
 * commander requires node:child_process when it loads, for executable subcommands, which this CLI
 * does not have; loading it (with net, dgram and the stream internals) was ~7 ms of every start,
 * a tenth of `--help`. While `load` runs, commander alone gets a stand-in that loads the module
 * on first use, so it would still work if it ever needed it; everyone else gets the module itself.
 */
function withLazyChildProcessForCommander(load) {
  const original = nodeModule._load;
  let real;
  const lazy = new Proxy(
    {},
    {
      get: (_, key) => (real ??= original("node:child_process"))[key],
      has: (_, key) => key in (real ??= original("node:child_process")),
    },
  );
  nodeModule._load = function (request, parent, ...rest) {
    const fromCommander = parent && typeof parent.filename === "string" && /[\\/]commander[\\/]lib[\\/]command\.js$/.test(parent.filename);
    if (fromCommander && (request === "node:child_process" || request === "child_process")) return lazy;
    return original.call(this, request, parent, ...rest);
  };
  try {
    return load();
  } finally {
    nodeModule._load = original;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`secure-mlops: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
