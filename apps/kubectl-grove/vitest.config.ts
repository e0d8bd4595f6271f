import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    setupFiles: ["../../scripts/vitest-setup.ts"],
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    passWithNoTests: true,
    // The 2-core CI runs many suites at once: waits are polls with their own deadlines.
    testTimeout: 30_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
  },
});
