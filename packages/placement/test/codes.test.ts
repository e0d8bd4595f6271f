// The result code of every gang (README, "Result codes"): null when placed, "Unschedulable" when it
// does not fit now, "Unresolvable" when it never can on this cluster, "Error" when the engine gave
// no verdict; one case per code and per cause of "Unresolvable", on every engine.
import { describe, expect, it } from "vitest";
import { checkProblem } from "../src/check.js";
import { decode } from "../src/decode.js";
import { CallEncoding, ClusterEncoding } from "../src/encode.js";
import { engine } from "../src/engines.js";
import { type GangCode, type PlacementProblem, type PlacementResult, solve } from "../src/index.js";
import { P, REASON_SLOTS } from "../src/layout.js";
import { createSnapshot } from "../src/snapshot.js";
import { needsLabels, resourceNames } from "../src/solve.js";
import { ENGINES, gang, grid, group, LEVELS, node, problem } from "./helpers.js";

interface Case {
  name: string;
  problem: PlacementProblem;
  /** Code of every gang, in order. */
  codes: (GangCode | null)[];
}

const codes = (r: PlacementResult) => r.gangs.map((g) => g.code);

// 2 racks of 2 hosts with 8 GPUs each (16 GPUs a rack), in one block.
const nodes = () => grid(1, 2, 2);
const cases: Case[] = [
  {
    name: "placed: null",
    problem: problem(nodes(), [gang("g", [group("x", 4)])]),
    codes: [null],
  },
  {
    name: "Unschedulable: an earlier gang holds the room",
    problem: problem(nodes(), [gang("first", [group("x", 30)]), gang("second", [group("y", 4)])]),
    codes: [null, "Unschedulable"],
  },
  {
    name: "Unschedulable: the nodes' allocated capacity is ignored by the check",
    problem: problem(
      nodes().map((n) => ({ ...n, allocated: { "nvidia.com/gpu": "7" } })),
      [gang("g", [group("x", 8)], { constraint: { required: "rack" } })],
    ),
    codes: ["Unschedulable"],
  },
  {
    name: "Unresolvable: no node matches the nodeSelector",
    problem: problem(nodes(), [gang("g", [group("x", 1, { nodeSelector: { pool: "none" } })])]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: no node matches the required node affinity",
    problem: problem(nodes(), [
      gang("g", [
        group("x", 1, {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "rack", operator: "In", values: ["r9"] }] }],
              },
            },
          },
        }),
      ]),
    ]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: every node has a taint the group does not tolerate",
    problem: problem(
      nodes().map((n) => ({ ...n, taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] })),
      [
        gang("g", [group("x", 1)]),
        gang("tolerates", [group("y", 1, { tolerations: [{ key: "dedicated", operator: "Exists" }] })]),
      ],
    ),
    codes: ["Unresolvable", null],
  },
  {
    name: "Unresolvable: every node is cordoned",
    problem: problem(
      nodes().map((n) => ({ ...n, unschedulable: true })),
      [gang("g", [group("x", 1)])],
    ),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: no eligible node lists a requested resource",
    problem: problem(
      [
        ...nodes(),
        node(
          "fpga",
          { block: "b0", rack: "b0-r0" },
          { "example.com/fpga": "4" },
          { labels: { pool: "fpga" } },
        ),
      ],
      [
        gang("g", [group("x", 1, { requests: { "example.com/fpga": 1 }, nodeSelector: { block: "b0" } })], {
          priority: 1,
        }),
        gang("elsewhere", [
          group("y", 1, { requests: { "example.com/fpga": 1 }, nodeSelector: { rack: "b0-r1" } }),
        ]),
      ],
    ),
    // "g" fits the fpga node; "elsewhere" may only use rack b0-r1, whose nodes have no fpga.
    codes: [null, "Unresolvable"],
  },
  {
    name: "Unresolvable: a pod larger than every eligible node's allocatable",
    problem: problem(nodes(), [gang("g", [group("x", 1, { requests: { "nvidia.com/gpu": 9 } })])]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: a pod no node holds, though each resource it asks for is offered somewhere",
    problem: problem(
      [
        node("gpus", {}, { "nvidia.com/gpu": "8", cpu: "2" }),
        node("cpus", {}, { "nvidia.com/gpu": "1", cpu: "64" }),
      ],
      [gang("g", [group("x", 1, { requests: { "nvidia.com/gpu": 4, cpu: 8 } })])],
    ),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: a group's minimum larger than its eligible nodes hold",
    problem: problem(nodes(), [
      gang("g", [group("x", 10, { minCount: 9, nodeSelector: { "kubernetes.io/hostname": "b0-r0-h0" } })]),
    ]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: the gang's minimum larger than every domain of its required level",
    // Each group fits a rack (16 GPUs) alone; together they do not.
    problem: problem(nodes(), [
      gang("g", [group("x", 9), group("y", 9)], { constraint: { required: "rack" } }),
    ]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: a sub-group's minimum larger than every domain of its required level",
    problem: problem(nodes(), [
      gang("g", [group("x", 9), group("y", 9), group("z", 1)], {
        subGroups: [{ name: "pair", groups: ["x", "y"], constraint: { required: "rack" } }],
      }),
    ]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unresolvable: the gang's minimum larger than the whole cluster",
    problem: problem(nodes(), [gang("g", [group("x", 20), group("y", 20, { minCount: 13 })])]),
    codes: ["Unresolvable"],
  },
  {
    name: "Unschedulable, not Unresolvable: the minimum fits a domain, minCount below count",
    problem: problem(nodes(), [
      gang("first", [group("x", 20)]),
      gang("g", [group("y", 40, { minCount: 16 })], { constraint: { required: "rack" } }),
    ]),
    codes: [null, "Unschedulable"],
  },
];

describe.each(ENGINES)("result codes on $engine ($wasmBuild)", (opts) => {
  it.each(cases)("$name", (c) => {
    const r = solve(c.problem, opts);
    expect(codes(r)).toEqual(c.codes);
    for (const g of r.gangs) expect(g.reason === null).toBe(g.code === null);
  });

  it("a snapshot's bound pods make a gang Unschedulable, not Unresolvable", () => {
    const snap = createSnapshot(LEVELS, nodes(), opts);
    const g = [gang("g", [group("x", 16)], { constraint: { required: "rack" } })];
    expect(codes(snap.place(g))).toEqual([null]);
    snap.bind("b0-r0-h0", { "nvidia.com/gpu": "1" });
    snap.bind("b0-r1-h0", { "nvidia.com/gpu": "1" });
    expect(codes(snap.place(g))).toEqual(["Unschedulable"]);
    snap.cordon("b0-r0-h1");
    snap.cordon("b0-r1-h1");
    expect(codes(snap.place(g))).toEqual(["Unresolvable"]);
    snap.dispose();
  });

  it("Error: a gang the engine left unplaced without a reason", () => {
    const p = checkProblem(problem(nodes(), [gang("ok", [group("x", 1)]), gang("no", [group("y", 99)])]));
    const eng = engine(opts.engine, opts.wasmBuild);
    const cluster = new ClusterEncoding(
      p.levels,
      p.nodes,
      resourceNames(p.nodes, p.gangs),
      eng,
      needsLabels(p.gangs),
    );
    const call = new CallEncoding(cluster, p.gangs, false, eng);
    try {
      eng.run(cluster.region, call.region);
      // As an engine that failed on the gang would leave it: not placed, no reason code.
      call
        .views()
        .i32(P.REASON, p.gangs.length * REASON_SLOTS)
        .fill(0);
      const d = decode(call, p.levels);
      expect(d.gangs.map((g) => [g.code, g.reason])).toEqual([
        [null, null],
        ["Error", "not placed"],
      ]);
    } finally {
      eng.release(call.region);
      eng.release(cluster.region);
    }
  });
});
