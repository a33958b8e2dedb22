import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime and a policy pack are process-global: every file gets its own process.
    pool: "forks",
    isolate: true,
    // vitest's default is one worker less than the cores: one on the 2-core CI machine. Most test
    // files wait on processes they start (the CLI, the policy pack, the registry), so a second
    // worker fills the idle core: a full run went from about 10 to under 8 minutes.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ["default", "json"],
    outputFile: { json: ".secure-mlops/test-results.json" },
  },
});
