// Reclaim across KAI queues (README "Queues"): a gang of a queue below its fair share that does not
// fit may evict whole running gangs of queues above theirs, never so many that a victim's queue
// falls below its fair share. Only the resources the queues ask for more of than the cluster has
// ("contended", queue-share.ts) count, and of those only the ones the reclaimer requests. This file
// picks the candidates; the solver (PlacementSnapshot.preempt) picks the cheapest set among them
// and preemption.ts evicts it and nominates the gang, as for priority preemption.
import { LabelKaiQueue } from "@grove-ts/api";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Amounts } from "./fair-share.js";
import type { WorkGang } from "./gangs.js";
import { gangRequests, QueueShares, type QueueSources } from "./queue-share.js";
import { podRequests } from "./requests.js";

/** A running gang reclaim may evict (victims.ts VictimCandidate carries these). */
export interface ReclaimCandidate {
  name: string;
  priority: number;
  /** Its live bound pods. */
  objects: Pod[];
}

/** Evictions decided but not seen through yet (preemption.ts nominations). */
export interface InFlight {
  /** Pods of nominated gangs: counted as allocated to their queues. */
  nominated: Pod[];
  /** Victim pods chosen, possibly still running: counted as gone from their queues. */
  victims: Pod[];
}

/** Float residue of the fair-share division. */
const EPS = 1e-6;

const requestsOf = (pods: readonly Pod[]): Amounts => {
  const out: Amounts = {};
  for (const p of pods)
    try {
      for (const [k, v] of podRequests(p)) out[k] = (out[k] ?? 0) + v;
    } catch {
      // A malformed quantity counts for nothing.
    }
  return out;
};

const newest = (c: ReclaimCandidate): string =>
  c.objects
    .map((p) => p.metadata?.creationTimestamp ?? "")
    .sort()
    .at(-1) ?? "";

/**
 * The names among `candidates` that `preemptor` may reclaim: empty unless its queue (and each
 * ancestor) stays within its fair share with the gang's minimum added. A candidate qualifies when
 * it belongs to another queue (not the preemptor's, an ancestor or a descendant), its priority is
 * below `nonPreemptible` (KAI: non-preemptible work is never reclaimed), and evicting it together
 * with the candidates of its queue taken before it (lowest priority first, then newest) keeps that
 * queue, and each ancestor below the common one, at or above its fair share in every contended
 * resource the preemptor requests: any subset of the result keeps that, whatever the solver picks.
 */
