// Domain caps (Gang.domainCaps, README "Domain caps"): at most so many pods of some groups of a gang
// per domain of any node label, whatever the domain its constraints chose; per-domain caps given
// by the caller; nodes without the label free or excluded. On every engine.
import { describe, expect, it } from "vitest";
import { checkProblem, PlacementProblemError, solve } from "../src/index.js";
import { ENGINES, gang, grid, group, LEVELS, node, podsOf, problem, rackOf } from "./helpers.js";

const count = (xs: string[], f: (x: string) => string) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(f(x), (m.get(f(x)) ?? 0) + 1);
  return [...m.values()].sort();
};

/** Three zones of two racks of two hosts (zone label on every node). */
const zoned = () =>
  grid(1, 6, 2).map((n, i) => ({ ...n, labels: { ...n.labels, zone: `z${Math.floor(i / 4)}` } }));

describe.each(ENGINES)("domain caps ($engine $wasmBuild)", (opts) => {
  it("without a cap the pods pack in one rack; with max 1 per rack, one pod per rack", () => {
    const plain = solve(problem(grid(1, 4, 2), [gang("g", [group("w", 4)])]), opts);
    expect(count(podsOf(plain, "g"), rackOf)).toEqual([4]);
    const capped = solve(
      problem(grid(1, 4, 2), [
        gang("g", [group("w", 4)], { domainCaps: [{ key: "rack", groups: ["w"], max: 1 }] }),
      ]),
      opts,
    );
    expect(capped.gangs[0]?.placed).toBe(true);
    expect(count(podsOf(capped, "g"), rackOf)).toEqual([1, 1, 1, 1]);
  });

  it("one rack short: the gang is not placed", () => {
    const r = solve(
      problem(grid(1, 4, 2), [
        gang("g", [group("w", 5)], { domainCaps: [{ key: "rack", groups: ["w"], max: 1 }] }),
      ]),
      opts,
    );
    expect(r.gangs[0]?.placed).toBe(false);
  });

  it("a cap counts every group it lists together, and only those", () => {
    const caps = [{ key: "rack", groups: ["a", "b"], max: 2 }];
    const r = solve(
      problem(grid(1, 4, 2), [
        gang("g", [group("a", 3), group("b", 3), group("c", 4)], { domainCaps: caps }),
      ]),
      opts,
    );
    expect(r.gangs[0]?.placed).toBe(true);
    const groups = r.gangs[0]?.groups ?? [];
    const ab = [...(groups[0]?.nodes ?? []), ...(groups[1]?.nodes ?? [])];
    expect(Math.max(...count(ab, rackOf))).toBeLessThanOrEqual(2);
    expect(count(groups[2]?.nodes ?? [], rackOf)).toEqual([4]);
  });

  it("per-domain caps from the caller: an even spread over zones", () => {
    const domains = { z0: 2, z1: 2, z2: 2 };
    const r = solve(
      problem(zoned(), [
        gang("g", [group("s", 6)], { domainCaps: [{ key: "zone", groups: ["s"], domains }] }),
      ]),
      { ...opts },
    );
    expect(r.gangs[0]?.placed).toBe(true);
    const zoneOf = (n: string) => `z${Math.floor((Number(n.split("-")[1]?.slice(1)) * 2) / 4)}`;
    expect(count(podsOf(r, "g"), zoneOf)).toEqual([2, 2, 2]);
  });

  it("inside a required rack, at most one pod per host", () => {
    const caps = [{ key: "kubernetes.io/hostname", groups: ["w"], max: 1 }];
    const p = problem(grid(1, 2, 4), [
      gang("g", [group("w", 4)], { constraint: { required: "rack" }, domainCaps: caps }),
    ]);
    const r = solve({ ...p, topology: LEVELS }, opts);
    expect(r.gangs[0]?.placed).toBe(true);
    const nodes = podsOf(r, "g");
    expect(new Set(nodes).size).toBe(4);
    expect(new Set(nodes.map(rackOf)).size).toBe(1);
  });

  it("a required block whose capacity holds the pods but whose racks do not: the next block", () => {
    const nodes = [
      ...Array.from({ length: 8 }, (_, h) => node(`a-${h}`, { block: "b0", rack: "b0-r0" })),
      ...Array.from({ length: 4 }, (_, r) => node(`b-${r}`, { block: "b1", rack: `b1-r${r}` })),
    ];
    const caps = [{ key: "rack", groups: ["w"], max: 1 }];
    const r = solve(
      problem(nodes, [gang("g", [group("w", 4)], { constraint: { required: "block" }, domainCaps: caps })]),
      opts,
    );
    expect(podsOf(r, "g")).toEqual(["b-0", "b-1", "b-2", "b-3"]);
  });

  it('unlabeled "none" keeps the pods off nodes without the label; "any" lets them on', () => {
    const nodes = grid(1, 2, 2).map((n, i) => (i < 2 ? { ...n, labels: { ...n.labels, zone: "z0" } } : n));
    const cap = (unlabeled: "any" | "none") => [
      gang("g", [group("w", 4)], { domainCaps: [{ key: "zone", groups: ["w"], max: 1, unlabeled }] }),
    ];
    const none = solve(problem(nodes, cap("none")), opts);
    expect(none.gangs[0]?.placed).toBe(false);
    const any = solve(problem(nodes, cap("any")), opts);
    expect(any.gangs[0]?.placed).toBe(true);
    expect(podsOf(any, "g").filter((n) => rackOf(n) === rackOf(nodes[0]?.name ?? ""))).toHaveLength(1);
  });
});

describe("domain caps: bad input names the field", () => {
  const bad = (cap: unknown) => () =>
    checkProblem(problem(grid(1, 1, 1), [gang("g", [group("w", 1)], { domainCaps: [cap] as never })]));
  it.each([
    [{ groups: ["w"], max: 1 }, "gangs[0].domainCaps[0].key"],
    [{ key: "rack", groups: ["x"], max: 1 }, "gangs[0].domainCaps[0].groups[0]"],
    [{ key: "rack", groups: ["w"] }, "gangs[0].domainCaps[0].max"],
    [{ key: "rack", groups: ["w"], max: -1 }, "gangs[0].domainCaps[0].max"],
    [{ key: "rack", groups: ["w"], domains: { r0: 1.5 } }, 'gangs[0].domainCaps[0].domains["r0"]'],
    [{ key: "rack", groups: ["w"], max: 1, unlabeled: "skip" }, "gangs[0].domainCaps[0].unlabeled"],
  ])("%j -> %s", (cap, field) => {
    expect(bad(cap)).toThrow(PlacementProblemError);
    try {
      bad(cap)();
    } catch (e) {
      expect((e as PlacementProblemError).field).toBe(field);
    }
  });
});
