// One instance of the placement kernel from a compiled module, without the generated glue: the
// caller owns arenas in the module's memory and passes only addresses (STYLE habit 6). Shared by
// the Node entry (index.ts: the module read from build/*.wasm) and the browser entry (browser.ts:
// the module inlined into the bundle).

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

/** Refuses anything but the two builds, naming the value. */
export function checkBuild(build: unknown): asserts build is WasmBuild {
  if (build !== "release" && build !== "debug")
    throw new Error(`unknown wasm build ${JSON.stringify(build)} (release, debug)`);
}

function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0] ?? 0;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/** Instantiates a compiled build, synchronously, with the abort import the kernel expects. */
export function instantiate(module: WebAssembly.Module, build: WasmBuild): PlacementWasm {
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
