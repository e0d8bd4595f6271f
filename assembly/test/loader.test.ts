// The raw loader: both builds load, allocate in their own memory, and memory growth replaces the
// buffer (views over the old one are detached and must be rebuilt: TOOLCHAIN pitfall 13).
import { describe, expect, it } from "vitest";
import { loadPlacementWasm } from "../src/index.js";

describe.each(["release", "debug"] as const)("placement wasm (%s)", (build) => {
  it("allocates aligned blocks and grows its memory on demand", () => {
    const w = loadPlacementWasm(build);
    const a = w.alloc(64);
    expect(a % 16).toBe(0);
    new Int32Array(w.memory.buffer, a, 16).fill(7);
    const before = w.memory.buffer;
    const view = new Int32Array(before, a, 16);
    const big = w.alloc(before.byteLength * 2);
    expect(w.memory.buffer).not.toBe(before);
    expect(view.length).toBe(0);
    expect(Array.from(new Int32Array(w.memory.buffer, a, 16))).toEqual(new Array(16).fill(7));
    w.release(big);
    w.release(a);
  });

  it("two instances do not share memory", () => {
    expect(loadPlacementWasm(build).memory).not.toBe(loadPlacementWasm(build).memory);
  });
});
