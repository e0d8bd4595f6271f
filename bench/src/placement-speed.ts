// Speed suites for the placement solver: both engines side by side, in one run, on the same
// problems. Run: npm run bench:speed -w @grove-ts/bench (BENCH_QUICK=1 for a short run,
// BENCH_TIME_MS to set the time budget per task). Writes bench/results/placement.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bench } from "tinybench";
import type { PlacementProblem, PlacementResult } from "./contract.js";
import { countPlaced, ENGINES, type Engine, loadSolver } from "./engines.js";
import { commandLine, QUICK, runInfo } from "./machine.js";
import { blockGangs, groveMix, podsAsked, upstreamRackGangs } from "./shapes.js";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

interface Case {
  id: string;
  description: string;
  build: () => PlacementProblem;
}

const CASES: Case[] = [
  {
    id: "a-750",
    description:
      "5,000 nodes (5 blocks x 10 racks x 100 hosts, 8 GPUs); 750 gangs x 4 one-GPU pods, required rack",
    build: () => upstreamRackGangs(750),
  },
  {
    id: "a-1500",
    description: "same cluster; 1,500 gangs x 4 one-GPU pods, required rack",
    build: () => upstreamRackGangs(1500),
  },
  {
    id: "a-2250",
    description: "same cluster; 2,250 gangs x 4 one-GPU pods, required rack",
    build: () => upstreamRackGangs(2250),
  },
  {
    id: "b-9x1000",
    description: "same cluster; 9 gangs x 1,000 one-GPU pods, required block",
    build: () => blockGangs(9, 1000),
  },
  {
    id: "c-grove-mix",
    description:
      "same cluster; Grove-like mix (leader+worker sub-groups required rack, host-sized groups required host, training gangs) asking for 90% of the GPUs, seed 1",
    build: () => groveMix(0.9, 1),
  },
];

/**
 * Two ways to time the same placement:
 *  - "solve": one solve(problem) call per sample, the whole JSON problem to the JSON result
 *    (checking and encoding 5,000 nodes included), as grove-place or a one-shot caller sees it;
 *  - "snapshot": the cluster encoded once into a snapshot (outside the timing), then one
 *    snapshot.place(gangs) per sample, as the scheduler sees it between cluster changes.
 */
export type Mode = "solve" | "snapshot";
const MODES: readonly Mode[] = ["solve", "snapshot"];

export interface SpeedRow {
  case: string;
  mode: Mode;
  engine: Engine;
  nodes: number;
  gangsAsked: number;
  podsAsked: number;
  gangsPlaced: number;
  podsPlaced: number;
  /** verifyPlacement found nothing wrong with this engine's result. */
  verified: boolean;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  rmePercent: number;
  samples: number;
  podsPerSecond: number;
  gangsPerSecond: number;
}

