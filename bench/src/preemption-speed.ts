// Preemption speed on the KEP-5732 shape (preemption-shape.ts): 100 high-priority rack-required
// gangs arrive one at a time on a cluster full of low-priority gangs; each decision is one
// snapshot.preempt(gang, running low-priority gangs), then the victims' pods are freed and the
// nomination bound. Both engines side by side, in one run, rounds alternating which goes first.
// Run: npm run bench:preemption -w @grove-ts/bench (also the last step of bench:speed).
// Writes bench/results/preemption.json.
import { fileURLToPath } from "node:url";
import { createSnapshot, type Gang, type PreemptionResult } from "@grove-ts/placement";
import { ENGINES, type Engine } from "./engines.js";
import { commandLine, QUICK, runInfo, writeResults } from "./machine.js";
import { type PreemptionShape, preemptionShape, type RunningPods } from "./preemption-shape.js";

export interface Run {
  totalMs: number;
  /** Milliseconds of each decision (preempt, then the victims freed and the nomination bound). */
  times: number[];
  /** CPU time of this process over the decisions (user + system): on a shared machine, the steadier figure. */
  cpuMs: number;
  /** Per decision: victims chosen (names) and the racks of the nomination. */
  decisions: { victims: string[]; placed: boolean; nodes: string[] }[];
  /** Pods evicted over the run. */
  podsEvicted: number;
}

/** One run of every arrival on a fresh snapshot of the shape; only the decisions are timed. */
export function runDecisions(shape: PreemptionShape, engine: Engine): Run {
  const snap = createSnapshot(shape.topology, shape.nodes, { engine });
  for (const g of shape.running) for (const p of g.pods) snap.bind(p.node, p.requests);
  snap.place([]); // encode the cluster outside the timing
  // The running gangs by name, as a scheduler's informer indexes them (made outside the timing).
  const byName = new Map(shape.running.map((g) => [g.name, g]));
  // The candidates: one array, the victims taken out of it in place after each decision.
  const candidates: RunningPods[] = shape.running.slice();
  const decisions: Run["decisions"] = [];
  let podsEvicted = 0;
  let totalMs = 0;
  let cpuMs = 0;
  const times: number[] = [];
  const at: number[] = [];
  for (const gang of shape.arriving) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r: PreemptionResult = snap.preempt(gang as Gang, candidates);
    if (r.placed) {
      // The victims come in the candidates' order: each is looked for from the last one on.
      at.length = 0;
      let from = 0;
      for (const name of r.victims) {
        const v = byName.get(name) as RunningPods;
        let i = candidates.indexOf(v, from);
        if (i < 0) i = candidates.indexOf(v);
        at.push(i);
        from = i + 1;
        freePods(snap, v);
        podsEvicted += v.pods.length;
      }
      at.sort((a, b) => b - a);
      for (const i of at) candidates.splice(i, 1);
      for (const g of r.groups) {
        const requests = gang.groups.find((x) => x.name === g.name)?.requests ?? {};
        for (const node of g.nodes) snap.bind(node, requests);
      }
    }
    const ms = performance.now() - t0;
    totalMs += ms;
    times.push(ms);
    const c1 = process.cpuUsage(c0);
    cpuMs += (c1.user + c1.system) / 1000;
    decisions.push({ victims: r.victims, placed: r.placed, nodes: r.groups.flatMap((g) => g.nodes) });
  }
  snap.dispose();
  return { totalMs, times, cpuMs, decisions, podsEvicted };
}

/** A victim's pods freed, the pods of a node asking alike at once (the snapshot's pod count). */
function freePods(snap: ReturnType<typeof createSnapshot>, v: RunningPods): void {
  let i = 0;
  while (i < v.pods.length) {
    const p = v.pods[i] as RunningPods["pods"][number];
    let j = i + 1;
    while (j < v.pods.length && v.pods[j]?.node === p.node && v.pods[j]?.requests === p.requests) j++;
    snap.free(p.node, p.requests, j - i);
    i = j;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] as number;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5)));
  const shape = preemptionShape(100, 1);
  const runs = new Map<Engine, Run[]>(ENGINES.map((e) => [e, []]));
  runDecisions(shape, "wasm"); // warm-up, both engines
  runDecisions(shape, "js");
  for (let k = 0; k < rounds; k++) {
    const order = k % 2 === 0 ? ENGINES : [...ENGINES].reverse();
    for (const e of order) runs.get(e)?.push(runDecisions(shape, e));
  }
  const first = (e: Engine) => (runs.get(e) as Run[])[0] as Run;
  const identical = JSON.stringify(first("wasm").decisions) === JSON.stringify(first("js").decisions);
  const rows = ENGINES.map((engine) => {
    const rs = runs.get(engine) as Run[];
    const n = shape.arriving.length;
    // Per round the mean; the figure is the median round (a shared machine's load comes and goes).
    const meanMs = median(rs.map((r) => r.totalMs / n));
    const all = rs.flatMap((r) => r.times).sort((a, b) => a - b);
    const run = first(engine);
    const racks = run.decisions.map((d) => new Set(d.nodes.map((x) => x.slice(0, x.lastIndexOf("-")))).size);
    return {
      engine,
      decisions: n,
      placed: run.decisions.filter((d) => d.placed).length,
      victims: run.decisions.reduce((a, d) => a + d.victims.length, 0),
      podsEvicted: run.podsEvicted,
      racksPerGang: Math.max(0, ...racks),
      meanMsPerDecision: round(meanMs, 3),
      p50Ms: round(all[(all.length - 1) >> 1] as number, 3),
      p99Ms: round(all[Math.min(all.length - 1, Math.floor(all.length * 0.99))] as number, 3),
      cpuMsPerDecision: round(median(rs.map((r) => r.cpuMs / n)), 3),
      decisionsPerSecond: Math.round(1000 / meanMs),
      // The median decision's rate: on a shared machine, the central figure (the mean carries the
      // first decision, which reads every candidate, and the other work's bursts).
      decisionsPerSecondAtP50: Math.round(1000 / (all[(all.length - 1) >> 1] as number)),
    };
  });
  const js = rows.find((r) => r.engine === "js");
  const wasm = rows.find((r) => r.engine === "wasm");
  const wasmOverJs = js && wasm ? round(js.meanMsPerDecision / wasm.meanMsPerDecision, 2) : 0;
  console.table(rows);
  const target = {
    target: "wasm >= 1,000 preemption decisions/s (mean; at the median decision in parentheses)",
    measured: `${wasm?.decisionsPerSecond ?? 0} (${wasm?.decisionsPerSecondAtP50 ?? 0})`,
    met: (wasm?.decisionsPerSecond ?? 0) >= 1000,
  };
  console.table([
    target,
    { target: "wasm and js choose the same victims", measured: identical, met: identical },
  ]);
  const out = {
    ...runInfo(commandLine(process.env.npm_lifecycle_event ?? "bench:preemption")),
    quick: QUICK,
    rounds,
    shape: {
      nodes: shape.nodes.length,
      racks: shape.nodes.length / 25,
      running: shape.running.length,
      runningPods: shape.running.reduce((a, g) => a + g.pods.length, 0),
      arriving: "100 gangs x 16 pods of 8 GPUs, priority 1000, required rack",
    },
    identical,
    wasmOverJs,
    results: rows,
    targets: [target],
  };
  writeResults("preemption.json", out);
  if (!identical) {
    console.error("the engines chose different victims or nominations");
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
