// KAI's fair share of queues (../shared/spec/placement-peers.md "KAI's Queue API"), pure: given the
// Queue tree, what each queue's pods ask for (demand) and the cluster's capacity, each queue's fair
// share per resource. Per resource, at each level of the tree, the parent's share (the cluster's
// capacity at the top) is divided among its children:
//   1. every child first gets min(quota, demand, limit) (quota -1: its whole demand);
//   2. the rest goes to the children of the highest priority first, among children of one priority
//      in proportion to overQuotaWeight (water-filling: a child stops at min(limit, demand) and the
//      others share what it leaves), then to the next priority down.
// A child's share is then divided among its own children the same way. Where the quotas of one
// level add up to more than there is, step 1 gives each child its part in proportion to
// min(quota, demand) (KAI leaves that case undefined; a share above the capacity would mean nothing).
// Units are the caller's (the scheduler uses milli-units); numbers, no I/O.

/** One resource of a queue, as KAI's spec.resources.<r>: -1 means unlimited (quota) or no limit. */
export interface QueueResourceSpec {
  /** Guaranteed amount; -1: unlimited; default 0. */
  quota?: number | undefined;
  /** Cap; -1: no limit; default -1. */
  limit?: number | undefined;
  /** Share of the surplus among queues of one priority; default 1. */
  overQuotaWeight?: number | undefined;
}

export interface QueueNode {
  name: string;
  /** spec.parentQueue; a parent that is not in the list (or a cycle) makes this a top-level queue. */
  parent?: string | undefined;
  /** spec.priority, default 100 (KAI's). */
  priority?: number | undefined;
  /** Per resource name, the same names as `capacity` and the demands use. */
  resources?: Record<string, QueueResourceSpec | undefined> | undefined;
}

/** Amounts per resource name. */
export type Amounts = Record<string, number>;

/** KAI's default queue priority. */
export const DEFAULT_QUEUE_PRIORITY = 100;

interface Claim {
  key: string;
  demand: number;
  quota: number;
  limit: number;
  weight: number;
  priority: number;
}

/** Below this, an amount is nothing (float residue of the water-filling). */
const EPS = 1e-9;

/**
 * Divides `total` among `claims` (step 1, then step 2 above). Returns each claim's share; a share
 * never exceeds min(limit, demand).
 */
export function divide(total: number, claims: readonly Claim[]): Map<string, number> {
  const out = new Map<string, number>();
  const cap = (c: Claim) => Math.max(0, c.limit < 0 ? c.demand : Math.min(c.limit, c.demand));
  const first = claims.map((c) => Math.min(c.quota < 0 ? Number.POSITIVE_INFINITY : c.quota, cap(c)));
  const sumFirst = first.reduce((a, b) => a + b, 0);
  const scale = sumFirst > total && sumFirst > 0 ? Math.max(0, total) / sumFirst : 1;
  claims.forEach((c, i) => {
    out.set(c.key, (first[i] ?? 0) * scale);
  });
  let rest = Math.max(0, total) - sumFirst * scale;
  const priorities = [...new Set(claims.map((c) => c.priority))].sort((a, b) => b - a);
  for (const p of priorities) {
    let open = claims.filter((c) => c.priority === p && c.weight > 0 && cap(c) - (out.get(c.key) ?? 0) > EPS);
    while (rest > EPS && open.length > 0) {
      const weights = open.reduce((a, c) => a + c.weight, 0);
      // Those whose proportional part reaches their cap take the cap; the others share the rest.
      const full = open.filter((c) => cap(c) - (out.get(c.key) ?? 0) <= (rest * c.weight) / weights + EPS);
      if (full.length === 0) {
        for (const c of open) out.set(c.key, (out.get(c.key) ?? 0) + (rest * c.weight) / weights);
        rest = 0;
        break;
      }
      for (const c of full) {
        rest -= cap(c) - (out.get(c.key) ?? 0);
        out.set(c.key, cap(c));
      }
      open = open.filter((c) => !full.includes(c));
    }
    if (rest <= EPS) break;
  }
  return out;
}

