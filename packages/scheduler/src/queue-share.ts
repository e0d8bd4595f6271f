// KAI's queues as one scheduling cycle sees them (README "Queues"): each Queue's demand (what its
// live pods request, bound or pending), allocation (bound or assumed pods), limit and fair share
// (fair-share.ts over the schedulable nodes' allocatable less what running pods of no queue take),
// all in the scheduler's milli-units and aggregated up spec.parentQueue. From that the cycle takes
// the order of gangs across queues (KAI's: a queue below its quota, then queue priority, then the
// queue least allocated relative to its fair share), the limit check (a gang that would take its
// queue or an ancestor above spec.resources.<r>.limit is not placed) and, for reclaim, which
// queues are below or above their fair share. Only gangs whose pods carry `kai.scheduler/queue`
// naming an existing Queue take part; the rest keep their order.
import { LabelKaiQueue } from "@grove-ts/api";
import { parseQuantity } from "@grove-ts/placement";
import type { Cache, KubeObject } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { type Amounts, fairShares, type QueueNode, type QueueResourceSpec, queueTree } from "./fair-share.js";
import type { WorkGang } from "./gangs.js";
import { gatedOrDone } from "./pending.js";
import { podRequests, type Requests } from "./requests.js";
import type { Snapshot } from "./snapshot.js";

/** KAI's resource names, the pod resource each stands for, and milli-units per KAI unit. */
export const KAI_RESOURCES: readonly { kai: string; resource: string; milli: number }[] = [
  { kai: "cpu", resource: "cpu", milli: 1 }, // millicpus
  { kai: "memory", resource: "memory", milli: 1e9 }, // megabytes (10^6 bytes)
  { kai: "gpu", resource: "nvidia.com/gpu", milli: 1000 }, // GPUs
];

type QueueObj = KubeObject & {
  spec?: {
    parentQueue?: string;
    priority?: number;
    resources?: Record<string, QueueResourceSpec | undefined>;
  };
};

/** What the cycle needs from the cluster view (pending.ts ClusterView has it all). */
export interface QueueSources {
  queues?: Cache<KubeObject> | undefined;
  pods: Cache<Pod & KubeObject>;
  nodes: Cache<Node & KubeObject>;
  snapshot: Snapshot;
  ours(p: Pod): boolean;
}

/** A gang refused by a queue's limit: the queue, the resource (KAI's name) and why. */
export interface LimitRefusal {
  queue: string;
  resource: string;
  message: string;
}

const sum = (into: Amounts, r: Requests | Amounts, sign = 1) => {
  const entries = r instanceof Map ? [...r] : Object.entries(r);
  for (const [k, v] of entries) into[k] = (into[k] ?? 0) + sign * v;
};

