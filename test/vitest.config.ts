import { missingKubeBinaries } from "@grove-ts/simulator";
import { defineConfig } from "vitest/config";

// Cross-package suites live in sub-folders (kubectl/, contract/, placement/, ...). Every suite runs
// against our API server (project "grove"); the end-to-end ones run again against the real control
// plane built from source (project "kube", GROVE_TARGET=kube: test/src/target.ts). Where the
// binaries are not built (no Go on the machine: `npm run k8s:build`), the kube project is left out
// with a visible message.
const KUBE_SUITES = [
  "e2e/**/*.test.ts",
  "tas/**/*.test.ts",
  // kubectl/builtins-http is about our server over plain HTTP, which kube-apiserver does not serve.
  "kubectl/grove-scenario.test.ts",
  "kubectl/apply-list.test.ts",
  "kubectl/restart-policy-warning.test.ts",
  "tutorial/**/*.test.ts",
  "contract/client.test.ts",
  "contract/controller.test.ts",
  "contract/leader-election.test.ts",
  "contract/events.test.ts",
  "contract/http-input.test.ts",
  "contract/selectors.test.ts",
  "contract/object-meta.test.ts",
  "contract/priority.test.ts",
  "contract/resource-api.test.ts",
  "contract/queue.test.ts",
  "kube/**/*.test.ts",
  "kubectl/sim-logs.test.ts",
];
const missing = missingKubeBinaries().filter((p) => p !== "helm");
const kube = process.env.GROVE_KUBE_TARGET !== "off" && missing.length === 0;
if (!kube)
  console.warn(
    `[kube target] skipped: ${missing.length ? `${missing.join(", ")} not built (npm run k8s:build)` : "GROVE_KUBE_TARGET=off"}`,
  );

export default defineConfig({
  test: {
    setupFiles: ["../scripts/vitest-setup.ts"],
    exclude: ["node_modules/**", "dist/**"],
    passWithNoTests: true,
    // Each file starts its own API server or simulator and spends most of its time waiting on
    // them, so a few files at once finish sooner than one at a time even on 2 cores.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
    projects: [
      {
        extends: true,
        test: {
          name: "grove",
          include: ["*/**/*.test.ts"],
          exclude: ["node_modules/**", "dist/**", "kube/**"],
          env: { GROVE_TARGET: "grove" },
        },
      },
      ...(kube
        ? [
            {
              extends: true as const,
              test: {
                name: "kube",
                include: KUBE_SUITES,
                env: { GROVE_TARGET: "kube" },
                // The real control plane is three processes per file: two files at once on 2 cores.
                hookTimeout: 120_000,
              },
            },
          ]
        : []),
    ],
  },
});
