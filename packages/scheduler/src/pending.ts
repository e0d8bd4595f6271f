// The cluster as a scheduling cycle sees it: which pods are ours and schedulable, which gangs hold
// their minimum, and the pending gangs ready to place (each with its pods sorted into bound and
// schedulable ones), read from the informers' caches and the capacity snapshot
// (grove-behaviour.md §6.3). Level-based: it looks at state, never at the events that woke it.
import {
  type ClusterTopologyBinding,
  LabelBasePodGang,
  LabelKaiQueue,
  LabelPodCliquePodIndex,
  LabelPodGang,
  type PodGang,
  PodGangConditionInitialized,
} from "@grove-ts/api";
import { type Cache, type Condition, findCondition, type KubeObject } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { Claims } from "./claims.js";
import { constraintKeys, type Within, type WorkGang, type WorkGroup } from "./gangs.js";
import { PodTracker } from "./pod-tracker.js";
import { podKey, type Snapshot } from "./snapshot.js";

/** What a pod without spec.schedulerName is scheduled by. */
export const KUBE_DEFAULT_SCHEDULER = "default-scheduler";

export const pk = (p: Pod): string => podKey(p.metadata?.namespace, p.metadata?.name);

/** A lone pod's gang key (it cannot clash with a PodGang's `<ns>/<name>`). */
export const lonePodKey = (p: Pod): string => `pod:${pk(p)}`;

export const gatedOrDone = (p: Pod): boolean =>
  (p.spec?.schedulingGates?.length ?? 0) > 0 ||
  Boolean(p.metadata?.deletionTimestamp) ||
  p.status?.phase === "Succeeded" ||
  p.status?.phase === "Failed";

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** One look at the pending gangs. */
export interface Pending {
  /** Gangs ready to place: higher priority first, then base gangs before scaled ones, then by age and key. */
  ready: WorkGang[];
  /** Scaled gangs waiting for their base gang to hold, by the base's key. */
  waitingFor: Map<string, string[]>;
  /** The PodGang key of every pod some PodGang lists. */
  gangOf: Map<string, string>;
}

export class ClusterView {
  constructor(
    private readonly names: ReadonlySet<string>,
    readonly pods: Cache<Pod & KubeObject>,
    readonly gangs: Cache<PodGang & KubeObject>,
    readonly nodes: Cache<Node & KubeObject>,
    readonly bindings: Cache<ClusterTopologyBinding & KubeObject>,
    readonly snapshot: Snapshot,
    /** PriorityClasses by name (a PodGang's priorityClassName); without it, only pods' spec.priority counts. */
    readonly priorityClasses?: Cache<KubeObject & { value?: number }>,
  ) {}

  /** KAI's Queues, when the kind is served (the scheduler looks at start): a gang's queue must exist. */
  queues: Cache<KubeObject> | undefined = undefined;

  /** Settled gangs and schedulable pods, kept from pod events once the scheduler tracks them. */
  readonly tracker = new PodTracker();

  /** DRA allocation (claims.ts), when resource.k8s.io/v1 ResourceClaims are served. */
  claims: Claims | undefined = undefined;

  /**
   * The queue `w`'s pods name with `kai.scheduler/queue` when Queues are served and it does not
   * exist; undefined otherwise (no label, the queue exists, or Queues are not served).
   */
  missingQueue(w: WorkGang): string | undefined {
    if (!this.queues) return undefined;
    const first = w.groups.flatMap((g) => [...g.pending, ...g.bound])[0];
    const name = first?.metadata?.labels?.[LabelKaiQueue] ?? w.podGang?.metadata?.labels?.[LabelKaiQueue];
    return name && !this.queues.get(name) ? name : undefined;
  }

  /** A PriorityClass's value, 0 when it is unknown. */
  classValue(name: string | undefined): number {
    if (!name || !this.priorityClasses) return 0;
    const v = this.priorityClasses.get(name)?.value;
    return typeof v === "number" ? v : 0;
  }

  /** A pod's priority: spec.priority as admission resolved it, else its class's value. */
  podPriority(p: Pod): number {
    return typeof p.spec?.priority === "number"
      ? p.spec.priority
      : this.classValue(p.spec?.priorityClassName);
  }

  /** The pod's scheduler is one of ours. */
  ours(p: Pod): boolean {
    return this.names.has(p.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER);
  }

  /** Ours, unbound, ungated, not being deleted nor finished. */
  schedulable(p: Pod): boolean {
    return !p.spec?.nodeName && !gatedOrDone(p) && this.ours(p);
  }

  /** Pods of a group counted as placed: bound, or bound by us and not yet seen so. */
  isPlaced = (p: Pod): boolean => this.snapshot.boundNode(p) !== undefined && !gatedOrDone(p);

