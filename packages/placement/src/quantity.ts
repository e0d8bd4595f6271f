import { PlacementProblemError } from "./errors.js";

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const FORMAT = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/**
 * A Kubernetes quantity in thousandths of its unit, rounded up to a whole thousandth as Kubernetes
 * does ("500m" -> 500, "1Gi" -> 1073741824000, 8 -> 8000). Exact (BigInt) until the final number.
 * That number is exact below 2^53 thousandths (about 8 TiB); above it, it is the nearest double,
 * which for the quantities nodes report (binary or decimal multiples, e.g. ephemeral-storage
 * "28Ti" = 28000 * 2^40) is still exact. Above 10^40 thousandths a quantity is refused.
 */
export function parseQuantity(q: unknown, field: string): number {
  // Clusters repeat a handful of quantity strings thousands of times.
  const hit = typeof q === "string" || typeof q === "number" ? cache.get(q) : undefined;
  if (hit !== undefined) return hit;
  const v = parse(q, field);
  if (cache.size >= 65536) cache.clear();
  cache.set(q as string | number, v);
  return v;
}

const cache = new Map<string | number, number>();

/** The quantity, or undefined when it is malformed (for fast paths that re-check with a field). */
export function tryQuantity(q: unknown): number | undefined {
  try {
    return parseQuantity(q, "");
  } catch {
    return undefined;
  }
}

/** The quantity if it was parsed before, else undefined: lets hot callers build field paths only on a miss. */
export function cachedQuantity(q: unknown): number | undefined {
  return typeof q === "string" || typeof q === "number" ? cache.get(q) : undefined;
}

function parse(q: unknown, field: string): number {
  let s: string;
  if (typeof q === "number") {
    if (!Number.isFinite(q))
      throw new PlacementProblemError("FieldValueInvalid", field, `${q} is not a quantity`);
    s = String(q);
  } else if (typeof q === "string") s = q.trim();
  else
    throw new PlacementProblemError(
      "FieldValueTypeInvalid",
      field,
      "a quantity must be a string or a number",
    );
  const m = FORMAT.exec(s);
  if (!m)
    throw new PlacementProblemError(
      "FieldValueInvalid",
      field,
      `malformed quantity ${JSON.stringify(q)} (expected e.g. "500m", "1Gi", "8")`,
    );
  const [, sign, num = "", exp, suffix = ""] = m;
  if (sign === "-" && /[1-9]/.test(num))
    throw new PlacementProblemError(
      "FieldValueInvalid",
      field,
      `quantity ${JSON.stringify(q)} must not be negative`,
    );
  const [int = "", frac = ""] = num.split(".");
  let mant = BigInt((int || "0") + frac);
  let pow10 = 3 - frac.length;
  if (exp !== undefined) pow10 += Number(exp);
  else if (suffix in BINARY) mant <<= BigInt(BINARY[suffix] as number);
  else pow10 += DECIMAL[suffix] as number;
  if (pow10 > 40)
    throw new PlacementProblemError("FieldValueInvalid", field, `quantity ${JSON.stringify(q)} is too large`);
  let v: bigint;
  if (pow10 >= 0) v = mant * 10n ** BigInt(pow10);
  else {
    const d = 10n ** BigInt(-pow10);
    v = (mant + d - 1n) / d;
  }
  return Number(v);
}
