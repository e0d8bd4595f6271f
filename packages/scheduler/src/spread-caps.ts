// Per-domain caps for a gang's pods under a DoNotSchedule topology spread constraint on a key whose
// domains hold several nodes (README "Pod constraints"), chosen so that any placement within the
// caps that places the gang's pods passes kube-scheduler's PodTopologySpread Filter (the safety
// net, pod-filters.ts):
// - fewer eligible domains than minDomains: the global minimum is 0, so each domain takes up to
//   maxSkew less the matching pods it holds;
// - else a water-fill of the `want` pods over the eligible domains from their matching counts: the
//   lowest are raised to level l-1 (l the first level whose room holds every pod), and the `e`
//   pods left over may go one more to a domain of that level. Those e domains, plus maxSkew-1 more
//   (larger domains first), may reach l; the others stop at l-1. A domain can then end at most
//   maxSkew-1 below l-1 (the slack), so the skew stays within maxSkew whichever caps the solver
//   fills. With maxSkew 1 the caps are exact.
import type { DomainCap } from "@grove-ts/placement";
import type { Spread } from "./pod-terms.js";

export interface SpreadCaps {
  cap: Pick<DomainCap, "max" | "domains" | "unlabeled">;
  /** What the caps stand for, for the reason of a gang that does not fit. */
  note: string;
}

/**
 * Caps for `want` pods of `c` over the eligible domains `counts` (value -> matching pods), `sizes`
 * the nodes per domain. Domains that are not eligible and nodes without the key take none.
 */
export function spreadCaps(
  c: Spread,
  counts: ReadonlyMap<string, number>,
  sizes: ReadonlyMap<string, number>,
  want: number,
): SpreadCaps {
  const m = c.maxSkew;
  const what = `topology spread constraint (topologyKey ${c.topologyKey}, maxSkew ${m})`;
  const values = [...counts.keys()].sort();
  const count = (v: string) => counts.get(v) ?? 0;
  const domains: Record<string, number> = {};
  const cap = { max: 0, domains, unlabeled: "none" as const };
  if (counts.size < c.minDomains) {
    for (const v of values) domains[v] = Math.max(0, m - count(v));
    return {
      cap,
      note: `${what}: fewer than minDomains ${c.minDomains} ${c.topologyKey} domains, at most ${m} matching pods per domain`,
    };
  }
  const pods = Math.max(1, want);
  const room = (t: number) => values.reduce((s, v) => s + Math.max(0, t - count(v)), 0);
  let level = values.reduce((lo, v) => Math.min(lo, count(v)), Number.POSITIVE_INFINITY);
  if (!Number.isFinite(level)) level = 0;
  while (values.length > 0 && room(level) < pods) level++;
  // Raised to level-1 (or holding it already): the domains the pods go to.
  const low = values.filter((v) => count(v) < level);
  const extra = pods - room(level - 1);
  const order = [...low].sort(
    (a, b) => count(a) - count(b) || (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0) || (a < b ? -1 : 1),
  );
  const top = new Set(order.slice(0, Math.min(order.length, extra + m - 1)));
  for (const v of values) domains[v] = Math.max(0, (top.has(v) ? level : level - 1) - count(v));
  const shown = values.map((v) => `${v}: ${domains[v]}`).join(", ");
  return { cap, note: `${what}: at most {${shown}} more matching pods per ${c.topologyKey} domain` };
}