/** Queue names in tree order, with each queue's parent resolved (undefined: top level). */
export function queueTree(queues: readonly QueueNode[]): {
  parentOf: Map<string, string | undefined>;
  children: Map<string | undefined, string[]>;
} {
  const byName = new Map(queues.map((q) => [q.name, q]));
  const parentOf = new Map<string, string | undefined>();
  for (const q of queues) {
    // A parent that does not exist, or a chain of parents that leads back to the queue, makes it
    // top-level.
    let p = q.parent && byName.has(q.parent) ? q.parent : undefined;
    const seen = new Set<string>();
    for (let a = p; a !== undefined && !seen.has(a); a = byName.get(a)?.parent) {
      if (a === q.name) p = undefined;
      seen.add(a);
    }
    parentOf.set(q.name, p);
  }
  const children = new Map<string | undefined, string[]>();
  for (const q of [...queues].sort((a, b) => a.name.localeCompare(b.name))) {
    const p = parentOf.get(q.name);
    const list = children.get(p) ?? [];
    list.push(q.name);
    children.set(p, list);
  }
  return { parentOf, children };
}

/** The queue and every queue below it. */
export function subtree(name: string, children: Map<string | undefined, string[]>): string[] {
  const out: string[] = [];
  const stack = [name];
  while (stack.length > 0) {
    const n = stack.pop() as string;
    out.push(n);
    stack.push(...(children.get(n) ?? []));
  }
  return out;
}

/**
 * Each queue's fair share per resource of `capacity` (the resources counted are capacity's keys).
 * `demand` is what each queue's own pods ask for; a queue's demand in the division is its own plus
 * its descendants'. A parent queue's own pods (KAI puts jobs in leaf queues only) take part in the
 * division of its share as one more child with no quota and weight 1.
 */
export function fairShares(
  queues: readonly QueueNode[],
  demand: ReadonlyMap<string, Amounts>,
  capacity: Amounts,
): Map<string, Amounts> {
  const { children } = queueTree(queues);
  const byName = new Map(queues.map((q) => [q.name, q]));
  const out = new Map<string, Amounts>(queues.map((q) => [q.name, {}]));
  for (const r of Object.keys(capacity)) {
    const own = (q: string) => demand.get(q)?.[r] ?? 0;
    const total = new Map<string, number>();
    const totalOf = (q: string): number => {
      const known = total.get(q);
      if (known !== undefined) return known;
      const t = own(q) + (children.get(q) ?? []).reduce((a, c) => a + totalOf(c), 0);
      total.set(q, t);
      return t;
    };
    const claim = (q: string): Claim => {
      const spec = byName.get(q)?.resources?.[r];
      return {
        key: q,
        demand: totalOf(q),
        quota: spec?.quota ?? 0,
        limit: spec?.limit ?? -1,
        weight: spec?.overQuotaWeight ?? 1,
        priority: byName.get(q)?.priority ?? DEFAULT_QUEUE_PRIORITY,
      };
    };
    const split = (parent: string | undefined, share: number) => {
      const kids = children.get(parent) ?? [];
      const claims = kids.map(claim);
      if (parent !== undefined && kids.length > 0 && own(parent) > 0)
        claims.push({
          key: "",
          demand: own(parent),
          quota: 0,
          limit: -1,
          weight: 1,
          priority: byName.get(parent)?.priority ?? DEFAULT_QUEUE_PRIORITY,
        });
      const shares = divide(share, claims);
      for (const k of kids) {
        const s = shares.get(k) ?? 0;
        const amounts = out.get(k) as Amounts;
        amounts[r] = s;
        split(k, s);
      }
    };
    split(undefined, capacity[r] ?? 0);
  }
  return out;
}
