// One speed case timed the way bench:speed times every case (placement-speed.ts, bench/README.md
// "Speed"): each mode and engine solves once and is checked, then each task's time is split into
// rounds with the engines taking turns going first and a full collection before each task; the
// wasm/js ratio is the median of per-round ratios. Shared by bench:speed and bench:sizes.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bench } from "tinybench";
import type { PlacementProblem, PlacementResult } from "./contract.js";
import {
  type CreateSnapshotFn,
  countPlaced,
  ENGINES,
  type Engine,
  type SolveFn,
  type VerifyFn,
} from "./engines.js";
import { podsAsked } from "./shapes.js";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/**
 * Two ways to time the same placement:
 *  - "solve": one solve(problem) call per sample, the whole JSON problem to the JSON result
 *    (checking and encoding 5,000 nodes included), as grove-place or a one-shot caller sees it;
 *  - "snapshot": the cluster encoded once into a snapshot (outside the timing), then one
 *    snapshot.place(gangs) per sample, as the scheduler sees it between cluster changes.
 */
export type Mode = "solve" | "snapshot";
export const MODES: readonly Mode[] = ["solve", "snapshot"];

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

export interface TimingSettings {
  timeMs: number;
  rounds: number;
  minIterations: number;
  warmupIterations: number;
  warmupTimeMs: number;
}

export interface CaseTiming {
  rows: SpeedRow[];
  /** verifyPlacement errors and disagreements, one line each. */
  failures: string[];
  /** Both engines in both modes returned the same gangs. */
  identical: boolean;
  wasmOverJs: Record<Mode, number>;
}

export async function timeCase(
  id: string,
  problem: PlacementProblem,
  t: TimingSettings,
  solver: { solve: SolveFn; createSnapshot: CreateSnapshotFn; verifyPlacement: VerifyFn },
): Promise<CaseTiming> {
  const { timeMs, rounds, minIterations, warmupIterations, warmupTimeMs } = t;
  const { solve, createSnapshot, verifyPlacement } = solver;
  const rows: SpeedRow[] = [];
  const failures: string[] = [];
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
        failures.push(`${id} ${mode} ${engine}: ${errors.length} errors, first: ${errors[0]}`);
      results.set(`${mode} ${engine}`, result);
    }
  }
  const reference = JSON.stringify(results.get("solve wasm")!.gangs);
  const identical = [...results.values()].every((r) => JSON.stringify(r.gangs) === reference);
  if (!identical) failures.push(`${id}: the engines (or solve and snapshot) returned different placements`);

  // A full collection before each task's warmup and run: no task pays for garbage the one
  // before it left.
  const perRound: Map<string, Bench["tasks"][number]["result"]>[] = [];
  for (let k = 0; k < rounds; k++) {
    const bench = new Bench({
      name: `${id} round ${k + 1}`,
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
      if (task.result.state !== "completed") throw new Error(`${id} ${task.name}: task ${task.result.state}`);
      got.set(task.name, task.result);
    }
    perRound.push(got);
  }
  for (const snapshot of snapshots.values()) snapshot.dispose();

  const latency = (name: string) =>
    perRound.map((m) => {
      const r = m.get(name);
      if (r?.state !== "completed") throw new Error(`${id} ${name}: no result`);
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
        case: id,
        mode,
        engine,
        nodes: problem.nodes.length,
        gangsAsked: problem.gangs.length,
        podsAsked: podsAsked(problem),
        gangsPlaced: placed.gangs,
        podsPlaced: placed.pods,
        verified: !failures.some((f) => f.startsWith(`${id} ${name}:`)),
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
  return { rows, failures, identical, wasmOverJs: { solve: ratio("solve"), snapshot: ratio("snapshot") } };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The middle value (the lower middle for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] as number;
}
