// Scheduler throughput on a busy cluster (issue 15 item 5): the real gang scheduler
// (@grove-ts/scheduler) on our in-process API server (@grove-ts/apiserver), on clusters of 1,000,
// 5,000 and 20,000 nodes of 8 GPUs (busy-cluster.ts: ~65% of the GPUs held by running gangs), with
// 1,000 PodGangs pending when it starts. Measured through the scheduler's own metrics hooks: each
// cycle's wall time, gangs attempted and placed, solver time; then gangs scheduled per second until
// the queue settles (the last binding landed, nothing left to try); then 20 gangs arriving one at a
// time on the settled cluster, the cost of a cycle that has one gang to look at. Both engines.
// Every run is checked: no node over its GPUs, the gangs that cannot fit unbound, rack/block
// required gangs inside one rack/block.
// Run: npm run bench:scheduler -w @grove-ts/bench   (SCHED_SIZES=1000,5000 SCHED_ENGINES=wasm to narrow;
// SCHED_IMPL=<path to a scheduler dist/index.js> to measure another build of the scheduler,
// SCHED_BASELINE=<path> to run that build right after each run of this one).
// Writes bench/results/scheduler.json.
import { pathToFileURL } from "node:url";
import { groveCrds, PodGangType } from "@grove-ts/api";
import { createApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  PodType,
} from "@grove-ts/runtime";
import type * as SchedulerModule from "@grove-ts/scheduler";
import type { Pod } from "kubernetes-types/core/v1.js";
import {
  ARRIVE,
  BLOCK,
  busyCluster,
  GPU,
  NS,
  type PendingShape,
  pendingGangs,
  RACK,
} from "./busy-cluster.js";
import { commandLine, QUICK, runInfo, writeResults } from "./machine.js";

type Engine = "wasm" | "js";
const VERBOSE = process.env.SCHED_VERBOSE === "1";

export interface CycleSample {
  ms: number;
  attempted: number;
  scheduled: number;
  pods: number;
}

export interface ThroughputRun {
  nodes: number;
  engine: Engine;
  /** Which scheduler build ran (SCHED_IMPL's path, or "workspace"). */
  impl: string;
  busyShare: number;
  runningPods: number;
  pendingGangs: number;
  pendingPods: number;
  /** Objects created before the scheduler starts. */
  setupMs: number;
  /** start(): informers listed and synced, every pending gang queued. */
  startMs: number;
  /** From start() resolved until the last binding landed (none for 3 s after it). */
  settleMs: number;
  cycles: CycleSample[];
  solverMs: number;
  scheduledGangs: number;
  boundPods: number;
  /** Gangs scheduled per second of settleMs (placed and every binding landed). */
  gangsPerSecond: number;
  /** 20 gangs created one at a time on the settled cluster: per arrival, its cycles and time to bound. */
  arrivals: { cycleMs: number[]; boundMs: number[] };
  /** Invariant failures (an empty list is a valid run). */
  failures: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] ?? 0);
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createAll(client: Client, type: typeof PodType, objs: KubeObject[]): Promise<void> {
  for (let i = 0; i < objs.length; i += 256)
    await Promise.all(objs.slice(i, i + 256).map((o) => client.create(type, o)));
}

async function loadScheduler(
  path: string | undefined,
): Promise<{ mod: typeof SchedulerModule; impl: string }> {
  if (!path) return { mod: await import("@grove-ts/scheduler"), impl: "workspace" };
  return { mod: (await import(pathToFileURL(path).href)) as typeof SchedulerModule, impl: path };
}

