// The verifier must catch every kind of violation (a check that cannot fail proves nothing), and the
// generator must be deterministic.
import { describe, expect, it } from "vitest";
import { milli, type RProblem, type RResult, randomProblem, verifyPlacement } from "../src/index.js";

const problem = (): RProblem => ({
  topology: { levels: [{ domain: "rack", key: "rack" }] },
  nodes: [
    { name: "a", labels: { rack: "r1", pool: "x" }, allocatable: { cpu: "4", pods: "4" } },
    {
      name: "b",
      labels: { rack: "r1" },
      allocatable: { cpu: "4", pods: "4" },
      taints: [{ key: "t", effect: "NoSchedule" }],
    },
    { name: "c", labels: { rack: "r2" }, allocatable: { cpu: "4", pods: "4" } },
    { name: "d", labels: { rack: "r2" }, allocatable: { cpu: "4", pods: "4" }, unschedulable: true },
    { name: "e", allocatable: { cpu: "4", pods: "4" } },
  ],
  gangs: [
    {
      name: "g",
      constraint: { required: "rack" },
      groups: [
        {
          name: "x",
          count: 3,
          minCount: 2,
          requests: { cpu: "1" },
          tolerations: [{ key: "t", operator: "Exists" }],
        },
      ],
    },
    { name: "h", groups: [{ name: "y", count: 1, requests: { cpu: "1" }, nodeSelector: { pool: "x" } }] },
  ],
});

const valid = (): RResult => ({
  gangs: [
    { name: "g", placed: true, groups: [{ name: "x", nodes: ["a", "b"] }], reason: null },
    { name: "h", placed: true, groups: [{ name: "y", nodes: ["a"] }], reason: null },
  ],
});

describe("verifyPlacement", () => {
  it("accepts a valid result", () => {
    expect(verifyPlacement(problem(), valid())).toEqual([]);
  });

  it.each<[string, (r: RResult) => unknown, RegExp]>([
    ["a gang renamed", (r) => Object.assign(r.gangs[0] as object, { name: "z" }), /name z, expected g/],
    ["a missing gang", (r) => void r.gangs.pop(), /1 gangs, the problem 2/],
    ["fewer pods than minCount", (r) => void r.gangs[0]?.groups[0]?.nodes.pop(), /1 pods placed, minCount 2/],
    ["more pods than count", (r) => r.gangs[0]?.groups[0]?.nodes.push("a", "b"), /4 pods placed, count 3/],
    ["an unknown node", (r) => r.gangs[1]?.groups[0]?.nodes.splice(0, 1, "zz"), /unknown node zz/],
    ["a cordoned node", (r) => r.gangs[1]?.groups[0]?.nodes.splice(0, 1, "d"), /node d is cordoned/],
    ["an untolerated taint", (r) => r.gangs[1]?.groups[0]?.nodes.splice(0, 1, "b"), /node b has a taint/],
    [
      "a failed nodeSelector",
      (r) => r.gangs[1]?.groups[0]?.nodes.splice(0, 1, "c"),
      /fails nodeSelector pool=x/,
    ],
    [
      "a required constraint spanning racks",
      (r) => r.gangs[0]?.groups[0]?.nodes.splice(1, 1, "c"),
      /pods span 2 racks/,
    ],
    [
      "a node without the required label",
      (r) => r.gangs[0]?.groups[0]?.nodes.splice(1, 1, "e"),
      /lacks the rack label/,
    ],
    [
      "capacity exceeded",
      (r) => r.gangs[0]?.groups[0]?.nodes.push("a") && r.gangs[1]?.groups[0]?.nodes.push("a", "a"),
      /node a: .* over capacity/,
    ],
    [
      "unplaced without a reason",
      (r) => Object.assign(r.gangs[1] as object, { placed: false, groups: [], reason: null }),
      /without a reason/,
    ],
    [
      "unplaced with pods",
      (r) => Object.assign(r.gangs[1] as object, { placed: false, reason: "x" }),
      /unplaced but has placed pods/,
    ],
    [
      "placed with a reason",
      (r) => Object.assign(r.gangs[1] as object, { reason: "x" }),
      /placed but reason/,
    ],
  ])("catches %s", (_what, mutate, message) => {
    const p = problem();
    const r = valid();
    mutate(r);
    expect(verifyPlacement(p, r).join("\n")).toMatch(message);
  });
});

describe("milli", () => {
  it.each([
    ["500m", 500n],
    ["1Gi", 1073741824000n],
    [2, 2000n],
    ["1e3", 1000000n],
    ["1n", 1n],
  ] as const)("%s", (q, want) => expect(milli(q)).toBe(want));
});

describe("randomProblem", () => {
  it("is deterministic and honours its options", () => {
    expect(JSON.stringify(randomProblem(42))).toBe(JSON.stringify(randomProblem(42)));
    expect(JSON.stringify(randomProblem(42))).not.toBe(JSON.stringify(randomProblem(43)));
    const p = randomProblem(7, { nodes: 123, gangs: 9, levels: 3 });
    expect(p.nodes).toHaveLength(123);
    expect(p.gangs).toHaveLength(9);
    expect(p.topology?.levels.map((l) => l.domain)).toEqual(["block", "rack", "host"]);
    expect(new Set(p.nodes.map((n) => n.name)).size).toBe(123);
  });
});
