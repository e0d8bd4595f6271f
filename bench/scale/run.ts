// `npm run bench:scale`: Grove's scale suite (grove-behaviour.md §19) against grove-sim, in-process
// and with grove-operator external over HTTP (QPS 100 / burst 150), both with 20 workers per
// controller as upstream's scale preset, milestones and API writes per pod
// recorded to bench/results/scale.json and printed next to upstream's recorded run.
// --control-plane kube runs grove-sim on the real control plane (etcd, kube-apiserver,
// kube-controller-manager from `npm run k8s:build`) instead of our API server; its results are
// recorded beside ours with `controlPlane: "kube"`.
//
//   tsx scale/run.ts [--control-plane grove|kube] [--mode in-process|external|both] [--test NAME]...
//                    [--out FILE] [--ready-delay MS] [--qps 100] [--burst 150] [--concurrency 20]
//                    [--nodes-shards N]
//   --mode defaults to both on grove, external on kube. The ten-times tests (ScaleTest_10000,
//   ScaleTest_10000_Gangs8) run only when named. --nodes-shards N runs the simulated nodes as N
//   `grove-sim nodes --shard I/N` processes against the one API server.
//   env: SOAK_BASE, SOAK_PEAK, SOAK_CYCLES, SOAK_HOLD_SECONDS, STEADY_SECONDS, FINAL_CHECK_SECONDS
//   (upstream's values by default)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  BIG_SCALE_TESTS,
  type Mode,
  type ProcessUsage,
  type RequestCounts,
  runScaleTest,
  SCALE_TESTS,
  type ScaleTestResult,
  type SuiteKnobs,
  startScaleEnv,
  UPSTREAM,
  UPSTREAM_KNOBS,
} from "@grove-ts/e2e/scale";
import { type ControlPlaneMode, kubeBinDir, missingKubeBinaries } from "@grove-ts/simulator";
import { writeReport } from "../src/report/index.js";

/** Upstream's tests, then the ten-times ones (bench runs only, when named). */
const ALL_TESTS = [...SCALE_TESTS, ...BIG_SCALE_TESTS];

const KNOB_ENV = [
  "SOAK_BASE",
  "SOAK_PEAK",
  "SOAK_CYCLES",
  "SOAK_HOLD_SECONDS",
  "STEADY_SECONDS",
  "FINAL_CHECK_SECONDS",
];

class UsageError extends Error {
  readonly code = "Usage";
}

/** The programs the real control plane needs (kube-scheduler, kubectl and helm are not used here). */
const CONTROL_PLANE_PROGRAMS = ["etcd", "kube-apiserver", "kube-controller-manager"];

const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`${name}: must be a number >= ${min}, got "${raw}"`);
  return n;
}

