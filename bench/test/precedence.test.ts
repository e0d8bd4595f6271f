import { verifyPlacement } from "@grove-ts/testing";
import { describe, expect, it } from "vitest";
import type { PlacementNode, PlacementProblem, PlacementResult } from "../src/contract.js";
import {
  contractOrder,
  extendedPods,
  fitsInFootprint,
  solveOptimum,
  solvePrecedenceOptimum,
} from "../src/optimum.js";

const LEVELS = [
  { domain: "rack", key: "rack" },
  { domain: "host", key: "host" },
];
const gpu = { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" };

function node(name: string, gpus: number): PlacementNode {
  return {
    name,
    labels: { rack: "r0", host: name },
    allocatable: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": String(gpus) },
  };
}

const placedNames = (r: { gangs: { name: string; placed: boolean }[] }) =>
  r.gangs.filter((g) => g.placed).map((g) => g.name);

// Each case worked out by hand: the unconstrained optimum (most pods, any gangs) and the
// precedence optimum (contract order kept: priority first, then input order).
const CASES: {
  name: string;
  problem: PlacementProblem;
  order: string[];
  unconstrained: { pods: number; gangs: number; placed: string[] };
  precedence: { pods: number; gangs: number; placed: string[] };
}[] = [
  {
    // 4 GPUs. Contract order C (priority 1), A, B: C and A fit, then B (4) cannot. The
    // unconstrained optimum drops the earlier A and C for B's 4 pods.
    name: "the unconstrained optimum drops earlier gangs, the precedence optimum keeps them",
    problem: {
      topology: { levels: LEVELS },
      nodes: [node("n0", 4)],
      gangs: [
        { name: "A", groups: [{ name: "A-0", count: 1, requests: gpu }] },
        { name: "B", groups: [{ name: "B-0", count: 4, requests: gpu }] },
        { name: "C", priority: 1, groups: [{ name: "C-0", count: 1, requests: gpu }] },
      ],
    },
    order: ["C", "A", "B"],
    unconstrained: { pods: 4, gangs: 1, placed: ["B"] },
    precedence: { pods: 2, gangs: 2, placed: ["A", "C"] },
  },
  {
    // Two hosts of 2 GPUs. A (2, no constraint) must not split 1+1, or B (2 on one host) cannot
    // follow: the precedence optimum places both, as the unconstrained one does. Then C's surplus
    // (minCount 1 of 3) is the last term: nothing is left, so C is not placed at all.
    name: "a later gang placed by rearranging an earlier one",
    problem: {
      topology: { levels: LEVELS },
      nodes: [node("h0", 2), node("h1", 2)],
      gangs: [
        { name: "A", groups: [{ name: "A-0", count: 2, requests: gpu }] },
        { name: "B", constraint: { required: "host" }, groups: [{ name: "B-0", count: 2, requests: gpu }] },
        { name: "C", groups: [{ name: "C-0", count: 3, minCount: 1, requests: gpu }] },
      ],
    },
    order: ["A", "B", "C"],
    unconstrained: { pods: 4, gangs: 2, placed: ["A", "B"] },
    precedence: { pods: 4, gangs: 2, placed: ["A", "B"] },
  },
  {
    // One host of 4 GPUs: A (minCount 1, count 3) then B (2). Precedence places A's minimum and B,
    // then maximises pods: A's surplus takes the one GPU left (A 2, B 2). The unconstrained optimum
    // has the same 4 pods with both gangs.
    name: "surplus is the last term",
    problem: {
      topology: { levels: LEVELS },
      nodes: [node("h0", 4)],
      gangs: [
        { name: "A", groups: [{ name: "A-0", count: 3, minCount: 1, requests: gpu }] },
        { name: "B", groups: [{ name: "B-0", count: 2, requests: gpu }] },
      ],
    },
    order: ["A", "B"],
    unconstrained: { pods: 4, gangs: 2, placed: ["A", "B"] },
    precedence: { pods: 4, gangs: 2, placed: ["A", "B"] },
  },
];

describe("solvePrecedenceOptimum", () => {
  it.each(CASES)("$name", async ({ problem, order, unconstrained, precedence }) => {
    expect(contractOrder(problem).map((i) => problem.gangs[i]!.name)).toEqual(order);

    const free = await solveOptimum(problem);
    expect(free.optimal).toBe(true);
    expect({ pods: free.pods, gangs: free.gangs, placed: placedNames(free.result) }).toEqual(unconstrained);
    expect(verifyPlacement(problem as never, free.result as never)).toEqual([]);

    const kept = await solvePrecedenceOptimum(problem);
    expect(kept.optimal).toBe(true);
    expect(kept.undecided).toBe(0);
    expect({ pods: kept.pods, gangs: kept.gangs, placed: placedNames(kept.result) }).toEqual(precedence);
    expect(verifyPlacement(problem as never, kept.result as never)).toEqual([]);
  });

  it("keeps B's two pods on one host and A's on the other", async () => {
    const kept = await solvePrecedenceOptimum(CASES[1]!.problem);
    const nodes = kept.result.gangs.map((g) => new Set(g.groups.flatMap((gr) => gr.nodes)));
    expect(nodes[0]!.size).toBe(1);
    expect(nodes[1]!.size).toBe(1);
    expect([...nodes[0]!][0]).not.toBe([...nodes[1]!][0]);
  });
});

// A solver-like result: gang name -> pods per group (node names), unlisted gangs not placed.
function result(problem: PlacementProblem, placed: Record<string, string[][]>): PlacementResult {
  return {
    gangs: problem.gangs.map((g) => {
      const groups = placed[g.name];
      return {
        name: g.name,
        placed: groups !== undefined,
        reason: groups === undefined ? "not placed" : null,
        groups: (groups ?? []).map((nodes, k) => ({ name: g.groups[k]!.name, nodes })),
      };
    }),
  };
}

describe("footprint diagnostics", () => {
  const twoHosts = (minA: number): PlacementProblem => ({
    topology: { levels: LEVELS },
    nodes: [node("h0", 2), node("h1", 2)],
    gangs: [
      { name: "A", groups: [{ name: "A-0", count: 2, minCount: minA, requests: gpu }] },
      { name: "B", constraint: { required: "host" }, groups: [{ name: "B-0", count: 2, requests: gpu }] },
    ],
  });

  it.each([
    // A spread 1+1 with minCount 2: B fits only if A's pods move.
    { minA: 2, fits: false },
    // A's minimum is 1: dropping A's surplus pod frees a whole host for B, no pod moving.
    { minA: 1, fits: true },
  ])(
    "B after A spread over both hosts (A minCount $minA) fits in A's footprint: $fits",
    async ({ minA, fits }) => {
      const problem = twoHosts(minA);
      const spread = result(problem, { A: [["h0", "h1"]] });
      expect(await fitsInFootprint(problem, spread, [0], 1)).toBe(fits);
    },
  );

  it("extendedPods adds surplus where the placed pods left room, moving none", async () => {
    const problem: PlacementProblem = {
      topology: { levels: LEVELS },
      nodes: [node("h0", 4), node("h1", 1)],
      gangs: [
        {
          name: "A",
          constraint: { required: "host" },
          groups: [{ name: "A-0", count: 3, minCount: 1, requests: gpu }],
        },
        { name: "B", groups: [{ name: "B-0", count: 2, requests: gpu }] },
      ],
    };
    // A on h1 (a host of 1 GPU) cannot grow; B fills 2 of h0's 4: 3 pods, and nothing can be added
    // without moving A. With A on h0 instead, A grows to 2 beside B's 2: 4 pods.
    expect(await extendedPods(problem, result(problem, { A: [["h1"]], B: [["h0", "h0"]] }))).toBe(3);
    expect(await extendedPods(problem, result(problem, { A: [["h0"]], B: [["h0", "h0"]] }))).toBe(4);
  });
});
