// @grove-ts/bench: problem builders and the exact MILP model used by the placement benches.
// The bench entry points (placement-speed.ts, placement-quality.ts) run on import and are not exported.
export type * from "./contract.js";
export { countPlaced, ENGINES, type Engine, loadSolver, MissingDependencyError } from "./engines.js";
export { FewestCache, type GangLocality } from "./locality.js";
export { Milp, type MilpSolution } from "./lp.js";
export { type RunInfo, runInfo } from "./machine.js";
export { eligible, type IndexedProblem, indexProblem, ModelError } from "./model.js";
export { type Optimum, solveOptimum } from "./optimum.js";
export { milli } from "./quantity.js";
export { Rng } from "./rng.js";
export * from "./shapes.js";
export { type SmallProblemOptions, smallProblem } from "./small.js";
