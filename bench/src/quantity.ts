import type { Quantity } from "./contract.js";

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/**
 * A Kubernetes quantity in thousandths of its unit, rounded up like resource.Quantity.MilliValue,
 * so that capacity sums in the MILP and the checks are exact integers ("500m" cpu -> 500,
 * "1Gi" -> 1073741824000).
 */
export function milli(q: Quantity, field = "quantity"): number {
  if (typeof q === "number") {
    if (!Number.isFinite(q) || q < 0) throw new RangeError(`${field}: ${q} is not a non-negative number`);
    return Math.ceil(q * 1000 - 1e-9);
  }
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new RangeError(`${field}: "${q}" is not a Kubernetes quantity`);
  const base = Number(m[1]);
  const scale =
    m[2] !== undefined ? (BINARY[m[2]] ?? DECIMAL[m[2]] ?? 1) : m[3] !== undefined ? 10 ** Number(m[3]) : 1;
  const value = base * scale * 1000;
  if (value < 0) throw new RangeError(`${field}: "${q}" is negative`);
  return Math.ceil(value - 1e-6);
}
