// The scale suite's harness, shared by test/scale (invariants at a small size) and bench/scale (the
// full runs): `@grove-ts/e2e/scale`.
export * from "./big.js";
export * from "./counting.js";
export * from "./env.js";
export * from "./fleet.js";
export * from "./invariants.js";
export * from "./manifests.js";
export * from "./pod-view.js";
export * from "./sampler.js";
export * from "./suite.js";
export * from "./timeline.js";
export * from "./upstream.js";
export * from "./usage.js";
