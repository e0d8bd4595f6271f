/** Stable codes of the ways a PlacementProblem is rejected. */
export type PlacementErrorCode =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueTypeInvalid"
  | "FieldValueDuplicate"
  | "FieldValueNotFound";

/**
 * The problem was rejected as a whole (spec: placement-problem.md, last bullet of Semantics).
 * `field` is the path of the offending field, e.g. `gangs[2].groups[0].minCount`.
 */
export class PlacementProblemError extends Error {
  override readonly name = "PlacementProblemError";
  constructor(
    readonly code: PlacementErrorCode,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** The engine could not run (e.g. the WebAssembly module failed); not the problem's fault. */
export class PlacementEngineError extends Error {
  override readonly name = "PlacementEngineError";
  readonly code = "EngineFailed";
}
