// JSON-value helpers every layer needs: deep equality, deep copy, own-key writes and dotted-path
// reads. One copy, here in the lowest package (api <- runtime <- apiserver, controllers, apps).

export type JsonObject = Record<string, unknown>;

const isMap = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Semantic equality of JSON-shaped values, for "write only when changed" (house habit 2) and for
 * immutability checks. Key order is ignored; a key whose value is undefined equals a missing key,
 * because JSON serialisation drops both alike. NaN equals NaN; Dates compare by time.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  const aArr = Array.isArray(a);
  if (aArr !== Array.isArray(b)) return false;
  if (aArr) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  const x = a as JsonObject;
  const y = b as JsonObject;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    if (!Object.hasOwn(y, k) || !deepEqual(x[k], y[k])) return false;
  }
  for (const k of Object.keys(y)) {
    if (y[k] !== undefined && !Object.hasOwn(x, k)) return false;
  }
  return true;
}

/**
 * Sets a key as an own property. `__proto__` is an ordinary key in Kubernetes (a ConfigMap may hold
 * one), but assigning it in JavaScript swaps the object's prototype instead: it was lost, and with
 * an object value it lent the object inherited fields.
 */
export function setOwn(o: JsonObject, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/**
 * Deep copy of a JSON value; keys whose value is undefined are dropped, as JSON drops them.
 * Hand-written: structuredClone took ~36 µs per small object on Node 20, which made a
 * 10,000-object in-process list cost 360 ms.
 */
export function clone<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clone(v[i]);
    return out as T;
  }
  const out: JsonObject = {};
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (x === undefined) continue;
    if (k === "__proto__") setOwn(out, k, clone(x));
    else out[k] = clone(x);
  }
  return out as T;
}

/** Reads a dotted path such as `spec.replicas` or `involvedObject.name` (maps only; own keys only). */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (part === "") continue;
    if (!isMap(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}