/** Milli-units as a quantity for messages: whole units without suffix, else millis. */
const qty = (milli: number) => {
  const m = Math.round(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
};

/** The queue a gang's pods name (the first pod's label, else its PodGang's). */
export function queueOfGang(w: WorkGang): string | undefined {
  const first = w.groups.flatMap((g) => [...g.pending, ...g.bound])[0];
  return first?.metadata?.labels?.[LabelKaiQueue] ?? w.podGang?.metadata?.labels?.[LabelKaiQueue];
}

/** What a gang's pods still to place request (all of them, or only each group's minimum). */
export function gangRequests(w: WorkGang, minimumOnly = false): Amounts {
  const out: Amounts = {};
  for (const g of w.groups)
    for (const p of minimumOnly ? g.pending.slice(0, g.neededMin) : g.pending) {
      try {
        sum(out, podRequests(p));
      } catch {
        // A malformed quantity is refused at placement; it counts for nothing here.
      }
    }
  return out;
}

/** Per queue (own plus descendants'), and each queue's fair share. */
interface Stats {
  demand: Map<string, Amounts>;
  allocated: Map<string, Amounts>;
  fairShare: Map<string, Amounts>;
  /** The schedulable nodes' allocatable, summed, less what running pods of no queue take there. */
  capacity: Amounts;
  /** Uids of the pods counted in `allocated`. */
  counted: Set<string>;
}

/**
 * One cycle's view of the queues; `admit` records what the cycle hands the solver. Demand,
 * allocation and fair shares are computed on first use (a cycle with gangs of one queue and no
 * limits never needs them).
 */
export class QueueShares {
  readonly parentOf: Map<string, string | undefined>;
  /** Gangs handed to the solver this cycle, per queue and ancestors (limits count them). */
  private readonly planned = new Map<string, Amounts>();
  private readonly specs = new Map<string, QueueObj>();
  private readonly nodes: QueueNode[];
  /** Per queue, its spec.resources in milli-units by pod resource name. */
  private readonly resources = new Map<string, NonNullable<QueueNode["resources"]>>();
  private computed: Stats | undefined;

  private constructor(
    queues: QueueObj[],
    private readonly src: QueueSources,
  ) {
    for (const q of queues) this.specs.set(q.metadata.name ?? "", q);
    this.nodes = queues.map((q) => ({
      name: q.metadata.name ?? "",
      parent: q.spec?.parentQueue,
      priority: q.spec?.priority,
      resources: Object.fromEntries(
        KAI_RESOURCES.map(({ kai, resource, milli }) => {
          const r = q.spec?.resources?.[kai];
          const scaled = (v: number | undefined) => (v === undefined || v < 0 ? v : v * milli);
          return [
            resource,
            r
              ? { quota: scaled(r.quota), limit: scaled(r.limit), overQuotaWeight: r.overQuotaWeight }
              : undefined,
          ];
        }),
      ),
    }));
    this.parentOf = queueTree(this.nodes).parentOf;
    for (const n of this.nodes) this.resources.set(n.name, n.resources ?? {});
  }

  /** Per queue, what its and its descendants' live pods (bound or pending) request. */
  get demand(): Map<string, Amounts> {
    return this.stats().demand;
  }

  /** Per queue, what its and its descendants' bound (or assumed) pods request. */
  get allocated(): Map<string, Amounts> {
    return this.stats().allocated;
  }

  /** The pod (by uid) is counted in `allocated`. */
  countsAllocated(uid: string | undefined): boolean {
    return uid !== undefined && this.stats().counted.has(uid);
  }

  get fairShare(): Map<string, Amounts> {
    return this.stats().fairShare;
  }

  /**
   * Resources the queues ask for more of than the schedulable nodes have (the top-level queues'
   * demand above capacity): where fair shares bind.
   */
  contended(): Set<string> {
    const { capacity, demand } = this.stats();
    const out = new Set<string>();
    for (const r of Object.keys(capacity)) {
      let total = 0;
      for (const [q, d] of demand) if (this.parentOf.get(q) === undefined) total += d[r] ?? 0;
      if (total > (capacity[r] ?? 0)) out.add(r);
    }
    return out;
  }

  private stats(): Stats {
    if (this.computed) return this.computed;
    const src = this.src;
    const st: Stats = {
      demand: new Map(),
      allocated: new Map(),
      fairShare: new Map(),
      capacity: {},
      counted: new Set(),
    };
    const add = (m: Map<string, Amounts>, q: string, r: Requests | Amounts) => {
      for (const a of this.chain(q)) sum(m.get(a) ?? m.set(a, {}).get(a) ?? {}, r);
    };
    const ownDemand = new Map<string, Amounts>();
    /** Per node, what running pods of no queue take (not there for the queues to share). */
    const outside = new Map<string, Amounts>();
    for (const p of src.pods.list()) {
      const q = p.metadata.labels?.[LabelKaiQueue];
      if (!q || !this.specs.has(q) || !src.ours(p)) {
        const node = src.snapshot.boundNode(p);
        const phase = p.status?.phase;
        if (node === undefined || phase === "Succeeded" || phase === "Failed") continue;
        try {
          sum(outside.get(node) ?? outside.set(node, {}).get(node) ?? {}, podRequests(p));
        } catch {
          // A malformed quantity takes nothing.
        }
        continue;
      }
      if (gatedOrDone(p)) continue;
      let r: Requests;
      try {
        r = podRequests(p);
      } catch {
        continue;
      }
      sum(ownDemand.get(q) ?? ownDemand.set(q, {}).get(q) ?? {}, r);
      add(st.demand, q, r);
      if (src.snapshot.boundNode(p) === undefined) continue;
      add(st.allocated, q, r);
      st.counted.add(p.metadata.uid ?? "");
    }
    const capacity = st.capacity;
    for (const n of src.nodes.list()) {
      if (n.spec?.unschedulable || n.metadata.deletionTimestamp) continue;
      const alloc = n.status?.allocatable ?? n.status?.capacity ?? {};
      for (const { resource } of KAI_RESOURCES)
        if (alloc[resource] !== undefined)
          try {
            capacity[resource] = (capacity[resource] ?? 0) + parseQuantity(alloc[resource], resource);
          } catch {
            // A node with a malformed quantity adds nothing.
          }
      const taken = outside.get(n.metadata.name ?? "") ?? {};
      for (const { resource } of KAI_RESOURCES)
        if (capacity[resource] !== undefined) capacity[resource] -= taken[resource] ?? 0;
    }
    st.fairShare = fairShares(this.nodes, ownDemand, capacity);
    this.computed = st;
    return st;
  }

  /** The cycle's view, or undefined when Queues are not served. */
  static of(src: QueueSources): QueueShares | undefined {
    if (!src.queues) return undefined;
    return new QueueShares(src.queues.list() as QueueObj[], src);
  }

  /** The Queue exists. */
  has(name: string): boolean {
    return this.specs.has(name);
  }

  /** The queue `w` belongs to when that Queue exists. */
  queueOf(w: WorkGang): string | undefined {
    const q = queueOfGang(w);
    return q !== undefined && this.specs.has(q) ? q : undefined;
  }

  /** The queue and its ancestors, leaf first. */
  chain(q: string): string[] {
    const out: string[] = [];
    for (let a: string | undefined = q; a !== undefined && !out.includes(a); a = this.parentOf.get(a))
      out.push(a);
    return out;
  }

  priority(q: string): number {
    return this.specs.get(q)?.spec?.priority ?? 100;
  }

  /**
   * Allocated plus `extra` (default: what this cycle planned), relative to the fair share: the
   * largest over resources (KAI's dominant share); above 1, the queue is above its fair share.
   */
  ratio(q: string, extra: ReadonlyMap<string, Amounts> = this.planned): number {
    const share = this.fairShare.get(q) ?? {};
    const used: Amounts = { ...(this.allocated.get(q) ?? {}) };
    sum(used, extra.get(q) ?? {});
    let worst = 0;
    for (const [r, v] of Object.entries(used)) {
      if (v <= 0 || !(r in share)) continue;
      const s = share[r] ?? 0;
      worst = Math.max(worst, s > 0 ? v / s : Number.POSITIVE_INFINITY);
    }
    return worst;
  }

  /** Some resource of `q` is still allocated (plus `extra`) below min(quota, demand): its guarantee is not met. */
  underQuota(q: string, extra: ReadonlyMap<string, Amounts> = this.planned): boolean {
    const spec = this.resources.get(q) ?? {};
    const demand = this.demand.get(q) ?? {};
    const used: Amounts = { ...(this.allocated.get(q) ?? {}) };
    sum(used, extra.get(q) ?? {});
    return Object.entries(spec).some(([r, res]) => {
      const quota = res?.quota ?? 0;
      const d = demand[r] ?? 0;
      const deserved = quota < 0 ? d : Math.min(quota, d);
      return deserved - (used[r] ?? 0) > 1e-6;
    });
  }

  /**
   * The limit that `w`'s pods still to place would break for its queue or an ancestor (counting
   * what this cycle already planned), or undefined. `minimumOnly`: only each group's minimum.
   */
  overLimit(w: WorkGang, minimumOnly = false): LimitRefusal | undefined {
    const q = this.queueOf(w);
    if (q === undefined) return undefined;
    const want = gangRequests(w, minimumOnly);
    for (const a of this.chain(q))
      for (const { kai, resource, milli } of KAI_RESOURCES) {
        const limit = this.specs.get(a)?.spec?.resources?.[kai]?.limit;
        const asked = want[resource] ?? 0;
        if (limit === undefined || limit < 0 || asked <= 0) continue;
        const used = (this.allocated.get(a)?.[resource] ?? 0) + (this.planned.get(a)?.[resource] ?? 0);
        if (used + asked > limit * milli + 1e-6)
          return {
            queue: a,
            resource: kai,
            message:
              `queue "${a}" would exceed its ${kai} limit (spec.resources.${kai}.limit ${limit}): ` +
              `${qty(used)} ${resource} allocated + ${qty(asked)} requested > ${qty(limit * milli)}`,
          };
      }
    return undefined;
  }

  /**
   * `w` as it may go to the solver under its queue's limits: whole, or (its pods above the
   * minimum would break a limit) its minimum only; or the refusal when even the minimum would.
   * What goes counts as planned for the rest of the cycle.
   */
  admit(w: WorkGang): { gang: WorkGang } | { refused: LimitRefusal } {
    const q = this.queueOf(w);
    if (q === undefined) return { gang: w };
    const limited = this.chain(q).some((a) =>
      KAI_RESOURCES.some(({ kai }) => (this.specs.get(a)?.spec?.resources?.[kai]?.limit ?? -1) >= 0),
    );
    if (!limited) return { gang: w };
    let gang = w;
    if (this.overLimit(w)) {
      const refused = this.overLimit(w, true);
      if (refused) return { refused };
      gang = { ...w, groups: w.groups.map((g) => ({ ...g, pending: g.pending.slice(0, g.neededMin) })) };
    }
    const want = gangRequests(gang);
    for (const a of this.chain(q)) sum(this.planned.get(a) ?? this.planned.set(a, {}).get(a) ?? {}, want);
    return { gang };
  }

  /**
   * KAI's order across queues, applied to `ready` (already in priority order): the places queued
   * gangs hold are refilled one gang at a time from the queue that comes first (top level first:
   * a queue still below its quota (its deserved share, min(quota, demand)), then higher priority,
   * then lower allocated/fair-share, then name; then the same among its children),
   * each gang counted as allocated to its queue once taken. Gangs of no queue keep their places;
   * inside a queue the order stays.
   */
  order(ready: readonly WorkGang[]): WorkGang[] {
    const byQueue = new Map<string, WorkGang[]>();
    const slots: number[] = [];
    ready.forEach((w, i) => {
      const q = this.queueOf(w);
      if (q === undefined) return;
      slots.push(i);
      (byQueue.get(q) ?? byQueue.set(q, []).get(q))?.push(w);
    });
    if (byQueue.size < 2) return [...ready];
    const out = [...ready];
    const taken = new Map<string, Amounts>();
    // Each queue's standing, recomputed only for the queues whose allocation a taken gang changed.
    const standing = new Map<string, { under: number; priority: number; ratio: number }>();
    const rank = (q: string) => {
      let k = standing.get(q);
      if (!k) {
        k = {
          under: Number(this.underQuota(q, taken)),
          priority: this.priority(q),
          ratio: this.ratio(q, taken),
        };
        standing.set(q, k);
      }
      return k;
    };
    const paths = new Map([...byQueue.keys()].map((q) => [q, this.chain(q).reverse()]));
    const before = (a: string, b: string): number => {
      const pa = paths.get(a) ?? [];
      const pb = paths.get(b) ?? [];
      for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
        const x = pa[i] as string;
        const y = pb[i] as string;
        if (x === y) continue;
        const kx = rank(x);
        const ky = rank(y);
        return (
          ky.under - kx.under || ky.priority - kx.priority || cmp(kx.ratio, ky.ratio) || x.localeCompare(y)
        );
      }
      return pa.length - pb.length;
    };
    const open = [...byQueue.keys()];
    for (const slot of slots) {
      let q = open[0] as string;
      for (const k of open) if (before(k, q) < 0) q = k;
      const list = byQueue.get(q) as WorkGang[];
      const w = list.shift() as WorkGang;
      if (list.length === 0) open.splice(open.indexOf(q), 1);
      out[slot] = w;
      const want = gangRequests(w);
      for (const a of paths.get(q) ?? []) {
        sum(taken.get(a) ?? taken.set(a, {}).get(a) ?? {}, want);
        standing.delete(a);
      }
    }
    return out;
  }
}

/** Infinity-safe comparison. */
const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
