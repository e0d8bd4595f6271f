// Preemption victim selection (issue 13, Deliver 2; README "Preemption"): which running gangs to
// evict, whole, so that a gang's minimum fits. Victims come from per-domain aggregates, not from
// trying gangs one at a time: per domain of the gang's required level (the whole cluster when it
// has none) the free capacity and, per candidate, what it frees there; candidates ordered by
// (priority, pods); the shortest prefix whose sum covers the gang's minimum is confirmed by a real
// placement on the snapshot's state with those pods freed (the engine itself, so every constraint,
// selector and taint holds), growing on failure; then a reprieve pass drops victims, highest
// priority first, while the gang still fits. Across domains the cheapest set wins, by (highest
// victim priority, victims, pods evicted); a domain whose lower bound cannot beat the best is skipped.
import type { CheckedGang } from "./check-types.js";
import type { ClusterEncoding } from "./encode.js";
import { C } from "./layout.js";
import { Attempts, type PreemptContext } from "./preempt-attempt.js";
import { type EncodedCandidates, encodeCandidates } from "./preempt-input.js";
import type { GangPlacement, PreemptionResult } from "./types.js";

export type { PreemptContext } from "./preempt-attempt.js";

/** Placement attempts one preempt() call may make (each is a place() of the gang). */
export const MAX_ATTEMPTS = 256;

type Cost = [maxPriority: number, victims: number, pods: number];

const cheaper = (a: Cost, b: Cost | null): boolean =>
  b === null || a[0] !== b[0] ? b === null || a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];

/** The gang's minimum per encoded resource: `resources` (pods first) and the amounts. */
function demand(gang: CheckedGang, cluster: ClusterEncoding): { resources: number[]; need: number[] } {
  const byIndex = new Map<number, number>([[0, 0]]);
  for (const g of gang.groups) {
    byIndex.set(0, (byIndex.get(0) as number) + 1000 * g.minCount);
    for (let j = 0; j < g.requests.names.length; j++) {
      const r = cluster.resourceIndex.get(g.requests.names[j] as string);
      if (r === undefined || r === 0) continue;
      byIndex.set(r, (byIndex.get(r) ?? 0) + (g.requests.values[j] as number) * g.minCount);
    }
  }
  const resources = [...byIndex.keys()].filter((r) => r === 0 || (byIndex.get(r) as number) > 0);
  resources.sort((a, b) => a - b);
  return { resources, need: resources.map((r) => byIndex.get(r) as number) };
}

/** Dry run: the cheapest set of candidates to evict so `gang` fits; the encoding is left as it was. */
export function preemptGang(
  ctx: PreemptContext,
  gang: CheckedGang,
  candidates: unknown,
  field = "candidates",
): PreemptionResult {
  const { resources, need } = demand(gang, ctx.cluster);
  const c = encodeCandidates(candidates, ctx.cluster, resources, field);
  const tries = new Attempts(ctx, gang, c);
  try {
    return search(ctx, gang, c, need, tries);
  } finally {
    tries.done();
  }
}

