import { defineConfig } from "vitest/config";

// Cross-package suites live in sub-folders (kubectl/, contract/, placement/, ...).
export default defineConfig({
  test: {
    include: ["*/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    passWithNoTests: true,
    // Each file starts its own API server or simulator and spends most of its time waiting on
    // them, so a few files at once finish sooner than one at a time even on 2 cores.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
  },
});
