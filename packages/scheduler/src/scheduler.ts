// The gang scheduler: pending PodGangs (and lone pods) -> one placement problem per cycle ->
// pods/binding. Level-based: every cycle reads the informers' caches and the capacity snapshot,
// never the events that woke it, so a missed or repeated event costs nothing but a cycle.
//
// Cycles run one at a time. Work that may now fit (a new schedulable pod, a PodGang that changed,
// capacity that freed up) wakes a cycle after a short coalescing delay; gangs that still do not
// fit are retried on a doubling backoff (grove-behaviour.md §6.3, issue 5 item 2).
import {
  AnnotationTopologyName,
  type ClusterTopologyBinding,
  ClusterTopologyBindingType,
  LabelBasePodGang,
  LabelPodCliquePodIndex,
  LabelPodGang,
  type PodGang,
  PodGangConditionInitialized,
  PodGangConditionScheduled,
  PodGangType,
} from "@grove-ts/api";
import {
  checkProblem,
  createSnapshot,
  type Gang,
  PlacementProblemError,
  type PlacementResult,
  type PlacementSnapshot,
  solve,
  type TopologyLevel,
} from "@grove-ts/placement";
import {
  type Client,
  type Condition,
  createEventRecorder,
  type EventRecorder,
  findCondition,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  rfc3339,
  SharedInformer,
  setCondition,
} from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { gangStatusOps, newerRv } from "./gang-status.js";
import {
  constraintKeys,
  GangBuildError,
  toPlacementGang,
  type Within,
  type WorkGang,
  type WorkGroup,
} from "./gangs.js";
import { type GangSchedulerMetrics, PENDING_REASONS, type PendingReason } from "./metrics.js";
import { toQuantities } from "./requests.js";
import { holdsCapacity, podKey, Snapshot } from "./snapshot.js";
import { levelsFor } from "./topology.js";

export const DEFAULT_SCHEDULER_NAME = "grove-scheduler";
/** What a pod without spec.schedulerName is scheduled by. */
const KUBE_DEFAULT_SCHEDULER = "default-scheduler";

export const ReasonUnschedulable = "Unschedulable";
export const ReasonScheduled = "Scheduled";
export const EventReasonFailedScheduling = "FailedScheduling";
export const EventReasonScheduled = "Scheduled";

export interface GangSchedulerOptions {
  /** Pods whose spec.schedulerName is one of these are ours. Default ["grove-scheduler"]. */
  schedulerNames?: string[];
  /** Placement engine; default "wasm". */
  engine?: "wasm" | "js";
  logger?: Logger;
  /** Delay that coalesces bursts of events into one cycle. Default 10 ms. */
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
  /** First retry delay for gangs that did not fit; doubles up to maxBackoffMs. Default 1000. */
  initialBackoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /** Bindings in flight at once. Default 32. */
  bindConcurrency?: number;
  /**
   * Keep an encoded placement snapshot per topology across cycles, updated per bound or freed pod
   * (default true); false solves each batch from scratch with solve().
   */
  incremental?: boolean;
  /** Instrumentation hooks (attempts, latency, pending gangs, solver time); none by default. */
  metrics?: GangSchedulerMetrics;
}

export interface GangScheduler {
  /** Resolves once the informers have synced and the first cycle is queued. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const pk = (p: Pod): string => podKey(p.metadata?.namespace, p.metadata?.name);
const gatedOrDone = (p: Pod): boolean =>
  (p.spec?.schedulingGates?.length ?? 0) > 0 ||
  Boolean(p.metadata?.deletionTimestamp) ||
  p.status?.phase === "Succeeded" ||
  p.status?.phase === "Failed";

export function createGangScheduler(client: Client, options: GangSchedulerOptions = {}): GangScheduler {
  return new Scheduler(client, options);
}

interface Verdict {
  message: string;
  /** The gang could not be built (an "error" attempt, an "invalid" pending gang). */
  invalid?: boolean;
}

