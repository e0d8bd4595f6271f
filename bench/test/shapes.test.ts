import { describe, expect, it } from "vitest";
import { blockGangs, gangGpus, groveMix, podsAsked, upstreamRackGangs } from "../src/shapes.js";
import { smallProblem } from "../src/small.js";

const distinct = (values: (string | undefined)[]) => new Set(values).size;

describe("speed shapes", () => {
  it.each([750, 1500, 2250])("upstream rack shape with %d gangs of 4", (gangs) => {
    const p = upstreamRackGangs(gangs);
    expect(p.nodes).toHaveLength(5000);
    expect(distinct(p.nodes.map((n) => n.labels?.["example.com/block"]))).toBe(5);
    expect(distinct(p.nodes.map((n) => n.labels?.["example.com/rack"]))).toBe(50);
    expect(p.nodes.every((n) => n.allocatable["nvidia.com/gpu"] === "8")).toBe(true);
    expect(p.gangs).toHaveLength(gangs);
    expect(podsAsked(p)).toBe(4 * gangs);
    expect(p.gangs.every((g) => g.constraint?.required === "rack" && gangGpus(g) === 4)).toBe(true);
  });

  it("block shape: 9 gangs of 1,000 one-GPU pods, required block", () => {
    const p = blockGangs();
    expect(p.nodes).toHaveLength(5000);
    expect(p.gangs).toHaveLength(9);
    expect(podsAsked(p)).toBe(9000);
    expect(p.gangs.every((g) => g.constraint?.required === "block" && gangGpus(g) === 1000)).toBe(true);
  });

  it("Grove-like mix asks for 85-90% of the GPUs, with leader+worker sub-groups in one rack", () => {
    const p = groveMix(0.9, 1);
    const asked = p.gangs.reduce((s, g) => s + gangGpus(g), 0);
    expect(asked).toBeLessThanOrEqual(0.9 * 40_000);
    expect(asked).toBeGreaterThan(0.85 * 40_000);
    const withSubGroups = p.gangs.filter((g) => (g.subGroups ?? []).length > 0);
    expect(withSubGroups.length).toBeGreaterThan(0);
    for (const g of withSubGroups) {
      const names = new Set(g.groups.map((x) => x.name));
      for (const sg of g.subGroups ?? []) {
        expect(sg.groups).toHaveLength(2);
        expect(sg.groups.every((n) => names.has(n))).toBe(true);
        expect(sg.constraint?.required).toBe("rack");
      }
    }
    expect(p.gangs.some((g) => g.groups.some((x) => x.constraint?.required === "host"))).toBe(true);
    expect(JSON.stringify(groveMix(0.9, 1))).toBe(JSON.stringify(p));
  });
});

describe("smallProblem", () => {
  it("stays within 64 nodes and 20 gangs and is a pure function of its seed", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const p = smallProblem(seed);
      expect(p.nodes.length).toBeLessThanOrEqual(64);
      expect(p.gangs.length).toBeLessThanOrEqual(20);
      expect(p.gangs.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(smallProblem(7))).toBe(JSON.stringify(smallProblem(7)));
    expect(JSON.stringify(smallProblem(7))).not.toBe(JSON.stringify(smallProblem(8)));
  });
});
