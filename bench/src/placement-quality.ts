// Quality against the optimum: the solver's placements (both engines) on small random problems,
// against an exact MILP (HiGHS) of the same problem. Run: npm run bench:quality -w @grove-ts/bench
// (BENCH_N instances per generator, default 50, BENCH_QUICK=1 25; two generators). Writes
// bench/results/placement-quality.json.
import { randomProblem } from "@grove-ts/testing";
import type { PlacementProblem, PlacementResult } from "./contract.js";
import { type Divergence, firstDivergence } from "./diagnose.js";
import { countPlaced, ENGINES, type Engine, loadSolver } from "./engines.js";
import { FewestCache, type GangLocality } from "./locality.js";
import { commandLine, QUICK, runInfo, writeResults } from "./machine.js";
import { indexProblem } from "./model.js";
import { solveOptimum, solvePrecedenceOptimum } from "./optimum.js";
import { podsAsked } from "./shapes.js";
import { smallProblem } from "./small.js";

const TARGET_POD_RATIO = 0.97;
type Placer = Engine | "milp" | "precedence";

interface InstanceRow {
  set: string;
  seed: number;
  nodes: number;
  levels: number;
  gangs: number;
  podsAsked: number;
  optimum: {
    pods: number;
    gangs: number;
    proven: boolean;
    podsBound: number;
    seconds: number;
    columns: number;
    rows: number;
  };
  /** The optimum with the contract's order kept (solvePrecedenceOptimum). */
  precedence: {
    pods: number;
    gangs: number;
    proven: boolean;
    podsBound: number;
    seconds: number;
    solves: number;
    undecided: number;
  };
  /** podRatio/gangRatio: against the unconstrained optimum; *VsPrecedence: against the precedence one. */
  engines: Record<
    Engine,
    {
      pods: number;
      gangs: number;
      podRatio: number;
      gangRatio: number;
      podRatioVsPrecedence: number;
      gangRatioVsPrecedence: number;
    }
  >;
  identical: boolean;
  /** Gangs the optimum placed and the wasm engine did not, with the engine's reason. */
  missed: { gang: string; reason: string | null }[];
  /** Where wasm first falls behind the precedence optimum (src/diagnose.ts). */
  divergence: Divergence;
}

