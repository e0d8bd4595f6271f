// The gang scheduler: pending PodGangs (and lone pods) -> placement -> pods/binding, assembled from
// kube-scheduler's parts (README "Structure"): informer events feed the scheduling queue
// (queue.ts: active, per-gang backoff, unschedulable gangs parked until an event can help them);
// one cycle at a time takes the active gangs and places them on the informers' caches and the
// capacity snapshot (cycle.ts, pending.ts, placer.ts), assuming the placed pods; the binder
// (binder.ts) binds them in the background; the status writer (status-writer.ts) records why
// pods wait and keeps PodGang status. Level-based: a cycle reads state, never the events that
// woke it, so a missed or repeated event costs nothing but a cycle (grove-behaviour.md §6.3).
import {
  type ClusterTopologyBinding,
  ClusterTopologyBindingType,
  KaiQueueType,
  LabelPodGang,
  type PodGang,
  PodGangConditionInitialized,
  PodGangType,
} from "@grove-ts/api";
import {
  type Client,
  type Condition,
  findCondition,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  PriorityClassType,
  SharedInformer,
} from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { Binder } from "./binder.js";
import { ClaimsRuntime } from "./claims-writer.js";
import { Cycle } from "./cycle.js";
import { Evictor } from "./evictor.js";
import { DisruptedGangs } from "./gang-disruption.js";
import type { GangSchedulerMetrics } from "./metrics.js";
import { ClusterView, lonePodKey } from "./pending.js";
import { Placer } from "./placer.js";
import { checkPolicies, type PolicyOptions } from "./policies.js";
import { Preemption } from "./preemption.js";
import { SchedulingQueue } from "./queue.js";
import { kaiVictimPolicies } from "./queue-boundary.js";
import { QueueStatusWriter } from "./queue-status.js";
import { holdsCapacity, Snapshot } from "./snapshot.js";
import { DEFAULT_SCHEDULER_NAME, StatusWriter } from "./status-writer.js";
import { DEFAULT_NON_PREEMPTIBLE_PRIORITY } from "./victims.js";

/**
 * `placementPolicies` / `defaultPlacementPolicy` (policies.ts): BinPack or Spread per scheduler
 * name, as OperatorConfiguration `scheduler.profiles[].config.placement` says (README "Policies").
 */
export interface GangSchedulerOptions extends PolicyOptions {
  /** Pods whose spec.schedulerName is one of these are ours. Default ["grove-scheduler"]. */
  schedulerNames?: string[];
  /** Placement engine; default "wasm". */
  engine?: "wasm" | "js";
  logger?: Logger;
  /** Delay that coalesces bursts of events into one cycle (and one status pass). Default 10 ms. */
  coalesceMs?: number;
  /**
   * Quiet time after a capacity change (node added, uncordoned, a pod freed) before the cycle that
   * uses it, extended while changes keep coming, up to 4x. Several nodes uncordoned at once are
   * then offered to the pending gangs together, as a periodic scheduler would, instead of the first
   * node going to one gang's surplus pods. Default 200 ms.
   */
  capacityCoalesceMs?: number;
  /**
   * Surplus hold after a node change (added, uncordoned, resized, deleted): while some gang waits
   * for its minimum, pods above a gang's minimum are not placed until no node has changed for this
   * long (or `surplusSettleMaxMs` after the first change of the burst), so capacity that appears
   * node by node goes to waiting minimums first (grove-behaviour.md §18.1 GS8, GS10). Default 500.
   */
  surplusSettleMs?: number;
  /** Cap on one burst's surplus hold, from its first node change. Default 3000. */
  surplusSettleMaxMs?: number;
  /** First retry delay of a gang that did not fit; doubles per failure of that gang up to maxBackoffMs. Default 1000. */
  initialBackoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /**
   * A gang parked as unschedulable is retried after this long even if no event could help it
   * (kube-scheduler's podMaxInUnschedulablePodsDuration). Default 300 000 (5 min).
   */
  maxUnschedulableMs?: number;
  /** Bindings in flight at once. Default 32. */
  bindConcurrency?: number;
  /**
   * Keep an encoded placement snapshot per topology across cycles, updated per bound or freed pod
   * (default true); false solves each batch from scratch with solve().
   */
  incremental?: boolean;
  /** Instrumentation hooks (attempts, latency, pending gangs, solver time); none by default. */
  metrics?: GangSchedulerMetrics;
  /**
   * Where the scheduler's Events go (Scheduled, FailedScheduling, Preempted, ...); default its
   * client. kube-scheduler writes Events on a client of its own, so they do not spend the rate
   * limit of bindings and status writes.
   */
  eventClient?: Client;
  /** Least time between two passes writing KAI Queue status (queue-status.ts). Default 1000. */
  queueStatusIntervalMs?: number;
  /** Priority preemption of running gangs for a gang that does not fit (README "Preemption"). Default true. */
  preemption?: boolean;
  /**
   * Running pods of this priority or higher are never preempted (KAI's rule); null: any priority
   * below the preemptor's is. Default 100.
   */
  nonPreemptiblePriority?: number | null;
  /**
   * A preemptor's nomination ends when its victims are not all gone within their longest grace
   * period plus this (README "Preemption"). Default 30 000.
   */
  nominationMarginMs?: number;
  /** First retry delay of an eviction the API server refused; doubles up to 30 s. Default 1000. */
  evictionBackoffMs?: number;
}

