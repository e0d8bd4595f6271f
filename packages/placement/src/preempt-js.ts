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
import { type Aggregates, aggregates } from "./preempt-agg.js";
import { Attempts, type PreemptContext } from "./preempt-attempt.js";
import { type EncodedCandidates, encodeCandidates } from "./preempt-input.js";
import { PodSlots } from "./preempt-slots.js";
import type { GangPlacement, PreemptionResult } from "./types.js";

export type { PreemptContext } from "./preempt-attempt.js";

/** Placement attempts one preempt() call may make (each is a place() of the gang). */
export const MAX_ATTEMPTS = 256;
/**
 * Domains examined after the first one that gave a victim set. The lower bounds order the domains
 * but are loose (a rack's bound may say 4 victims where 9 are needed); on the KEP-5732 bench shape
 * 16 more find as few victims as examining every domain (930 against 929 over 100 decisions, 8
 * give 953) at a third less time.
 */
export const MAX_EXTRA_DOMAINS = 16;

type Cost = [maxPriority: number, victims: number, pods: number];

/** A domain's victims as the pod slots price them (null: the slots say no set holds the gang). */
type Trial = { k: number; trial: number[]; cost: Cost } | null;

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
  // Capacity counted per node in pods of the gang, when its pods all ask the same.
  const slots = PodSlots.of(ctx, gang, c);
  try {
    return search(ctx, gang, c, need, tries, slots);
  } finally {
    tries.done();
    slots?.done();
  }
}

