// Preemption parity (STYLE habit 7): on seeded random clusters filled with running gangs, the
// TypeScript preemption kernel and both WebAssembly builds choose the same victims and the same
// nominations; every nomination is valid beside the gangs left running (independent verifier).
import { createSnapshot, type Gang, type PlacementProblem, type PreemptionResult } from "@grove-ts/placement";
import { type RandomProblemOptions, randomProblem, rng, verifyPlacement } from "@grove-ts/testing";
import { describe, expect, it } from "vitest";
import { renamed, runningFromPlacement } from "./preempt-scenario.js";

interface Batch {
  name: string;
  seeds: number[];
  options: (seed: number) => RandomProblemOptions;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

const batches: Batch[] = [
  { name: "small, 1 to 4 levels", seeds: range(1, 150), options: (s) => ({ gangs: 6 + (s % 10) }) },
  { name: "no topology", seeds: range(1001, 20), options: () => ({ levels: 0, gangs: 12 }) },
  {
    name: "tight: many gangs on few nodes",
    seeds: range(2001, 30),
    options: (s) => ({ nodes: 1 + (s % 6), gangs: 12 }),
  },
  {
    name: "medium, 200 to 400 nodes",
    seeds: range(3001, 6),
    options: (s) => ({ nodes: 200 + ((s * 37) % 200), gangs: 60, maxPods: 12, levels: 1 + (s % 4) }),
  },
];

const engines = [
  { engine: "js", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "release" },
  { engine: "wasm", wasmBuild: "debug" },
] as const;

/** The placed gangs of the problem, running at a seeded priority; the unplaced ones preempt. */
function scenario(seed: number, options: RandomProblemOptions) {
  const problem = randomProblem(seed, options) as PlacementProblem;
  const { placed, running, unplaced: preemptors } = runningFromPlacement(problem, rng(seed * 31 + 7));
  // Copies of running gangs arrive too: they could fit, so they need victims in a full cluster.
  for (const r of running.slice(0, 2)) {
    const g = problem.gangs.find((x) => x.name === r.name) as Gang;
    preemptors.push(renamed(g, "again"));
  }
  return { problem, placed, running, preemptors };
}

describe.each(batches)("preemption parity: $name", (batch) => {
  it(`${batch.seeds.length} clusters: js = wasm release = wasm debug, nominations valid`, () => {
    let decisions = 0;
    let withVictims = 0;
    let none = 0;
    for (const seed of batch.seeds) {
      const { problem, placed, running, preemptors } = scenario(seed, batch.options(seed));
      const options = problem.options?.spread ? { spread: true } : {};
      const results = engines.map((e) => {
        const snap = createSnapshot(problem.topology, problem.nodes, e);
        for (const g of running) for (const p of g.pods) snap.bind(p.node, p.requests);
        const out = preemptors.slice(-4).map((g) => snap.preempt(g, running, options));
        snap.dispose();
        return out;
      });
      for (let i = 1; i < engines.length; i++)
        expect(results[i], `seed ${seed} on ${engines[i]?.engine} ${engines[i]?.wasmBuild}`).toEqual(
          results[0],
        );
      for (const r of results[0] as PreemptionResult[]) {
        decisions++;
        if (!r.placed) {
          none++;
          continue;
        }
        if (r.victims.length > 0) withVictims++;
        // The gangs left running keep their placement; the preemptor takes its nomination.
        const kept = problem.gangs.filter((g, i) => placed.gangs[i]?.placed && !r.victims.includes(g.name));
        const gang = preemptors.find((g) => g.name === r.name) as Gang;
        const check = {
          ...problem,
          gangs: [
            ...kept,
            { ...gang, groups: gang.groups.map((x) => ({ ...x, minCount: x.minCount ?? x.count })) },
          ],
        };
        const result = {
          gangs: [
            ...kept.map((g) => placed.gangs.find((x) => x.name === g.name)),
            { name: r.name, placed: true, groups: r.groups, reason: null },
          ],
        };
        expect(verifyPlacement(check as never, result as never), `seed ${seed} gang ${r.name}`).toEqual([]);
      }
    }
    // The random set must exercise both outcomes, or the comparison proves little.
    expect(decisions).toBeGreaterThan(0);
    if (batch.seeds.length >= 20) {
      expect(withVictims).toBeGreaterThan(0);
      expect(none).toBeGreaterThan(0);
    }
  });
});
