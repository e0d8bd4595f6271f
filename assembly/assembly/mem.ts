// Element access into arenas by index: i32 and f64 arrays laid out at an address (layout.ts). Shared by
// the placement kernel (kernel.ts) and the preemption kernel (preempt.ts).

export function gi(a: usize, i: i32): i32 {
  return load<i32>(a + ((<usize>i) << 2));
}
export function si(a: usize, i: i32, v: i32): void {
  store<i32>(a + ((<usize>i) << 2), v);
}
export function gf(a: usize, i: i32): f64 {
  return load<f64>(a + ((<usize>i) << 3));
}
export function sf(a: usize, i: i32, v: f64): void {
  store<f64>(a + ((<usize>i) << 3), v);
}
