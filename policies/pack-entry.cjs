// Entry of the pack for the Pulumi CLI's policy-pack runner (package.json "main"). The compiled
// pack in dist/ when it was built from these sources (bin/dist-stamp.cjs), which starts without
// transpiling anything; otherwise the sources through tsx. Not through the runner's own ts-node:
// it forces type checking on, which takes seconds on a machine's first start (it type-checks the
// provider SDKs' declarations); esbuild (through tsx) only transpiles. Types are checked where
// they belong, by `npm run lint` and the tests.
"use strict";
const path = require("node:path");
const root = path.resolve(__dirname, "..");
if (process.env.SECURE_MLOPS_FROM_SOURCES !== "1" && require("../bin/dist-stamp.cjs").isDistFresh(root)) {
  require("../dist/policies/index.js");
} else {
  require("tsx/cjs/api").register();
  require("./index.ts");
}
