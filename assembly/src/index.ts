// Loads the placement kernel (compiled from assembly/ by asc) without the generated glue: the
// caller owns arenas in the module's memory and passes only addresses (STYLE habit 6).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type WasmBuild = "release" | "debug";

export interface PlacementWasm {
  readonly build: WasmBuild;
  /** The module's memory; its buffer changes when the memory grows, so views must be rebuilt. */
  readonly memory: WebAssembly.Memory;
  /** A 16-byte aligned block of `bytes` bytes in `memory`. */
  alloc(bytes: number): number;
  release(ptr: number): void;
  /** Runs the kernel on a cluster arena and a call arena; 0 on success. */
  solve(cluster: number, call: number): number;
  /** Runs the preemption kernel on a cluster arena and a preemption arena; 0 on success. */
  preempt(cluster: number, call: number): number;
}

/** Where the compiled module of a build lies (build/<build>.wasm in this package). */
export function wasmPath(build: WasmBuild): string {
  return fileURLToPath(new URL(`../build/${build}.wasm`, import.meta.url));
}

function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0] ?? 0;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/** Compiles and instantiates one build, synchronously. */
export function loadPlacementWasm(build: WasmBuild = "release"): PlacementWasm {
  if (build !== "release" && build !== "debug")
    throw new Error(`unknown wasm build ${JSON.stringify(build)}`);
  const module = new WebAssembly.Module(readFileSync(wasmPath(build)));
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(msg: number, file: number, line: number, column: number) {
        const m = memory ? `${readString(memory, msg)} at ${readString(memory, file)}:${line}:${column}` : "";
        throw new Error(`placement wasm aborted: ${m}`);
      },
    },
  });
  const e = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    alloc(bytes: number): number;
    release(ptr: number): void;
    solve(c: number, p: number): number;
    preempt(c: number, q: number): number;
  };
  memory = e.memory;
  return {
    build,
    memory: e.memory,
    alloc: (bytes) => e.alloc(bytes) >>> 0,
    release: (ptr) => e.release(ptr),
    solve: (c, p) => e.solve(c, p),
    preempt: (c, q) => e.preempt(c, q),
  };
}
