// preempt(): between domains whose victim sets tie in (highest priority, victims), the one that
// evicts fewer pods wins, whichever domain is tried first (README "Preemption").
import { describe, expect, it } from "vitest";
import { createSnapshot, type RunningGang } from "../src/index.js";
import { ENGINES, gang, grid, group, LEVELS } from "./helpers.js";

/** A running gang of `pods` pods of `gpus` GPUs each on one node. */
const running = (name: string, node: string, pods: number, gpus: number): RunningGang => ({
  name,
  priority: 1,
  pods: Array.from({ length: pods }, () => ({ node, requests: { "nvidia.com/gpu": gpus } })),
});

describe.each(ENGINES)("preempt ties on $engine ($wasmBuild)", (opts) => {
  it("one victim either way: the rack whose victim has fewer pods, though the other comes first", () => {
    // Two racks of one 8-GPU host, both full: rack b0-r0 (tried first, same bound) holds a gang of
    // two 4-GPU pods, rack b0-r1 a gang of one 8-GPU pod.
    const cands = [running("two-pods", "b0-r0-h0", 2, 4), running("one-pod", "b0-r1-h0", 1, 8)];
    const snap = createSnapshot(LEVELS, grid(1, 2, 1), opts);
    for (const c of cands) for (const p of c.pods) snap.bind(p.node, p.requests ?? {});
    const g = gang("g", [group("w", 1, { requests: { "nvidia.com/gpu": 8 } })], {
      constraint: { required: "rack" },
    });
    const r = snap.preempt(g, cands);
    expect(r.victims).toEqual(["one-pod"]);
    expect(r.groups.flatMap((x) => x.nodes)).toEqual(["b0-r1-h0"]);
    snap.dispose();
  });
});
