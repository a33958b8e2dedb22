#!/usr/bin/env node
"use strict";
// The CLI runs from its TypeScript sources through tsx, so `npx secure-mlops` works on a fresh
// clone with no build step, and `--program DIR` can load a user's index.ts the same way.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `secure-mlops: Node ${process.versions.node} is too old; Node 22 or later is required ` +
      "(in a clone, `npm ci` installs one under node_modules/.bin, which npm scripts and npx use).\n",
  );
  process.exit(2);
}
require("tsx/cjs/api").register();
// Commands load their heavy modules on use with import(), which goes through the ESM loader.
require("tsx/esm/api").register();
const { main } = require("../cli/main.ts");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`secure-mlops: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
