import { defineConfig } from "vitest/config";

// Cross-package suites live in sub-folders (kubectl/, contract/, placement/, ...).
export default defineConfig({
  test: {
    include: ["*/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    passWithNoTests: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
  },
});