interface LocalityStats {
  level: string;
  gangs: number;
  meanSpanned: number;
  meanFewest: number;
  /** mean over placed gangs of spanned / fewest (1 = every gang as tight as possible). */
  meanSpanOverFewest: number;
  /** share of placed gangs spanning the fewest possible domains. */
  atFewest: number;
  unproven: number;
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? (QUICK ? 25 : 50));
  const timeLimit = QUICK ? 10 : 20;
  const { solve, verifyPlacement } = await loadSolver();
  const instances: InstanceRow[] = [];
  const failures: string[] = [];
  const locality = new Map<string, GangLocality[]>();
  const started = performance.now();

  for (const { set, seed, problem } of instanceList(n)) {
    const ip = indexProblem(problem);
    const results = new Map<Placer, PlacementResult>();
    for (const engine of ENGINES) results.set(engine, solve(problem, { engine }));
    const optimum = await solveOptimum(problem, timeLimit);
    results.set("milp", optimum.result);
    const precedence = await solvePrecedenceOptimum(problem, timeLimit);
    results.set("precedence", precedence.result);
    for (const [who, result] of results) {
      const errors = verifyPlacement(problem, result);
      if (errors.length > 0)
        failures.push(`${set} ${seed} ${who}: ${errors.length} errors, first: ${errors[0]}`);
    }
    const engines = {} as InstanceRow["engines"];
    for (const engine of ENGINES) {
      const placed = countPlaced(results.get(engine)!);
      engines[engine] = {
        ...placed,
        podRatio: ratio(placed.pods, optimum.pods),
        gangRatio: ratio(placed.gangs, optimum.gangs),
        podRatioVsPrecedence: ratio(placed.pods, precedence.pods),
        gangRatioVsPrecedence: ratio(placed.gangs, precedence.gangs),
      };
    }
    instances.push({
      set,
      seed,
      nodes: problem.nodes.length,
      levels: ip.levelNames.length,
      gangs: problem.gangs.length,
      podsAsked: podsAsked(problem),
      optimum: {
        pods: optimum.pods,
        gangs: optimum.gangs,
        proven: optimum.optimal,
        podsBound: optimum.podsBound,
        seconds: round(optimum.seconds, 3),
        columns: optimum.columns,
        rows: optimum.rows,
      },
      precedence: {
        pods: precedence.pods,
        gangs: precedence.gangs,
        proven: precedence.optimal,
        podsBound: precedence.podsBound,
        seconds: round(precedence.seconds, 3),
        solves: precedence.solves,
        undecided: precedence.undecided,
      },
      engines,
      identical: JSON.stringify(results.get("wasm")!.gangs) === JSON.stringify(results.get("js")!.gangs),
      missed: results
        .get("wasm")!
        .gangs.filter((g, k) => !g.placed && optimum.result.gangs[k]?.placed)
        .map((g) => ({ gang: g.name, reason: g.reason })),
      divergence: await firstDivergence(problem, results.get("wasm")!, precedence.result, timeLimit),
    });

    const fewest = new FewestCache(ip);
    for (const [who, result] of results) {
      for (let level = 0; level < ip.levelNames.length; level++) {
        const key = `${who}|${level === ip.levelNames.length - 1 ? "narrowest" : ip.levelNames[level]}`;
        if (!locality.has(key)) locality.set(key, []);
        locality.get(key)!.push(...(await fewest.locality(result, level)));
      }
    }
  }

  const summary = summarise(instances);
  const bySet = Object.fromEntries(
    Object.keys(SETS).map((set) => [set, summarise(instances.filter((i) => i.set === set))]),
  );
  const optimumTotals = {
    pods: sum(instances.map((i) => i.optimum.pods)),
    gangs: sum(instances.map((i) => i.optimum.gangs)),
    podsBound: sum(instances.map((i) => i.optimum.podsBound)),
    proven: instances.filter((i) => i.optimum.proven).length,
    seconds: round(sum(instances.map((i) => i.optimum.seconds)), 1),
  };
  const precedenceTotals = {
    pods: sum(instances.map((i) => i.precedence.pods)),
    gangs: sum(instances.map((i) => i.precedence.gangs)),
    podsBound: sum(instances.map((i) => i.precedence.podsBound)),
    proven: instances.filter((i) => i.precedence.proven).length,
    solves: sum(instances.map((i) => i.precedence.solves)),
    seconds: round(sum(instances.map((i) => i.precedence.seconds)), 1),
  };
  const diagnosis = diagnose(instances);

  const localityStats: Record<string, LocalityStats[]> = {};
  for (const who of [...ENGINES, "milp", "precedence"] as Placer[]) {
    localityStats[who] = [...locality]
      .filter(([key]) => key.startsWith(`${who}|`))
      .sort(
        ([a], [b]) =>
          LEVEL_ORDER.indexOf(a.slice(who.length + 1)) - LEVEL_ORDER.indexOf(b.slice(who.length + 1)),
      )
      .map(([key, list]) => ({
        level: key.slice(who.length + 1),
        gangs: list.length,
        meanSpanned: round(mean(list.map((l) => l.spanned)), 3),
        meanFewest: round(mean(list.map((l) => l.fewest)), 3),
        meanSpanOverFewest: round(mean(list.map((l) => l.spanned / l.fewest)), 3),
        atFewest: round(list.filter((l) => l.spanned <= l.fewest).length / Math.max(1, list.length), 3),
        unproven: list.filter((l) => !l.proven).length,
      }));
  }

  const targets = ENGINES.flatMap((engine) => [
    {
      target: `${engine} places >= ${TARGET_POD_RATIO} of the precedence optimum's pods (contract order kept)`,
      measured: summary[engine].podRatioVsPrecedence,
      met: summary[engine].podRatioVsPrecedence >= TARGET_POD_RATIO,
    },
    {
      target: `${engine} places >= ${TARGET_POD_RATIO} of the unconstrained optimum's pods`,
      measured: summary[engine].podRatio,
      met: summary[engine].podRatio >= TARGET_POD_RATIO,
    },
  ]);

  console.table(
    [["all", summary] as const, ...Object.entries(bySet)].flatMap(([set, byEngine]) =>
      ENGINES.map((engine) => ({
        set,
        engine,
        "pods/prec": byEngine[engine].podRatioVsPrecedence,
        "gangs/prec": byEngine[engine].gangRatioVsPrecedence,
        "at prec": byEngine[engine].instancesAtPrecedencePods,
        "pods/unconstr": byEngine[engine].podRatio,
        "gangs/unconstr": byEngine[engine].gangRatio,
        "min pods/unconstr": byEngine[engine].minInstancePodRatio,
        "at unconstr": byEngine[engine].instancesAtOptimumPods,
      })),
    ),
  );
  console.table(
    Object.entries(localityStats).flatMap(([who, list]) =>
      list.map((l) => ({
        placer: who,
        level: l.level,
        gangs: l.gangs,
        "spanned/fewest": l.meanSpanOverFewest,
        "at fewest": l.atFewest,
      })),
    ),
  );
  console.table(targets);
  console.table(
    instances.map((i) => ({
      set: i.set,
      seed: i.seed,
      "unconstr pods/gangs": `${i.optimum.pods}/${i.optimum.gangs}`,
      "prec pods/gangs": `${i.precedence.pods}/${i.precedence.gangs}`,
      "wasm pods/gangs": `${i.engines.wasm.pods}/${i.engines.wasm.gangs}`,
      "pods/prec": i.engines.wasm.podRatioVsPrecedence,
      "pods/unconstr": i.engines.wasm.podRatio,
      divergence: i.divergence.kind,
    })),
  );
  console.table(diagnosis.patterns.map((p) => ({ ...p, seeds: p.seeds.slice(0, 8).join(" ") })));
  console.log(
    `precedence optimum: ${precedenceTotals.proven}/${instances.length} proven, ${precedenceTotals.pods} pods, ${precedenceTotals.gangs} gangs, ${precedenceTotals.solves} MILPs, ${precedenceTotals.seconds}s`,
  );
  console.log(
    `unconstrained optimum: ${optimumTotals.proven}/${instances.length} proven, ${optimumTotals.pods} pods, ${optimumTotals.gangs} gangs, MILP time ${optimumTotals.seconds}s; run ${round((performance.now() - started) / 1000, 1)}s`,
  );

  const out = {
    ...runInfo(commandLine(process.env.npm_lifecycle_event ?? "bench:quality")),
    quick: QUICK,
    generators: SETS,
    milpTimeLimitSeconds: timeLimit,
    instances: instances.length,
    optimum: optimumTotals,
    precedenceOptimum: precedenceTotals,
    engines: summary,
    enginesBySet: bySet,
    locality: localityStats,
    targets,
    diagnosis,
    failures,
    perInstance: instances,
  };
  writeResults("placement-quality.json", out);
  if (failures.length > 0) {
    console.error(`placements failed verification:\n  ${failures.slice(0, 20).join("\n  ")}`);
    process.exitCode = 1;
  }
}

