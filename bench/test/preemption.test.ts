// The KEP-5732 preemption bench's shape and run on a small cluster: every GPU taken by
// low-priority gangs; each arriving rack-required gang is placed in one rack after evicting whole
// gangs of that rack, and both engines decide alike.
import { describe, expect, it } from "vitest";
import { preemptionShape } from "../src/preemption-shape.js";
import { runDecisions } from "../src/preemption-speed.js";

const small = () => preemptionShape(6, 3, { blocks: 2, racksPerBlock: 2, hostsPerRack: 25, gpusPerHost: 8 });
const rackOf = (n: string) => n.slice(0, n.lastIndexOf("-"));

describe("preemption bench", () => {
  it("the shape fills every GPU of the cluster", () => {
    const shape = preemptionShape();
    expect(shape.nodes).toHaveLength(5000);
    const gpus = shape.running
      .flatMap((g) => g.pods)
      .reduce((a, p) => a + Number(p.requests["nvidia.com/gpu"]), 0);
    expect(gpus).toBe(5000 * 8);
    expect(shape.arriving).toHaveLength(100);
  });

  it("each arrival evicts whole gangs of one rack and runs there; engines agree", () => {
    const shape = small();
    const wasm = runDecisions(shape, "wasm");
    const js = runDecisions(shape, "js");
    expect(js.decisions).toEqual(wasm.decisions);
    const where = new Map(shape.running.map((g) => [g.name, new Set(g.pods.map((p) => rackOf(p.node)))]));
    for (const d of wasm.decisions.slice(0, 4)) {
      expect(d.placed).toBe(true);
      const racks = new Set(d.nodes.map(rackOf));
      expect(racks.size).toBe(1);
      expect(d.victims.length).toBeGreaterThan(0);
      for (const v of d.victims) expect([...(where.get(v) ?? [])].every((r) => racks.has(r))).toBe(true);
    }
    // Four racks of 25 hosts hold four gangs of 16 hosts; the fifth and sixth cannot be placed.
    expect(wasm.decisions.slice(4).map((d) => d.placed)).toEqual([false, false]);
  });
});
