// The scheduler throughput bench's invariants on a small run (the figures are bench output, not
// checked here): the busy cluster is 60-70% bound, every run is checked (no node over its GPUs,
// gangs that cannot fit unbound, all-or-nothing, rack/block-required gangs in one domain), and the
// arrivals on the settled cluster are all bound.
import { describe, expect, it } from "vitest";
import { busyCluster, pendingGangs } from "../src/busy-cluster.js";
import { runOnce } from "../src/scheduler-throughput.js";

describe("scheduler throughput bench", () => {
  it("builds a busy cluster and a seeded pending set", () => {
    const c = busyCluster(1000);
    expect(c.busyShare).toBeGreaterThan(0.6);
    expect(c.busyShare).toBeLessThan(0.7);
    expect(c.running.every((p) => p.spec?.nodeName)).toBe(true);
    const p = pendingGangs(1000);
    expect(p.gangs).toHaveLength(1000);
    expect(p.shapes.every((s) => s.pods >= 1 && s.pods <= 16)).toBe(true);
    expect(p.shapes.some((s) => s.cannotFit)).toBe(true);
    expect(pendingGangs(1000).shapes).toEqual(p.shapes);
  });

  it("schedules on a small busy cluster and passes its checks", { timeout: 120_000 }, async () => {
    const r = await runOnce(200, "wasm", undefined, 60);
    expect(r.failures).toEqual([]);
    expect(r.scheduledGangs).toBeGreaterThan(0);
    expect(r.cycles.length).toBeGreaterThan(0);
    expect(r.arrivals.boundMs.every((ms) => Number.isFinite(ms))).toBe(true);
  });
});