/** Broadest first; "narrowest" is each problem's last level, whatever its name. */
const LEVEL_ORDER = ["zone", "block", "rack", "host", "narrowest"];

const SETS = {
  small: "smallProblem(seed, { maxNodes: 64, maxGangs: 20 }) from bench/src/small.ts, seeds 1..N",
  random:
    "randomProblem(seed, { nodes: 8 + (13 * seed) % 57, gangs: 4 + seed % 17 }) from @grove-ts/testing, seeds 1..N",
};

/** N problems from each generator, all within 64 nodes and 20 gangs. */
function* instanceList(n: number): Generator<{ set: string; seed: number; problem: PlacementProblem }> {
  for (let seed = 1; seed <= n; seed++) {
    yield { set: "small", seed, problem: smallProblem(seed, { maxNodes: 64, maxGangs: 20 }) };
    const random = randomProblem(seed, { nodes: 8 + ((13 * seed) % 57), gangs: 4 + (seed % 17) });
    yield { set: "random", seed, problem: random as unknown as PlacementProblem };
  }
}

interface EngineSummary {
  pods: number;
  gangs: number;
  /** placed pods / the optimum's placed pods, summed over the instances. */
  podRatio: number;
  gangRatio: number;
  /** placed pods / the proven upper bound (equals podRatio when every optimum is proven). */
  podRatioVsBound: number;
  meanInstancePodRatio: number;
  minInstancePodRatio: number;
  instancesAtOptimumPods: number;
  /** The same against the precedence optimum (contract order kept). */
  podRatioVsPrecedence: number;
  gangRatioVsPrecedence: number;
  meanInstancePodRatioVsPrecedence: number;
  minInstancePodRatioVsPrecedence: number;
  instancesAtPrecedencePods: number;
}

