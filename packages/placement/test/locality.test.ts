// Locality first, then packing: a gang spans as few domains as it can at every level below its
// chosen domain, and the last domain it uses is the tightest that holds the rest; pods without a
// constraint go to the most-used domain that fits. On every engine.
import { describe, expect, it } from "vitest";
import { type PlacementNode, type PlacementResult, solve } from "../src/index.js";
import { distinct, ENGINES, gang, grid, group, node, podsOf, problem, rackOf } from "./helpers.js";

/** The grid with `used` GPUs already allocated on the named nodes. */
function withUsed(nodes: PlacementNode[], used: Record<string, number>): PlacementNode[] {
  return nodes.map((n) =>
    used[n.name] === undefined ? n : { ...n, allocated: { "nvidia.com/gpu": String(used[n.name]) } },
  );
}

const hostsOf = (r: PlacementResult, g: string) => distinct(podsOf(r, g));
const racksOf = (r: PlacementResult, g: string) => distinct(podsOf(r, g).map(rackOf));

describe.each(ENGINES)("locality ($engine $wasmBuild)", (opts) => {
  it("a preferred-rack gang that fits one rack lands in one rack, not in a more-allocated rack's scattered room", () => {
    // Rack b0-r0 has 8 GPUs free in sum, one per host (tightest by sum); the 2-GPU pods fit only
    // in rack b0-r1, which is empty. (Held before the locality step too, by backtracking: a guard.)
    const used: Record<string, number> = {};
    for (let h = 0; h < 8; h++) used[`b0-r0-h${h}`] = 7;
    const nodes = withUsed(grid(1, 2, 8), used);
    const p = problem(nodes, [
      gang("g", [group("w", 4, { requests: { "nvidia.com/gpu": 2 } })], {
        constraint: { preferred: "rack" },
      }),
    ]);
    const r = solve(p, opts);
    expect(r.gangs[0]?.placed).toBe(true);
    expect(racksOf(r, "g")).toEqual(["b0-r1"]);
    expect(hostsOf(r, "g")).toHaveLength(1);
  });

  it("a gang without a constraint fills the most-used rack that fits instead of opening another", () => {
    // Free: b0-r0 2+2 (most allocated nodes, but 4 < 6), b0-r1 8+0, b0-r2 8+8. The old rule (most
    // allocated nodes first) put 2+2 in b0-r0 and 2 in b0-r1: two racks. Now: b0-r1 holds all 6.
    const nodes = withUsed(grid(1, 3, 2), { "b0-r0-h0": 6, "b0-r0-h1": 6, "b0-r1-h1": 8 });
    const p = problem(nodes, [gang("free", [group("w", 6)])]);
    const r = solve(p, opts);
    expect(podsOf(r, "free")).toEqual(Array(6).fill("b0-r1-h0"));
    // ... and the empty rack stays whole for a rack-required gang.
    const p2 = problem(nodes, [
      gang("free", [group("w", 6)]),
      gang("rack", [group("x", 16)], { constraint: { required: "rack" } }),
    ]);
    const r2 = solve(p2, opts);
    expect(racksOf(r2, "free")).toEqual(["b0-r1"]);
    expect(racksOf(r2, "rack")).toEqual(["b0-r2"]);
  });

  it("a required-block gang larger than a rack uses the fewest racks, the last one the tightest", () => {
    // Racks of 16 GPUs; b0-r0..r2 have 10 free (2 + 8), b0-r3 16. 20 pods need 2 racks: the whole
    // of b0-r3, then the tightest rack that holds the other 4 (b0-r0, first by name among equals).
    // The old rule (most-allocated nodes first) began with the 2 free on each of b0-r0..r2: three racks.
    const nodes = withUsed(grid(1, 4, 2), { "b0-r0-h0": 6, "b0-r1-h0": 6, "b0-r2-h0": 6 });
    const p = problem(nodes, [gang("g", [group("w", 20)], { constraint: { required: "block" } })]);
    const r = solve(p, opts);
    expect(r.gangs[0]?.placed).toBe(true);
    expect(racksOf(r, "g")).toEqual(["b0-r0", "b0-r3"]);
    const inR0 = podsOf(r, "g").filter((n) => rackOf(n) === "b0-r0");
    // Inside b0-r0, the 4 pods go to the host that holds them all (the tightest one that does).
    expect(distinct(inR0)).toEqual(["b0-r0-h1"]);
  });

  it("a preferred-rack gang that climbs to its block uses the fewest racks", () => {
    // The old rule (most-allocated nodes first) spread it over three racks.
    const nodes = withUsed(grid(2, 3, 2), { "b0-r0-h0": 4, "b0-r1-h0": 4, "b0-r2-h0": 4 });
    // 20 pods: no rack holds them (16 each); block b0 (36 free) is tighter than b1 (48).
    const p = problem(nodes, [
      gang("g", [group("w", 20)], { constraint: { required: "block", preferred: "rack" } }),
    ]);
    const r = solve(p, opts);
    expect(r.gangs[0]?.placed).toBe(true);
    expect(racksOf(r, "g")).toHaveLength(2);
  });

  it("locality never costs pods: when packing places more, the packing answer is kept", () => {
    // Rack b0-r0: "small" (3 GPUs, empty); rack b0-r1: "big" (100 GPUs, 4 free, most allocated).
    // Locality puts gang a's 2 pods in the tightest rack, b0-r0, leaving gang b (only "small" fits
    // it, minCount 1 of 2) one pod: 3 pods. Packing (most-allocated nodes) puts a on "big": 4 pods.
    // Found in the quality bench, where earlier gangs' locality choices fragmented the nodes a
    // later gang's minimum or surplus needed (see the README's "Locality first").
    const nodes = [
      node("small", { block: "b0", rack: "b0-r0" }, { "nvidia.com/gpu": "3" }, { labels: { pool: "small" } }),
      node(
        "big",
        { block: "b0", rack: "b0-r1" },
        { "nvidia.com/gpu": "100" },
        {
          allocated: { "nvidia.com/gpu": "96" },
        },
      ),
    ];
    const p = problem(nodes, [
      gang("a", [group("w", 2)]),
      gang("b", [group("x", 2, { minCount: 1, nodeSelector: { pool: "small" } })]),
    ]);
    const r = solve(p, opts);
    expect(podsOf(r, "a")).toEqual(["big", "big"]);
    expect(podsOf(r, "b")).toEqual(["small", "small"]);
    expect(r.stats?.podsPlaced).toBe(4);
  });

  it("with pods left out either way, the locality answer stays when packing places no more", () => {
    // As in "fills the most-used rack that fits", plus a gang no rack can hold (20 GPUs on one host).
    const nodes = withUsed(grid(1, 3, 2), { "b0-r0-h0": 6, "b0-r0-h1": 6, "b0-r1-h1": 8 });
    const p = problem(nodes, [
      gang("free", [group("w", 6)]),
      gang("huge", [group("x", 20)], { constraint: { required: "host" } }),
    ]);
    const r = solve(p, opts);
    expect(podsOf(r, "free")).toEqual(Array(6).fill("b0-r1-h0"));
    expect(r.gangs[1]?.placed).toBe(false);
    expect(r.gangs[1]?.reason).toContain("host");
  });
});