export async function runOnce(
  nodes: number,
  engine: Engine,
  implPath?: string,
  gangs = 1000,
): Promise<ThroughputRun> {
  const { mod, impl } = await loadScheduler(implPath);
  const api = createApiServer();
  const client = api.client;
  const t0 = performance.now();
  for (const crd of groveCrds())
    await client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  const cluster = busyCluster(nodes);
  const pending = pendingGangs(gangs);
  await createAll(client, NodeType, cluster.nodes);
  await createAll(client, PodType, cluster.running);
  await createAll(client, PodGangType, cluster.runningGangs);
  await createAll(client, PodGangType, pending.gangs);
  await createAll(client, PodType, pending.pods);
  const setupMs = performance.now() - t0;
  if (VERBOSE) console.log(`setup ${Math.round(setupMs)} ms`);

  const cycles: CycleSample[] = [];
  let solverMs = 0;
  let lastActivity = 0;
  const boundAt = new Map<string, number>();
  // The scheduler's client, with every landed binding timed.
  const watched: Client = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== "bind") return Reflect.get(target, prop, receiver);
      return async (ns: string, name: string, node: string, uid?: string) => {
        await target.bind(ns, name, node, uid);
        const now = performance.now();
        boundAt.set(name, now);
        lastActivity = now;
      };
    },
  });
  const scheduler = mod.createGangScheduler(watched, {
    engine,
    metrics: {
      scheduleAttempt: () => {},
      podGangSchedulingLatency: () => {},
      pendingPodGangs: () => {},
      solverDuration: (s) => {
        solverMs += s * 1000;
      },
      cycle: (c) => {
        cycles.push({ ms: c.seconds * 1000, attempted: c.attempted, scheduled: c.scheduled, pods: c.pods });
        if (VERBOSE) console.log(`cycle ${cycles.length}: ${JSON.stringify(cycles.at(-1))}`);
      },
    },
  });
  const s0 = performance.now();
  await scheduler.start();
  const s1 = performance.now();
  // Settled: a cycle ran and no binding landed for 3 s. Gangs that do not fit are retried with
  // backoff (1 s doubling to 30 s) for as long as they exist: those cycles go on, and count
  // until here.
  lastActivity = s1;
  while (cycles.length === 0 || performance.now() - lastActivity < 3000) await sleep(100);
  const settleMs = lastActivity - s1;
  const settledCycles = cycles.length;
  const scheduledGangs = cycles.reduce((n, c) => n + c.scheduled, 0);
  const boundPods = boundAt.size;

  // Arrivals: the gangs still pending are deleted (their backoff retries would share the
  // arrivals' cycles), then one small gang at a time arrives on the settled cluster.
  const bound = new Set(boundAt.keys());
  if (VERBOSE) console.log(`settled: ${bound.size} pods bound; deleting the rest`);
  for (const s of pending.shapes) {
    const names = Array.from({ length: s.pods }, (_, k) => `${s.name}-${k}`);
    if (names.every((n) => bound.has(n))) continue;
    await client.delete(PodGangType, s.name, NS);
    await Promise.all(names.map((n) => client.delete(PodType, n, NS)));
  }
  const arrivals: ThroughputRun["arrivals"] = { cycleMs: [], boundMs: [] };
  // Room for them: 30 running gangs, spread over the cluster, end (their pods deleted at once).
  const step = Math.max(1, Math.floor(cluster.runningGangs.length / 30));
  for (let i = 0; i < cluster.runningGangs.length; i += step) {
    const g = cluster.runningGangs[i];
    if (!g) continue;
    await client.delete(PodGangType, g.metadata.name ?? "", NS);
    for (const r of g.spec.podgroups.flatMap((x) => x.podReferences))
      await client.delete(PodType, r.name, NS, { gracePeriodSeconds: 0 });
  }
  const quiet = cycles.length;
  await sleep(1500);
  while (cycles.length !== quiet) {
    const n = cycles.length;
    await sleep(1500);
    if (cycles.length === n) break;
  }
  const more = pendingGangs(QUICK ? 5 : 20, 23, ARRIVE);
  for (const [i, g] of more.gangs.entries()) {
    const shape = more.shapes[i] as PendingShape;
    if (shape.cannotFit) continue;
    const names = new Set(g.spec.podgroups.flatMap((x) => x.podReferences.map((r) => r.name)));
    const before = cycles.length;
    if (VERBOSE) console.log(`arrival ${g.metadata.name}`);
    const a0 = performance.now();
    await client.create(PodGangType, g);
    await createAll(
      client,
      PodType,
      more.pods.filter((p) => names.has(p.metadata.name ?? "")),
    );
    const deadline = a0 + 20_000;
    while ([...names].some((n) => !boundAt.has(n)) && performance.now() < deadline) await sleep(5);
    arrivals.boundMs.push(Math.max(...[...names].map((n) => boundAt.get(n) ?? Number.NaN)) - a0);
    for (const c of cycles.slice(before)) arrivals.cycleMs.push(c.ms);
  }

  await scheduler.stop();
  const failures = await check(client, [...pending.shapes, ...more.shapes], bound);
  await api.close();
  return {
    nodes,
    engine,
    impl,
    busyShare: round(cluster.busyShare, 3),
    runningPods: cluster.running.length,
    pendingGangs: pending.gangs.length,
    pendingPods: pending.pods.length,
    setupMs: round(setupMs, 0),
    startMs: round(s1 - s0, 0),
    settleMs: round(settleMs, 0),
    cycles: cycles.slice(0, settledCycles).map((c) => ({ ...c, ms: round(c.ms, 2) })),
    solverMs: round(solverMs, 1),
    scheduledGangs,
    boundPods,
    gangsPerSecond: round((scheduledGangs * 1000) / settleMs, 1),
    arrivals: {
      cycleMs: arrivals.cycleMs.map((x) => round(x, 2)),
      boundMs: arrivals.boundMs.map((x) => round(x, 1)),
    },
    failures,
  };
}

