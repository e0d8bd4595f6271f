// PlacementSnapshot.preempt(): the cheapest set of whole running gangs to evict so a gang fits, on
// every engine (README, "Preemption").
import { describe, expect, it } from "vitest";
import {
  createSnapshot,
  type Gang,
  type PlacementNode,
  PlacementProblemError,
  type PlacementSnapshot,
  type RunningGang,
} from "../src/index.js";
import { ENGINES, gang, grid, group, LEVELS, node, rackOf } from "./helpers.js";

/** A running gang of `pods` pods with `gpus` GPUs each on `nodes` (round robin). */
function running(name: string, priority: number, nodes: string[], pods: number, gpus = 1): RunningGang {
  return {
    name,
    priority,
    pods: Array.from({ length: pods }, (_, i) => ({
      node: nodes[i % nodes.length] as string,
      requests: { "nvidia.com/gpu": gpus },
    })),
  };
}

const flat = (...names: string[]): PlacementNode[] => names.map((n) => node(n));

/** A snapshot with the candidates' pods bound. */
function cluster(
  opts: object,
  nodes: PlacementNode[],
  cands: RunningGang[],
  topology = LEVELS,
): PlacementSnapshot {
  const snap = createSnapshot(topology, nodes, opts);
  for (const c of cands) for (const p of c.pods) snap.bind(p.node, p.requests ?? {});
  return snap;
}

/** One pod of `gpus` GPUs (it needs a whole node's worth when gpus = 8). */
const big = (name: string, gpus = 8, extra: Partial<Gang> = {}) =>
  gang(name, [group(`${name}-x`, 1, { requests: { "nvidia.com/gpu": gpus } })], extra);

interface Case {
  name: string;
  nodes: PlacementNode[];
  cands: RunningGang[];
  gang: Gang;
  victims: string[];
}

const CASES: Case[] = [
  {
    name: "no victims needed when the gang fits: nothing is evicted",
    nodes: flat("n1", "n2"),
    cands: [running("a", 1, ["n1"], 8)],
    gang: big("g"),
    victims: [],
  },
  {
    name: "the lowest priority first",
    nodes: flat("n1", "n2"),
    cands: [running("a", 5, ["n1"], 8), running("b", 1, ["n2"], 8)],
    gang: big("g"),
    victims: ["b"],
  },
  {
    name: "a higher priority with fewer pods is spared when a lower one suffices",
    nodes: flat("n1", "n2"),
    cands: [running("a", 5, ["n1"], 1, 8), running("b", 1, ["n2"], 8)],
    gang: big("g"),
    victims: ["b"],
  },
  {
    name: "at equal priority, fewer victims",
    nodes: flat("n1", "n2"),
    cands: [running("c", 1, ["n1"], 4), running("d", 1, ["n1"], 4), running("e", 1, ["n2"], 8)],
    gang: big("g"),
    victims: ["e"],
  },
  {
    name: "at equal priority and count, fewer pods",
    nodes: flat("n1", "n2"),
    cands: [running("g8", 1, ["n2"], 8), running("f2", 1, ["n1"], 2, 4)],
    gang: big("g"),
    victims: ["f2"],
  },
  {
    name: "reprieve: a cheap victim that does not help is kept running",
    nodes: flat("n1", "n2"),
    cands: [running("a", 1, ["n1"], 1), running("c", 3, ["n1"], 7), running("b", 2, ["n2"], 8)],
    gang: big("g"),
    victims: ["b"],
  },
  {
    name: "whole gangs only: a gang on two nodes is evicted whole, its other half too",
    nodes: flat("n1", "n2"),
    cands: [running("x", 1, ["n1", "n2"], 8), running("y", 2, ["n1"], 4), running("z", 2, ["n2"], 4)],
    gang: big("g"),
    victims: ["x", "y"],
  },
  {
    name: "minCount honoured: only the minimum is made room for",
    nodes: flat("n1", "n2"),
    cands: [running("a", 1, ["n1"], 8), running("b", 2, ["n2"], 8)],
    gang: gang("g", [group("w", 16, { minCount: 8 })]),
    victims: ["a"],
  },
  {
    name: "a candidate pod on a node the snapshot does not know is ignored",
    nodes: flat("n1"),
    cands: [
      { name: "ghost", priority: 0, pods: [{ node: "nope", requests: { "nvidia.com/gpu": 8 } }] },
      running("a", 1, ["n1"], 8),
    ],
    gang: big("g"),
    victims: ["a"],
  },
];