function search(
  ctx: PreemptContext,
  gang: CheckedGang,
  c: EncodedCandidates,
  need: number[],
  tries: Attempts,
): PreemptionResult {
  const R = need.length;
  const L = gang.constraint.required;
  const agg = aggregates(ctx, c, L, need);
  // The gang may fit as things are only where a domain's free capacity covers its minimum.
  let firstReason = "";
  let fitsFree = false;
  for (let d = 0; d < agg.domains && !fitsFree; d++) fitsFree = coversIn(agg, d, [], need, R);
  if (fitsFree || c.names.length === 0) {
    const first = tries.whole([]);
    if (first.placed)
      return { name: gang.name, placed: true, victims: [], groups: first.groups, reason: null };
    firstReason = first.reason ?? "";
  }
  const attempt = (d: number, entries: readonly number[]) => {
    const victims = entries.map((e) => agg.entCand[e] as number);
    return L < 0 ? tries.whole(victims) : tries.inDomain(agg.d0 + d, victims);
  };
  const where = L < 0 ? "the cluster" : `any ${ctx.levels[L]?.domain ?? `level ${L}`}`;
  const order = domainOrder(agg, c, need, R);
  let best: { cost: Cost; victims: number[]; groups: GangPlacement["groups"] } | null = null;
  let lastReason = firstReason;
  for (const { d, prefix, bound } of order) {
    if (best !== null && (bound[0] > best.cost[0] || (bound[0] === best.cost[0] && bound[1] > best.cost[1])))
      break;
    if (tries.count >= MAX_ATTEMPTS) break;
    const list = agg.byDomain[d] as number[];
    // Grow the prefix until the engine confirms (by one at first, then by a quarter: a long list
    // of small candidates should not cost one attempt each).
    let k = prefix;
    let found: GangPlacement | null = null;
    while (k <= list.length && tries.count < MAX_ATTEMPTS) {
      const victims = list.slice(0, k);
      if (best !== null && !cheaper(costOf(c, agg, victims), best.cost)) break;
      const r = attempt(d, victims);
      if (r.placed) {
        found = r;
        break;
      }
      lastReason = r.reason ?? lastReason;
      if (k === list.length) break;
      k = Math.min(list.length, k + Math.max(1, k >> 2));
    }
    if (found === null) continue;
    // Reprieve: highest priority (then most pods) first, each given back while the gang still fits.
    let kept = list.slice(0, k);
    const byCost = kept.slice().sort((a, b) => compareReprieve(c, agg, a, b));
    for (const e of byCost) {
      if (tries.count >= MAX_ATTEMPTS) break;
      const without = kept.filter((x) => x !== e);
      if (without.length === 0 || !coversIn(agg, d, without, need, R)) continue;
      const r = attempt(d, without);
      if (r.placed) {
        kept = without;
        found = r;
      }
    }
    const cost = costOf(c, agg, kept);
    if (cheaper(cost, best?.cost ?? null))
      best = { cost, victims: kept.map((e) => agg.entCand[e] as number), groups: found.groups };
  }
  if (best !== null) {
    const victims = best.victims.slice().sort((a, b) => a - b);
    return {
      name: gang.name,
      placed: true,
      victims: victims.map((k) => c.names[k] as string),
      groups: best.groups,
      reason: null,
    };
  }
  let reason: string;
  if (c.names.length === 0) reason = `no running gang may be evicted; ${firstReason}`;
  else if (order.length === 0)
    reason = `even with all ${c.names.length} candidates evicted, ${where} lacks the free capacity for the gang's minimum`;
  else reason = `no set of the ${c.names.length} candidates lets the gang fit (last try: ${lastReason})`;
  return { name: gang.name, placed: false, victims: [], groups: [], reason };
}

/** Per domain: free capacity; per (candidate, domain) entry: what the candidate frees there. */
interface Aggregates {
  /** Domains of the level (1: the whole cluster), and the snapshot's id of the first. */
  domains: number;
  d0: number;
  /** domains x R: free capacity on schedulable nodes (a node's negative free counts as 0). */
  base: Float64Array;
  entCand: number[];
  /** entries x R. */
  entVec: number[];
  /** Per entry: the share of the gang's minimum it frees, summed over the asked resources but pods. */
  entSize: number[];
  /** Per domain, its entries. */
  byDomain: number[][];
}

function aggregates(ctx: PreemptContext, c: EncodedCandidates, L: number, need: number[]): Aggregates {
  const R = need.length;
  const cl = ctx.cluster;
  const N = cl.nodes.length;
  const Rn = cl.resources.length;
  const Lc = ctx.levels.length;
  const v = cl.views();
  const free = v.f64(C.FREE, N * Rn);
  const flags = v.i32(C.FLAGS, N);
  const nodeDom = v.i32(C.NODEDOM, N * Lc);
  const levelDom = v.i32(C.LEVELDOM, Lc + 1);
  const d0 = L < 0 ? 0 : (levelDom[L] as number);
  const domains = L < 0 ? 1 : (levelDom[L + 1] as number) - d0;
  const domOf = (x: number) => {
    if (L < 0) return 0;
    const d = nodeDom[x * Lc + L] as number;
    return d < 0 ? -1 : d - d0;
  };
  const res = c.resources;
  const base = new Float64Array(domains * R);
  for (let x = 0; x < N; x++) {
    if (flags[x] !== 0) continue;
    const d = domOf(x);
    if (d < 0) continue;
    for (let j = 0; j < R; j++) {
      const f = free[x * Rn + (res[j] as number)] as number;
      if (f > 0) base[d * R + j] = (base[d * R + j] as number) + f;
    }
  }
  const entCand: number[] = [];
  const entDom: number[] = [];
  const entVec: number[] = [];
  const byDomain: number[][] = Array.from({ length: domains }, () => []);
  for (let k = 0; k < c.names.length; k++) {
    const firstEntry = entCand.length;
    for (let p = c.podOff[k] as number; p < (c.podOff[k + 1] as number); p++) {
      const x = c.podNode[p] as number;
      if (flags[x] !== 0) continue;
      const d = domOf(x);
      if (d < 0) continue;
      let e = firstEntry;
      while (e < entCand.length && entDom[e] !== d) e++;
      if (e === entCand.length) {
        entCand.push(k);
        entDom.push(d);
        for (let j = 0; j < R; j++) entVec.push(0);
        (byDomain[d] as number[]).push(e);
      }
      const s = c.podShape[p] as number;
      for (let j = 0; j < R; j++)
        entVec[e * R + j] = (entVec[e * R + j] as number) + (c.amounts[s * R + j] as number);
    }
  }
  // Size: pods count only when the gang asks for nothing else.
  const entSize = new Array<number>(entCand.length).fill(0);
  const from = R > 1 ? 1 : 0;
  for (let e = 0; e < entCand.length; e++)
    for (let j = from; j < R; j++)
      if ((need[j] as number) > 0)
        entSize[e] =
          (entSize[e] as number) +
          Math.min(entVec[e * R + j] as number, need[j] as number) / (need[j] as number);
  return { domains, d0, base, entCand, entVec, entSize, byDomain };
}

