// Node preferences (PodGroup.preferences, README "Node preferences"): inside the domain a group's
// constraints chose, its pods take the nodes of the best score first (preferred node-affinity
// weights; fewer untolerated PreferNoSchedule taints before any weight), then the next tier, with
// locality and packing inside each tier. Without preferences nothing changes. On every engine.
import { describe, expect, it } from "vitest";
import { checkProblem, PlacementProblemError, solve } from "../src/index.js";
import { distinct, ENGINES, gang, grid, group, node, podsOf, problem, rackOf } from "./helpers.js";

const fast = (key = "tier", value = "fast") => ({
  weight: 50,
  preference: { matchExpressions: [{ key, operator: "In" as const, values: [value] }] },
});

/** A rack of four hosts of 8 GPUs, the last two labelled tier=fast. */
const rack = () =>
  [0, 1, 2, 3].map((h) =>
    node(
      `h${h}`,
      { block: "b0", rack: "r0" },
      { "nvidia.com/gpu": "8" },
      h >= 2 ? { labels: { tier: "fast" } } : {},
    ),
  );

describe.each(ENGINES)("node preferences ($engine $wasmBuild)", (opts) => {
  it("without preferences the pods pack on the first host; with them on the preferred hosts", () => {
    const plain = solve(problem(rack(), [gang("g", [group("w", 4)])]), opts);
    expect(podsOf(plain, "g")).toEqual(["h0", "h0", "h0", "h0"]);
    const pref = solve(
      problem(rack(), [gang("g", [group("w", 4, { preferences: { nodeAffinity: [fast()] } })])]),
      opts,
    );
    expect(distinct(podsOf(pref, "g"))).toEqual(["h2"]);
  });

  it("followed while there is room, then the rest goes to the other nodes (never refused for it)", () => {
    const p = problem(rack(), [gang("g", [group("w", 20, { preferences: { nodeAffinity: [fast()] } })])]);
    const r = solve(p, opts);
    expect(r.gangs[0]?.placed).toBe(true);
    const nodes = podsOf(r, "g");
    expect(nodes.filter((n) => n === "h2" || n === "h3")).toHaveLength(16);
    expect(nodes).toHaveLength(20);
  });

  it("higher weight sums first", () => {
    const nodes = rack().map((n, i) => ({
      ...n,
      labels: { ...n.labels, zone: i === 1 || i === 3 ? "a" : "b" },
    }));
    const prefs = { nodeAffinity: [fast(), { ...fast("zone", "a"), weight: 10 }] };
    const r = solve(problem(nodes, [gang("g", [group("w", 10, { preferences: prefs })])]), opts);
    const got = podsOf(r, "g");
    expect(got.filter((n) => n === "h3")).toHaveLength(8); // fast and zone a: 60
    expect(got.filter((n) => n === "h2")).toHaveLength(2); // fast: 50
  });

  it("PreferNoSchedule taints the group does not tolerate come last, before any weight", () => {
    const nodes = rack().map((n) =>
      n.name === "h2" || n.name === "h0"
        ? { ...n, taints: [{ key: "spot", effect: "PreferNoSchedule" }] }
        : n,
    );
    const prefs = { nodeAffinity: [fast()], preferNoSchedule: true };
    const r = solve(problem(nodes, [gang("g", [group("w", 12, { preferences: prefs })])]), opts);
    const got = podsOf(r, "g");
    expect(got.filter((n) => n === "h3")).toHaveLength(8); // fast, untainted
    expect(got.filter((n) => n === "h1")).toHaveLength(4); // untainted
    // Tolerated: the taint does not count.
    const tol = solve(
      problem(nodes, [
        gang("g", [
          group("w", 4, {
            preferences: { preferNoSchedule: true },
            tolerations: [{ key: "spot", operator: "Exists", effect: "PreferNoSchedule" }],
          }),
        ]),
      ]),
      opts,
    );
    expect(podsOf(tol, "g")).toEqual(["h0", "h0", "h0", "h0"]);
  });

  it("a preference never moves the domain the constraints choose (inside it, the preferred nodes)", () => {
    // Rack b0-r0 is the tightest for 4 GPUs; the fast host is in rack b0-r1: the pods stay in b0-r0.
    const nodes = grid(1, 2, 2).map((n) =>
      n.name === "b0-r1-h1" ? { ...n, labels: { ...n.labels, tier: "fast" } } : n,
    );
    nodes[0] = { ...(nodes[0] as (typeof nodes)[number]), allocated: { "nvidia.com/gpu": "4" } };
    nodes[1] = { ...(nodes[1] as (typeof nodes)[number]), allocated: { "nvidia.com/gpu": "4" } };
    const r = solve(
      problem(nodes, [
        gang("g", [group("w", 4, { preferences: { nodeAffinity: [fast()] } })], {
          constraint: { required: "rack" },
        }),
      ]),
      opts,
    );
    expect(distinct(podsOf(r, "g").map(rackOf))).toEqual(["b0-r0"]);
  });
});

describe("node preferences: checked", () => {
  const bad = (preferences: unknown) => () =>
    checkProblem(problem(rack(), [gang("g", [group("w", 1, { preferences } as never)])]));
  it.each([
    [
      { nodeAffinity: [{ weight: 0, preference: {} }] },
      "gangs[0].groups[0].preferences.nodeAffinity[0].weight",
    ],
    [
      { nodeAffinity: [{ weight: 101, preference: {} }] },
      "gangs[0].groups[0].preferences.nodeAffinity[0].weight",
    ],
    [{ nodeAffinity: [{ weight: 1 }] }, "gangs[0].groups[0].preferences.nodeAffinity[0].preference"],
    [
      { nodeAffinity: [{ weight: 1, preference: { matchExpressions: [{ key: "a", operator: "Near" }] } }] },
      "gangs[0].groups[0].preferences.nodeAffinity[0].preference.matchExpressions[0].operator",
    ],
    [{ preferNoSchedule: "yes" }, "gangs[0].groups[0].preferences.preferNoSchedule"],
  ])("%j is refused at %s", (prefs, field) => {
    try {
      bad(prefs)();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlacementProblemError);
      expect((e as PlacementProblemError).field).toBe(field);
    }
  });
});