function parse() {
  const { values } = parseArgs({
    options: {
      "control-plane": { type: "string", default: "grove" },
      mode: { type: "string" },
      test: { type: "string", multiple: true },
      out: { type: "string", default: join(here, "..", "results", "scale.json") },
      "ready-delay": { type: "string", default: "0" },
      qps: { type: "string", default: "100" },
      burst: { type: "string", default: "150" },
      concurrency: { type: "string", default: "20" },
      "nodes-shards": { type: "string" },
    },
    strict: true,
  });
  const cp = values["control-plane"];
  if (cp !== "grove" && cp !== "kube")
    throw new UsageError(`--control-plane: must be grove or kube, got "${cp}"`);
  const controlPlane: ControlPlaneMode = cp;
  const mode = values.mode ?? (controlPlane === "kube" ? "external" : "both");
  const modes: Mode[] =
    mode === "both"
      ? ["in-process", "external"]
      : mode === "in-process" || mode === "external"
        ? [mode]
        : (() => {
            throw new UsageError(`--mode: must be in-process, external or both, got "${mode}"`);
          })();
  const names = values.test ?? SCALE_TESTS.map((t) => t.name);
  for (const n of names)
    if (!ALL_TESTS.some((t) => t.name === n))
      throw new UsageError(`--test: unknown test "${n}" (one of ${ALL_TESTS.map((t) => t.name).join(", ")})`);
  const int = (flag: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${flag}: must be an integer >= ${min}, got "${v}"`);
    return n;
  };
  const knobs: SuiteKnobs = {
    ...UPSTREAM_KNOBS,
    steadyMs: envNumber("STEADY_SECONDS", UPSTREAM_KNOBS.steadyMs / 1000, 0) * 1000,
    soakBase: envNumber("SOAK_BASE", UPSTREAM_KNOBS.soakBase, 1),
    soakPeak: envNumber("SOAK_PEAK", UPSTREAM_KNOBS.soakPeak, 1),
    soakCycles: envNumber("SOAK_CYCLES", UPSTREAM_KNOBS.soakCycles, 1),
    soakHoldMs: envNumber("SOAK_HOLD_SECONDS", UPSTREAM_KNOBS.soakHoldMs / 1000, 0) * 1000,
    finalCheckMs: envNumber("FINAL_CHECK_SECONDS", UPSTREAM_KNOBS.finalCheckMs / 1000, 0) * 1000,
  };
  if (knobs.soakPeak <= knobs.soakBase) throw new UsageError("SOAK_PEAK: must be above SOAK_BASE");
  return {
    controlPlane,
    modes,
    tests: ALL_TESTS.filter((t) => names.includes(t.name)),
    nodeShards:
      values["nodes-shards"] === undefined ? undefined : int("nodes-shards", values["nodes-shards"], 1),
    out: resolve(values.out),
    readyDelayMs: int("ready-delay", values["ready-delay"], 0),
    qps: int("qps", values.qps, 1),
    burst: int("burst", values.burst, 1),
    concurrency: int("concurrency", values.concurrency, 1),
    knobs,
  };
}

interface Recorded extends ScaleTestResult {
  /** Workers per controller, as upstream's result file records them (plus our PodGang controller). */
  controllerMaxReconcile?: {
    podCliqueSet: number;
    podCliqueScalingGroup: number;
    podClique: number;
    podGang: number;
  };
  date: string;
  command: string;
  knobs: SuiteKnobs;
  /** `uptime`'s load average when this test started (the file's `machine` holds the last run's). */
  loadAverageAtStart?: number[];
  /** The machine this test ran on (the file's `machine` is the last run's; absent before). */
  machine?: Machine;
  error?: string;
}

interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
}

interface ResultsFile {
  description: string;
  machine: Machine & { loadAverageAtStart: number[] };
  upstream: typeof UPSTREAM;
  results: Recorded[];
}

const fmt = (n: number | undefined) => (n === undefined ? "—" : n.toFixed(1));

function milestone(r: Recorded | undefined, key: string): number | undefined {
  if (!r) return undefined;
  const [phase, m] = key.split("/");
  return r.phases.find((p) => p.name === phase)?.milestones.find((x) => x.name === m)
    ?.durationFromPhaseStartSeconds;
}

function soakRange(r: Recorded | undefined, suffix: string): string {
  if (!r) return "—";
  const xs = r.phases
    .filter((p) => p.name.endsWith(suffix))
    .map((p) => p.milestones[0]?.durationFromPhaseStartSeconds ?? 0);
  if (xs.length === 0) return "—";
  return `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} (${xs.length})`;
}

const cpOf = (r: Recorded) => r.controlPlane ?? "grove";

/** A column of results: one mode on one control plane, nodes in grove-sim or in N shard processes. */
interface Column {
  label: string;
  mode: Mode;
  controlPlane: ControlPlaneMode;
  nodeShards?: number;
}

const inColumn = (r: Recorded, c: Column) =>
  r.mode === c.mode && cpOf(r) === c.controlPlane && r.nodeShards === c.nodeShards;

const COLUMNS: Column[] = [
  { label: "in-process", mode: "in-process", controlPlane: "grove" },
  { label: "external", mode: "external", controlPlane: "grove" },
  { label: "in-process (kube)", mode: "in-process", controlPlane: "kube" },
  { label: "external (kube)", mode: "external", controlPlane: "kube" },
];

function table(results: Recorded[], testNames: string[]): string {
  // The grove columns always; a kube column once it has a result.
  const fleets = [
    ...new Set(results.filter((r) => r.nodeShards).map((r) => `${r.mode}|${cpOf(r)}|${r.nodeShards}`)),
  ].map((k): Column => {
    const [mode, controlPlane, n] = k.split("|") as [Mode, ControlPlaneMode, string];
    const cp = controlPlane === "kube" ? ", kube" : "";
    return { label: `${mode} (${n} node shards${cp})`, mode, controlPlane, nodeShards: Number(n) };
  });
  const cols = [
    ...COLUMNS.filter((c) => c.controlPlane === "grove" || results.some((r) => inColumn(r, c))),
    ...fleets,
  ];
  const rows: string[][] = [
    ["test", "phase/milestone (s from phase start)", "upstream", ...cols.map((c) => c.label)],
  ];
  for (const t of testNames) {
    const rs = cols.map((c) => results.find((r) => r.testName === t && inColumn(r, c)));
    const up = UPSTREAM[t] ?? {};
    if (t === "SoakChurn") {
      rows.push([
        t,
        "deploy/base-pods-ready",
        "—",
        ...rs.map((r) => fmt(milestone(r, "deploy/base-pods-ready"))),
      ]);
      rows.push([
        t,
        "cycle scale-up (min–max)",
        String(up["scale-up"] ?? "—"),
        ...rs.map((r) => soakRange(r, "-scale-up")),
      ]);
      rows.push([
        t,
        "cycle scale-down (min–max)",
        String(up["scale-down"] ?? "—"),
        ...rs.map((r) => soakRange(r, "-scale-down")),
      ]);
    } else {
      const first = rs.find((r) => r !== undefined);
      const keys = [
        ...new Set([
          ...Object.keys(up).filter((k) => k.includes("/")),
          ...(first?.phases.flatMap((p) => p.milestones.map((m) => `${p.name}/${m.name}`)) ?? []),
        ]),
      ];
      for (const k of keys) rows.push([t, k, String(up[k] ?? "—"), ...rs.map((r) => fmt(milestone(r, k)))]);
    }
    rows.push([t, "total", String(up.total ?? "—"), ...rs.map((r) => fmt(r?.testDurationSeconds))]);
    rows.push([
      t,
      "API writes / pod created",
      "—",
      ...rs.map((r) => r?.writesPerPodCreated?.toFixed(2) ?? "—"),
    ]);
    for (const [i, row] of ["peak RSS MiB", "CPU s"].entries()) {
      const names = [...new Set(rs.flatMap((r) => r?.processes?.map((p) => p.name) ?? []))];
      for (const n of names)
        rows.push([
          t,
          `${row}: ${n}`,
          "—",
          ...rs.map((r) => {
            const p = r?.processes?.find((x) => x.name === n);
            return p ? String(i === 0 ? p.peakRssMiB : p.cpuSeconds.toFixed(1)) : "—";
          }),
        ]);
    }
    cols.forEach((c, i) => {
      const r = rs[i];
      if (r?.error) rows.push([t, `FAILED (${c.label})`, "", r.error.split("\n")[0] ?? ""]);
    });
  }
  const w = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i] ?? 0)).join("  ")).join("\n");
}

function usageLine(ps: ProcessUsage[]): string {
  if (ps.length === 0) return "process usage: not recorded (no /proc)";
  return ps
    .map((p) => `${p.name}: peak RSS ${p.peakRssMiB} MiB, CPU ${p.cpuSeconds.toFixed(1)} s`)
    .join("; ");
}

function needless(counts: RequestCounts): string {
  const parts = [
    ...Object.entries(counts.noopWrites).map(([k, n]) => `${n} no-op ${k}`),
    ...Object.entries(counts.repeatedWrites).map(([k, n]) => `${n} repeated ${k}`),
    ...Object.entries(counts.failedWrites ?? {}).map(([k, n]) => `${n} refused ${k}`),
  ];
  return parts.length ? parts.join(", ") : "none";
}

async function main(): Promise<void> {
  const o = parse();
  if (o.controlPlane === "kube") {
    const dir = kubeBinDir();
    const missing = missingKubeBinaries(dir).filter((p) => CONTROL_PLANE_PROGRAMS.includes(p));
    if (missing.length)
      throw new Error(
        `--control-plane kube: the Kubernetes binaries are not built (${missing.join(", ")} missing in ${dir}): run npm run k8s:build`,
      );
  }
  const envSet = KNOB_ENV.filter((k) => process.env[k] !== undefined && process.env[k] !== "")
    .map((k) => `${k}=${process.env[k]}`)
    .join(" ");
  const command = `${envSet} npm run bench:scale -- ${process.argv.slice(2).join(" ")}`.trim();
  const prior: ResultsFile | undefined = existsSync(o.out)
    ? (JSON.parse(readFileSync(o.out, "utf8")) as ResultsFile)
    : undefined;
  const results: Recorded[] = prior?.results ?? [];
  const host: Machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
  const machine = { ...host, loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100) };
  log(
    `scale suite: ${o.tests.map((t) => t.name).join(", ")} × ${o.modes.join(", ")} on ${o.controlPlane === "kube" ? "the real control plane" : "our API server"}; concurrency ${o.concurrency}; ${machine.cpus} cores, load ${machine.loadAverageAtStart.join(" ")}`,
  );
  let failed = 0;
  for (const mode of o.modes) {
    const label = o.controlPlane === "kube" ? `${mode}, kube` : mode;
    for (const def of o.tests) {
      const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
      const total = def.cluster ? def.cluster.pools.reduce((s, p) => s + p.count, 0) : 100;
      log(
        `${def.name} [${label}]: starting grove-sim (${def.nodes} of ${total} nodes schedulable${o.nodeShards ? `, in ${o.nodeShards} grove-sim nodes processes` : ""}); load ${loadAverageAtStart.join(" ")}`,
      );
      const env = await startScaleEnv({
        mode,
        controlPlane: o.controlPlane,
        activeNodes: def.nodes,
        ...(def.cluster ? { cluster: def.cluster } : {}),
        ...(o.nodeShards ? { nodeShards: o.nodeShards } : {}),
        qps: o.qps,
        burst: o.burst,
        readyDelayMs: o.readyDelayMs,
        concurrency: o.concurrency,
      });
      const controllerMaxReconcile = {
        podCliqueSet: o.concurrency,
        podCliqueScalingGroup: o.concurrency,
        podClique: o.concurrency,
        podGang: o.concurrency,
      };
      const k8sClient =
        mode === "external" ? { qps: o.qps, burst: o.burst, rateLimitPer: "resource" as const } : null;
      let rec: Recorded;
      try {
        const r = await runScaleTest(def, env, o.knobs, { progress: log, k8sClient });
        rec = {
          ...r,
          controllerMaxReconcile,
          date: new Date().toISOString(),
          command,
          knobs: o.knobs,
          loadAverageAtStart,
          machine: host,
        };
        if (r.error) {
          failed++;
          log(`${def.name} [${label}]: FAILED: ${r.error}`);
        }
        log(
          `${def.name} [${label}]: done in ${r.testDurationSeconds.toFixed(1)} s; ${r.requests.writes} writes, ${r.requests.podsCreated} pods created (${r.writesPerPodCreated ?? "—"} writes/pod); needless: ${needless(r.requests)}`,
        );
        log(`${def.name} [${label}]: ${usageLine(r.processes ?? [])}`);
        for (const p of r.phases)
          if (p.cpuSeconds && Object.keys(p.cpuSeconds).length > 0)
            log(
              `${def.name} [${label}]: CPU in ${p.name}: ${Object.entries(p.cpuSeconds)
                .map(([n, s]) => `${n} ${s.toFixed(1)} s`)
                .join("; ")}`,
            );
      } catch (err) {
        failed++;
        const message = err instanceof Error ? err.message : String(err);
        log(`${def.name} [${label}]: FAILED: ${message}`);
        rec = {
          testName: def.name,
          mode,
          controlPlane: o.controlPlane,
          runID: "",
          namespace: "default",
          pcsCount: 1,
          nodes: def.nodes,
          ...(o.nodeShards ? { nodeShards: o.nodeShards } : {}),
          k8sClient,
          controllerMaxReconcile,
          phases: [],
          testDurationSeconds: 0,
          requests: env.requests.snapshot(),
          writesPerPodCreated: null,
          finalCheck: null,
          date: new Date().toISOString(),
          command,
          knobs: o.knobs,
          loadAverageAtStart,
          machine: host,
          error: message,
        };
      } finally {
        await env.close();
      }
      const i = results.findIndex(
        (r) =>
          r.testName === def.name &&
          r.mode === mode &&
          cpOf(r) === o.controlPlane &&
          r.nodeShards === o.nodeShards,
      );
      if (i >= 0) results[i] = rec;
      else results.push(rec);
      const file: ResultsFile = {
        description:
          "Grove's scale suite (grove-behaviour.md §19) against grove-sim on our API server (controlPlane grove, the default when absent) or the real control plane (controlPlane kube); seconds from phase start per milestone; requests are the operator's (controllers + gang scheduler) only. See bench/scale/README.md.",
        machine,
        upstream: UPSTREAM,
        results,
      };
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, `${JSON.stringify(file, null, 2)}\n`);
    }
  }
  const names = ALL_TESTS.map((t) => t.name).filter((n) => results.some((r) => r.testName === n));
  process.stdout.write(`\n${table(results, names)}\n\nupstream: ${UPSTREAM_SOURCE}\n`);
  process.stdout.write("\nneedless writes (whole test):\n");
  for (const r of results)
    process.stdout.write(
      `  ${r.testName} [${r.mode}${cpOf(r) === "kube" ? ", kube" : ""}]: ${needless(r.requests)}\n`,
    );
  process.stdout.write(`\nresults: ${o.out}\n`);
  // The HTML report (bench/src/report): beside the default results file, or FILE.report.html for --out FILE.
  const resultsDir = join(here, "..", "results");
  const report = writeReport({
    resultsDir,
    scaleFile: o.out,
    out:
      o.out === resolve(resultsDir, "scale.json")
        ? join(resultsDir, "report.html")
        : `${o.out.replace(/\.json$/, "")}.report.html`,
  });
  process.stdout.write(`report: ${report}\n`);
  if (failed > 0) process.exitCode = 1;
}

const UPSTREAM_SOURCE =
  "branch scale-test-history, run 2026-08-16, 100 KWOK nodes, concurrency 20/20/20, QPS 100/150 (grove-behaviour.md §19.3)";

main().catch((err) => {
  process.stderr.write(`bench:scale: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
