// The checker's building blocks: field paths built only on failure, typed readers that throw a
// PlacementProblemError naming the field, and the quantity readers of both paths (checked and fast).
import { NO_QUANTITIES, type Quantities } from "./check-types.js";
import { type PlacementErrorCode, PlacementProblemError } from "./errors.js";
import { cachedQuantity, parseQuantity, tryQuantity } from "./quantity.js";

/** A field path, or how to build it: paths are built only when something is wrong (a call can
 * carry thousands of nodes and gangs, and the strings would cost more than the checks). */
export type Field = string | (() => string);
export const path = (f: Field): string => (typeof f === "string" ? f : f());

export const fail = (code: PlacementErrorCode, field: Field, detail: string): never => {
  throw new PlacementProblemError(code, path(field), detail);
};

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function object(v: unknown, field: Field): Record<string, unknown> {
  if (!isObject(v)) fail("FieldValueTypeInvalid", field, "must be an object");
  return v as Record<string, unknown>;
}

export function array(v: unknown, field: Field): unknown[] {
  if (!Array.isArray(v)) fail("FieldValueTypeInvalid", field, "must be an array");
  const a = v as unknown[];
  // A hole (a sparse array from a JS caller) reads as undefined and fails like one.
  for (let i = 0; i < a.length; i++) if (!(i in a)) return Array.from(a);
  return a;
}

export function name(v: unknown, field: Field): string {
  if (v === undefined) fail("FieldValueRequired", field, "is required");
  if (typeof v !== "string") fail("FieldValueTypeInvalid", field, "must be a string");
  if ((v as string).length === 0) fail("FieldValueRequired", field, "must not be empty");
  return v as string;
}

export function optString(v: unknown, field: Field): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") fail("FieldValueTypeInvalid", field, "must be a string");
  return v as string;
}

export function integer(v: unknown, field: Field, min: number): number {
  if (typeof v !== "number") fail("FieldValueTypeInvalid", field, "must be a number");
  if (!Number.isInteger(v)) fail("FieldValueInvalid", field, `${v} is not an integer`);
  if ((v as number) < min) fail("FieldValueInvalid", field, `${v} must be at least ${min}`);
  return v as number;
}

export function stringMap(v: unknown, field: Field): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = isObject(v) ? v : object(v, field);
  for (const k in o)
    if (typeof o[k] !== "string") fail("FieldValueTypeInvalid", `${path(field)}[${k}]`, "must be a string");
  return o as Record<string, string>;
}

export function quantities(v: unknown, field: Field): Quantities {
  if (v === undefined || v === null) return NO_QUANTITIES;
  const o = isObject(v) ? v : object(v, field);
  const names: string[] = [];
  const values: number[] = [];
  for (const k in o) {
    if (k.length === 0) fail("FieldValueInvalid", field, "a resource name must not be empty");
    const q = o[k];
    names.push(k);
    values.push(cachedQuantity(q) ?? parseQuantity(q, `${path(field)}[${k}]`));
  }
  return names.length === 0 ? NO_QUANTITIES : { names, values };
}

/** `q` without its i-th entry. */
export function without(q: Quantities, i: number): Quantities {
  if (q.names.length === 1) return NO_QUANTITIES;
  return { names: q.names.filter((_, x) => x !== i), values: q.values.filter((_, x) => x !== i) };
}

/**
 * The fast path's memory of the last quantities object read for one field (a node's allocatable,
 * a group's requests): thousands of nodes repeat the same names and amounts, which are then
 * shared instead of parsed and built again.
 */
export class Recent {
  last: Quantities = NO_QUANTITIES;
  raw: unknown[] = [];
}

/** Optional quantities on the fast path: NO_QUANTITIES when absent, null when anything is off. */
export function readOptionalQuantities(v: unknown, recent: Recent): Quantities | null {
  if (v === undefined || v === null) return NO_QUANTITIES;
  return isObject(v) ? readQuantities(v, recent) : null;
}

/** `o`'s quantities, or null when anything is off (the checked path then names the field). */
export function readQuantities(o: Record<string, unknown>, recent: Recent): Quantities | null {
  const before = recent.last.names;
  const raw = recent.raw;
  let j = 0;
  let same = true;
  for (const k in o) {
    if (before[j] !== k || raw[j] !== o[k]) {
      same = false;
      break;
    }
    j++;
  }
  if (same && j === before.length) return recent.last;
  const names: string[] = [];
  const values: number[] = [];
  const now: unknown[] = [];
  let sameNames = true;
  for (const k in o) {
    if (k.length === 0) return null;
    const q = o[k];
    const v = cachedQuantity(q) ?? tryQuantity(q);
    if (v === undefined) return null;
    if (before[names.length] !== k) sameNames = false;
    names.push(k);
    values.push(v);
    now.push(q);
  }
  if (names.length === 0) return NO_QUANTITIES;
  const out = { names: sameNames && names.length === before.length ? before : names, values };
  recent.last = out;
  recent.raw = now;
  return out;
}