/** The run's invariants, from the API server's pods: GPUs per node, unfit gangs unbound, packing. */
async function check(client: Client, shapes: PendingShape[], placed: ReadonlySet<string>): Promise<string[]> {
  const failures: string[] = [];
  const pods = (await client.list<Pod & KubeObject>(PodType, { namespace: NS })).items;
  const nodes = new Map(
    (await client.list<KubeObject & { metadata: { labels?: Record<string, string> } }>(NodeType)).items.map(
      (n) => [n.metadata.name ?? "", n.metadata.labels ?? {}],
    ),
  );
  const gpus = new Map<string, number>();
  const byGang = new Map<string, Pod[]>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node) continue;
    const g = Number(p.spec?.containers[0]?.resources?.requests?.[GPU] ?? 0);
    gpus.set(node, (gpus.get(node) ?? 0) + g);
    const gang = p.metadata?.labels?.["grove.io/podgang"] ?? "";
    byGang.set(gang, [...(byGang.get(gang) ?? []), p]);
  }
  for (const [node, n] of gpus) if (n > 8) failures.push(`node ${node}: ${n} GPUs bound (8 allocatable)`);
  for (const s of shapes) {
    const bound = byGang.get(s.name) ?? [];
    if (s.cannotFit && [...placed].some((n) => n.startsWith(`${s.name}-`)))
      failures.push(`gang ${s.name} (${s.cannotFit}) had pods bound`);
    if (s.cannotFit && bound.length > 0)
      failures.push(`gang ${s.name} (${s.cannotFit}) has ${bound.length} pods bound`);
    if (bound.length > 0 && bound.length < s.pods)
      failures.push(`gang ${s.name}: ${bound.length} of ${s.pods} pods bound (all-or-nothing)`);
    const key = s.required === "rack" ? RACK : s.required === "block" ? BLOCK : undefined;
    if (!key || bound.length === 0) continue;
    const domains = new Set(bound.map((p) => nodes.get(p.spec?.nodeName ?? "")?.[key]));
    if (domains.size > 1)
      failures.push(`gang ${s.name}: required ${key} but spans ${[...domains].join(", ")}`);
  }
  return failures;
}

/** One line per run, as the README's table has it. */
export function summary(r: ThroughputRun): string {
  const cyc = r.cycles.map((c) => c.ms);
  return [
    `${r.nodes} nodes ${r.engine}`,
    `setup ${(r.setupMs / 1000).toFixed(1)} s, start ${r.startMs} ms`,
    `${r.cycles.length} cycles (max ${round(Math.max(...cyc), 0)} ms, first ${round(cyc[0] ?? 0, 0)} ms, solver ${r.solverMs} ms)`,
    `${r.scheduledGangs} gangs / ${r.boundPods} pods bound in ${r.settleMs} ms = ${r.gangsPerSecond} gangs/s`,
    `arrival cycle median ${round(median(r.arrivals.cycleMs), 1)} ms, bound median ${round(median(r.arrivals.boundMs), 1)} ms`,
    r.failures.length ? `FAILURES ${r.failures.length}: ${r.failures.slice(0, 3).join("; ")}` : "checked",
  ].join(" | ");
}

async function main(): Promise<void> {
  const sizes = (process.env.SCHED_SIZES ?? (QUICK ? "1000" : "1000,5000,20000")).split(",").map(Number);
  const engines = (process.env.SCHED_ENGINES ?? "wasm,js").split(",") as Engine[];
  for (const e of engines)
    if (e !== "wasm" && e !== "js") throw new Error(`SCHED_ENGINES: unknown engine ${e}`);
  // SCHED_BASELINE: another build, run right after each run of this one (same session, same load).
  const impls = [process.env.SCHED_IMPL, process.env.SCHED_BASELINE].filter((x, i) => i === 0 || x);
  const runs: ThroughputRun[] = [];
  for (const n of sizes)
    for (const e of engines)
      for (const impl of impls) {
        const r = await runOnce(n, e, impl);
        console.log(`${r.impl === "workspace" ? "" : `[${r.impl}] `}${summary(r)}`);
        runs.push(r);
      }
  if (process.env.SCHED_NO_WRITE !== "1") {
    const env = ["SCHED_SIZES", "SCHED_ENGINES", "SCHED_IMPL", "SCHED_BASELINE"]
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`);
    writeResults("scheduler.json", {
      ...runInfo([...env, commandLine("bench:scheduler")].join(" ")),
      runs,
    });
  }
  if (runs.some((r) => r.failures.length > 0)) process.exitCode = 1;
}

// Run as a script (not when a test imports runOnce).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
