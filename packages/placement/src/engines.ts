// The two engines behind one small interface: allocate arenas, run the kernel over them.
import { loadPlacementWasm, type PlacementWasm, type WasmBuild } from "@grove-ts/placement-wasm";
import type { Allocator, Region } from "./encode.js";
import { JsKernel } from "./engine-js.js";
import { PlacementEngineError } from "./errors.js";
import { PreemptKernel } from "./preempt-kernel.js";

export type EngineName = "wasm" | "js";

export interface Engine extends Allocator {
  readonly name: EngineName;
  run(cluster: Region, call: Region): void;
  /** The preemption kernel (preempt-kernel.ts) on a cluster arena and a preemption arena. */
  preempt(cluster: Region, call: Region): void;
}

class JsEngine implements Engine {
  readonly name = "js" as const;
  private readonly kernel = new JsKernel();
  private readonly preemption = new PreemptKernel();
  /** Released buffers, reused: a fresh megabyte-sized ArrayBuffer per call costs more in GC than the work. */
  private readonly pool: ArrayBuffer[] = [];
  alloc(bytes: number): Region {
    const i = this.pool.findIndex((b) => b.byteLength >= bytes && b.byteLength <= 4 * bytes + 4096);
    const buf = i >= 0 ? (this.pool.splice(i, 1)[0] as ArrayBuffer) : new ArrayBuffer(bytes);
    return { base: 0, bytes, buffer: () => buf };
  }
  release(region: Region): void {
    this.pool.push(region.buffer());
    if (this.pool.length > 4) this.pool.shift();
  }
  run(cluster: Region, call: Region): void {
    this.kernel.run(cluster.buffer(), cluster.base, call.buffer(), call.base);
  }
  preempt(cluster: Region, call: Region): void {
    this.preemption.run(cluster.buffer(), cluster.base, call.buffer(), call.base);
  }
}

class WasmEngine implements Engine {
  readonly name = "wasm" as const;
  constructor(private readonly wasm: PlacementWasm) {}
  alloc(bytes: number): Region {
    const base = this.wasm.alloc(bytes);
    const memory = this.wasm.memory;
    return { base, bytes, buffer: () => memory.buffer };
  }
  release(region: Region): void {
    this.wasm.release(region.base);
  }
  run(cluster: Region, call: Region): void {
    const rc = this.wasm.solve(cluster.base, call.base);
    if (rc !== 0) throw new PlacementEngineError(`the wasm kernel failed with code ${rc}`);
  }
  preempt(cluster: Region, call: Region): void {
    const rc = this.wasm.preempt(cluster.base, call.base);
    if (rc !== 0) throw new PlacementEngineError(`the wasm preemption kernel failed with code ${rc}`);
  }
}

const js = new JsEngine();
const wasm = new Map<WasmBuild, WasmEngine>();

/** The engine by name; the wasm module is compiled once per build and kept. */
export function engine(name: EngineName = "wasm", build: WasmBuild = "release"): Engine {
  if (name === "js") return js;
  if (name !== "wasm") throw new PlacementEngineError(`unknown engine ${JSON.stringify(name)} (wasm, js)`);
  let e = wasm.get(build);
  if (!e) {
    e = new WasmEngine(loadPlacementWasm(build));
    wasm.set(build, e);
  }
  return e;
}
