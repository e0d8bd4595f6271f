// @grove-ts/placement-wasm: the placement kernel. Only numbers cross the boundary: the caller
// allocates arenas here, fills them through typed views, and calls solve on their addresses.
export { solve } from "./kernel";
export { preempt } from "./preempt";

/** A block of `bytes` bytes (16-byte aligned) for an arena; the caller owns it until release. */
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function release(ptr: usize): void {
  heap.free(ptr);
}
