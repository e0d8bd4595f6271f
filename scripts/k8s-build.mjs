#!/usr/bin/env node
// npm run k8s:build: builds the real Kubernetes control plane from source, once, into a cache
// outside the repo, and prints the folder that holds the binaries as its last line (`bin: DIR`).
//
// The programs and their pinned releases are the Go modules under tools/k8s/: kube-apiserver,
// kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes; etcd from
// go.etcd.io/etcd/server/v3; helm from helm.sh/helm/v4. Nothing is downloaded but Go modules.
//
// The cache is ${XDG_CACHE_HOME:-~/.cache}/grove-ts/k8s-<release>/ (GROVE_K8S_CACHE overrides
// it): bin/ holds the programs, build.log the last build's output, stamp what they were built
// from. A second run with the same pins only checks the stamp and prints the folder.
//
// Flags: --quiet (no progress lines), --print (only check: print the folder and exit 0 when the
// binaries are there and current, exit 3 otherwise; builds nothing). Exit 4: no Go toolchain.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = join(root, "tools/k8s");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const printOnly = args.has("--print");
for (const a of args)
  if (!["--quiet", "--print"].includes(a))
    fail(`unknown flag ${JSON.stringify(a)} (flags: --quiet, --print)`, 2);

function fail(message, code = 1) {
  process.stderr.write(`k8s:build: ${message}\n`);
  process.exit(code);
}
const say = (line) => {
  if (!quiet) process.stdout.write(`k8s:build: ${line}\n`);
};

/** The release a module requires, read from its go.mod (`require <path> <version>`). */
function required(mod, path) {
  const text = readFileSync(join(tools, mod, "go.mod"), "utf8");
  const m = new RegExp(`^\\s*(?:require\\s+)?${path.replaceAll(".", "\\.")}\\s+(v\\S+)`, "m").exec(text);
  if (!m) fail(`tools/k8s/${mod}/go.mod does not require ${path}`);
  return m[1];
}

const release = required("kubernetes", "k8s.io/kubernetes");
const minor = /^v1\.(\d+)\./.exec(release)?.[1] ?? "0";
// kube-apiserver reports this version (kubectl version, /version); the staging modules' own
// version packages would otherwise say v0.0.0-master.
const versionFlags = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((p) => [
  `-X ${p}.gitVersion=${release}`,
  `-X ${p}.gitMajor=1`,
  `-X ${p}.gitMinor=${minor}`,
  `-X ${p}.gitTreeState=clean`,
]);

/** One `go build` each: the module folder, the packages, and the names the binaries get. */
const builds = [
  {
    mod: "kubernetes",
    what: `Kubernetes ${release}`,
    pkgs: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"].map(
      (c) => `k8s.io/kubernetes/cmd/${c}`,
    ),
    ldflags: ["-s", "-w", ...versionFlags],
  },
  {
    mod: "etcd",
    what: `etcd ${required("etcd", "go.etcd.io/etcd/server/v3")}`,
    pkgs: ["go.etcd.io/etcd/server/v3"],
    // The module root is etcd's main package; go would name the binary after the path ("server").
    output: "etcd",
    ldflags: ["-s", "-w"],
  },
  {
    mod: "helm",
    what: `helm ${required("helm", "helm.sh/helm/v4")}`,
    pkgs: ["helm.sh/helm/v4/cmd/helm"],
    ldflags: ["-s", "-w"],
  },
];
const PROGRAMS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "etcd", "helm"];

const cacheRoot =
  process.env.GROVE_K8S_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "grove-ts");
const dir = join(cacheRoot, `k8s-${release}`);
const bin = join(dir, "bin");
const logPath = join(dir, "build.log");

// The stamp: every pin and flag the binaries depend on. A change to any of them rebuilds.
const stampHash = createHash("sha256");
for (const b of builds) {
  for (const f of ["go.mod", "go.sum"]) stampHash.update(readFileSync(join(tools, b.mod, f)));
  stampHash.update(b.ldflags.join(" "));
}
const stamp = stampHash.digest("hex");
const current = () =>
  existsSync(join(dir, "stamp")) &&
  readFileSync(join(dir, "stamp"), "utf8").trim() === stamp &&
  PROGRAMS.every((p) => existsSync(join(bin, p)));