async function main(): Promise<void> {
  const timeMs = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 300 : 1500));
  // The time of each task is split into rounds, and wasm and js take turns going first: on a shared
  // machine whose speed drifts, a ratio of two runs taken seconds apart measures the drift as much
  // as the engines. Each round's js/wasm ratio pairs runs taken moments apart; the figure is the
  // median over rounds.
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5)));
  const minIterations = QUICK ? 3 : 10;
  const warmupIterations = QUICK ? 2 : 5;
  const warmupTimeMs = Math.min(QUICK ? 200 : 500, timeMs);
  const { solve, createSnapshot, verifyPlacement } = await loadSolver();
  const rows: SpeedRow[] = [];
  const cases: { id: string; description: string; identical: boolean; wasmOverJs: Record<Mode, number> }[] =
    [];
  const failures: string[] = [];

  for (const c of CASES) {
    const problem = c.build();
    const snapshots = new Map(
      ENGINES.map((engine) => [engine, createSnapshot(problem.topology, problem.nodes, { engine })]),
    );
    const run = (mode: Mode, engine: Engine): PlacementResult =>
      mode === "solve" ? solve(problem, { engine }) : snapshots.get(engine)!.place(problem.gangs);

    // One untimed call per mode and engine first: its answer is checked, then the timed runs repeat it.
    const results = new Map<string, PlacementResult>();
    for (const mode of MODES) {
      for (const engine of ENGINES) {
        const result = run(mode, engine);
        const errors = verifyPlacement(problem, result);
        if (errors.length > 0)
          failures.push(`${c.id} ${mode} ${engine}: ${errors.length} errors, first: ${errors[0]}`);
        results.set(`${mode} ${engine}`, result);
      }
    }
    const reference = JSON.stringify(results.get("solve wasm")!.gangs);
    const identical = [...results.values()].every((r) => JSON.stringify(r.gangs) === reference);
    if (!identical)
      failures.push(`${c.id}: the engines (or solve and snapshot) returned different placements`);

    // A full collection before each task's warmup and run: no task pays for garbage the one
    // before it left.
    const perRound: Map<string, Bench["tasks"][number]["result"]>[] = [];
    for (let k = 0; k < rounds; k++) {
      const bench = new Bench({
        name: `${c.id} round ${k + 1}`,
        time: timeMs / rounds,
        iterations: minIterations,
        warmupIterations,
        warmupTime: warmupTimeMs,
        throws: true,
      });
      const order = k % 2 === 0 ? ENGINES : [...ENGINES].reverse();
      for (const mode of MODES)
        for (const engine of order)
          bench.add(`${mode} ${engine}`, () => run(mode, engine), { beforeAll: collectGarbage });
      await bench.run();
      const got = new Map<string, Bench["tasks"][number]["result"]>();
      for (const task of bench.tasks) {
        if (task.result.state !== "completed")
          throw new Error(`${c.id} ${task.name}: task ${task.result.state}`);
        got.set(task.name, task.result);
      }
      perRound.push(got);
    }
    for (const snapshot of snapshots.values()) snapshot.dispose();

    const latency = (name: string) =>
      perRound.map((m) => {
        const r = m.get(name);
        if (r?.state !== "completed") throw new Error(`${c.id} ${name}: no result`);
        return r.latency;
      });
    const mean: Record<string, number> = {};
    for (const mode of MODES)
      for (const engine of ENGINES) {
        const name = `${mode} ${engine}`;
        const ls = latency(name);
        const placed = countPlaced(results.get(name)!);
        const meanMs = median(ls.map((l) => l.mean));
        const meanS = meanMs / 1000;
        mean[name] = meanMs;
        const mid = ls.find((l) => l.mean === meanMs) ?? ls[0]!;
        rows.push({
          case: c.id,
          mode,
          engine,
          nodes: problem.nodes.length,
          gangsAsked: problem.gangs.length,
          podsAsked: podsAsked(problem),
          gangsPlaced: placed.gangs,
          podsPlaced: placed.pods,
          verified: !failures.some((f) => f.startsWith(`${c.id} ${name}:`)),
          meanMs: round(meanMs, 3),
          p50Ms: round(median(ls.map((l) => l.p50)), 3),
          p99Ms: round(Math.max(...ls.map((l) => l.p99)), 3),
          rmePercent: round(mid.rme, 2),
          samples: ls.reduce((a, l) => a + l.samplesCount, 0),
          podsPerSecond: Math.round(placed.pods / meanS),
          gangsPerSecond: Math.round(placed.gangs / meanS),
        });
      }
    const ratio = (mode: Mode) => {
      const js = latency(`${mode} js`);
      const wasm = latency(`${mode} wasm`);
      return round(median(js.map((l, i) => l.mean / wasm[i]!.mean)), 2);
    };
    cases.push({
      id: c.id,
      description: c.description,
      identical,
      wasmOverJs: { solve: ratio("solve"), snapshot: ratio("snapshot") },
    });
  }

  const byId = (id: string) => cases.find((c) => c.id === id)!;
  const rowOf = (id: string, mode: Mode, engine: Engine) =>
    rows.find((r) => r.case === id && r.mode === mode && r.engine === engine)!;
  const targets = MODES.flatMap((mode) => [
    ...["a-750", "a-1500", "a-2250"].map((id) => ({
      target: `wasm >= 100,000 pods/s on ${id} (${mode})`,
      measured: rowOf(id, mode, "wasm").podsPerSecond,
      met: rowOf(id, mode, "wasm").podsPerSecond >= 100_000,
    })),
    ...["a-750", "a-1500", "a-2250", "b-9x1000"].map((id) => ({
      target: `wasm >= 2x js on ${id} (${mode})`,
      measured: byId(id).wasmOverJs[mode],
      met: byId(id).wasmOverJs[mode] >= 2,
    })),
  ]);

  console.table(
    rows.map((r) => ({
      case: r.case,
      mode: r.mode,
      engine: r.engine,
      "pods placed": `${r.podsPlaced}/${r.podsAsked}`,
      "gangs placed": `${r.gangsPlaced}/${r.gangsAsked}`,
      "mean ms": r.meanMs,
      "p99 ms": r.p99Ms,
      "±%": r.rmePercent,
      samples: r.samples,
      "pods/s": r.podsPerSecond,
      "gangs/s": r.gangsPerSecond,
      "wasm/js": r.engine === "wasm" ? byId(r.case).wasmOverJs[r.mode] : "",
      verified: r.verified,
    })),
  );
  console.table(targets);

  const out = {
    ...runInfo(commandLine(process.env.npm_lifecycle_event ?? "bench:speed")),
    quick: QUICK,
    timePerTaskMs: timeMs,
    rounds,
    minIterations,
    warmupIterations,
    warmupTimeMs,
    cases,
    results: rows,
    targets,
    failures,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "results", "placement.json");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file}`);
  if (failures.length > 0) {
    console.error(`placement results failed verification:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

await main();

/** The middle value (the lower middle for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] as number;
}
