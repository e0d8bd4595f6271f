// The repair steps: a gang that fits only if earlier gangs move (rip-up), and a gang whose minimum
// sits where its other pods cannot follow (re-placed for more pods). Each case is small enough to
// work out by hand; every engine must give the stated placement.
import { describe, expect, it } from "vitest";
import { type PlacementProblem, type PlacementResult, solve } from "../src/index.js";
import { ENGINES, gang, group, groupNodes, node, podsOf, problem } from "./helpers.js";

/** One host per rack, in one block: rack r{i} has gpus[i] GPUs. */
function racks(...gpus: number[]) {
  return gpus.map((g, i) => node(`h${i}`, { block: "b0", rack: `r${i}` }, { "nvidia.com/gpu": String(g) }));
}

const placed = (r: PlacementResult, name: string) => r.gangs.find((g) => g.name === name)?.placed;
const reason = (r: PlacementResult, name: string) => r.gangs.find((g) => g.name === name)?.reason;
const rackOfHost = (h: string) => `r${h.slice(1)}`;

interface Case {
  name: string;
  problem: PlacementProblem;
  check: (r: PlacementResult) => void;
}

const cases: Case[] = [
  {
    // a's minimum (2 pods) first goes to r0, the only rack that can take all 6 of its pods, which
    // leaves no rack for b's 8. Moving a to r1 fits both; a then gets the 2 pods r1 has left.
    name: "an earlier gang moves so that a later one fits",
    problem: problem(racks(8, 4), [
      gang("a", [group("a-w", 6, { minCount: 2 })], { constraint: { required: "rack" } }),
      gang("b", [group("b-w", 8)], { constraint: { required: "rack" } }),
    ]),
    check: (r) => {
      expect(placed(r, "a")).toBe(true);
      expect(placed(r, "b")).toBe(true);
      expect(podsOf(r, "b").map(rackOfHost)).toEqual(Array(8).fill("r0"));
      expect(podsOf(r, "a").map(rackOfHost)).toEqual(Array(4).fill("r1"));
    },
  },
  {
    // Moving a cannot help (only r0 holds 8): a keeps its place and b reports the real shortfall,
    // not the state of a failed attempt.
    name: "an earlier gang is never dropped for a later one",
    problem: problem(racks(8, 4), [
      gang("a", [group("a-w", 8)], { constraint: { required: "rack" } }),
      gang("b", [group("b-w", 8)], { constraint: { required: "rack" } }),
    ]),
    check: (r) => {
      expect(podsOf(r, "a").map(rackOfHost)).toEqual(Array(8).fill("r0"));
      expect(placed(r, "b")).toBe(false);
      expect(reason(r, "b")).toBe("required rack: the best rack fits 4 of 8 pods of the gang's minimum");
    },
  },
  {
    // Higher priority goes first and is never moved out of the cluster by the repair.
    name: "priority order is kept: the lower-priority gang waits",
    problem: problem(racks(8), [
      gang("low", [group("low-w", 8)], { constraint: { required: "rack" } }),
      gang("high", [group("high-w", 4)], { constraint: { required: "rack" }, priority: 5 }),
    ]),
    check: (r) => {
      expect(placed(r, "high")).toBe(true);
      expect(placed(r, "low")).toBe(false);
    },
  },
  {
    // a (1 of 4) goes to r0, where all 4 fit; b's 4 then leave r0 1 GPU, so a's surplus gets 1.
    // Placed again for more pods, a fits 3 in r1: 3 instead of 2.
    name: "a gang moves for its surplus when its domain filled up",
    problem: problem(racks(6, 3), [
      gang("a", [group("a-w", 4, { minCount: 1 })], { constraint: { required: "rack" } }),
      gang("b", [group("b-w", 4)], { constraint: { required: "rack" } }),
    ]),
    check: (r) => {
      expect(podsOf(r, "b").map(rackOfHost)).toEqual(Array(4).fill("r0"));
      expect(podsOf(r, "a").map(rackOfHost)).toEqual(Array(3).fill("r1"));
    },
  },
  {
    // a (1 of 6) goes to r0, the only rack for all 6; b's 5 tie between r0 and r1 and take r0 (by
    // name), leaving a no surplus. Alone, a fits 5 in r1; moving b to r1 gives a all 6 in r0.
    name: "a later gang's minimum moves so that an earlier gang's surplus fits",
    problem: problem(racks(6, 5), [
      gang("a", [group("a-w", 6, { minCount: 1 })], { constraint: { required: "rack" } }),
      gang("b", [group("b-w", 5)], { constraint: { required: "rack" } }),
    ]),
    check: (r) => {
      expect(podsOf(r, "a").map(rackOfHost)).toEqual(Array(6).fill("r0"));
      expect(podsOf(r, "b").map(rackOfHost)).toEqual(Array(5).fill("r1"));
    },
  },
  {
    // No rack holds all 5 pods; the minimum (x) alone fits r0 best. The group with minCount 0
    // would get nothing there; the gang moves to r1, where x and 3 of y fit.
    name: "a group with minCount 0 gets pods where the gang can move",
    problem: problem(racks(1, 4), [
      gang("g", [group("x", 1), group("y", 4, { minCount: 0 })], { constraint: { required: "rack" } }),
    ]),
    check: (r) => {
      expect(groupNodes(r, "g", "x").map(rackOfHost)).toEqual(["r1"]);
      expect(groupNodes(r, "g", "y").map(rackOfHost)).toEqual(["r1", "r1", "r1"]);
    },
  },
];

describe.each(ENGINES)("repairs on $engine ($wasmBuild)", (opts) => {
  it.each(cases)("$name", (c) => c.check(solve(c.problem, opts)));
});

describe("repairs stay bounded", () => {
  it("a cluster with far more gangs than room places the same gangs on both engines", () => {
    // 40 racks of 8 GPUs and 400 gangs of 8 one-GPU pods: 40 fit, 360 fail and each could try
    // a rip-up; the work bound keeps this a single pass, and the engines agree.
    const nodes = Array.from({ length: 40 }, (_, i) =>
      node(`h${i}`, { block: `b${i % 4}`, rack: `r${i}` }, { "nvidia.com/gpu": "8" }),
    );
    const gangs = Array.from({ length: 400 }, (_, i) =>
      gang(`g${i}`, [group(`g${i}-w`, 8)], { constraint: { required: "rack" } }),
    );
    const p = problem(nodes, gangs);
    const js = solve(p, { engine: "js" });
    const wasm = solve(p, { engine: "wasm" });
    expect(js.gangs).toEqual(wasm.gangs);
    expect(js.gangs.filter((g) => g.placed).map((g) => g.name)).toEqual(
      Array.from({ length: 40 }, (_, i) => `g${i}`),
    );
  });
});