if (current()) {
  say(`up to date (${PROGRAMS.join(", ")})`);
  process.stdout.write(`bin: ${bin}\n`);
  process.exit(0);
}
if (printOnly) {
  process.stderr.write(`k8s:build: the binaries in ${bin} are missing or stale: run npm run k8s:build\n`);
  process.exit(3);
}

const go = spawnSync("go", ["version"], { encoding: "utf8" });
// Exit 4: nothing to build with (scripts/test.mjs then leaves the real-control-plane suites out).
if (go.error || go.status !== 0)
  fail(
    "no Go toolchain: `go version` failed (Go 1.26 must be on PATH to build the control plane from source)",
    4,
  );
say(`${go.stdout.trim()}; building into ${dir}`);
mkdirSync(dir, { recursive: true });
const staging = join(dir, "bin.new");
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const log = createWriteStream(logPath);
const env = {
  ...process.env,
  GOFLAGS: "-trimpath -mod=readonly -buildvcs=false",
  GOTOOLCHAIN: "local",
};

/** Lists the packages a build compiles (for the progress count); 0 when go list fails. */
function countPackages(b) {
  const r = spawnSync("go", ["list", "-deps", ...b.pkgs], {
    cwd: join(tools, b.mod),
    env,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return r.status === 0 ? r.stdout.split("\n").filter(Boolean).length : 0;
}

/** Runs one `go build -v`, counting the packages it compiles, with a progress line every 15 s. */
function build(b, index) {
  return new Promise((resolve) => {
    const started = Date.now();
    say(`[${index + 1}/${builds.length}] ${b.what}: resolving packages`);
    const total = countPackages(b);
    say(
      `[${index + 1}/${builds.length}] ${b.what}: compiling (${total || "?"} packages, cached ones are skipped)`,
    );
    log.write(`\n### ${b.what}: go build ${b.pkgs.join(" ")}\n`);
    const child = spawn(
      "go",
      [
        "build",
        "-v",
        `-ldflags=${b.ldflags.join(" ")}`,
        "-o",
        b.output ? join(staging, b.output) : `${staging}/`,
        ...b.pkgs,
      ],
      { cwd: join(tools, b.mod), env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let compiled = 0;
    let tail = "";
    const onData = (chunk) => {
      const text = chunk.toString();
      log.write(text);
      tail = (tail + text).slice(-4000);
      compiled += text.split("\n").filter((l) => l && !l.startsWith("#") && !l.includes(" ")).length;
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      say(
        `[${index + 1}/${builds.length}] ${b.what}: ${compiled}${total ? `/${total}` : ""} packages compiled, ${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`,
      );
    }, 15_000);
    child.on("error", (err) => {
      clearInterval(timer);
      resolve({ ok: false, why: err.message, tail });
    });
    child.on("exit", (code, signal) => {
      clearInterval(timer);
      const s = Math.round((Date.now() - started) / 1000);
      if (code === 0)
        say(
          `[${index + 1}/${builds.length}] ${b.what}: done in ${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`,
        );
      resolve({ ok: code === 0, why: signal ? `killed by ${signal}` : `exit ${code}`, tail });
    });
  });
}

const t0 = Date.now();
for (const [i, b] of builds.entries()) {
  const r = await build(b, i);
  if (!r.ok) {
    log.end();
    const last = r.tail.trim().split("\n").slice(-8).join("\n  ");
    fail(
      `go build of ${b.what} (tools/k8s/${b.mod}) failed (${r.why}); the whole log is ${logPath}${last ? `; its end:\n  ${last}` : ""}`,
    );
  }
}
log.end();
for (const p of PROGRAMS) if (!existsSync(join(staging, p))) fail(`${p} was not built (see ${logPath})`);
rmSync(bin, { recursive: true, force: true });
renameSync(staging, bin);
writeFileSync(join(dir, "stamp"), `${stamp}\n`);
const s = Math.round((Date.now() - t0) / 1000);
say(`built ${PROGRAMS.join(", ")} in ${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`);
process.stdout.write(`bin: ${bin}\n`);
