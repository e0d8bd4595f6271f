// @grove-ts/placement: topology-aware gang placement (spec: placement-problem.md).
export { type CheckedProblem, checkProblem } from "./check.js";
export type { EngineName } from "./engines.js";
export { PlacementEngineError, type PlacementErrorCode, PlacementProblemError } from "./errors.js";
export { parseQuantity } from "./quantity.js";
export { createSnapshot, PlacementSnapshot, type PlaceOptions, type SnapshotOptions } from "./snapshot.js";
export { type SolveOptions, solve } from "./solve.js";
export type * from "./types.js";
