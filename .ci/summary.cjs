// Prints "N passed, N failed" from vitest's JSON report (the line CI reads).
"use strict";
const fs = require("node:fs");
const file = process.argv[2];
let report;
try {
  report = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (err) {
  console.log(`no test report at ${file}: ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that fails without a failed test (it does not load, or a beforeAll throws and its tests
// are skipped) counts as a failure, or it would read as green.
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
);
for (const f of brokenFiles) console.log(`failed outside its tests: ${f.name}: ${(f.message ?? "").split("\n")[0]}`);
const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (skipped > 0) console.log(`${skipped} skipped`);
// the last line, plain, as CI reads it
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
