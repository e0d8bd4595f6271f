// The incremental snapshot gives the same results as solve() on the equivalent problem, on every engine.
import { describe, expect, it } from "vitest";
import { createSnapshot, type PlacementNode, PlacementProblemError, solve } from "../src/index.js";
import { ENGINES, gang, grid, group, LEVELS, node, podsOf } from "./helpers.js";

const strip = (r: { gangs: unknown }) => JSON.stringify(r.gangs);

describe.each(ENGINES)("snapshot on $engine ($wasmBuild)", (opts) => {
  it("places like solve() and does not change between calls without commit", () => {
    const nodes = grid(2, 2, 2, 4);
    const gangs = [
      gang("a", [group("x", 6)], { constraint: { required: "rack" } }),
      gang("b", [group("y", 3)]),
    ];
    const snap = createSnapshot(LEVELS, nodes, opts);
    const first = snap.place(gangs);
    expect(strip(first)).toBe(strip(solve({ topology: LEVELS, nodes, gangs }, opts)));
    expect(strip(snap.place(gangs))).toBe(strip(first));
    snap.dispose();
  });

  it("bind, free, cordon, remove and add are seen by the next place()", () => {
    const nodes: PlacementNode[] = [
      node("a", {}, { "nvidia.com/gpu": "2" }),
      node("b", {}, { "nvidia.com/gpu": "2" }),
    ];
    const snap = createSnapshot(undefined, nodes, opts);
    const one = [gang("g", [group("x", 1)])];
    expect(podsOf(snap.place(one), "g")).toEqual(["a"]);
    snap.bind("b", { "nvidia.com/gpu": "1" });
    expect(podsOf(snap.place(one), "g")).toEqual(["b"]); // most allocated first
    snap.free("b", { "nvidia.com/gpu": "1" });
    expect(podsOf(snap.place(one), "g")).toEqual(["a"]);
    snap.cordon("a");
    expect(podsOf(snap.place(one), "g")).toEqual(["b"]);
    snap.cordon("a", false);
    snap.removeNode("a");
    expect(podsOf(snap.place([gang("g", [group("x", 3, { minCount: 0 })])]), "g")).toEqual(["b", "b"]);
    snap.addNode(node("c", {}, { "nvidia.com/gpu": "1", "example.com/fpga": "1" }));
    expect(
      podsOf(snap.place([gang("g", [group("x", 1, { requests: { "example.com/fpga": 1 } })])]), "g"),
    ).toEqual(["c"]);
    expect(snap.size).toBe(2);
    snap.dispose();
  });

  it("commit binds the placed pods", () => {
    const snap = createSnapshot(undefined, [node("a", {}, { "nvidia.com/gpu": "4" })], opts);
    const g = [gang("g", [group("x", 3)])];
    expect(snap.place(g, { commit: true }).gangs[0]?.placed).toBe(true);
    const again = snap.place(g);
    expect(again.gangs[0]?.reason).toBe("group x: the cluster fits 1 of 3 pods of its minimum");
    snap.free("a", { "nvidia.com/gpu": 1 }, 3);
    expect(snap.place(g).gangs[0]?.placed).toBe(true);
    snap.dispose();
  });

  it("a new resource asked by a gang re-encodes once and is zero on nodes without it", () => {
    const snap = createSnapshot(undefined, [node("a")], opts);
    const r = snap.place([gang("g", [group("x", 1, { requests: { "example.com/new": 1 } })])]);
    expect(r.gangs[0]?.placed).toBe(false);
    snap.dispose();
  });

  it("keeps working when a big call grows the engine's memory under it", () => {
    const nodes = grid(2, 4, 8, 8);
    const snap = createSnapshot(LEVELS, nodes, opts);
    const small = [gang("s", [group("x", 2)])];
    snap.place(small);
    const many = Array.from({ length: 3000 }, (_, i) =>
      gang(`m${i}`, [group(`m${i}-x`, 40, { minCount: 0 })]),
    );
    const big = snap.place(many);
    expect(big.gangs).toHaveLength(3000);
    snap.bind("b0-r0-h0", { "nvidia.com/gpu": 8 });
    const after = snap.place(small);
    nodes[0] = { ...(nodes[0] as PlacementNode), allocated: { "nvidia.com/gpu": "8", pods: "1" } };
    expect(strip(after)).toBe(strip(solve({ topology: LEVELS, nodes, gangs: small }, opts)));
    snap.dispose();
  });

  it("rejects unknown nodes and over-freeing with a field error", () => {
    const snap = createSnapshot(undefined, [node("a")], opts);
    expect(() => snap.bind("zz", {})).toThrow(PlacementProblemError);
    expect(() => snap.free("a", { cpu: "1" })).toThrow(/less cpu allocated/);
    expect(() => snap.free("a", {})).toThrow(/less pods allocated/);
    expect(() => snap.bind("a", { cpu: "1x" })).toThrow(/requests\[cpu\]/);
    expect(() => snap.addNode(node("a"))).toThrow(PlacementProblemError);
    expect(() => snap.place([gang("g", [group("x", 2, { minCount: 3 })])])).toThrow(/minCount/);
    snap.dispose();
  });
});