class Scheduler implements GangScheduler {
  private readonly names: Set<string>;
  private readonly log: Logger;
  /** One Event recorder per scheduler name (the Events' source.component). */
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly nodes: SharedInformer<Node & KubeObject>;
  private readonly pods: SharedInformer<Pod & KubeObject>;
  private readonly gangs: SharedInformer<PodGang & KubeObject>;
  private readonly bindings: SharedInformer<ClusterTopologyBinding & KubeObject>;
  private readonly snapshot = new Snapshot();
  /** Encoded clusters per topology signature, kept in step with `snapshot` (see `incremental`). */
  private readonly placements = new Map<string, PlacementSnapshot>();
  private readonly removers: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  private started = false;
  /** Something may fit that did not before: solve in the next cycle. */
  private needSolve = true;
  /** PodGangs whose status may be stale. */
  private readonly statusDirty = new Set<string>();
  private backoff: number;
  /** Last unschedulable message per gang key (drives the Scheduled=False condition). */
  private readonly unplaced = new Map<string, Verdict>();
  /** The PodGang each status write of ours returned, until the cache shows it (by gang key). */
  private readonly gangWrites = new Map<string, PodGang & KubeObject>();
  /** Last message written per pod (uid), so a retry that fails the same way writes nothing. */
  private readonly podMessages = new Map<string, string>();
  private readonly metrics: GangSchedulerMetrics | undefined;
  /** PodGang uids whose scheduling latency was observed (only kept with metrics). */
  private readonly latencyObserved = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly options: GangSchedulerOptions,
  ) {
    this.names = new Set(options.schedulerNames ?? [DEFAULT_SCHEDULER_NAME]);
    this.log = (options.logger ?? noopLogger).with({ component: "gang-scheduler" });
    this.backoff = options.initialBackoffMs ?? 1000;
    this.metrics = options.metrics;
    const inf = { logger: this.log };
    this.nodes = new SharedInformer(client, NodeType, inf);
    this.pods = new SharedInformer(client, PodType, {
      ...inf,
      indexers: {
        podgang: (p) =>
          p.metadata.labels?.[LabelPodGang]
            ? [`${p.metadata.namespace}/${p.metadata.labels[LabelPodGang]}`]
            : [],
      },
    });
    this.gangs = new SharedInformer(client, PodGangType, inf);
    this.bindings = new SharedInformer(client, ClusterTopologyBindingType, inf);
    this.snapshot.onUsage((node, requests, sign) => {
      const q = toQuantities(requests);
      for (const [sig, ps] of this.placements) {
        try {
          if (sign > 0) ps.bind(node, q);
          else ps.free(node, q);
        } catch {
          // Out of step (e.g. a pod on a node the encoding lacks): rebuild at the next cycle.
          this.dropPlacement(sig);
        }
      }
    });
  }

  private dropPlacement(sig?: string): void {
    for (const [k, ps] of this.placements)
      if (sig === undefined || k === sig) {
        ps.dispose();
        this.placements.delete(k);
      }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.removers.push(
      this.nodes.addEventHandler({
        onAdd: (n) => {
          this.snapshot.setNode(n);
          this.dropPlacement();
          this.nodeChanged();
          this.capacityChanged();
        },
        onUpdate: (o, n) => {
          this.snapshot.setNode(n);
          if (o.metadata.deletionTimestamp !== n.metadata.deletionTimestamp) this.dropPlacement();
          if (
            o.spec?.unschedulable !== n.spec?.unschedulable ||
            JSON.stringify([o.status?.allocatable, o.spec?.taints, o.metadata.labels]) !==
              JSON.stringify([n.status?.allocatable, n.spec?.taints, n.metadata.labels])
          ) {
            this.dropPlacement();
            this.nodeChanged();
            this.capacityChanged();
          }
        },
        onDelete: (n) => {
          this.snapshot.deleteNode(n.metadata.name ?? "");
          this.dropPlacement();
          this.nodeChanged();
          this.capacityChanged();
        },
      }),
      this.pods.addEventHandler({
        onAdd: (p) => {
          this.snapshot.setPod(p);
          this.podTouched(p);
          if (this.schedulable(p)) this.workArrived();
        },
        onUpdate: (o, p) => {
          this.snapshot.setPod(p);
          this.podTouched(p);
          if (holdsCapacity(o) && !holdsCapacity(p)) this.capacityChanged();
          else if (this.schedulable(p) && !this.schedulable(o)) this.workArrived();
        },
        onDelete: (p) => {
          this.snapshot.deletePod(p.metadata.namespace, p.metadata.name);
          if (p.metadata.uid) this.podMessages.delete(p.metadata.uid);
          this.unplaced.delete(`pod:${pk(p)}`);
          this.podTouched(p);
          if (holdsCapacity(p)) this.capacityChanged();
        },
      }),
      this.gangs.addEventHandler({
        onAdd: (g) => {
          this.statusDirty.add(`${g.metadata.namespace}/${g.metadata.name}`);
          this.workArrived();
        },
        onUpdate: (o, g) => {
          const key = `${g.metadata.namespace}/${g.metadata.name}`;
          this.statusDirty.add(key);
          const init = (x: PodGang): string | undefined =>
            findCondition(x.status?.conditions as Condition[] | undefined, PodGangConditionInitialized)
              ?.status;
          if (o.metadata.generation !== g.metadata.generation || init(o) !== init(g)) this.workArrived();
          else this.kick();
        },
        onDelete: (g) => {
          if (g.metadata.uid) this.latencyObserved.delete(g.metadata.uid);
          this.unplaced.delete(`${g.metadata.namespace}/${g.metadata.name}`);
          this.gangWrites.delete(`${g.metadata.namespace}/${g.metadata.name}`);
        },
      }),
      this.bindings.addEventHandler({
        onAdd: () => this.capacityChanged(),
        onUpdate: () => this.capacityChanged(),
        onDelete: () => this.capacityChanged(),
      }),
    );
    for (const i of [this.nodes, this.pods, this.gangs, this.bindings]) i.start();
    await Promise.all([this.nodes, this.pods, this.gangs, this.bindings].map((i) => i.waitForSync()));
    this.log.info("started", { schedulerNames: [...this.names] });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const r of this.removers) r();
    await this.running;
    await Promise.all([this.nodes, this.pods, this.gangs, this.bindings].map((i) => i.stop()));
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
    this.dropPlacement();
  }

  // ---- wake-ups ---------------------------------------------------------------------------------

  private podTouched(p: Pod): void {
    const gang = p.metadata?.labels?.[LabelPodGang];
    if (gang) {
      this.statusDirty.add(`${p.metadata?.namespace}/${gang}`);
      this.kick();
    }
  }

  private workArrived(): void {
    this.needSolve = true;
    this.schedule(this.options.coalesceMs ?? 10);
  }

  /** Capacity may have freed: retry what did not fit, starting the backoff over. */
  private capacityChanged(): void {
    this.backoff = this.options.initialBackoffMs ?? 1000;
    this.needSolve = true;
    if (!this.started || this.stopped) return;
    const window = this.options.capacityCoalesceMs ?? 200;
    const now = Date.now();
    this.burstStart ??= now;
    const at = Math.min(now + window, this.burstStart + 4 * window);
    // Unlike other wake-ups, a capacity burst may push a pending cycle later (up to the cap).
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(Math.max(0, at - now));
  }

  private burstStart: number | undefined;

  /** First and last node change of the current burst (see `surplusSettleMs`). */
  private nodeBurstStart: number | undefined;
  private lastNodeChange: number | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;

  private nodeChanged(): void {
    const now = Date.now();
    const quiet = this.options.surplusSettleMs ?? 500;
    if (this.lastNodeChange === undefined || now - this.lastNodeChange >= quiet) this.nodeBurstStart = now;
    this.lastNodeChange = now;
  }

  /** When the current node burst counts as settled (0: no burst seen). */
  private settledAt(): number {
    if (this.lastNodeChange === undefined || this.nodeBurstStart === undefined) return 0;
    return Math.min(
      this.lastNodeChange + (this.options.surplusSettleMs ?? 500),
      this.nodeBurstStart + (this.options.surplusSettleMaxMs ?? 3000),
    );
  }

  /** Solve again once the burst settles, so the held surplus is placed then. */
  private solveWhenSettled(): void {
    if (this.stopped) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(
      () => {
        this.settleTimer = undefined;
        this.needSolve = true;
        this.schedule(0);
      },
      Math.max(0, this.settledAt() - Date.now()),
    );
  }

  /** A status pass only. */
  private kick(): void {
    this.schedule(this.options.coalesceMs ?? 10);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || !this.started) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.burstStart = undefined;
      void this.runCycle();
    }, delayMs);
  }

  private async runCycle(): Promise<void> {
    if (this.running) {
      // One cycle at a time: look again right after the current one.
      await this.running;
      this.schedule(0);
      return;
    }
    this.running = this.cycle()
      .catch((err) => this.log.error("scheduling cycle failed", { error: err }))
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  // ---- the cycle --------------------------------------------------------------------------------

  private schedulable(p: Pod): boolean {
    return (
      !p.spec?.nodeName && !gatedOrDone(p) && this.names.has(p.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER)
    );
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    if (this.needSolve) {
      this.needSolve = false;
      const unplacedLeft = await this.solveAndBind();
      if (unplacedLeft > 0 && !this.stopped) {
        const delay = this.backoff;
        this.backoff = Math.min(this.options.maxBackoffMs ?? 30_000, this.backoff * 2);
        this.retryIn(delay);
      }
    }
    await this.writeGangStatuses();
    if (this.metrics && !this.stopped) this.reportPending(this.metrics);
  }

  /** Counts our PodGangs that do not hold their minimum, by why (see PendingReason). */
  private reportPending(m: GangSchedulerMetrics): void {
    const counts = Object.fromEntries(PENDING_REASONS.map((r) => [r, 0])) as Record<PendingReason, number>;
    for (const pg of this.gangs.cache.list()) {
      const ns = pg.metadata.namespace ?? "";
      const key = `${ns}/${pg.metadata.name}`;
      const ours = pg.spec.podgroups.some((g) =>
        g.podReferences.some((ref) => {
          const pod = this.pods.cache.get(ref.name, ref.namespace || ns);
          return pod !== undefined && this.names.has(pod.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER);
        }),
      );
      if (!ours || this.gangHolds(key)) continue;
      const verdict = this.unplaced.get(key);
      const base = pg.metadata.labels?.[LabelBasePodGang];
      const reason: PendingReason = verdict
        ? verdict.invalid
          ? "invalid"
          : "unschedulable"
        : base && base !== pg.metadata.name && !this.gangHolds(`${ns}/${base}`)
          ? "waiting_for_base"
          : "waiting_for_pods";
      counts[reason]++;
    }
    m.pendingPodGangs(counts);
  }

  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryIn(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.needSolve = true;
      this.schedule(0);
    }, ms);
    this.retryTimer.unref?.();
  }

  /** Pods of a group counted as placed: bound, or bound by us and not yet seen so. */
  private isPlaced = (p: Pod): boolean => this.snapshot.boundNode(p) !== undefined && !gatedOrDone(p);

  /** The pending gangs, base gangs first, then by age. Returns gangs ready to place. */
  private collect(): WorkGang[] {
    const out: WorkGang[] = [];
    const inGang = new Set<string>();
    /** Scaled gangs whose base does not hold yet, by base gang key (their pods may still be gated). */
    const waiting = new Map<string, WorkGang[]>();
    for (const pg of this.gangs.cache.list()) {
      const ns = pg.metadata.namespace ?? "";
      const key = `${ns}/${pg.metadata.name}`;
      const groups: WorkGroup[] = [];
      /** Per group, its unplaced pods gated or not: what a scaled gang will ask for once ungated. */
      const unplaced: Pod[][] = [];
      let complete = true;
      let ours = false;
      for (const g of pg.spec.podgroups) {
        const bound: Pod[] = [];
        const pending: Pod[] = [];
        const later: Pod[] = [];
        for (const ref of g.podReferences) {
          inGang.add(podKey(ref.namespace || ns, ref.name));
          const pod = this.pods.cache.get(ref.name, ref.namespace || ns);
          if (!pod) {
            complete = false;
            continue;
          }
          if (this.names.has(pod.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER)) ours = true;
          if (this.isPlaced(pod)) bound.push(pod);
          else if (this.schedulable(pod) && !this.snapshot.boundNode(pod)) pending.push(pod);
          const ungated = { ...pod, spec: { ...pod.spec, schedulingGates: [] } } as Pod;
          if (this.schedulable(ungated) && !this.snapshot.boundNode(pod)) later.push(pod);
        }
        pending.sort(byPodIndex);
        unplaced.push(later.sort(byPodIndex));
        groups.push({
          name: `${ns}/${g.name}`,
          podGroup: g.name,
          bound,
          pending,
          neededMin: Math.max(0, g.minReplicas - bound.length),
          constraint: g.topologyConstraint,
        });
      }
      if (!ours) continue;
      const base =
        pg.metadata.labels?.[LabelBasePodGang] ??
        firstLabel([...groups, ...unplaced.map((pods) => ({ bound: [], pending: pods }))], LabelBasePodGang);
      const scaled = Boolean(base && base !== pg.metadata.name);
      if (scaled && !this.gangHolds(`${ns}/${base}`)) {
        // Waits for its base; meanwhile it helps the base pick a domain (WorkGang.companions).
        const probe = groups.map((g, i) => {
          const pods = unplaced[i] ?? [];
          return { ...g, pending: pods, neededMin: Math.min(g.neededMin, pods.length) };
        });
        if (probe.some((g) => g.pending.length > 0)) {
          const c: WorkGang = {
            key,
            namespace: ns,
            podGang: pg,
            groups: probe,
            keys: new Set(),
            createdAt: "",
            scaled,
          };
          c.keys = constraintKeys(c);
          const list = waiting.get(`${ns}/${base}`) ?? [];
          list.push(c);
          waiting.set(`${ns}/${base}`, list);
        }
        continue;
      }
      if (groups.every((g) => g.pending.length === 0)) continue;
      // Grove marks a gang Initialized once all its pods exist (§9 step 4); a PodGang made by
      // hand carries no condition and is ready when every referenced pod exists, or once it has
      // started (a pod that went away must not hold back the others).
      const init = findCondition(
        pg.status?.conditions as Condition[] | undefined,
        PodGangConditionInitialized,
      );
      const started = groups.some((g) => g.bound.length > 0);
      if (init ? init.status !== "True" : !complete && !started) continue;
      // Not enough schedulable pods yet for the minimum (some still gated): wait, not a failure.
      if (groups.some((g) => g.pending.length < g.neededMin)) continue;
      const w: WorkGang = {
        key,
        namespace: ns,
        podGang: pg,
        groups,
        keys: new Set(),
        createdAt: pg.metadata.creationTimestamp ?? "",
        scaled,
        within: scaled && base ? this.baseDomains(ns, base) : undefined,
      };
      w.keys = constraintKeys(w);
      out.push(w);
    }
    for (const w of out) {
      const c = waiting.get(w.key);
      const pack = w.podGang?.spec.topologyConstraint?.packConstraint;
      if (!c || !(pack?.required || pack?.preferred)) continue;
      w.companions = c.filter((x) => !x.podGang?.spec.topologyConstraintGroupConfigs?.length);
      for (const x of w.companions) for (const k of x.keys) w.keys.add(k);
    }
    for (const pod of this.pods.cache.list()) {
      if (!this.schedulable(pod) || this.snapshot.boundNode(pod)) continue;
      const ns = pod.metadata.namespace ?? "";
      if (inGang.has(pk(pod))) continue;
      const gangName = pod.metadata.labels?.[LabelPodGang];
      // A Grove pod whose PodGang exists but does not list it yet waits for the next spec update.
      if (gangName && this.gangs.cache.get(gangName, ns)) continue;
      out.push({
        // A lone pod's names cannot clash with a PodGang's (`<ns>/<name>`) or its groups (PCLQ names).
        key: `pod:${pk(pod)}`,
        namespace: ns,
        groups: [
          {
            name: `pod:${pk(pod)}`,
            podGroup: pod.metadata.name ?? "",
            bound: [],
            pending: [pod],
            neededMin: 1,
          },
        ],
        keys: new Set(),
        createdAt: pod.metadata.creationTimestamp ?? "",
        scaled: false,
      });
    }
    out.sort(
      (a, b) =>
        Number(a.scaled) - Number(b.scaled) ||
        a.createdAt.localeCompare(b.createdAt) ||
        a.key.localeCompare(b.key),
    );
    return out;
  }

  /**
   * Where a scaled gang tries first (grove-behaviour.md §18.6 TAS10, TAS12, TAS15, TAS16: every pod
   * of a PCS replica in the PCS's block, scaled gangs included). The scaled PodGang carries the
   * PCSG's constraint (TAS10: only `rack`) or the PCS's (TAS12: `block`) but never says which
   * domain; its base gang's top-level constraint is the PCS's. So: the domains the base gang's
   * placed pods hold at the base's top-level level (`required`, else `preferred`). Undefined when the
   * base has no top-level constraint or no placed pod on a labelled node.
   */
  private baseDomains(ns: string, base: string): Within | undefined {
    const pg = this.gangs.cache.get(base, ns);
    const pack = pg?.spec.topologyConstraint?.packConstraint;
    const key = pack?.required || pack?.preferred;
    if (!pg || !key) return undefined;
    const values = new Set<string>();
    for (const g of pg.spec.podgroups)
      for (const ref of g.podReferences) {
        const pod = this.pods.cache.get(ref.name, ref.namespace || ns);
        const n = pod && this.isPlaced(pod) ? this.snapshot.boundNode(pod) : undefined;
        const v = n ? this.snapshot.node(n)?.metadata?.labels?.[key] : undefined;
        if (v !== undefined) values.add(v);
      }
    return values.size > 0 ? { key, values: [...values].sort() } : undefined;
  }

  /** A gang holds when every group has at least minReplicas pods placed. */
  private gangHolds(key: string): boolean {
    const [ns, name] = splitKey(key);
    const pg = this.gangs.cache.get(name, ns);
    if (!pg) return false;
    return pg.spec.podgroups.every((g) => {
      let placed = 0;
      for (const ref of g.podReferences) {
        const pod = this.pods.cache.get(ref.name, ref.namespace || ns);
        if (pod && this.isPlaced(pod)) placed++;
      }
      return placed >= g.minReplicas;
    });
  }

  /** Returns how many gangs (or surplus pods) are left unplaced. */
  private async solveAndBind(): Promise<number> {
    let work = this.collect();
    if (work.length === 0) return 0;
    // Surplus and waiting gangs (README): while node changes have not settled and some gang waits
    // for its minimum, this cycle places minimums only; the surplus joins the waiting gangs in the
    // cycle after the burst settles, where the solver puts every minimum first.
    if (Date.now() < this.settledAt() && work.some((w) => w.groups.some((g) => g.neededMin > 0))) {
      work = work.flatMap((w) => {
        const groups = w.groups.map((g) => ({ ...g, pending: g.pending.slice(0, g.neededMin) }));
        return groups.some((g) => g.pending.length > 0) ? [{ ...w, groups }] : [];
      });
      this.solveWhenSettled();
    }
    const bindingList = this.bindings.cache.list();
    const nodeList = this.nodes.cache.list();
    // One placement call per distinct topology, in gang order; gangs without constraints ride along
    // with the first call.
    const batches: { levels: TopologyLevel[]; items: { w: WorkGang; gang: Gang }[] }[] = [];
    const bySig = new Map<string, (typeof batches)[number]>();
    const free: { w: WorkGang; gang: Gang }[] = [];
    let left = 0;
    // Group names must be unique in a call; PodGangs that share a PodGroup name (made by hand) are
    // refused one by one rather than failing the call.
    const groupNames = new Set<string>();
    for (const w of work) {
      const clash = w.groups.find((g) => groupNames.has(g.name));
      if (clash) {
        left++;
        await this.reportUnplaced(
          w,
          `invalid gang: PodGroup ${clash.podGroup} is also in another PodGang`,
          "error",
        );
        continue;
      }
      for (const g of w.groups) groupNames.add(g.name);
      const levels = levelsFor(
        w.keys,
        w.podGang?.metadata?.annotations?.[AnnotationTopologyName],
        bindingList,
        nodeList,
      );
      let gang: Gang;
      try {
        gang = this.toGang(w, levels);
      } catch (err) {
        const msg =
          err instanceof PlacementProblemError || err instanceof GangBuildError ? err.message : String(err);
        left++;
        await this.reportUnplaced(w, `invalid gang: ${msg}`, "error");
        continue;
      }
      if (w.keys.size === 0) {
        free.push({ w, gang });
        continue;
      }
      const sig = JSON.stringify(levels);
      let b = bySig.get(sig);
      if (!b) {
        b = { levels, items: [] };
        bySig.set(sig, b);
        batches.push(b);
      }
      b.items.push({ w, gang });
    }
    if (free.length > 0) {
      if (batches[0]) batches[0].items.push(...free);
      else batches.push({ levels: [], items: free });
    }
    let boundAny = false;
    type Item = { w: WorkGang; gang: Gang };
    // Binds of one result; a gang tried `within` its base's domains that did not place whole comes
    // back as the gang still to place (its placed pods now bound), to be tried again unrestricted.
    const take = async (items: Item[], result: PlacementResult, binds: { pod: Pod; node: string }[]) => {
      const again: WorkGang[] = [];
      for (const [i, res] of result.gangs.entries()) {
        const item = items[i];
        if (!item) continue;
        if (item.w.companions?.length && !res.placed) {
          again.push({ ...item.w, companions: undefined });
          continue;
        }
        const byName = new Map(res.placed ? res.groups.map((g) => [g.name, g.nodes]) : []);
        const short = item.w.groups.some((gr) => (byName.get(gr.name)?.length ?? 0) < gr.pending.length);
        if (item.w.within && short) {
          for (const gr of item.w.groups)
            (byName.get(gr.name) ?? []).forEach((node, k) => {
              const pod = gr.pending[k];
              if (pod && node) binds.push({ pod, node });
            });
          again.push(rest(item.w, byName));
          continue;
        }
        if (!res.placed) {
          left++;
          await this.reportUnplaced(item.w, res.reason ?? "no placement");
          continue;
        }
        this.metrics?.scheduleAttempt("scheduled");
        this.unplaced.delete(item.w.key);
        if (item.w.podGang) this.statusDirty.add(item.w.key);
        for (const gr of item.w.groups) {
          const nodesFor = byName.get(gr.name) ?? [];
          gr.pending.forEach((pod, k) => {
            const node = nodesFor[k];
            if (node) binds.push({ pod, node });
          });
          const surplus = gr.pending.slice(nodesFor.length);
          if (surplus.length > 0) {
            left++;
            for (const pod of surplus)
              await this.markPod(
                pod,
                `gang ${item.w.key} is placed; this pod is above its minimum and no node has room for it`,
              );
          }
        }
      }
      return again;
    };
    for (const b of batches) {
      // Keep the gang order inside a batch (base before scaled, older first).
      b.items.sort((x, y) => work.indexOf(x.w) - work.indexOf(y.w));
      const binds: { pod: Pod; node: string }[] = [];
      let items: Item[] = b.items;
      // Pass 1: every gang, scaled gangs within their base's domains, a base gang together with its
      // waiting scaled gangs; pass 2: what pass 1 left of those scaled gangs, anywhere their own
      // constraints allow (scale-out is best-effort, §15.8), and those base gangs alone.
      for (let pass = 1; pass <= 2 && items.length > 0; pass++) {
        let result: PlacementResult;
        try {
          result = this.place(
            b.levels,
            items.map((i) => i.gang),
          );
        } catch (err) {
          this.log.error("placement failed", { error: err, gangs: items.length });
          if (this.metrics) for (let i = 0; i < items.length; i++) this.metrics.scheduleAttempt("error");
          this.dropPlacement(JSON.stringify(b.levels));
          left += items.length;
          break;
        }
        const before = binds.length;
        const again = await take(items, result, binds);
        // Assumed at once: the next pass, batch and cycle count these pods before their updates
        // arrive (the usage hook also binds them into every placement snapshot).
        for (const bd of binds.slice(before)) this.snapshot.assume(bd.pod, bd.node);
        items = [];
        for (const w of again) {
          try {
            items.push({ w, gang: this.toGang(w, b.levels) });
          } catch (err) {
            left++;
            await this.reportUnplaced(w, `invalid gang: ${(err as Error).message}`, "error");
          }
        }
      }
      if (binds.length > 0) boundAny = true;
      await this.bindAll(binds);
    }
    if (left === 0) this.backoff = this.options.initialBackoffMs ?? 1000;
    // Gangs waiting on what was just bound (scaled gangs on their base) get their turn next cycle.
    if (boundAny) this.workArrived();
    return left;
  }

  /** The placement gang for `w`; throws when the contract rejects it (reported on its pods). */
  private toGang(w: WorkGang, levels: TopologyLevel[]): Gang {
    const build = (x: WorkGang) =>
      toPlacementGang(
        x,
        levels,
        (p) => this.snapshot.boundNode(p),
        (n) => this.snapshot.node(n)?.metadata?.labels,
      );
    const gang = build(w);
    checkProblem({ topology: { levels }, nodes: [], gangs: [gang] });
    if (!w.companions?.length) return gang;
    // The base gang with its waiting scaled gangs as sub-groups (each keeping its own top-level
    // constraint) under the base's constraint: a domain that holds them all, when one does. Only
    // the base's pods are bound from it; the scaled gangs follow into that domain (`within`).
    const whole: Gang = { ...gang, groups: [...gang.groups], subGroups: [...(gang.subGroups ?? [])] };
    for (const c of w.companions) {
      const cg = build(c);
      if (cg.groups.length === 0) continue;
      whole.groups.push(...cg.groups);
      whole.subGroups?.push({
        name: `scaled:${c.key}`,
        groups: cg.groups.map((g) => g.name),
        ...(cg.constraint ? { constraint: cg.constraint } : {}),
      });
    }
    try {
      checkProblem({ topology: { levels }, nodes: [], gangs: [whole] });
      return whole;
    } catch {
      return gang;
    }
  }

  /** One placement call over the current capacity, on the kept snapshot for `levels` or from scratch. */
  private place(levels: TopologyLevel[], gangs: Gang[]): PlacementResult {
    const m = this.metrics;
    if (!m) return this.solve(levels, gangs);
    const started = performance.now();
    try {
      return this.solve(levels, gangs);
    } finally {
      m.solverDuration((performance.now() - started) / 1000);
    }
  }

  private solve(levels: TopologyLevel[], gangs: Gang[]): PlacementResult {
    const engine = this.options.engine ?? "wasm";
    const topology = levels.length > 0 ? { levels } : undefined;
    if (this.options.incremental === false)
      return solve(
        { ...(topology ? { topology } : {}), nodes: this.snapshot.placementNodes(), gangs },
        { engine },
      );
    const sig = JSON.stringify(levels);
    let ps = this.placements.get(sig);
    if (!ps) {
      ps = createSnapshot(topology, this.snapshot.placementNodes(), { engine });
      this.placements.set(sig, ps);
    }
    return ps.place(gangs);
  }

  private async bindAll(binds: { pod: Pod; node: string }[]): Promise<void> {
    const limit = this.options.bindConcurrency ?? 32;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < binds.length && !this.stopped) {
        const b = binds[next++];
        if (!b) break;
        await this.bindOne(b.pod, b.node);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, binds.length) }, worker));
  }

  private async bindOne(pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    try {
      await this.client.bind(ns, name, node, pod.metadata?.uid);
      if (pod.metadata?.uid) this.podMessages.delete(pod.metadata.uid);
      await this.event(pod, "Normal", EventReasonScheduled, `Successfully assigned ${ns}/${name} to ${node}`);
    } catch (err) {
      this.snapshot.unassume(podKey(ns, name));
      this.log.warn("binding failed", { pod: `${ns}/${name}`, node, error: err });
      this.needSolve = true;
      this.retryIn(this.options.initialBackoffMs ?? 1000);
    }
  }

  /** `result` "error": the gang could not be built (invalid), rather than did not fit. */
  private async reportUnplaced(
    w: WorkGang,
    reason: string,
    result: "unschedulable" | "error" = "unschedulable",
  ): Promise<void> {
    this.metrics?.scheduleAttempt(result);
    if (w.podGang) {
      const prev = this.unplaced.get(w.key);
      if (prev?.message !== reason) this.statusDirty.add(w.key);
    }
    this.unplaced.set(w.key, { message: reason, ...(result === "error" ? { invalid: true } : {}) });
    const message = w.podGang ? `gang ${w.key}: ${reason}` : reason;
    for (const gr of w.groups) for (const pod of gr.pending) await this.markPod(pod, message);
  }

  /** PodScheduled=False/Unschedulable and a FailedScheduling event, once per distinct message. */
  private async markPod(pod: Pod, message: string): Promise<void> {
    const uid = pod.metadata?.uid ?? pk(pod);
    if (this.podMessages.get(uid) === message) return;
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
    this.podMessages.set(uid, message);
    if (!(cond?.status === "False" && cond.reason === ReasonUnschedulable && cond.message === message)) {
      try {
        await this.client.patch(
          PodType,
          pod.metadata?.name ?? "",
          pod.metadata?.namespace,
          {
            type: "strategic",
            body: {
              status: {
                conditions: [
                  {
                    type: "PodScheduled",
                    status: "False",
                    reason: ReasonUnschedulable,
                    message,
                    lastProbeTime: null,
                    lastTransitionTime: rfc3339(new Date()),
                  },
                ],
              },
            },
          },
          { subresource: "status" },
        );
      } catch (err) {
        this.podMessages.delete(uid);
        this.log.warn("could not mark pod unschedulable", { pod: pk(pod), error: err });
        return;
      }
    }
    await this.event(pod, "Warning", EventReasonFailedScheduling, message);
  }

  /** Recorded in the background by the recorder of the pod's scheduler name (its Events' source). */
  private async event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    const component = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    let recorder = this.recorders.get(component);
    if (!recorder) {
      recorder = createEventRecorder(this.client, { component, logger: this.log });
      this.recorders.set(component, recorder);
    }
    recorder.event(
      { apiVersion: "v1", kind: "Pod", metadata: pod.metadata ?? {} } as KubeObject,
      type,
      reason,
      message,
    );
  }

  // ---- PodGang status ---------------------------------------------------------------------------

  /**
   * First time a PodGang is seen holding its minimum: seconds since it was created. A gang whose
   * Scheduled condition is already True was observed before (or by an earlier process).
   */
  private observeLatency(pg: PodGang & KubeObject, m: GangSchedulerMetrics): void {
    const uid = pg.metadata.uid;
    if (!uid || this.latencyObserved.has(uid)) return;
    this.latencyObserved.add(uid);
    const scheduled = findCondition(
      pg.status?.conditions as Condition[] | undefined,
      PodGangConditionScheduled,
    );
    const created = Date.parse(pg.metadata.creationTimestamp ?? "");
    if (scheduled?.status === "True" || Number.isNaN(created)) return;
    m.podGangSchedulingLatency(Math.max(0, (Date.now() - created) / 1000));
  }

  private async writeGangStatuses(): Promise<void> {
    const keys = [...this.statusDirty];
    this.statusDirty.clear();
    for (const key of keys) {
      if (this.stopped) return;
      const [ns, name] = splitKey(key);
      const pg = this.gangs.cache.get(name, ns);
      if (!pg) continue;
      let ours = false;
      let all = 0;
      let running = 0;
      for (const g of pg.spec.podgroups)
        for (const ref of g.podReferences) {
          const pod = this.pods.cache.get(ref.name, ref.namespace || ns);
          all++;
          if (!pod) continue;
          if (this.names.has(pod.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER)) ours = true;
          if (pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp) running++;
        }
      if (!ours) continue;
      const holds = all > 0 && this.gangHolds(key);
      if (holds && this.metrics) this.observeLatency(pg, this.metrics);
      const phase = !holds ? "Pending" : running === all ? "Running" : "Starting";
      const verdict = this.unplaced.get(key);
      // The newer of the cache and our own last write: a lagging watch must not make us rewrite.
      const mine = this.gangWrites.get(key);
      const base = mine && newerRv(mine.metadata.resourceVersion, pg.metadata.resourceVersion) ? mine : pg;
      if (base === pg) this.gangWrites.delete(key);
      const conditions = base.status?.conditions as Condition[] | undefined;
      const condition = holds
        ? setCondition(conditions, {
            type: PodGangConditionScheduled,
            status: "True",
            reason: ReasonScheduled,
            message: "every PodGroup has at least minReplicas pods bound",
          })
        : verdict
          ? setCondition(conditions, {
              type: PodGangConditionScheduled,
              status: "False",
              reason: ReasonUnschedulable,
              message: verdict.message,
            })
          : undefined;
      const ops = gangStatusOps(base as PodGang & KubeObject, {
        phase,
        ...(condition ? { condition: findCondition(condition, PodGangConditionScheduled) } : {}),
      });
      if (ops.length === 0) continue;
      try {
        const written = await this.client.patch<PodGang & KubeObject>(
          PodGangType,
          name,
          ns,
          { type: "json", body: ops },
          { subresource: "status" },
        );
        this.gangWrites.set(key, written);
      } catch (err) {
        // A failed test or a stale resourceVersion means a newer PodGang is on its way: its update
        // event marks it dirty again (gang-status.ts).
        this.log.debug("PodGang status not written", { podGang: key, error: err });
      }
    }
  }
}

