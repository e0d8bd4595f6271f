// The encoder's shortcuts give the answers of the general path: nodes listed in any order, labels
// encoded only when a call filters by them, node names found without hashing, quantities shared
// between nodes with equal amounts.
import { describe, expect, it } from "vitest";
import { createSnapshot, type PlacementNode, type PlacementProblem, solve } from "../src/index.js";
import { ENGINES, gang, grid, group, LEVELS, node, podsOf } from "./helpers.js";

const strip = (r: { gangs: unknown }) => JSON.stringify(r.gangs);

// A 2 x 3 x 3 grid; one node lacks its rack label, and names do not follow the topology.
function cluster(): PlacementNode[] {
  const nodes = grid(2, 3, 3, 4).map((n, i) => ({ ...n, name: `z${(i * 7) % 18}` }));
  for (const n of nodes) n.labels = { ...n.labels, "kubernetes.io/hostname": n.name };
  delete (nodes[4] as PlacementNode).labels?.rack;
  return nodes;
}

const gangs = [
  gang("a", [group("x", 5)], { constraint: { required: "rack" } }),
  gang("b", [group("y", 7)], { constraint: { required: "block", preferred: "rack" } }),
  gang("c", [group("z", 3, { minCount: 1 })]),
];

const orders: [string, (ns: PlacementNode[]) => PlacementNode[]][] = [
  ["as generated", (ns) => ns],
  ["reversed", (ns) => [...ns].reverse()],
  ["by name", (ns) => [...ns].sort((a, b) => (a.name < b.name ? -1 : 1))],
  ["interleaved", (ns) => ns.filter((_, i) => i % 2 === 0).concat(ns.filter((_, i) => i % 2 === 1))],
];

// 600 nodes whose host label is not their name: too many distinct hosts to rank by number.
function renamedHosts(): PlacementNode[] {
  const nodes = grid(3, 4, 50, 2);
  for (const n of nodes) n.labels = { ...n.labels, "kubernetes.io/hostname": `h-${n.name}` };
  return nodes;
}

describe.each(ENGINES)("encoding on $engine ($wasmBuild)", (opts) => {
  it.each(orders)("nodes listed %s give the same result", (_, order) => {
    const want = strip(solve({ topology: LEVELS, nodes: cluster(), gangs }, opts));
    expect(strip(solve({ topology: LEVELS, nodes: order(cluster()), gangs }, opts))).toBe(want);
    const many = strip(solve({ topology: LEVELS, nodes: renamedHosts(), gangs }, opts));
    expect(strip(solve({ topology: LEVELS, nodes: order(renamedHosts()), gangs }, opts))).toBe(many);
  });

  it("a selector value that is another node's name matches that label, not the node", () => {
    const nodes = [
      node("n1", {}, {}, { labels: { peer: "n2" } }),
      node("n2", {}, {}, { labels: { peer: "n1" } }),
      node("n3", {}, {}, { labels: { peer: "n3" } }),
    ];
    const byPeer = (peer: string) =>
      [
        gang("g", [group("x", 2, { minCount: 0, nodeSelector: { peer } })]),
      ] satisfies PlacementProblem["gangs"];
    expect(podsOf(solve({ nodes, gangs: byPeer("n2") }, opts), "g")).toEqual(["n1", "n1"]);
    expect(podsOf(solve({ nodes, gangs: byPeer("n3") }, opts), "g")).toEqual(["n3", "n3"]);
    const byName = [
      gang("g", [
        group("x", 2, {
          minCount: 0,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] },
                ],
              },
            },
          },
        }),
      ]),
    ];
    expect(podsOf(solve({ nodes, gangs: byName }, opts), "g")).toEqual(["n2", "n2"]);
  });

  it("a snapshot placed without selectors still filters by labels later", () => {
    const nodes = [
      node("a", {}, {}, { labels: { pool: "x" } }),
      node("b", {}, {}, { labels: { pool: "y" } }),
    ];
    const snap = createSnapshot(undefined, nodes, opts);
    expect(podsOf(snap.place([gang("g", [group("x", 1)])]), "g")).toEqual(["a"]);
    const selected = [gang("g", [group("x", 1, { nodeSelector: { pool: "y" } })])];
    expect(podsOf(snap.place(selected), "g")).toEqual(["b"]);
    expect(podsOf(snap.place(selected), "g")).toEqual(["b"]);
    snap.dispose();
  });

  it("binding on a node leaves nodes with equal amounts alone", () => {
    // Equal allocatable and allocated objects: the checked nodes share their quantities.
    const nodes = ["a", "b", "c"].map((n) =>
      node(n, {}, { "nvidia.com/gpu": "2" }, { allocated: { "nvidia.com/gpu": "1" } }),
    );
    const snap = createSnapshot(undefined, nodes, opts);
    snap.bind("a", { "nvidia.com/gpu": "1" });
    snap.addNode(node("d", {}, { "nvidia.com/gpu": "1" })); // re-encodes from the checked nodes
    const all = [gang("g", [group("x", 5, { minCount: 0 })])];
    expect(podsOf(snap.place(all), "g").sort()).toEqual(["b", "c", "d"]);
    snap.dispose();
  });
});
