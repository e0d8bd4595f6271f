// Speed suites for the placement solver: both engines side by side, in one run, on the same
// problems. Run: npm run bench:speed -w @grove-ts/bench (BENCH_QUICK=1 for a short run,
// BENCH_TIME_MS to set the time budget per task). Writes bench/results/placement.json.
import type { PlacementProblem } from "./contract.js";
import { type Engine, loadSolver } from "./engines.js";
import { commandLine, QUICK, runInfo, writeResults } from "./machine.js";
import { blockGangs, groveMix, upstreamRackGangs } from "./shapes.js";
import { MODES, type Mode, type SpeedRow, timeCase } from "./speed-case.js";

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
  const solver = await loadSolver();
  const settings = { timeMs, rounds, minIterations, warmupIterations, warmupTimeMs };
  const rows: SpeedRow[] = [];
  const cases: { id: string; description: string; identical: boolean; wasmOverJs: Record<Mode, number> }[] =
    [];
  const failures: string[] = [];

  for (const c of CASES) {
    const r = await timeCase(c.id, c.build(), settings, solver);
    rows.push(...r.rows);
    failures.push(...r.failures);
    cases.push({ id: c.id, description: c.description, identical: r.identical, wasmOverJs: r.wasmOverJs });
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
  writeResults("placement.json", out);
  if (failures.length > 0) {
    console.error(`placement results failed verification:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

await main();
