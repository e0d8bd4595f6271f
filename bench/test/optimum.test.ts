import { verifyPlacement } from "@grove-ts/testing";
import { describe, expect, it } from "vitest";
import type { PlacementNode, PlacementProblem, PlacementResult } from "../src/contract.js";
import { FewestCache } from "../src/locality.js";
import { indexProblem } from "../src/model.js";
import { solveOptimum } from "../src/optimum.js";
import { milli } from "../src/quantity.js";

const LEVELS = [
  { domain: "rack", key: "rack" },
  { domain: "host", key: "host" },
];

function node(name: string, rack: string, gpus: number, extra: Partial<PlacementNode> = {}): PlacementNode {
  return {
    name,
    labels: { rack, host: name, ...(extra.labels ?? {}) },
    allocatable: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": String(gpus) },
    ...(extra.unschedulable ? { unschedulable: true } : {}),
    ...(extra.taints ? { taints: extra.taints } : {}),
    ...(extra.allocated ? { allocated: extra.allocated } : {}),
  };
}
const gpu = { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" };

// Each case: a tiny problem whose optimum was worked out by hand.
const CASES: { name: string; problem: PlacementProblem; pods: number; gangs: number; placed: string[] }[] = [
  {
    // 4 GPUs: A (3) + C (1) beats B (2) + C (1); all-or-nothing keeps B out entirely.
    name: "all-or-nothing under capacity",
    problem: {
      topology: { levels: LEVELS },
      nodes: [node("n0", "r0", 4)],
      gangs: [
        { name: "B", groups: [{ name: "B-0", count: 2, requests: gpu }] },
        { name: "A", groups: [{ name: "A-0", count: 3, requests: gpu }] },
        { name: "C", groups: [{ name: "C-0", count: 1, requests: gpu }] },
      ],
    },
    pods: 4,
    gangs: 2,
    placed: ["A", "C"],
  },
  {
    // Only r0 (4 GPUs) holds A's minimum of 3 in one rack; B then needs 2 in one rack: r1.
    // The node's already allocated GPU makes r0 exactly 4.
    name: "required rack with minCount and allocated capacity",
    problem: {
      topology: { levels: LEVELS },
      nodes: [
        node("n0", "r0", 2),
        node("n1", "r0", 3, { allocated: { "nvidia.com/gpu": "1" } }),
        node("n2", "r1", 2),
      ],
      gangs: [
        {
          name: "A",
          constraint: { required: "rack" },
          groups: [{ name: "A-0", count: 4, minCount: 3, requests: gpu }],
        },
        {
          name: "B",
          constraint: { required: "rack" },
          groups: [{ name: "B-0", count: 3, minCount: 2, requests: gpu }],
        },
      ],
    },
    pods: 6,
    gangs: 2,
    placed: ["A", "B"],
  },
  {
    // X's leader+worker sub-group must share a rack. r0 has 2 usable GPUs (n1 tainted); in r1 the
    // worker's affinity (gen > 1) rules out n3, so leader on n3 and both workers on n2. Y takes n0.
    // n4 is cordoned and would otherwise hold everything.
    name: "sub-group rack with taints, affinity and cordon",
    problem: {
      topology: { levels: LEVELS },
      nodes: [
        node("n0", "r0", 2, { labels: { gen: "2" } }),
        node("n1", "r0", 2, {
          labels: { gen: "2" },
          taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }],
        }),
        node("n2", "r1", 2, { labels: { gen: "2" } }),
        node("n3", "r1", 1, { labels: { gen: "1" } }),
        node("n4", "r2", 8, { labels: { gen: "3" }, unschedulable: true }),
      ],
      gangs: [
        {
          name: "X",
          groups: [
            { name: "X-leader", count: 1, requests: gpu },
            {
              name: "X-worker",
              count: 2,
              requests: gpu,
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      { matchExpressions: [{ key: "gen", operator: "Gt", values: ["1"] }] },
                    ],
                  },
                },
              },
            },
          ],
          subGroups: [{ name: "X-pair", groups: ["X-leader", "X-worker"], constraint: { required: "rack" } }],
        },
        { name: "Y", groups: [{ name: "Y-0", count: 2, requests: gpu }] },
      ],
    },
    pods: 5,
    gangs: 2,
    placed: ["X", "Y"],
  },
];

describe("solveOptimum", () => {
  it.each(CASES)("finds the known optimum: $name", async ({ problem, pods, gangs, placed }) => {
    const optimum = await solveOptimum(problem);
    expect(optimum.optimal).toBe(true);
    expect(optimum.pods).toBe(pods);
    expect(optimum.gangs).toBe(gangs);
    expect(optimum.result.gangs.filter((g) => g.placed).map((g) => g.name)).toEqual(placed);
    expect(verifyPlacement(problem as never, optimum.result as never)).toEqual([]);
  });

  it("keeps the sub-group in the one rack that can hold it", async () => {
    const optimum = await solveOptimum(CASES[2]!.problem);
    const x = optimum.result.gangs.find((g) => g.name === "X")!;
    expect(x.groups.map((g) => [...g.nodes].sort())).toEqual([["n3"], ["n2", "n2"]]);
  });
});

describe("FewestCache", () => {
  it("counts the hosts a gang spans against the fewest that could hold it", async () => {
    const problem: PlacementProblem = {
      topology: { levels: LEVELS },
      nodes: [node("h0", "r0", 2), node("h1", "r0", 2), node("h2", "r1", 4)],
      gangs: [{ name: "G", groups: [{ name: "G-0", count: 4, requests: gpu }] }],
    };
    const spread: PlacementResult = {
      gangs: [
        { name: "G", placed: true, reason: null, groups: [{ name: "G-0", nodes: ["h0", "h0", "h1", "h1"] }] },
      ],
    };
    const cache = new FewestCache(indexProblem(problem));
    expect(await cache.locality(spread, 1)).toEqual([
      { gang: "G", level: "host", spanned: 2, fewest: 1, proven: true },
    ]);
    expect(await cache.locality(spread, 0)).toEqual([
      { gang: "G", level: "rack", spanned: 1, fewest: 1, proven: true },
    ]);
  });
});

describe("milli", () => {
  it.each([
    ["500m", 500],
    ["1", 1000],
    [2, 2000],
    ["1Gi", 2 ** 30 * 1000],
    ["1.5k", 1_500_000],
    ["1e3", 1_000_000],
    ["100n", 1],
  ] as const)("%s -> %d", (q, v) => {
    expect(milli(q)).toBe(v);
  });

  it("rejects what is not a quantity, naming the field", () => {
    expect(() => milli("12 cores", "nodes[0].allocatable.cpu")).toThrow(/nodes\[0\]\.allocatable\.cpu/);
  });
});
