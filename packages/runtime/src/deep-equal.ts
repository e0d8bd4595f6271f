// deepEqual (semantic equality of JSON-shaped values, for "write only when changed") is
// @grove-ts/api's, the one copy; re-exported so controllers keep importing it from the runtime.
export { deepEqual } from "@grove-ts/api";

/** Recursively freezes a JSON-shaped value in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
