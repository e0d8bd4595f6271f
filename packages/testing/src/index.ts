// @grove-ts/testing: builders and generators for tests and benches.
export type {
  Quantity,
  RConstraint,
  RGang,
  RGroup,
  RNode,
  RProblem,
  RRequirement,
  RResult,
} from "./contract.js";
export { type RandomProblemOptions, randomProblem, rng } from "./random.js";
export { milli, nodeRejects, verifyPlacement } from "./verify.js";
