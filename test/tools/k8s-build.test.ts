// npm run k8s:build's answers that need no Go build: a current cache is only checked, a missing
// toolchain is one line and exit 4 (npm test then leaves the kube target out), --print never builds.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/shared.js";

const script = join(repoRoot, "scripts/k8s-build.mjs");
const empty = mkdtempSync(join(tmpdir(), "grove-k8s-cache-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** Runs the script with an empty cache and a PATH that holds node but no go. */
function run(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, GROVE_K8S_CACHE: empty, PATH: dirname(process.execPath) },
  });
}

describe("k8s:build without a toolchain or a cache", () => {
  it("no Go: one line naming what is missing, exit 4", () => {
    const r = run(["--quiet"]);
    expect(r.status).toBe(4);
    expect(r.stderr.trim()).toBe(
      "k8s:build: no Go toolchain: `go version` failed (Go 1.26 must be on PATH to build the control plane from source)",
    );
  });

  it("--print with nothing built: says what to run, exit 3, builds nothing", () => {
    const r = run(["--print"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("missing or stale: run npm run k8s:build");
  });

  it("an unknown flag is a usage error naming it", () => {
    const r = run(["--fast"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown flag "--fast"');
  });
});