function summarise(instances: InstanceRow[]): Record<Engine, EngineSummary> {
  const optPods = sum(instances.map((i) => i.optimum.pods));
  const optGangs = sum(instances.map((i) => i.optimum.gangs));
  const out = {} as Record<Engine, EngineSummary>;
  for (const engine of ENGINES) {
    const pods = sum(instances.map((i) => i.engines[engine].pods));
    const gangs = sum(instances.map((i) => i.engines[engine].gangs));
    out[engine] = {
      pods,
      gangs,
      podRatio: ratio(pods, optPods),
      gangRatio: ratio(gangs, optGangs),
      podRatioVsBound: ratio(pods, sum(instances.map((i) => i.optimum.podsBound))),
      meanInstancePodRatio: round(mean(instances.map((i) => i.engines[engine].podRatio)), 4),
      minInstancePodRatio: Math.min(...instances.map((i) => i.engines[engine].podRatio)),
      instancesAtOptimumPods: instances.filter((i) => i.engines[engine].pods >= i.optimum.pods).length,
      podRatioVsPrecedence: ratio(pods, sum(instances.map((i) => i.precedence.pods))),
      gangRatioVsPrecedence: ratio(gangs, sum(instances.map((i) => i.precedence.gangs))),
      meanInstancePodRatioVsPrecedence: round(
        mean(instances.map((i) => i.engines[engine].podRatioVsPrecedence)),
        4,
      ),
      minInstancePodRatioVsPrecedence: Math.min(
        ...instances.map((i) => i.engines[engine].podRatioVsPrecedence),
      ),
      instancesAtPrecedencePods: instances.filter((i) => i.engines[engine].pods >= i.precedence.pods).length,
    };
  }
  return out;
}

/** wasm's first divergences from the precedence optimum, grouped by pattern, biggest pod loss first. */
function diagnose(instances: InstanceRow[]): {
  byKind: Record<string, { instances: number; podsLost: number; gangsLost: number }>;
  patterns: { pattern: string; instances: number; podsLost: number; gangsLost: number; seeds: string[] }[];
} {
  const byKind: Record<string, { instances: number; podsLost: number; gangsLost: number }> = {};
  const patterns = new Map<
    string,
    { pattern: string; instances: number; podsLost: number; gangsLost: number; seeds: string[] }
  >();
  for (const i of instances) {
    const d = i.divergence;
    byKind[d.kind] ??= { instances: 0, podsLost: 0, gangsLost: 0 };
    const k = byKind[d.kind]!;
    k.instances++;
    k.podsLost += d.podsLost;
    k.gangsLost += d.gangsLost;
    if (d.kind === "none") continue;
    let p = patterns.get(d.pattern);
    if (p === undefined) {
      p = { pattern: d.pattern, instances: 0, podsLost: 0, gangsLost: 0, seeds: [] };
      patterns.set(d.pattern, p);
    }
    p.instances++;
    p.podsLost += d.podsLost;
    p.gangsLost += d.gangsLost;
    p.seeds.push(`${i.set}:${i.seed}`);
  }
  return { byKind, patterns: [...patterns.values()].sort((a, b) => b.podsLost - a.podsLost) };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : round(a / b, 4);
}
function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}
function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

await main();
