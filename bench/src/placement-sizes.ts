// Solver throughput against cluster size: upstream's rack-gang shape (gangs of 4 one-GPU pods,
// each required in one rack) at the density of bench:speed's a-750 (0.15 gangs per node, 7.5% of
// the GPUs asked) on 1,000 to 20,000 nodes, both engines in both modes, timed as bench:speed times
// its cases (speed-case.ts). Run: npm run bench:sizes -w @grove-ts/bench (BENCH_QUICK=1 for a
// short run, BENCH_TIME_MS per task). Writes bench/results/placement-sizes.json.
import { loadSolver } from "./engines.js";
import { commandLine, QUICK, runInfo, writeResults } from "./machine.js";
import { UPSTREAM_CLUSTER, upstreamRackGangs } from "./shapes.js";
import { type Mode, type SpeedRow, timeCase } from "./speed-case.js";

/** Blocks of 10 racks x 100 hosts (upstream's block), so only the number of blocks changes. */
const BLOCKS = [1, 2, 5, 10, 20];
const GANGS_PER_NODE = 0.15;

async function main(): Promise<void> {
  const timeMs = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 300 : 1500));
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5)));
  const settings = {
    timeMs,
    rounds,
    minIterations: QUICK ? 3 : 10,
    warmupIterations: QUICK ? 2 : 5,
    warmupTimeMs: Math.min(QUICK ? 200 : 500, timeMs),
  };
  const solver = await loadSolver();
  const rows: SpeedRow[] = [];
  const failures: string[] = [];
  const sizes: {
    id: string;
    nodes: number;
    gangs: number;
    identical: boolean;
    wasmOverJs: Record<Mode, number>;
  }[] = [];
  for (const blocks of BLOCKS) {
    const shape = { ...UPSTREAM_CLUSTER, blocks };
    const nodes = blocks * shape.racksPerBlock * shape.hostsPerRack;
    const gangs = Math.round(nodes * GANGS_PER_NODE);
    const id = `n-${nodes}`;
    const r = await timeCase(id, upstreamRackGangs(gangs, shape), settings, solver);
    rows.push(...r.rows);
    failures.push(...r.failures);
    sizes.push({ id, nodes, gangs, identical: r.identical, wasmOverJs: r.wasmOverJs });
    console.log(
      `${id}: ${gangs} gangs; wasm/js solve ${r.wasmOverJs.solve}, snapshot ${r.wasmOverJs.snapshot}; ${r.rows.map((x) => `${x.mode} ${x.engine} ${x.podsPerSecond} pods/s`).join(", ")}`,
    );
  }
  const out = {
    ...runInfo(commandLine(process.env.npm_lifecycle_event ?? "bench:sizes")),
    quick: QUICK,
    timePerTaskMs: timeMs,
    rounds,
    minIterations: settings.minIterations,
    warmupIterations: settings.warmupIterations,
    warmupTimeMs: settings.warmupTimeMs,
    shape: `blocks of 10 racks x 100 hosts (8 GPUs each), ${GANGS_PER_NODE} gangs of 4 one-GPU pods per node, required rack`,
    sizes,
    results: rows,
    failures,
  };
  writeResults("placement-sizes.json", out);
  if (failures.length > 0) {
    console.error(`placement results failed verification:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

await main();
