#!/usr/bin/env node
// The README's test command: lint, package hygiene (knip: unused and undeclared dependencies;
// dependency-cruiser: the layer order), build, typecheck and test every workspace, then print what
// failed and one plain `N passed, N failed` line, last (CI reads that line; vitest's own summary is
// not in that form).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" };
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;

function workspaceDirs() {
  const dirs = [];
  for (const pattern of workspaces) {
    if (pattern.endsWith("/*")) {
      const base = join(root, pattern.slice(0, -2));
      if (!existsSync(base)) continue;
      const r = spawnSync("ls", [base], { encoding: "utf8" });
      for (const name of r.stdout.split("\n").filter(Boolean)) dirs.push(join(base, name));
    } else {
      dirs.push(join(root, pattern));
    }
  }
  return dirs.filter((d) => existsSync(join(d, "package.json")));
}

/**
 * Runs a step, relaying its output until it exits. A process it leaves behind (a server a test
 * forgot) keeps the pipes open but is no longer heard: nothing prints after the closing line.
 */
function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["inherit", "pipe", "pipe"] });
    child.stdout.pipe(process.stdout, { end: false });
    child.stderr.pipe(process.stderr, { end: false });
    child.on("error", (err) => {
      console.log(`${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on("exit", (code) => {
      // The step is over: relay what its pipes still hold (they end at once unless a process it
      // started still has them open), then stop listening.
      const ended = [child.stdout, child.stderr].map(
        (s) => new Promise((r) => (s.readableEnded ? r() : s.once("end", r))),
      );
      const grace = new Promise((r) => setTimeout(r, 2000).unref());
      void Promise.race([Promise.all(ended), grace]).then(() => {
        for (const s of [child.stdout, child.stderr]) {
          s.unpipe();
          s.destroy();
        }
        resolve(code ?? 1);
      });
    });
  });
}

const firstLine = (text) => (text ?? "failed").split("\n").find((l) => l.trim() !== "") ?? "failed";

// Results of an earlier run must not be counted as this run's.
const dirs = workspaceDirs();
for (const d of dirs) rmSync(join(d, "test-results.json"), { force: true });

/** The etcd and Kubernetes processes started from the k8s:build cache, with their pids. */
function controlPlaneProcesses() {
  const r = spawnSync("pgrep", ["-a", "-f", "grove-ts/k8s-.*/bin/(etcd|kube-)"], { encoding: "utf8" });
  return (r.stdout ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ pid: line.split(" ")[0], line }));
}
const before = new Set(controlPlaneProcesses().map((p) => p.pid));

const failures = [];
// Biome colours its report on a terminal whatever NO_COLOR says.
if ((await run("npx", ["biome", "ci", "--colors=off", "."])) !== 0) failures.push("lint (biome ci)");
// The real control plane the "kube" test project runs against: built once, then a cache check.
// Without Go it cannot be built here: those suites are left out, visibly (in CI that is a failure:
// CI runs them on every run).
const k8s = await run(process.execPath, [join(root, "scripts/k8s-build.mjs")]);
let kubeSkipped = false;
if (k8s === 4 && process.env.CI !== "true") {
  kubeSkipped = true;
  env.GROVE_KUBE_TARGET = "off";
  console.log(
    "kube target: skipped (no Go toolchain to build the control plane; the suites ran against our API server only)",
  );
} else if (k8s !== 0) failures.push("npm run k8s:build");
// --continue: one failing package must not hide the results of the others.
const turboArgs = [
  "turbo",
  "run",
  "build",
  "typecheck",
  "test",
  "--concurrency=2",
  "--continue=dependencies-successful",
  ...process.argv.slice(2),
];
if ((await run("npx", turboArgs)) !== 0) failures.push("turbo run build typecheck test");
// After the build: both resolve workspace packages through their built dist/ (a fresh clone has none
// before it), and knip loads the vitest configs, which import built packages.
if ((await run("npm", ["run", "--silent", "lint:deps"])) !== 0)
  failures.push("unused or undeclared dependencies (npm run lint:deps: knip)");
if ((await run("npm", ["run", "--silent", "lint:layers"])) !== 0)
  failures.push("imports against the layer order (npm run lint:layers: dependency-cruiser)");

// Nothing a test started may outlive the run (etcd, kube-apiserver, kube-controller-manager);
// processes that were running before the tests are someone else's and left alone.
const leftover = controlPlaneProcesses().filter((p) => !before.has(p.pid));
if (leftover.length > 0) {
  failures.push(`processes left running after the tests: ${leftover.length}`);
  for (const p of leftover) {
    console.log(`  left running: ${p.line.slice(0, 160)}`);
    spawnSync("kill", ["-KILL", p.pid]);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failedTests = [];
console.log("");
for (const d of dirs) {
  const file = join(d, "test-results.json");
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(`  ${relative(root, d)}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  for (const f of r.testResults ?? []) {
    const where = relative(root, f.name);
    const tests = (f.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of tests) failedTests.push(`${where} > ${t.fullName}`);
    // A file that failed outside its tests (an import, a hook, a leak warning in afterAll).
    if (f.status === "failed" && tests.length === 0) failedTests.push(`${where}: ${firstLine(f.message)}`);
  }
}
if (kubeSkipped) console.log("  kube target: skipped (no Go toolchain)");
for (const t of failedTests) console.log(`  FAIL ${t}`);
// A step that failed outside vitest (lint, build, typecheck) counts as one failure each, so the
// closing line never reads green over a red run.
const stepFailures = failures.length > 0 && failed === 0 ? failures.length : 0;
for (const f of failures) console.log(`  step failed: ${f}`);
console.log(`tests: ${passed} passed, ${failed + stepFailures} failed, ${skipped} skipped`);
process.exit(failures.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
