// Loads the placement kernel in a browser (the package's "browser" export condition, which Vite,
// esbuild and webpack pick for browser bundles). The release module is inlined into the bundle as
// base64 (build/release-wasm.js, written by scripts/inline-wasm.mjs after asc), so it needs no
// fetch, no asset URL and no bundler configuration, and loading stays synchronous like in Node
// (about 25 KB: under every browser's limit for synchronous compilation on the main thread).
import { RELEASE_WASM_BASE64 } from "../build/release-wasm.js";
import type * as NodeEntry from "./index.js";
import { checkBuild, instantiate, type PlacementWasm, type WasmBuild } from "./instance.js";

export type { PlacementWasm, WasmBuild } from "./instance.js";

let release: WebAssembly.Module | undefined;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** There is no file in a browser: the module is inlined. Named for the Node entry's API. */
export function wasmPath(build: WasmBuild): string {
  throw new Error(`wasmPath(${JSON.stringify(build)}) is Node-only: in a browser the wasm module is inlined`);
}

/** Compiles (once) and instantiates the release build, synchronously. */
export function loadPlacementWasm(build: WasmBuild = "release"): PlacementWasm {
  checkBuild(build);
  if (build !== "release")
    throw new Error(`wasm build "${build}" is not bundled for browsers: only "release" is (use the default)`);
  release ??= new WebAssembly.Module(decode(RELEASE_WASM_BASE64));
  return instantiate(release, build);
}

// Both entries answer to the same typings (the package's "types" is the Node entry's).
const _sameApi: Pick<typeof NodeEntry, "wasmPath" | "loadPlacementWasm"> = { wasmPath, loadPlacementWasm };
void _sameApi;