export function reclaimable(
  shares: QueueShares,
  preemptor: WorkGang,
  /** The running gangs, asked for only once the preemptor's queue may reclaim at all. */
  candidates: readonly ReclaimCandidate[] | (() => readonly ReclaimCandidate[]),
  inFlight: InFlight = { nominated: [], victims: [] },
  nonPreemptible: number | null = 100,
): Set<string> {
  const out = new Set<string>();
  const q = shares.queueOf(preemptor);
  if (q === undefined) return out;
  const need = gangRequests(preemptor, true);
  const contended = shares.contended();
  const rs = Object.keys(need).filter((r) => (need[r] ?? 0) > 0 && contended.has(r));
  if (rs.length === 0) return out;
  // Allocation as it will be once the evictions in flight are through.
  const alloc = new Map<string, Amounts>();
  const allocOf = (a: string): Amounts => {
    let v = alloc.get(a);
    if (!v) {
      v = { ...(shares.allocated.get(a) ?? {}) };
      alloc.set(a, v);
    }
    return v;
  };
  const shift = (pods: readonly Pod[], sign: 1 | -1) => {
    for (const p of pods) {
      const queue = p.metadata?.labels?.[LabelKaiQueue];
      if (!queue || !shares.has(queue)) continue;
      // Against what the shares counted (they may be a moment older than the caches).
      const counted = shares.countsAllocated(p.metadata?.uid);
      // A victim still counted leaves; a nominated pod not yet bound arrives.
      if (sign < 0 ? !counted : counted) continue;
      const r = requestsOf([p]);
      for (const a of shares.chain(queue)) {
        const v = allocOf(a);
        for (const [k, x] of Object.entries(r)) v[k] = (v[k] ?? 0) + sign * x;
      }
    }
  };
  shift(inFlight.nominated, 1);
  shift(inFlight.victims, -1);
  const chainQ = shares.chain(q);
  const share = (a: string, r: string) => shares.fairShare.get(a)?.[r] ?? 0;
  for (const a of chainQ)
    for (const r of rs) if ((allocOf(a)[r] ?? 0) + (need[r] ?? 0) > share(a, r) + EPS) return out;
  const byQueue = new Map<string, { c: ReclaimCandidate; req: Amounts }[]>();
  // Gangs another nomination already evicts are counted gone above, not offered twice.
  const claimed = new Set(inFlight.victims.map((p) => p.metadata?.uid));
  for (const c of typeof candidates === "function" ? candidates() : candidates) {
    if (c.objects.some((p) => claimed.has(p.metadata?.uid))) continue;
    const v = c.objects[0]?.metadata?.labels?.[LabelKaiQueue];
    if (v === undefined || !shares.has(v)) continue;
    if (chainQ.includes(v) || shares.chain(v).includes(q)) continue;
    if (nonPreemptible !== null && c.priority >= nonPreemptible) continue;
    const req = requestsOf(c.objects);
    if (!rs.some((r) => (req[r] ?? 0) > 0)) continue;
    (byQueue.get(v) ?? byQueue.set(v, []).get(v))?.push({ c, req });
  }
  for (const [v, list] of byQueue) {
    const losing = shares.chain(v).filter((a) => !chainQ.includes(a));
    list.sort(
      (x, y) =>
        x.c.priority - y.c.priority ||
        newest(y.c).localeCompare(newest(x.c)) ||
        x.c.name.localeCompare(y.c.name),
    );
    for (const { c, req } of list) {
      const keeps = losing.every((a) =>
        rs.every((r) => (req[r] ?? 0) <= 0 || (allocOf(a)[r] ?? 0) - (req[r] ?? 0) >= share(a, r) - EPS),
      );
      if (!keeps) continue;
      out.add(c.name);
      for (const a of losing) {
        const al = allocOf(a);
        for (const [k, x] of Object.entries(req)) al[k] = (al[k] ?? 0) - x;
      }
    }
  }
  return out;
}

/**
 * A victim policy for preemption.ts: `candidate` may be evicted for `preemptor` by reclaim (see
 * `reclaimable`). Candidates are listed once per preemptor (`list`, victims.ts runningGangs);
 * `inFlight` tells what evictions decided earlier will change. False when Queues are not served.
 */
export function reclaimPolicy(
  src: QueueSources,
  list: (preemptor: WorkGang) => ReclaimCandidate[],
  inFlight: () => InFlight,
  nonPreemptible: number | null = 100,
): (preemptor: WorkGang, candidate: ReclaimCandidate) => boolean {
  const memo = new WeakMap<WorkGang, Set<string>>();
  // The queues' view is shared by the preemptors of one cycle: recomputed once capacity use changed
  // (a pod bound, assumed, freed or its room held) or after a second (new pending pods' demand).
  let usage = 0;
  src.snapshot.onUsage(() => {
    usage++;
  });
  let view: { shares: QueueShares | undefined; usage: number; at: number } | undefined;
  const current = () => {
    const now = Date.now();
    if (!view || view.usage !== usage || now - view.at > 1000)
      view = { shares: QueueShares.of(src), usage, at: now };
    return view.shares;
  };
  return (preemptor, candidate) => {
    let allowed = memo.get(preemptor);
    if (!allowed) {
      const shares = current();
      allowed =
        shares?.queueOf(preemptor) !== undefined
          ? reclaimable(shares, preemptor, () => list(preemptor), inFlight(), nonPreemptible)
          : new Set<string>();
      memo.set(preemptor, allowed);
    }
    return allowed.has(candidate.name);
  };
}
