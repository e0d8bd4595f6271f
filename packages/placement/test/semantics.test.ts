// The placement semantics, case by case, on every engine (js, wasm release, wasm debug).
import { describe, expect, it } from "vitest";
import {
  type NodeSelectorRequirement,
  type PlacementProblem,
  type PlacementResult,
  solve,
} from "../src/index.js";
import {
  blockOf,
  distinct,
  ENGINES,
  gang,
  grid,
  group,
  groupNodes,
  node,
  podsOf,
  problem,
  rackOf,
} from "./helpers.js";

interface Case {
  name: string;
  problem: PlacementProblem;
  spread?: boolean;
  check(r: PlacementResult): void;
}

const placed = (r: PlacementResult, g: string) => r.gangs.find((x) => x.name === g)?.placed;
const reason = (r: PlacementResult, g: string) => r.gangs.find((x) => x.name === g)?.reason;

const cases: Case[] = [
  {
    name: "a gang is all-or-nothing on minCount and leaves the capacity to the next gang",
    problem: problem(
      [node("a", {}, { "nvidia.com/gpu": "4" })],
      [gang("big", [group("x", 2), group("y", 3)]), gang("small", [group("z", 4)])],
    ),
    check(r) {
      expect(placed(r, "big")).toBe(false);
      expect(r.gangs[0]?.groups).toEqual([]);
      expect(podsOf(r, "small")).toEqual(["a", "a", "a", "a"]);
    },
  },
  {
    name: "pods above minCount are placed where they fit",
    problem: problem(
      [node("a", {}, { "nvidia.com/gpu": "3" })],
      [gang("g", [group("x", 5, { minCount: 2 })])],
    ),
    check(r) {
      expect(placed(r, "g")).toBe(true);
      expect(podsOf(r, "g")).toEqual(["a", "a", "a"]);
    },
  },
  {
    name: "surplus never takes another gang's minimum, even a later one's",
    problem: problem(
      [node("a", {}, { "nvidia.com/gpu": "4" })],
      [gang("first", [group("x", 4, { minCount: 1 })]), gang("second", [group("y", 3)])],
    ),
    check(r) {
      expect(podsOf(r, "first")).toEqual(["a"]);
      expect(podsOf(r, "second")).toEqual(["a", "a", "a"]);
    },
  },
  {
    name: "a higher priority goes first",
    problem: problem(
      [node("a", {}, { "nvidia.com/gpu": "4" })],
      [gang("low", [group("x", 4)], { priority: 1 }), gang("high", [group("y", 4)], { priority: 5 })],
    ),
    check(r) {
      expect(r.gangs.map((g) => g.name)).toEqual(["low", "high"]);
      expect(placed(r, "high")).toBe(true);
      expect(placed(r, "low")).toBe(false);
      expect(reason(r, "low")).toBe("group x: the cluster fits 0 of 4 pods of its minimum");
    },
  },
  {
    name: "required at gang level keeps every pod in one rack",
    problem: problem(grid(1, 3, 2, 2), [
      gang("g", [group("x", 3), group("y", 1)], { constraint: { required: "rack" } }),
    ]),
    check(r) {
      expect(distinct(podsOf(r, "g").map(rackOf))).toHaveLength(1);
    },
  },
  {
    name: "required at group level binds only that group",
    problem: problem(grid(1, 2, 2, 2), [
      gang("g", [group("x", 4, { constraint: { required: "rack" } }), group("y", 3)]),
    ]),
    check(r) {
      expect(distinct(groupNodes(r, "g", "x").map(rackOf))).toHaveLength(1);
      expect(distinct(podsOf(r, "g").map(rackOf))).toHaveLength(2);
    },
  },
  {
    name: "required at sub-group level packs the sub-group's groups together",
    problem: problem(grid(2, 2, 2, 2), [
      gang("g", [group("leader", 1), group("worker", 3), group("other", 4)], {
        constraint: { required: "block" },
        subGroups: [{ name: "sg", groups: ["leader", "worker"], constraint: { required: "rack" } }],
      }),
    ]),
    check(r) {
      const sg = [...groupNodes(r, "g", "leader"), ...groupNodes(r, "g", "worker")];
      expect(distinct(sg.map(rackOf))).toHaveLength(1);
      expect(distinct(podsOf(r, "g").map(blockOf))).toHaveLength(1);
    },
  },
  {
    name: "required host puts the whole group on one node",
    problem: problem(grid(1, 1, 3, 4), [gang("g", [group("x", 4, { constraint: { required: "host" } })])]),
    check(r) {
      expect(distinct(podsOf(r, "g"))).toHaveLength(1);
    },
  },
  {
    name: "preferred climbs one level at a time: host is too small, so one rack",
    problem: problem(grid(2, 2, 2, 2), [gang("g", [group("x", 4)], { constraint: { preferred: "host" } })]),
    check(r) {
      expect(placed(r, "g")).toBe(true);
      expect(distinct(podsOf(r, "g").map(rackOf))).toHaveLength(1);
    },
  },
  {
    name: "preferred climbs to the cluster when no block holds the gang",
    problem: problem(grid(2, 1, 1, 2), [gang("g", [group("x", 4)], { constraint: { preferred: "rack" } })]),
    check(r) {
      expect(placed(r, "g")).toBe(true);
      expect(distinct(podsOf(r, "g").map(blockOf))).toHaveLength(2);
    },
  },
  {
    name: "preferred never climbs past required",
    problem: problem(grid(1, 2, 2, 2), [
      gang("g", [group("x", 5)], { constraint: { required: "rack", preferred: "host" } }),
    ]),
    check(r) {
      expect(placed(r, "g")).toBe(false);
      expect(reason(r, "g")).toBe("required rack: the best rack fits 4 of 5 pods of the gang's minimum");
    },
  },
  {
    name: "preferred at group level inside a required rack uses one host when one can hold it",
    problem: problem(grid(1, 2, 3, 4), [
      gang("g", [group("x", 3, { constraint: { preferred: "host" } }), group("y", 2)], {
        constraint: { required: "rack" },
      }),
    ]),
    check(r) {
      expect(distinct(groupNodes(r, "g", "x"))).toHaveLength(1);
      expect(distinct(podsOf(r, "g").map(rackOf))).toHaveLength(1);
    },
  },
  {
    name: "preferred at sub-group level climbs from host to rack inside the gang's block",
    problem: problem(grid(1, 2, 2, 2), [
      gang("g", [group("l", 1), group("w", 2), group("o", 1)], {
        constraint: { required: "block" },
        subGroups: [{ name: "sg", groups: ["l", "w"], constraint: { preferred: "host" } }],
      }),
    ]),
    check(r) {
      const sg = [...groupNodes(r, "g", "l"), ...groupNodes(r, "g", "w")];
      expect(distinct(sg)).toHaveLength(2);
      expect(distinct(sg.map(rackOf))).toHaveLength(1);
    },
  },
  {
    name: "reason of a preferred constraint that climbed to the cluster",
    problem: problem(grid(1, 2, 1, 2), [gang("g", [group("x", 5)], { constraint: { preferred: "rack" } })]),
    check(r) {
      expect(reason(r, "g")).toBe(
        "preferred rack (climbed to cluster): the cluster fits 4 of 5 pods of the gang's minimum",
      );
    },
  },
  {
    name: "backtracking: the best-fit block fails the sub-group's rack, the next block is tried",
    problem: problem(
      [
        node("b0-r0-h0", { block: "b0", rack: "b0-r0" }, { "nvidia.com/gpu": "2" }),
        node("b0-r1-h0", { block: "b0", rack: "b0-r1" }, { "nvidia.com/gpu": "2" }),
        node("b1-r0-h0", { block: "b1", rack: "b1-r0" }, { "nvidia.com/gpu": "4" }),
        node("b1-r0-h1", { block: "b1", rack: "b1-r0" }, { "nvidia.com/gpu": "4" }),
      ],
      [
        gang("g", [group("w", 4)], {
          constraint: { required: "block" },
          subGroups: [{ name: "sg", groups: ["w"], constraint: { required: "rack" } }],
        }),
      ],
    ),
    check(r) {
      expect(placed(r, "g")).toBe(true);
      expect(distinct(podsOf(r, "g").map(rackOf))).toEqual(["b1-r0"]);
      expect(r.stats?.attempts).toBeGreaterThan(2);
    },
  },
  {
    name: "backtracking over siblings: a sibling that failed is placed first on the retry",
    problem: problem(
      [
        node("n1", { block: "b0", rack: "r1" }, { "nvidia.com/gpu": "3" }),
        node("n2", { block: "b0", rack: "r2" }, { "nvidia.com/gpu": "2" }),
        node("n3", { block: "b0", rack: "r2" }, { "nvidia.com/gpu": "2" }),
      ],
      [
        gang("g", [group("a", 3), group("b", 3, { constraint: { required: "host" } })], {
          constraint: { required: "block" },
          subGroups: [{ name: "sa", groups: ["a"], constraint: { required: "rack" } }],
        }),
      ],
    ),
    check(r) {
      expect(placed(r, "g")).toBe(true);
      expect(groupNodes(r, "g", "b")).toEqual(["n1", "n1", "n1"]);
      expect(distinct(groupNodes(r, "g", "a"))).toEqual(["n2", "n3"]);
    },
  },
  {
    name: "best fit takes the tightest rack, so the big rack stays whole for the big gang",
    problem: problem(
      [
        node("ra-h0", { block: "b", rack: "ra" }, { "nvidia.com/gpu": "8" }),
        node("rb-h0", { block: "b", rack: "rb" }, { "nvidia.com/gpu": "4" }),
      ],
      [
        gang("small", [group("x", 4)], { constraint: { required: "rack" } }),
        gang("big", [group("y", 8)], { constraint: { required: "rack" } }),
      ],
    ),
    check(r) {
      expect(podsOf(r, "small")).toEqual(["rb-h0", "rb-h0", "rb-h0", "rb-h0"]);
      expect(placed(r, "big")).toBe(true);
    },
  },
  {
    name: "inside a domain pods go to the most-allocated node that fits",
    problem: problem(
      [
        node("a", {}, { "nvidia.com/gpu": "8" }),
        node("b", {}, { "nvidia.com/gpu": "8" }, { allocated: { "nvidia.com/gpu": "6" } }),
      ],
      [gang("g", [group("x", 3)])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["b", "b", "a"]);
    },
  },
  {
    name: "spread goes to the least-allocated nodes",
    spread: true,
    problem: problem(
      [
        node("a", {}, { "nvidia.com/gpu": "8" }),
        node("b", {}, { "nvidia.com/gpu": "8" }, { allocated: { "nvidia.com/gpu": "6" } }),
        node("c", {}, { "nvidia.com/gpu": "8" }),
      ],
      [gang("g", [group("x", 3)])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["a", "c", "a"]);
    },
  },
  {
    name: "ties break by node name, not input order",
    problem: problem([node("zeta"), node("alpha"), node("mid")], [gang("g", [group("x", 1)])]),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["alpha"]);
    },
  },
  {
    name: "taints: NoSchedule and NoExecute keep pods off; PreferNoSchedule does not",
    problem: problem(
      [
        node("a", {}, {}, { taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] }),
        node("b", {}, {}, { taints: [{ key: "d", value: "x", effect: "NoExecute" }] }),
        node("c", {}, { "nvidia.com/gpu": "1" }, { taints: [{ key: "spot", effect: "PreferNoSchedule" }] }),
      ],
      [
        gang("plain", [group("p", 1)]),
        gang("exists", [group("e", 1, { tolerations: [{ key: "gpu", operator: "Exists" }] })]),
        gang("equal", [
          group("q", 1, { tolerations: [{ key: "d", operator: "Equal", value: "x", effect: "NoExecute" }] }),
        ]),
        gang("wrong-value", [group("w", 1, { tolerations: [{ key: "d", value: "y" }] })]),
        gang("wrong-effect", [
          group("f", 1, { tolerations: [{ key: "gpu", operator: "Exists", effect: "NoExecute" }] }),
        ]),
        gang("any", [group("n", 2, { tolerations: [{ operator: "Exists" }] })]),
      ],
    ),
    check(r) {
      expect(podsOf(r, "plain")).toEqual(["c"]);
      expect(podsOf(r, "exists")).toEqual(["a"]);
      expect(podsOf(r, "equal")).toEqual(["b"]);
      expect(placed(r, "wrong-value")).toBe(false);
      // c tolerates nothing needed but its one GPU is taken.
      expect(reason(r, "wrong-value")).toBe("group w: the cluster fits 0 of 1 pods of its minimum");
      expect(placed(r, "wrong-effect")).toBe(false);
      expect(placed(r, "any")).toBe(true);
    },
  },
  {
    name: "nodeSelector matches labels exactly",
    problem: problem(
      [node("a", {}, {}, { labels: { pool: "x" } }), node("b", {}, {}, { labels: { pool: "y" } })],
      [
        gang("g", [group("x", 2, { nodeSelector: { pool: "y" } })]),
        gang("h", [group("z", 1, { nodeSelector: { pool: "q" } })]),
      ],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["b", "b"]);
      expect(reason(r, "h")).toBe(
        "group z: no node passes its taints, nodeSelector, node affinity and cordon (minimum 1 pods)",
      );
    },
  },
  ...(
    [
      ["In", { key: "gen", operator: "In", values: ["2", "9"] }, ["n2"]],
      ["NotIn", { key: "gen", operator: "NotIn", values: ["2"] }, ["n1", "n3", "nx"]],
      ["Exists", { key: "gen", operator: "Exists" }, ["n1", "n2", "n3"]],
      ["DoesNotExist", { key: "gen", operator: "DoesNotExist" }, ["nx"]],
      ["Gt", { key: "gen", operator: "Gt", values: ["1"] }, ["n2", "n3"]],
      ["Lt", { key: "gen", operator: "Lt", values: ["3"] }, ["n1", "n2"]],
    ] as [string, NodeSelectorRequirement, string[]][]
  ).map(
    ([op, expr, want]): Case => ({
      name: `required node affinity ${op}`,
      problem: problem(
        [
          node("n1", {}, { "nvidia.com/gpu": "1" }, { labels: { gen: "1" } }),
          node("n2", {}, { "nvidia.com/gpu": "1" }, { labels: { gen: "2" } }),
          node("n3", {}, { "nvidia.com/gpu": "1" }, { labels: { gen: "3" } }),
          node("nx", {}, { "nvidia.com/gpu": "1" }),
        ],
        [
          gang("g", [
            group("x", 4, {
              minCount: 0,
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [expr] }],
                  },
                },
              },
            }),
          ]),
        ],
      ),
      check(r) {
        expect([...podsOf(r, "g")].sort()).toEqual(want);
      },
    }),
  ),
  {
    name: "affinity terms are ORed, expressions ANDed, matchFields by metadata.name",
    problem: problem(
      [
        node("n1", {}, { "nvidia.com/gpu": "1" }, { labels: { a: "1", b: "1" } }),
        node("n2", {}, { "nvidia.com/gpu": "1" }, { labels: { a: "1" } }),
        node("n3", {}, { "nvidia.com/gpu": "1" }, { labels: { c: "1" } }),
        node("n4", {}, { "nvidia.com/gpu": "1" }),
      ],
      [
        gang("g", [
          group("x", 4, {
            minCount: 0,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "a", operator: "Exists" },
                        { key: "b", operator: "Exists" },
                      ],
                    },
                    { matchExpressions: [{ key: "c", operator: "In", values: ["1"] }] },
                    { matchFields: [{ key: "metadata.name", operator: "In", values: ["n4"] }] },
                  ],
                },
              },
            },
          }),
        ]),
      ],
    ),
    check(r) {
      expect([...podsOf(r, "g")].sort()).toEqual(["n1", "n3", "n4"]);
    },
  },
  {
    name: "a cordoned node gets no pod",
    problem: problem(
      [node("a", {}, {}, { unschedulable: true }), node("b", {}, { "nvidia.com/gpu": "1" })],
      [gang("g", [group("x", 2, { minCount: 1 })])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["b"]);
    },
  },
  {
    name: "allocated capacity is not free",
    problem: problem(
      [node("a", {}, { cpu: "4" }, { allocated: { cpu: "2500m" } })],
      [gang("g", [group("x", 4, { minCount: 0, requests: { cpu: "500m" } })])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toHaveLength(3);
    },
  },
  {
    name: "extended resources: a node that does not list one has none",
    problem: problem(
      [node("a"), node("b", {}, { "example.com/fpga": "2" })],
      [gang("g", [group("x", 3, { minCount: 0, requests: { "example.com/fpga": "1", cpu: "1" } })])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["b", "b"]);
    },
  },
  {
    name: "every pod takes a unit of pods; a node without pods takes none",
    problem: problem(
      [node("a", {}, { pods: "2" }), { name: "nopods", allocatable: { cpu: "64", "nvidia.com/gpu": "8" } }],
      [gang("g", [group("x", 5, { minCount: 1 })])],
    ),
    check(r) {
      expect(podsOf(r, "g")).toEqual(["a", "a"]);
    },
  },
  {
    name: "reason names the level and the shortfall",
    problem: problem(
      [...grid(1, 1, 3, 4), ...grid(2, 1, 2, 4).filter((n) => n.name.startsWith("b1"))],
      [gang("g", [group("x", 16)], { constraint: { required: "block" } })],
    ),
    check(r) {
      expect(reason(r, "g")).toBe("required block: the best block fits 12 of 16 pods of the gang's minimum");
    },
  },
  {
    name: "reason for nested constraints that fail in every candidate",
    problem: problem(
      [
        node("b0-r0-h0", { block: "b0", rack: "b0-r0" }, { "nvidia.com/gpu": "2" }),
        node("b0-r1-h0", { block: "b0", rack: "b0-r1" }, { "nvidia.com/gpu": "2" }),
      ],
      [
        gang("g", [group("w", 4)], {
          constraint: { required: "block" },
          subGroups: [{ name: "sg", groups: ["w"], constraint: { required: "rack" } }],
        }),
      ],
    ),
    check(r) {
      expect(reason(r, "g")).toBe(
        "required block: 1 block can hold the 4 pods of the gang's minimum, but the nested constraints fail in each " +
          "(last: required rack of sub-group sg: the best rack fits 2 of 4 pods of sub-group sg's minimum)",
      );
    },
  },
  {
    name: "many gangs per call, each consuming capacity for the next",
    problem: problem(grid(1, 2, 2, 2), [
      gang("a", [group("x", 4)], { constraint: { required: "rack" } }),
      gang("b", [group("y", 4)], { constraint: { required: "rack" } }),
      gang("c", [group("z", 1)]),
    ]),
    check(r) {
      expect(distinct(podsOf(r, "a").map(rackOf))).toHaveLength(1);
      expect(distinct(podsOf(r, "b").map(rackOf))).toHaveLength(1);
      expect(rackOf(podsOf(r, "a")[0] as string)).not.toBe(rackOf(podsOf(r, "b")[0] as string));
      expect(placed(r, "c")).toBe(false);
    },
  },
];

describe.each(ENGINES)("placement semantics on $engine ($wasmBuild)", (opts) => {
  it.each(cases)("$name", (c) => {
    const r = solve(c.problem, { ...opts, ...(c.spread ? { spread: true } : {}) });
    c.check(r);
  });
});
