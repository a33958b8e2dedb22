import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime and a policy pack are process-global: every file gets its own process.
    pool: "forks",
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ["default", "json"],
    outputFile: { json: ".secure-mlops/test-results.json" },
  },
});