describe.each(ENGINES)("preempt on $engine ($wasmBuild)", (opts) => {
  it.each(CASES)("$name", (c) => {
    const snap = cluster(
      opts,
      c.nodes,
      c.cands.map((r) => ({ ...r, pods: r.pods.filter((p) => p.node !== "nope") })),
    );
    const r = snap.preempt(c.gang, c.cands);
    expect(r).toMatchObject({ name: c.gang.name, placed: true, reason: null });
    expect(r.victims).toEqual(c.victims);
    // The nomination is what place() gives once the victims' pods are gone.
    for (const v of c.cands.filter((x) => c.victims.includes(x.name)))
      for (const p of v.pods) snap.free(p.node, p.requests);
    const placed = snap.place([c.gang]).gangs[0];
    expect(placed?.placed).toBe(true);
    expect(r.groups).toEqual(placed?.groups);
    snap.dispose();
  });

  it("a rack-required gang frees one rack, not pods scattered over the cluster", () => {
    // Rack b0-r0: one 8-pod gang per host; rack b0-r1: two 4-pod gangs per host, cheaper one by
    // one but four of them; b0-r2: one gang of higher priority per host.
    const nodes = grid(1, 3, 2);
    const cands = [
      running("r0a", 1, ["b0-r0-h0"], 8),
      running("r0b", 1, ["b0-r0-h1"], 8),
      running("r1a", 1, ["b0-r1-h0"], 4),
      running("r1b", 1, ["b0-r1-h0"], 4),
      running("r1c", 1, ["b0-r1-h1"], 4),
      running("r1d", 1, ["b0-r1-h1"], 4),
      running("r2a", 2, ["b0-r2-h0"], 8),
      running("r2b", 2, ["b0-r2-h1"], 8),
    ];
    const snap = cluster(opts, nodes, cands);
    const g = gang("g", [group("w", 16)], { constraint: { required: "rack" } });
    const r = snap.preempt(g, cands);
    expect(r.victims).toEqual(["r0a", "r0b"]);
    expect(new Set(r.groups.flatMap((x) => x.nodes).map(rackOf))).toEqual(new Set(["b0-r0"]));
    snap.dispose();
  });

  it("nothing fits even with every candidate evicted: placed false with a reason", () => {
    const cands = [running("a", 1, ["n1"], 8)];
    const snap = cluster(opts, flat("n1", "n2"), cands);
    const r = snap.preempt(big("g", 1, { groups: [group("w", 24)] }), cands);
    expect(r).toEqual({
      name: "g",
      placed: false,
      victims: [],
      groups: [],
      reason:
        "even with all 1 candidates evicted, the cluster lacks the free capacity for the gang's minimum",
    });
    const none = snap.preempt(gang("g", [group("w", 9)]), []);
    expect(none.placed).toBe(false);
    expect(none.reason).toMatch(/^no running gang may be evicted; /);
    snap.dispose();
  });

  it("constraints hold: victims on nodes the gang may not use are not chosen", () => {
    const nodes = [node("n1"), node("n2", {}, {}, { labels: { pool: "gpu" } }), node("n3")];
    const cands = [running("a", 1, ["n1"], 8), running("b", 2, ["n2"], 8), running("c", 1, ["n3"], 8)];
    const snap = cluster(opts, nodes, cands);
    snap.cordon("n3");
    const g = big("g");
    (g.groups[0] as Gang["groups"][number]).nodeSelector = { pool: "gpu" };
    expect(snap.preempt(g, cands).victims).toEqual(["b"]);
    expect(snap.preempt(big("h"), cands).victims).toEqual(["a"]);
    snap.dispose();
  });

  it("removed and cordoned nodes free nothing: the rack that can hold the gang is chosen", () => {
    const nodes = grid(1, 2, 2);
    const cands = [
      running("a", 1, ["b0-r0-h0"], 8),
      running("b", 1, ["b0-r0-h1"], 8),
      running("c", 2, ["b0-r1-h0"], 8),
      running("d", 2, ["b0-r1-h1"], 8),
    ];
    const snap = cluster(opts, nodes, cands);
    const g = gang("g", [group("w", 16)], { constraint: { required: "rack" } });
    expect(snap.preempt(g, cands).victims).toEqual(["a", "b"]);
    snap.removeNode("b0-r0-h1");
    expect(snap.preempt(g, cands).victims).toEqual(["c", "d"]);
    snap.cordon("b0-r1-h1");
    expect(snap.preempt(g, cands)).toMatchObject({ placed: false, victims: [] });
    snap.dispose();
  });

  it("calls with the last call's candidates minus some, or new ones, answer as a fresh call", () => {
    const nodes = grid(1, 3, 2);
    const cands = nodes.map((n, i) => running(`c${i}`, i % 3, [n.name], 8));
    const g = gang("g", [group("w", 16)], { constraint: { required: "rack" } });
    const fresh = (list: RunningGang[]) => {
      const s = cluster(opts, nodes, cands);
      const r = s.preempt(g, list);
      s.dispose();
      return r;
    };
    const snap = cluster(opts, nodes, cands);
    const lists = [
      cands,
      cands.filter((c) => c.name !== "c0"),
      cands.filter((c) => c.name !== "c0" && c.name !== "c3"),
      [running("late", 0, ["b0-r2-h0"], 8), ...cands.slice(1)],
      cands.slice(2),
    ];
    for (const list of lists) expect(snap.preempt(g, list)).toEqual(fresh(list));
    snap.dispose();
  });

  it("the snapshot is not changed", () => {
    const nodes = grid(1, 2, 2);
    const cands = [running("a", 1, ["b0-r0-h0", "b0-r0-h1"], 16), running("b", 1, ["b0-r1-h0"], 8)];
    const snap = cluster(opts, nodes, cands);
    const probe = [gang("p", [group("w", 9, { minCount: 0 })])];
    const before = JSON.stringify(snap.place(probe).gangs);
    expect(
      snap.preempt(gang("g", [group("w", 16)], { constraint: { required: "rack" } }), cands).placed,
    ).toBe(true);
    expect(JSON.stringify(snap.place(probe).gangs)).toBe(before);
    snap.dispose();
  });

  it.each([
    [
      [
        { name: "a", priority: 1, pods: [] },
        { name: "a", priority: 1, pods: [] },
      ],
      "candidates[1].name",
    ],
    [[{ name: "a", pods: [] }], "candidates[0].priority"],
    [
      [{ name: "a", priority: 1, pods: [{ node: "n1", requests: { cpu: "x" } }] }],
      "candidates[0].pods[0].requests[cpu]",
    ],
    [[{ name: "a", priority: 1, pods: [{}] }], "candidates[0].pods[0].node"],
  ])("bad candidates are refused naming the field (%#)", (cands, field) => {
    const snap = cluster(opts, flat("n1"), []);
    let err: unknown;
    try {
      snap.preempt(big("g"), cands as RunningGang[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlacementProblemError);
    expect((err as PlacementProblemError).field).toBe(field);
    snap.dispose();
  });
});