/**
 * The order victims are taken in: lowest priority first, then the one that frees most of what the
 * gang asks for in the domain (fewer victims), then fewer pods, then input order.
 */
function compareEntries(c: EncodedCandidates, agg: Aggregates, a: number, b: number): number {
  const ka = agg.entCand[a] as number;
  const kb = agg.entCand[b] as number;
  return (
    (c.priority[ka] as number) - (c.priority[kb] as number) ||
    (agg.entSize[b] as number) - (agg.entSize[a] as number) ||
    (c.pods[ka] as number) - (c.pods[kb] as number) ||
    ka - kb
  );
}

/** Reprieve order: highest priority first, then most pods, then last in input order. */
function compareReprieve(c: EncodedCandidates, agg: Aggregates, a: number, b: number): number {
  const ka = agg.entCand[a] as number;
  const kb = agg.entCand[b] as number;
  return (
    (c.priority[kb] as number) - (c.priority[ka] as number) ||
    (c.pods[kb] as number) - (c.pods[ka] as number) ||
    kb - ka
  );
}

function costOf(c: EncodedCandidates, agg: Aggregates, entries: readonly number[]): Cost {
  let prio = Number.NEGATIVE_INFINITY;
  let pods = 0;
  for (const e of entries) {
    const k = agg.entCand[e] as number;
    prio = Math.max(prio, c.priority[k] as number);
    pods += c.pods[k] as number;
  }
  return [prio, entries.length, pods];
}

function coversIn(agg: Aggregates, d: number, set: readonly number[], need: number[], R: number): boolean {
  for (let j = 0; j < R; j++) {
    let sum = agg.base[d * R + j] as number;
    for (const e of set) sum += agg.entVec[e * R + j] as number;
    if (sum < (need[j] as number)) return false;
  }
  return true;
}

interface DomainPlan {
  d: number;
  /** The shortest prefix of the sorted entries that covers the minimum (at least 1). */
  prefix: number;
  /** Lower bound of any covering set's cost: (highest priority, victims). */
  bound: [number, number];
}

/** The domains some set of candidates can cover, sorted by their lower bound; entries sorted too. */
function domainOrder(agg: Aggregates, c: EncodedCandidates, need: number[], R: number): DomainPlan[] {
  const out: DomainPlan[] = [];
  const sum = new Float64Array(R);
  for (let d = 0; d < agg.domains; d++) {
    const list = agg.byDomain[d] as number[];
    if (list.length === 0) continue;
    list.sort((a, b) => compareEntries(c, agg, a, b));
    for (let j = 0; j < R; j++) sum[j] = agg.base[d * R + j] as number;
    const short = () => {
      for (let j = 0; j < R; j++) if ((sum[j] as number) < (need[j] as number)) return true;
      return false;
    };
    let k = 0;
    while (k < list.length && (k === 0 || short())) {
      const e = list[k] as number;
      for (let j = 0; j < R; j++) sum[j] = (sum[j] as number) + (agg.entVec[e * R + j] as number);
      k++;
    }
    if (short()) continue;
    // Victims needed at least: per resource short without victims, the largest frees first.
    let count = 1;
    for (let j = 0; j < R; j++) {
      let missing = (need[j] as number) - (agg.base[d * R + j] as number);
      if (missing <= 0) continue;
      const frees = list.map((e) => agg.entVec[e * R + j] as number).sort((a, b) => b - a);
      let n = 0;
      while (missing > 0 && n < frees.length) missing -= frees[n++] as number;
      count = Math.max(count, n);
    }
    const top = agg.entCand[list[k - 1] as number] as number;
    out.push({ d, prefix: k, bound: [c.priority[top] as number, count] });
  }
  out.sort((a, b) => a.bound[0] - b.bound[0] || a.bound[1] - b.bound[1] || a.d - b.d);
  return out;
}