function search(
  ctx: PreemptContext,
  gang: CheckedGang,
  c: EncodedCandidates,
  need: number[],
  tries: Attempts,
  slots: PodSlots | null,
): PreemptionResult {
  const R = need.length;
  const L = gang.constraint.required;
  const { agg, order, memo } = aggregates(ctx, c, L, need, slots?.key ?? "");
  // The gang may fit as things are only where a domain's free capacity covers its minimum.
  let firstReason = "";
  let fitsFree = false;
  for (let d = 0; d < agg.domains && !fitsFree; d++) fitsFree = coversIn(agg, d, [], need, R);
  if (fitsFree || c.size === 0) {
    const first = tries.whole([]);
    if (first.placed)
      return { name: gang.name, placed: true, victims: [], groups: first.groups, reason: null };
    firstReason = first.reason ?? "";
  }
  const attempt = (d: number, entries: readonly number[]) => {
    const victims = entries.map((e) => agg.entCand[e] as number);
    return L < 0 ? tries.whole(victims) : tries.inDomain(agg.d0 + d, victims);
  };
  /** The shortest prefix of `entries` the slots say may hold the gang (entries.length + 1: none). */
  const slotPrefix = (d: number, entries: readonly number[]) => {
    if (slots === null) return 0;
    const [a, b] = slots.range(L < 0 ? -1 : agg.d0 + d);
    return slots.prefix(
      a,
      b,
      entries.map((e) => agg.entCand[e] as number),
    );
  };
  const holds = (d: number, entries: readonly number[]) => slotPrefix(d, entries) <= entries.length;
  /** `set` less every victim (highest priority first) the domain's sums and slots do not need. */
  const slotTrial = (d: number, set: number[]): number[] => {
    if (slots === null) return set;
    const [a, b] = slots.range(L < 0 ? -1 : agg.d0 + d);
    slots.hold(
      a,
      b,
      set.map((e) => agg.entCand[e] as number),
    );
    // The domain's sums with the set freed, kept as victims are given back.
    const sums = new Float64Array(R);
    for (let j = 0; j < R; j++) sums[j] = agg.base[d * R + j] as number;
    for (const e of set)
      for (let j = 0; j < R; j++) sums[j] = (sums[j] as number) + (agg.entVec[e * R + j] as number);
    const back = new Set<number>();
    for (const e of set.slice().sort((x, y) => compareReprieve(c, agg, x, y))) {
      if (back.size + 1 >= set.length) break;
      let covered = true;
      for (let j = 0; j < R && covered; j++)
        covered = (sums[j] as number) - (agg.entVec[e * R + j] as number) >= (need[j] as number);
      if (!covered || !slots.giveBack(agg.entCand[e] as number)) continue;
      back.add(e);
      for (let j = 0; j < R; j++) sums[j] = (sums[j] as number) - (agg.entVec[e * R + j] as number);
    }
    slots.release();
    return back.size > 0 ? set.filter((e) => !back.has(e)) : set;
  };
  const where = L < 0 ? "the cluster" : `any ${ctx.levels[L]?.domain ?? `level ${L}`}`;
  // Assigned in closures: declared so that TypeScript does not narrow it to null.
  let best = null as { cost: Cost; victims: number[]; groups: GangPlacement["groups"] } | null;
  let lastReason = firstReason;
  const take = (kept: number[], groups: GangPlacement["groups"]) => {
    const cost = costOf(c, agg, kept);
    if (cheaper(cost, best?.cost ?? null))
      best = { cost, victims: kept.map((e) => agg.entCand[e] as number), groups };
  };
  const reprieveOrder = (set: number[]) => set.slice().sort((x, y) => compareReprieve(c, agg, x, y));
  /** Domains come in their lower bound's order: once it is worse than `than` in (highest
   * priority, victims), no later domain can beat it; an equal bound is still examined (it may
   * evict fewer pods). */
  const noBetter = (bound: [number, number], than: Cost) =>
    bound[0] > than[0] || (bound[0] === than[0] && bound[1] > than[1]);

  /** The engine's way in domain `d`: grow the prefix from `k` until a placement confirms it, then
   * give victims back one attempt at a time. */
  const confirmGrowing = (d: number, list: number[], k0: number): void => {
    let k = k0;
    let found: GangPlacement | null = null;
    // By one at first, then by a quarter: a long list of small candidates should not cost one
    // attempt each.
    while (k <= list.length && tries.count < MAX_ATTEMPTS) {
      const victims = list.slice(0, k);
      if (best !== null && !cheaper(costOf(c, agg, victims), best.cost)) return;
      const r = attempt(d, victims);
      if (r.placed) {
        found = r;
        break;
      }
      lastReason = r.reason ?? lastReason;
      if (k === list.length) return;
      k = Math.min(list.length, k + Math.max(1, k >> 2));
    }
    if (found === null) return;
    // Reprieve: highest priority (then most pods) first, each given back while the gang fits.
    let kept = list.slice(0, k);
    for (const e of reprieveOrder(kept)) {
      if (tries.count >= MAX_ATTEMPTS) break;
      const without = kept.filter((x) => x !== e);
      if (without.length === 0 || !coversIn(agg, d, without, need, R) || !holds(d, without)) continue;
      const r = attempt(d, without);
      if (r.placed) {
        kept = without;
        found = r;
      }
    }
    take(kept, found.groups);
  };

  if (slots === null) {
    let extra = 0;
    for (const { d, prefix, bound } of order) {
      if (best !== null && (++extra > MAX_EXTRA_DOMAINS || noBetter(bound, best.cost))) break;
      if (tries.count >= MAX_ATTEMPTS) break;
      confirmGrowing(d, agg.byDomain(d), prefix);
    }
  } else {
    // With pod slots: per domain, the prefix the slots call enough less every victim they do not
    // need, priced without placing anything; then the cheapest is confirmed first (one attempt
    // when the slots are right: capacity is all they see, not selectors, taints or nested
    // constraints), the engine's way taking over in a domain where they were wrong.
    const trials: { d: number; list: number[]; k: number; trial: number[]; cost: Cost }[] = [];
    let cheapest: Cost | null = null;
    let extra = 0;
    for (const { d, prefix, bound } of order) {
      if (cheapest !== null && (++extra > MAX_EXTRA_DOMAINS || noBetter(bound, cheapest))) break;
      const list = agg.byDomain(d);
      // A domain's trial depends on its aggregates alone: kept while they are (preempt-agg.ts).
      let t = memo.get(d) as Trial | undefined;
      if (t === undefined) {
        const least = slotPrefix(d, list);
        if (least > list.length) t = null;
        else {
          const k = Math.max(prefix, least);
          const trial = slotTrial(d, list.slice(0, k));
          t = { k, trial, cost: costOf(c, agg, trial) };
        }
        memo.set(d, t);
      }
      if (t === null) continue;
      const { k, trial, cost } = t;
      trials.push({ d, list, k, trial, cost });
      if (cheaper(cost, cheapest)) cheapest = cost;
    }
    const ranked = trials.map((t, i) => ({ t, i }));
    ranked.sort((x, y) => (cheaper(x.t.cost, y.t.cost) ? -1 : cheaper(y.t.cost, x.t.cost) ? 1 : x.i - y.i));
    for (const { t } of ranked) {
      if ((best !== null && !cheaper(t.cost, best.cost)) || tries.count >= MAX_ATTEMPTS) break;
      const r = attempt(t.d, t.trial);
      if (r.placed) take(t.trial, r.groups);
      else {
        lastReason = r.reason ?? lastReason;
        confirmGrowing(t.d, t.list, t.k);
      }
    }
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
  if (c.size === 0) reason = `no running gang may be evicted; ${firstReason}`;
  else if (order.length === 0)
    reason = `even with all ${c.size} candidates evicted, ${where} lacks the free capacity for the gang's minimum`;
  else reason = `no set of the ${c.size} candidates lets the gang fit (last try: ${lastReason})`;
  return { name: gang.name, placed: false, victims: [], groups: [], reason };
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
