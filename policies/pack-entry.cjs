// Entry of the pack for the Pulumi CLI's policy-pack runner (package.json "main"). The runner
// registers ts-node with type checking forced on, which takes seconds on a machine's first start
// (it type-checks the provider SDKs' declarations); esbuild (through tsx) only transpiles. Types
// are checked where they belong, by `npm run lint` and the tests.
"use strict";
require("tsx/cjs/api").register();
require("./index.ts");
