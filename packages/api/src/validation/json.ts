// Defensive readers over arbitrary user JSON. Validation is called on whatever a client sent (the CLI
// and the API server call it before or without a structural check), so a missing or mistyped field
// must read as "absent", never throw. Equality and copies are ../json.ts's (one copy for every layer).

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

/** The array, or [] when absent or not an array. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A finite integer-valued number, else undefined (a mistyped value reads as absent). */
export function int(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A string→string map; non-string values are skipped (the structural check reports them). */
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === "string") out[k] = val;
  return out;
}

export function has(o: Obj | undefined, key: string): boolean {
  return o !== undefined && Object.hasOwn(o, key) && o[key] !== undefined && o[key] !== null;
}
