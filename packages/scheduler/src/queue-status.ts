// KAI Queue status (only when the Queue kind is served): `status.requested` (what the queue's
// live, unfinished pods request, bound or not), `status.allocated` (what its bound, unfinished pods
// request), `status.allocatedNonPreemptible` (the part of allocated whose pods' priority is
// non-preemptible: KAI's >= 100), each for the queue plus its descendants (spec.parentQueue), and `status.childQueues`
// (sorted names of its direct children). Pods are ours (spec.schedulerName) and pick their queue
// with the `kai.scheduler/queue` label; requests as requests.ts computes them. Driven by the pod and
// Queue informers: a change marks the statuses dirty, one pass recomputes them from the caches at
// most once per interval, and a Queue's status is written (a JSON merge patch of the fields above,
// through the status subresource) only when it differs from what the cache holds, or our own last
// write while the cache lags behind it (runtime's StatusMemory).
import { KaiQueueType, LabelKaiQueue } from "@grove-ts/api";
import { parseQuantity } from "@grove-ts/placement";
import { type Cache, type Client, type KubeObject, type Logger, StatusMemory } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podRequests, type Requests } from "./requests.js";

type Quantities = Record<string, string>;
interface Owned {
  requested: Quantities;
  allocated: Quantities;
  allocatedNonPreemptible: Quantities;
  childQueues: string[];
}
type QueueObj = KubeObject & {
  spec?: { parentQueue?: string };
  status?: {
    requested?: Record<string, unknown>;
    allocated?: Record<string, unknown>;
    allocatedNonPreemptible?: Record<string, unknown>;
    childQueues?: string[];
  };
};

/** Milli-units as a canonical quantity: whole units without suffix, else millis. */
function quantity(milli: number): string {
  const m = Math.round(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

function toQuantities(r: Requests): Quantities {
  const out: Quantities = {};
  for (const k of [...r.keys()].sort()) {
    const v = r.get(k) ?? 0;
    if (v !== 0) out[k] = quantity(v);
  }
  return out;
}

/** A stored quantity map in the same canonical form (unparseable values kept as written). */
function canonical(q: Record<string, unknown> | undefined): Quantities {
  const out: Quantities = {};
  for (const k of Object.keys(q ?? {}).sort()) {
    const v = q?.[k];
    try {
      out[k] = quantity(parseQuantity(String(v), k));
    } catch {
      out[k] = String(v);
    }
  }
  return out;
}

const add = (into: Requests, r: Requests) => {
  for (const [k, v] of r) into.set(k, (into.get(k) ?? 0) + v);
};

/** A merge patch turning `from` into `to` (keys gone are nulled). */
function mapPatch(from: Quantities, to: Quantities): Record<string, string | null> {
  const out: Record<string, string | null> = { ...to };
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  return out;
}

export class QueueStatusWriter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private lastPass = 0;
  private dirty = false;
  private stopped = false;
  /** Our last status writes, newer than a lagging cache until it catches up. */
  private readonly written = new StatusMemory();

  constructor(
    private readonly client: Client,
    private readonly pods: Cache<Pod & KubeObject>,
    private readonly queues: Cache<KubeObject>,
    private readonly schedulerNames: Set<string>,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    /** Pods of this priority and above are not preemptible (KAI's 100); null: every pod is. */
    private readonly nonPreemptible: number | null = 100,
  ) {}

  /** A labelled pod or a Queue changed: recompute soon (coalesced). */
  markDirty(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.lastPass + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (this.dirty) this.markDirty();
      });
    }, wait);
  }

  podChanged(p: Pod): void {
    if (p.metadata?.labels?.[LabelKaiQueue]) this.markDirty();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** What each existing Queue's status should hold. */
  desired(): Map<string, Owned> {
    const queues = this.queues.list() as QueueObj[];
    const names = new Set(queues.map((q) => q.metadata.name ?? ""));
    const ownReq = new Map<string, Requests>();
    const ownAlloc = new Map<string, Requests>();
    const ownFixed = new Map<string, Requests>();
    for (const p of this.pods.list()) {
      const q = p.metadata.labels?.[LabelKaiQueue];
      if (!q || !names.has(q)) continue;
      if (!this.schedulerNames.has(p.spec?.schedulerName ?? "")) continue;
      const phase = p.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      let r: Requests;
      try {
        r = podRequests(p);
      } catch {
        continue;
      }
      add(ownReq.get(q) ?? ownReq.set(q, new Map()).get(q) ?? new Map(), r);
      if (!p.spec?.nodeName) continue;
      add(ownAlloc.get(q) ?? ownAlloc.set(q, new Map()).get(q) ?? new Map(), r);
      if (this.nonPreemptible !== null && (p.spec.priority ?? 0) >= this.nonPreemptible)
        add(ownFixed.get(q) ?? ownFixed.set(q, new Map()).get(q) ?? new Map(), r);
    }
    const children = new Map<string, string[]>();
    for (const q of queues) {
      const parent = q.spec?.parentQueue;
      if (parent && names.has(parent) && parent !== q.metadata.name)
        (children.get(parent) ?? children.set(parent, []).get(parent))?.push(q.metadata.name ?? "");
    }
    const out = new Map<string, Owned>();
    for (const name of names) {
      const req: Requests = new Map();
      const alloc: Requests = new Map();
      const fixed: Requests = new Map();
      // The queue and its descendants; a cycle in spec.parentQueue counts each queue once.
      const seen = new Set<string>();
      const stack = [name];
      while (stack.length) {
        const n = stack.pop() ?? "";
        if (seen.has(n)) continue;
        seen.add(n);
        add(req, ownReq.get(n) ?? new Map());
        add(alloc, ownAlloc.get(n) ?? new Map());
        add(fixed, ownFixed.get(n) ?? new Map());
        stack.push(...(children.get(n) ?? []));
      }
      out.set(name, {
        requested: toQuantities(req),
        allocated: toQuantities(alloc),
        allocatedNonPreemptible: toQuantities(fixed),
        childQueues: [...(children.get(name) ?? [])].sort(),
      });
    }
    return out;
  }

  private async pass(): Promise<void> {
    this.dirty = false;
    this.lastPass = Date.now();
    for (const [name, want] of this.desired()) {
      if (this.stopped) return;
      const q = this.written.newest(this.queues.get(name)) as QueueObj | undefined;
      if (!q) continue;
      const has: Owned = {
        requested: canonical(q.status?.requested),
        allocated: canonical(q.status?.allocated),
        allocatedNonPreemptible: canonical(q.status?.allocatedNonPreemptible),
        childQueues: [...(q.status?.childQueues ?? [])].sort(),
      };
      if (JSON.stringify(has) === JSON.stringify(want)) continue;
      try {
        const written = await this.client.patch(
          KaiQueueType,
          name,
          undefined,
          {
            type: "merge",
            body: {
              status: {
                requested: mapPatch(has.requested, want.requested),
                allocated: mapPatch(has.allocated, want.allocated),
                allocatedNonPreemptible: mapPatch(has.allocatedNonPreemptible, want.allocatedNonPreemptible),
                childQueues: want.childQueues.length ? want.childQueues : null,
              },
            },
          },
          { subresource: "status" },
        );
        this.written.record(written);
      } catch (err) {
        if ((err as { code?: number }).code === 404) continue;
        this.log.warn("could not write Queue status", { queue: name, error: err });
        this.dirty = true;
      }
    }
  }
}