export interface GangScheduler {
  /** Resolves once the informers have synced and every pending gang is queued. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createGangScheduler(client: Client, options: GangSchedulerOptions = {}): GangScheduler {
  return new Scheduler(client, options);
}

const gangKeyOf = (p: Pod): string | undefined => {
  const gang = p.metadata?.labels?.[LabelPodGang];
  return gang ? `${p.metadata?.namespace}/${gang}` : undefined;
};

const initialized = (g: PodGang): string | undefined =>
  findCondition(g.status?.conditions as Condition[] | undefined, PodGangConditionInitialized)?.status;

class Scheduler implements GangScheduler {
  private readonly names: Set<string>;
  private readonly log: Logger;
  private readonly nodes: SharedInformer<Node & KubeObject>;
  private readonly pods: SharedInformer<Pod & KubeObject>;
  private readonly gangs: SharedInformer<PodGang & KubeObject>;
  private readonly bindings: SharedInformer<ClusterTopologyBinding & KubeObject>;
  private readonly classes: SharedInformer<KubeObject & { value?: number }>;
  /** KAI's Queues, only when the kind is served (start() looks). */
  private queues: SharedInformer<KubeObject> | undefined;
  /** Writes Queue status (requested, allocated, childQueues) when Queues are served. */
  private queueStatus: QueueStatusWriter | undefined;
  private readonly snapshot = new Snapshot();
  private readonly view: ClusterView;
  private readonly queue: SchedulingQueue;
  private readonly placer: Placer;
  private readonly cycle: Cycle;
  private readonly binder: Binder;
  private readonly status: StatusWriter;
  private readonly preemption: Preemption | undefined;
  /** DRA allocation (claims-writer.ts), when ResourceClaims are served. */
  private claims: ClaimsRuntime | undefined;
  private readonly removers: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly options: GangSchedulerOptions,
  ) {
    checkPolicies(options);
    this.names = new Set(options.schedulerNames ?? [DEFAULT_SCHEDULER_NAME]);
    this.log = (options.logger ?? noopLogger).with({ component: "gang-scheduler" });
    const inf = { logger: this.log };
    this.nodes = new SharedInformer(client, NodeType, inf);
    this.pods = new SharedInformer(client, PodType, inf);
    this.gangs = new SharedInformer(client, PodGangType, inf);
    this.bindings = new SharedInformer(client, ClusterTopologyBindingType, inf);
    this.classes = new SharedInformer(client, PriorityClassType, inf);
    this.view = new ClusterView(
      this.names,
      this.pods.cache,
      this.gangs.cache,
      this.nodes.cache,
      this.bindings.cache,
      this.snapshot,
      this.classes.cache,
    );
    this.queue = new SchedulingQueue(options);
    this.placer = new Placer(this.snapshot, options);
    const coalesceMs = options.coalesceMs ?? 10;
    const disrupted = new DisruptedGangs();
    this.status = new StatusWriter(client, this.view, {
      log: this.log,
      coalesceMs,
      metrics: options.metrics,
      disrupted,
      eventClient: options.eventClient,
    });
    const npp = options.nonPreemptiblePriority;
    if (npp !== undefined && npp !== null && !Number.isInteger(npp))
      throw new RangeError(`nonPreemptiblePriority: must be an integer or null, got ${npp}`);
    for (const [name, v, min] of [
      ["nominationMarginMs", options.nominationMarginMs, 0],
      ["evictionBackoffMs", options.evictionBackoffMs, 1],
    ] as const)
      if (v !== undefined && !(v >= min))
        throw new RangeError(`${name}: must be a number >= ${min}, got ${v}`);
    // Priority preemption inside a queue, reclaim across KAI queues (queue-boundary.ts).
    const policies = kaiVictimPolicies(
      this.view,
      npp === undefined ? DEFAULT_NON_PREEMPTIBLE_PRIORITY : npp,
      () => this.preemption?.inFlight() ?? { nominated: [], victims: [] },
    );
    this.preemption =
      options.preemption === false
        ? undefined
        : new Preemption(
            client,
            this.view,
            this.placer,
            this.status,
            new Evictor(client, (...a) => this.status.event(...a), this.log, {
              initialBackoffMs: options.evictionBackoffMs,
              disrupted,
            }),
            {
              nonPreemptiblePriority: npp,
              victimPolicy: policies.victim,
              priorityPolicy: policies.priority,
              nominationMarginMs: options.nominationMarginMs,
              wake: (key, ms) => this.queue.addAfter(key, ms),
              log: this.log,
            },
          );
    this.cycle = new Cycle(this.view, this.placer, this.status, {
      ...options,
      preemption: this.preemption,
      log: this.log,
    });
    this.binder = new Binder(
      client,
      this.snapshot,
      {
        bound: (b) => {
          this.status.bound(b.pod, b.node);
          if (!b.gang.startsWith("pod:")) this.status.markDirty(b.gang);
        },
        failed: (b) => this.queue.done(b.gang, "Error"),
      },
      this.log,
      options.bindConcurrency,
    );
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.removers.push(
      this.nodes.addEventHandler({
        onAdd: (n) => {
          this.snapshot.setNode(n);
          this.nodeChanged();
        },
        onUpdate: (o, n) => {
          this.snapshot.setNode(n);
          if (o.metadata.deletionTimestamp !== n.metadata.deletionTimestamp) {
            this.placer.drop();
            this.view.tracker.nodeChanged();
          }
          if (
            o.spec?.unschedulable !== n.spec?.unschedulable ||
            JSON.stringify([o.status?.allocatable, o.spec?.taints, o.metadata.labels]) !==
              JSON.stringify([n.status?.allocatable, n.spec?.taints, n.metadata.labels])
          )
            this.nodeChanged();
        },
        onDelete: (n) => {
          this.snapshot.deleteNode(n.metadata.name ?? "");
          this.nodeChanged();
        },
      }),
      this.pods.addEventHandler({
        onAdd: (p) => {
          this.snapshot.setPod(p);
          this.view.tracker.onPod(p, this.view.schedulable(p));
          this.podTouched(p);
          this.queueStatus?.podChanged(p);
          if (this.view.schedulable(p)) this.workFor(p);
        },
        onUpdate: (o, p) => {
          this.snapshot.setPod(p);
          this.view.tracker.onPod(p, this.view.schedulable(p));
          this.podTouched(p);
          this.queueStatus?.podChanged(o);
          this.queueStatus?.podChanged(p);
          if (holdsCapacity(o) && !holdsCapacity(p)) this.podFreed(p);
          else if (this.view.schedulable(p) && !this.view.schedulable(o)) this.workFor(p);
        },
        onDelete: (p) => {
          this.snapshot.deletePod(p.metadata.namespace, p.metadata.name);
          this.view.tracker.onPodDeleted(p);
          this.status.podDeleted(p, lonePodKey(p));
          this.preemption?.forget(lonePodKey(p));
          this.queue.remove(lonePodKey(p));
          this.podTouched(p);
          this.queueStatus?.podChanged(p);
          if (holdsCapacity(p)) this.podFreed(p);
        },
      }),
      this.gangs.addEventHandler({
        onAdd: (g) => {
          const key = `${g.metadata.namespace}/${g.metadata.name}`;
          this.status.markDirty(key);
          this.queue.add(key);
        },
        onUpdate: (o, g) => {
          const key = `${g.metadata.namespace}/${g.metadata.name}`;
          this.status.markDirty(key);
          if (o.metadata.generation !== g.metadata.generation || initialized(o) !== initialized(g))
            this.queue.add(key);
        },
        onDelete: (g) => {
          const key = `${g.metadata.namespace}/${g.metadata.name}`;
          this.status.gangDeleted(key, g.metadata.uid);
          this.view.tracker.gangDeleted(key);
          this.preemption?.forget(key);
          this.queue.remove(key);
        },
      }),
      this.bindings.addEventHandler({
        onAdd: () => this.queue.activate("topology"),
        onUpdate: () => this.queue.activate("topology"),
        onDelete: () => this.queue.activate("topology"),
      }),
    );
    await this.watchQueues();
    const c = [this.client, this.view, this.pods, this.status, this.queue, this.log] as const;
    this.claims = await ClaimsRuntime.open(...c);
    // Every pod event reaches the handlers above from the first list on (pod-tracker.ts).
    this.view.tracker.track();
    for (const i of this.informers()) i.start();
    await Promise.all(this.informers().map((i) => i.waitForSync()));
    this.log.info("started", { schedulerNames: [...this.names] });
    this.status.start();
    this.queueStatus?.markDirty();
    this.loop = this.run();
  }

  private informers(): SharedInformer<KubeObject>[] {
    const all = [
      this.nodes,
      this.pods,
      this.gangs,
      this.bindings,
      this.classes,
    ] as SharedInformer<KubeObject>[];
    return [...(this.queues ? [...all, this.queues] : all), ...(this.claims?.informers() ?? [])];
  }

  /**
   * KAI's Queue served (its CRD installed): gangs whose queue does not exist wait for it, and a
   * Queue's changes wake them. Not served (or not readable): queues are not checked.
   */
  private async watchQueues(): Promise<void> {
    const served = await this.client.list(KaiQueueType, { limit: 1 }).then(
      () => true,
      (err: unknown) => {
        this.log.info("KAI Queues not checked", { reason: err instanceof Error ? err.message : String(err) });
        return false;
      },
    );
    if (!served) return;
    this.queues = new SharedInformer<KubeObject>(this.client, KaiQueueType, { logger: this.log });
    this.view.queues = this.queues.cache;
    this.queueStatus = new QueueStatusWriter(
      this.client,
      this.pods.cache,
      this.queues.cache,
      this.names,
      this.log,
      this.options.queueStatusIntervalMs,
      this.options.nonPreemptiblePriority === undefined
        ? DEFAULT_NON_PREEMPTIBLE_PRIORITY
        : this.options.nonPreemptiblePriority,
    );
    const wake = () => {
      this.queue.activate("queue");
      this.queueStatus?.markDirty();
    };
    this.removers.push(
      this.queues.addEventHandler({
        onAdd: wake,
        // Our own status writes do not wake parked gangs (status changes leave generation alone).
        onUpdate: (o, n) =>
          o.metadata.generation !== n.metadata.generation ? wake() : this.queueStatus?.markDirty(),
        onDelete: wake,
      }),
    );
  }

  async stop(): Promise<void> {
    for (const r of this.removers) r();
    this.queue.shutDown();
    await this.loop;
    await this.binder.stop();
    await this.claims?.stop();
    await this.preemption?.stop();
    await this.status.stop();
    await this.queueStatus?.stop();
    await Promise.all(this.informers().map((i) => i.stop()));
    this.placer.dispose();
  }

  /** Cycles, one at a time, until the queue shuts down. */
  private async run(): Promise<void> {
    for (;;) {
      const keys = await this.queue.pop();
      if (!keys) return;
      try {
        if (this.queue.shuttingDown) return;
        const started = performance.now();
        this.claims?.claims.begin();
        const r = await this.cycle.run(keys);
        // DRA: the claims' allocation and reservedFor are written before any of their pods is bound.
        if (this.claims) r.bindings = await this.claims.commit(r.bindings, r.outcomes, this.snapshot);
        this.binder.add(r.bindings);
        this.options.metrics?.cycle?.({
          seconds: (performance.now() - started) / 1000,
          attempted: r.outcomes.size,
          scheduled: [...r.outcomes.values()].filter((o) => o === "Scheduled").length,
          pods: r.bindings.length,
        });
        for (const [key, outcome] of r.outcomes) this.queue.done(key, outcome);
        for (const key of r.next) this.queue.add(key);
        for (const key of r.hold?.keys ?? []) this.queue.addAfter(key, r.hold?.afterMs ?? 0);
      } catch (err) {
        this.log.error("scheduling cycle failed", { error: err, gangs: keys.length });
        for (const key of keys) this.queue.done(key, "Error");
      } finally {
        this.queue.release(keys);
      }
      this.status.reportPending();
    }
  }

  /** A node changed in a way that can help parked gangs; its encodings are stale. */
  private nodeChanged(): void {
    this.view.tracker.nodeChanged();
    this.placer.drop();
    this.cycle.nodeChanged();
    this.queue.activate("node");
  }

  /**
   * A pod gave its node's room back (deleted or finished): gangs that did not fit may now, and its
   * own gang changed (bound pods pin where the rest of a gang goes).
   */
  private podFreed(p: Pod): void {
    this.queue.activate("freed");
    const gang = gangKeyOf(p);
    if (gang) this.queue.add(gang);
  }

  /** A pod became schedulable: its gang (or itself, alone) is tried in the next cycle. */
  private workFor(p: Pod): void {
    const gang = gangKeyOf(p);
    if (gang) this.queue.add(gang);
    this.queue.add(lonePodKey(p));
  }

  /** A PodGang's pod changed: its status (phase) may have. */
  private podTouched(p: Pod): void {
    const gang = gangKeyOf(p);
    if (gang) this.status.markDirty(gang);
  }
}