  /**
   * The pending gangs in queue order (as KAI's and coscheduling's QueueSort: higher priority first,
   * then base gangs before scaled ones, then older first, then by key). Returns gangs ready to place.
   */
  collect(): Pending {
    const out: WorkGang[] = [];
    const inGang = new Map<string, string>();
    /** Scaled gangs whose base does not hold yet, by base gang key (their pods may still be gated). */
    const waiting = new Map<string, WorkGang[]>();
    for (const pg of this.gangs.list()) {
      const ns = pg.metadata.namespace ?? "";
      const key = `${ns}/${pg.metadata.name}`;
      // Every pod bound: nothing to place, and its pods are no lone pods (they are not schedulable).
      if (this.tracker.settledGang(key, pg)) continue;
      const groups: WorkGroup[] = [];
      /** Every referenced pod exists and is bound: the gang is settled until one of them changes. */
      let allBound = true;
      const refs: string[] = [];
      /** Per group, its unplaced pods gated or not: what a scaled gang will ask for once ungated. */
      const unplaced: Pod[][] = [];
      let complete = true;
      let ours = false;
      for (const g of pg.spec.podgroups) {
        const bound: Pod[] = [];
        const pending: Pod[] = [];
        const later: Pod[] = [];
        for (const ref of g.podReferences) {
          const k = podKey(ref.namespace || ns, ref.name);
          inGang.set(k, key);
          refs.push(k);
          const pod = this.pods.get(ref.name, ref.namespace || ns);
          if (!pod) {
            complete = false;
            allBound = false;
            continue;
          }
          if (!this.isBound(pod)) allBound = false;
          if (this.ours(pod)) ours = true;
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
      if (allBound)
        this.tracker.settle(
          key,
          pg,
          refs,
          pg.spec.podgroups.every((g) => g.podReferences.length >= g.minReplicas),
        );
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
        priority: Math.max(
          this.classValue(pg.spec.priorityClassName),
          ...groups.flatMap((g) => [...g.bound, ...g.pending].map((p) => this.podPriority(p))),
        ),
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
    for (const pod of this.lonePodCandidates()) {
      if (!this.schedulable(pod) || this.snapshot.boundNode(pod)) continue;
      const ns = pod.metadata.namespace ?? "";
      if (inGang.has(pk(pod))) continue;
      const gangName = pod.metadata.labels?.[LabelPodGang];
      // A Grove pod whose PodGang exists but does not list it yet waits for the next spec update.
      if (gangName && this.gangs.get(gangName, ns)) continue;
      out.push({
        // A lone pod's names cannot clash with a PodGang's (`<ns>/<name>`) or its groups (PCLQ names).
        key: lonePodKey(pod),
        namespace: ns,
        groups: [
          {
            name: lonePodKey(pod),
            podGroup: pod.metadata.name ?? "",
            bound: [],
            pending: [pod],
            neededMin: 1,
          },
        ],
        keys: new Set(),
        createdAt: pod.metadata.creationTimestamp ?? "",
        scaled: false,
        priority: this.podPriority(pod),
      });
    }
    out.sort(
      (a, b) =>
        (b.priority ?? 0) - (a.priority ?? 0) ||
        Number(a.scaled) - Number(b.scaled) ||
        a.createdAt.localeCompare(b.createdAt) ||
        a.key.localeCompare(b.key),
    );
    const waitingFor = new Map<string, string[]>();
    for (const [base, list] of waiting)
      waitingFor.set(
        base,
        list.map((c) => c.key),
      );
    return { ready: out, waitingFor, gangOf: inGang };
  }

  /** The pods that may be schedulable: those the tracker saw so, else every pod. */
  private *lonePodCandidates(): Iterable<Pod & KubeObject> {
    if (!this.tracker.tracked) {
      yield* this.pods.list();
      return;
    }
    for (const [ns, name] of this.tracker.schedulablePods()) {
      const pod = this.pods.get(name, ns);
      if (pod) yield pod;
    }
  }

  /**
   * Where a scaled gang tries first (grove-behaviour.md §18.6 TAS10, TAS12, TAS15, TAS16: every pod
   * of a PCS replica in the PCS's block, scaled gangs included). The scaled PodGang carries the
   * PCSG's constraint (TAS10: only `rack`) or the PCS's (TAS12: `block`) but never says which
   * domain; its base gang's top-level constraint is the PCS's. So: the domains the base gang's
   * placed pods hold at the base's top-level level (`required`, else `preferred`). Undefined when the
   * base has no top-level constraint or no placed pod on a labelled node.
   */
  baseDomains(ns: string, base: string): Within | undefined {
    const pg = this.gangs.get(base, ns);
    const pack = pg?.spec.topologyConstraint?.packConstraint;
    const key = pack?.required || pack?.preferred;
    if (!pg || !key) return undefined;
    const values = new Set<string>();
    for (const g of pg.spec.podgroups)
      for (const ref of g.podReferences) {
        const pod = this.pods.get(ref.name, ref.namespace || ns);
        const n = pod && this.isPlaced(pod) ? this.snapshot.boundNode(pod) : undefined;
        const v = n ? this.snapshot.node(n)?.metadata?.labels?.[key] : undefined;
        if (v !== undefined) values.add(v);
      }
    return values.size > 0 ? { key, values: [...values].sort() } : undefined;
  }

  /** Pods of a group whose binding landed (the API server has their node), not merely assumed. */
  isBound = (p: Pod): boolean => !!p.spec?.nodeName && !gatedOrDone(p);

  /**
   * A gang holds when every group has at least minReplicas pods placed (`counts`: bound or assumed,
   * as the cycle plans with; the status writer passes `isBound`, so a PodGang is reported Scheduled
   * only once its bindings landed).
   */
  gangHolds(key: string, counts: (p: Pod) => boolean = this.isPlaced): boolean {
    const [ns, name] = splitKey(key);
    const pg = this.gangs.get(name, ns);
    if (!pg) return false;
    return pg.spec.podgroups.every((g) => {
      let n = 0;
      for (const ref of g.podReferences) {
        const pod = this.pods.get(ref.name, ref.namespace || ns);
        if (pod && counts(pod)) n++;
      }
      return n >= g.minReplicas;
    });
  }
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
