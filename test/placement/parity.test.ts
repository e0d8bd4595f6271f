// Engine parity (STYLE habit 7): the TypeScript reference and both WebAssembly builds give identical
// PlacementResults on seeded random problems, and every result passes the independent verifier.
import {
  createSnapshot,
  type GangCode,
  type PlacementProblem,
  type PlacementResult,
  solve,
} from "@grove-ts/placement";
import { type RandomProblemOptions, randomProblem, verifyPlacement } from "@grove-ts/testing";
import { describe, expect, it } from "vitest";

interface Batch {
  name: string;
  seeds: number[];
  options: (seed: number) => RandomProblemOptions;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

// Mostly small problems (where the corner cases are), a few large ones (1 to 2,000 nodes overall).
const batches: Batch[] = [
  { name: "small, 1 to 4 levels", seeds: range(1, 440), options: () => ({}) },
  { name: "no topology", seeds: range(1001, 20), options: () => ({ levels: 0 }) },
  {
    name: "tight: many gangs on few nodes",
    seeds: range(2001, 30),
    options: (s) => ({ nodes: 1 + (s % 6), gangs: 10 }),
  },
  {
    name: "medium, 200 to 500 nodes",
    seeds: range(3001, 12),
    options: (s) => ({ nodes: 200 + ((s * 37) % 300), gangs: 40, maxPods: 12, levels: 1 + (s % 4) }),
  },
  {
    name: "node preferences",
    seeds: range(6001, 120),
    options: (s) => ({ preferences: true, ...(s % 4 === 0 ? { nodes: 100 + (s % 200), gangs: 20 } : {}) }),
  },
  {
    name: "domain caps",
    seeds: range(7001, 120),
    options: (s) => ({
      domainCaps: true,
      preferences: s % 3 === 0,
      ...(s % 4 === 0 ? { nodes: 100 + (s % 200), gangs: 20 } : {}),
    }),
  },
  {
    name: "large, 2,000 nodes",
    seeds: range(4001, 3),
    options: (s) => ({ nodes: 2000, gangs: 80, maxPods: 24, levels: 2 + (s % 3) }),
  },
];

const engines = [
  { engine: "wasm", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "debug" },
] as const;

const comparable = (r: PlacementResult) => ({
  gangs: r.gangs,
  attempts: r.stats?.attempts,
  podsPlaced: r.stats?.podsPlaced,
});

/**
 * A gang coded "Unresolvable" must not fit even alone on the same nodes with nothing allocated:
 * the code claims that no placement exists, so one the solver finds disproves it.
 */
function expectUnresolvableAlone(problem: PlacementProblem, result: PlacementResult, seed: number): void {
  for (const g of result.gangs) {
    if (g.code !== "Unresolvable") continue;
    const alone: PlacementProblem = {
      ...problem,
      nodes: problem.nodes.map(({ allocated: _, ...n }) => n),
      gangs: problem.gangs.filter((x) => x.name === g.name),
    };
    expect(solve(alone, { engine: "js" }).gangs[0]?.placed, `seed ${seed} gang ${g.name}`).toBe(false);
  }
}

const codes = new Map<GangCode | null | undefined, number>();

describe.each(batches)("parity: $name", (batch) => {
  it(`${batch.seeds.length} problems: js = wasm release = wasm debug, and valid`, () => {
    let placed = 0;
    let unplaced = 0;
    for (const seed of batch.seeds) {
      const problem = randomProblem(seed, batch.options(seed));
      const ref = solve(problem, { engine: "js" });
      const violations = verifyPlacement(problem, ref);
      expect(violations, `seed ${seed}`).toEqual([]);
      for (const e of engines)
        expect(comparable(solve(problem, e)), `seed ${seed} on ${e.engine} ${e.wasmBuild}`).toEqual(
          comparable(ref),
        );
      expectUnresolvableAlone(problem, ref, seed);
      for (const g of ref.gangs) {
        if (g.placed) placed++;
        else unplaced++;
        codes.set(g.code, (codes.get(g.code) ?? 0) + 1);
      }
    }
    // The random set must exercise both outcomes, or the comparison proves little.
    expect(placed).toBeGreaterThan(0);
    if (batch.seeds.length >= 20) expect(unplaced).toBeGreaterThan(0);
  });
});

it("a snapshot places like solve() on random problems, on both engines, reusing its cluster", () => {
  for (const engine of ["js", "wasm"] as const) {
    for (let seed = 5001; seed <= 5040; seed++) {
      const p = randomProblem(seed, { gangs: 6 });
      const snap = createSnapshot(p.topology, p.nodes, { engine });
      const options = p.options?.spread ? { spread: true } : {};
      // Twice: the second call runs on the same encoded cluster and must not see the first.
      for (let i = 0; i < 2; i++)
        expect(comparable(snap.place(p.gangs, options)), `seed ${seed} ${engine} call ${i}`).toEqual(
          comparable(solve(p, { engine })),
        );
      snap.dispose();
    }
  }
});

it("the random problems exercise every code but Error (which only a failing engine gives)", () => {
  expect([...codes.keys()].sort()).toEqual([null, "Unresolvable", "Unschedulable"].sort());
});

it("the suite covers at least 500 problems", () => {
  expect(batches.reduce((n, b) => n + b.seeds.length, 0)).toBeGreaterThanOrEqual(500);
});
