// Loads the placement kernel (compiled from assembly/ by asc) in Node: the module is read from
// build/<build>.wasm next to this file. Bundlers that resolve the "browser" condition (Vite,
// esbuild, webpack) get browser.ts instead, which carries the module inlined.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkBuild, instantiate, type PlacementWasm, type WasmBuild } from "./instance.js";

export type { PlacementWasm, WasmBuild } from "./instance.js";

/** Where the compiled module of a build lies (build/<build>.wasm in this package). */
export function wasmPath(build: WasmBuild): string {
  return fileURLToPath(new URL(`../build/${build}.wasm`, import.meta.url));
}

/** Compiles and instantiates one build, synchronously. */
export function loadPlacementWasm(build: WasmBuild = "release"): PlacementWasm {
  checkBuild(build);
  return instantiate(new WebAssembly.Module(readFileSync(wasmPath(build))), build);
}