/** What is left of `w` once `placed` (nodes per group name) are bound: unrestricted, minimum reduced. */
function rest(w: WorkGang, placed: Map<string, string[]>): WorkGang {
  return {
    ...w,
    within: undefined,
    groups: w.groups.map((gr) => {
      const n = placed.get(gr.name)?.length ?? 0;
      return {
        ...gr,
        bound: [...gr.bound, ...gr.pending.slice(0, n)],
        pending: gr.pending.slice(n),
        neededMin: Math.max(0, gr.neededMin - n),
      };
    }),
  };
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

function firstLabel(groups: Pick<WorkGroup, "bound" | "pending">[], label: string): string | undefined {
  for (const g of groups)
    for (const p of [...g.pending, ...g.bound])
      if (p.metadata?.labels?.[label]) return p.metadata.labels[label];
  return undefined;
}

/** Pods of a clique by their Grove pod index, then name: the lowest indices get nodes first. */
function byPodIndex(a: Pod, b: Pod): number {
  const ia = Number(a.metadata?.labels?.[LabelPodCliquePodIndex] ?? Number.NaN);
  const ib = Number(b.metadata?.labels?.[LabelPodCliquePodIndex] ?? Number.NaN);
  if (!Number.isNaN(ia) && !Number.isNaN(ib) && ia !== ib) return ia - ib;
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}
