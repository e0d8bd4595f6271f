// Small helpers shared by the server's parts: copies, equality, time formats, JSONPath subset.
import { randomUUID } from "node:crypto";
import { getPath } from "@grove-ts/api";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = Record<string, unknown>;

// Deep copy, deep equality, own-key writes and dotted-path reads are @grove-ts/api's (one copy).
export { clone, deepEqual, getPath, setOwn } from "@grove-ts/api";

/** An own property only (`o.__proto__` would be the prototype). */
export const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const newUid = (): string => randomUUID();

/** RFC 3339 without fractional seconds, as metav1.Time marshals. */
export const timestamp = (d: Date = new Date()): string => `${d.toISOString().slice(0, 19)}Z`;

/** apimachinery's duration.HumanDuration: `0s`, `5m`, `3h2m`, `696d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(creationTimestamp: unknown, now = Date.now()): string {
  if (typeof creationTimestamp !== "string") return "<unknown>";
  const t = Date.parse(creationTimestamp);
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** Sets a dotted path, creating maps on the way. */
export function setPath(obj: Obj, path: string, value: unknown): void {
  const parts = path.split(".").filter((p) => p !== "");
  let cur: Obj = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    if (!isObj(cur[p])) cur[p] = {};
    cur = cur[p] as Obj;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) cur[last] = value;
}

/**
 * The JSONPath subset CRD printer columns and `kubectl wait --for=jsonpath` need: `.a.b`, `[0]`,
 * `[*]`, `['key']` and `[?(@.type=="X")]`. Returns every match.
 */
export function jsonPath(obj: unknown, expr: string): unknown[] {
  let text = expr.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1);
  if (text.startsWith("$")) text = text.slice(1);
  let cur: unknown[] = [obj];
  let i = 0;
  while (i < text.length && cur.length > 0) {
    const c = text[i];
    if (c === ".") {
      i++;
      let j = i;
      while (j < text.length && text[j] !== "." && text[j] !== "[") j++;
      const key = text.slice(i, j);
      i = j;
      if (key === "") continue;
      if (key === "*") cur = cur.flatMap((v) => (isObj(v) ? Object.values(v) : Array.isArray(v) ? v : []));
      else cur = cur.flatMap((v) => (isObj(v) && v[key] !== undefined ? [v[key]] : []));
    } else if (c === "[") {
      const j = text.indexOf("]", i);
      if (j < 0) return [];
      const inner = text.slice(i + 1, j).trim();
      i = j + 1;
      if (inner === "*") cur = cur.flatMap((v) => (Array.isArray(v) ? v : isObj(v) ? Object.values(v) : []));
      else if (/^-?\d+$/.test(inner)) {
        const n = Number(inner);
        cur = cur.flatMap((v) => {
          if (!Array.isArray(v)) return [];
          const item = v[n < 0 ? v.length + n : n];
          return item === undefined ? [] : [item];
        });
      } else if (/^['"].*['"]$/.test(inner)) {
        const key = inner.slice(1, -1);
        cur = cur.flatMap((v) => (isObj(v) && v[key] !== undefined ? [v[key]] : []));
      } else if (inner.startsWith("?(")) {
        const m = /^\?\(@\.([\w.]+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))\)$/.exec(inner);
        if (!m) return [];
        const field = m[1] as string;
        const want = m[3] ?? m[4] ?? m[5] ?? "";
        const neg = m[2] === "!=";
        cur = cur.flatMap((v) =>
          Array.isArray(v)
            ? v.filter((item) => {
                const got = getPath(item, field);
                return (got !== undefined && String(got) === want) !== neg;
              })
            : [],
        );
      } else return [];
    } else {
      // A bare leading name such as `spec.replicas`.
      text = `.${text.slice(i)}`;
      i = 0;
    }
  }
  return cur;
}

export function parseBool(v: string | null | undefined): boolean {
  return v === "true" || v === "1";
}
