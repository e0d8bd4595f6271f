// Reasons of unplaced gangs count shared capacity once and name only constraints that exist
// (issue 16, item 6), worded the same on every engine.
import { describe, expect, it } from "vitest";
import { type PlacementNode, type PlacementProblem, solve } from "../src/index.js";
import { ENGINES, gang, group, node, problem } from "./helpers.js";

/** `racks` racks of `hosts` 8-GPU nodes each, one block. */
function racks(n: number, hosts: number): PlacementNode[] {
  const out: PlacementNode[] = [];
  for (let r = 0; r < n; r++)
    for (let h = 0; h < hosts; h++) out.push(node(`r${r}-h${h}`, { block: "b0", rack: `r${r}` }));
  return out;
}

/** A leader and `workers` workers, one 8-GPU pod each, all in one rack. */
function leaderWorkers(
  workers: number,
  extra: Parameters<typeof gang>[2] = { constraint: { required: "rack" } },
) {
  const gpu8 = { requests: { "nvidia.com/gpu": 8 } };
  return gang("lw", [group("leader", 1, gpu8), group("worker", workers, gpu8)], extra);
}

interface Case {
  name: string;
  problem: PlacementProblem;
  reason: string;
}

const cases: Case[] = [
  {
    name: "one free 8-GPU node per rack holds one of the three 8-GPU pods, not two",
    problem: problem(racks(3, 1), [leaderWorkers(2)]),
    reason: "required rack: the best rack fits 1 of 3 pods of the gang's minimum",
  },
  {
    name: "two free nodes per rack hold two of three pods: a shortfall, not failed nested constraints",
    problem: problem(racks(2, 2), [leaderWorkers(2)]),
    reason: "required rack: the best rack fits 2 of 3 pods of the gang's minimum",
  },
  {
    name: "capacity taken by a gang placed in the same call is not counted",
    problem: problem(racks(2, 3), [
      ...["a", "b"].map((name) =>
        gang(name, [group(`${name}x`, 2, { requests: { "nvidia.com/gpu": 8 } })], {
          constraint: { required: "rack" },
          priority: 10,
        }),
      ),
      leaderWorkers(2),
    ]),
    reason: "required rack: the best rack fits 1 of 3 pods of the gang's minimum",
  },
];

describe("reasons of unplaced gangs", () => {
  for (const e of ENGINES)
    for (const c of cases)
      it(`${c.name} (${e.engine} ${e.wasmBuild})`, async () => {
        const r = await solve(c.problem, { engine: e.engine, wasmBuild: e.wasmBuild });
        const g = r.gangs.find((x) => x.name === "lw");
        expect(g?.placed).toBe(false);
        expect(g?.reason).toBe(c.reason);
      });
});
