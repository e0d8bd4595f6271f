// What every reconciler shares: the client (the only way to write), the informer caches (the only
// way to read in steady state), the options, and in-memory expectations (what this process has
// written but its caches may not show yet). Expectations are an optimisation against duplicate work
// within one process; a fresh process starts without them and relies on the synced caches, which is
// why a restart is safe (see test/restart.test.ts).

import type { Client, Informer, KubeObject, Logger, StatusMemory } from "@grove-ts/runtime";
import type { ControllerEvents } from "./events.js";
import type { Pod } from "./kube-types.js";
import type { ComputeDomain } from "./mnnvl.js";
import type { StatusCoalescer } from "./status-coalesce.js";
import type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "./types.js";

export interface Informers {
  pcs: Informer<PodCliqueSet>;
  pcsg: Informer<PodCliqueScalingGroup>;
  pclq: Informer<PodClique>;
  podgang: Informer<PodGang>;
  pod: Informer<Pod>;
  service: Informer<KubeObject>;
  serviceAccount: Informer<KubeObject>;
  role: Informer<KubeObject>;
  roleBinding: Informer<KubeObject>;
  secret: Informer<KubeObject & { data?: Record<string, string> }>;
  hpa: Informer<KubeObject & { spec?: Record<string, unknown> }>;
  ctb: Informer<ClusterTopologyBinding>;
  /** Shared ResourceClaims (resource-claims-sync.ts); empty where resource.k8s.io/v1 is not served. */
  resourceClaim: Informer<KubeObject & { spec?: Record<string, unknown> }>;
  /** MNNVL ComputeDomains (mnnvl-sync.ts); empty unless network.autoMNNVLEnabled and the CRD is served. */
  computeDomain: Informer<ComputeDomain>;
}

/** Index names registered on the informers. */
export const INDEX_PART_OF = "partOf";
export const INDEX_CONTROLLER_UID = "controllerUid";
export const INDEX_PCSG = "pcsg";
/** PodCliques of scaled gangs by `<namespace>/<base PodGang>` (their grove.io/base-podgang label). */
export const INDEX_BASE_PODGANG = "basePodGang";

export interface ResolvedOptions {
  topologyAwareScheduling: boolean;
  defaultSchedulerName: string;
  /** Init container image for startsAfter cliques (grove-behaviour.md §11.2). */
  initContainerImage: string;
  /** ERR_REQUEUE_AFTER interval (Grove's ComponentSyncRetryInterval, 5 s). */
  requeueAfterMs: number;
  /** Replicas without gangs or pods a PodGang pass writes (pcs/podgangs.ts); default by size. */
  podGangEmptyReplicasPerPass: number | undefined;
  /** network.autoMNNVLEnabled: ComputeDomains and the MNNVL claim (mnnvl.ts). */
  autoMNNVLEnabled: boolean;
  now: () => Date;
}

/**
 * Pods this process created or deleted, per PodClique key, until its pod cache shows them: a
 * reconcile that runs before the watch event arrives must neither create the same pods again nor
 * reuse their hostnames.
 */
export class PodExpectations {
  private readonly creates = new Map<string, Map<string, { hostname: string; at: number }>>();
  private readonly deletes = new Map<string, Map<string, number>>();
  private readonly ungates = new Map<string, Map<string, number>>();
  /** Since when each PodClique has had pods waiting for their PodGang to list them (listingWait). */
  private readonly listingSince = new Map<string, number>();

  /**
   * @param ttlMs an expectation the cache never confirms (the pod was created and deleted before this
   *   process saw it) is dropped after this long, as client-go's expectations expire.
   */
  constructor(
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

  expectCreate(pclqKey: string, podName: string, hostname: string): void {
    const m = this.creates.get(pclqKey) ?? new Map();
    this.creates.set(pclqKey, m);
    m.set(podName, { hostname, at: this.clock() });
  }

  expectDelete(pclqKey: string, podName: string): void {
    const s = this.deletes.get(pclqKey) ?? new Map<string, number>();
    this.deletes.set(pclqKey, s);
    s.set(podName, this.clock());
  }

  /** The scheduling gate of `podName` was removed (status-coalesce.ts: the status waits for it). */
  expectUngate(pclqKey: string, podName: string): void {
    const s = this.ungates.get(pclqKey) ?? new Map<string, number>();
    this.ungates.set(pclqKey, s);
    s.set(podName, this.clock());
  }

  /** A gate removal of `podName` this process made within the TTL (the cache may still show the gate). */
  ungatePending(pclqKey: string, podName: string): boolean {
    const at = this.ungates.get(pclqKey)?.get(podName);
    return at !== undefined && this.clock() - at <= this.ttlMs;
  }

  /**
   * Whether the cached `pods` lack some write of this process: a created pod not there yet, a
   * deleted one neither gone nor terminating, a pod whose gate removal it does not show. Confirmed
   * and expired entries are dropped.
   */
  outstanding(
    pclqKey: string,
    pods: readonly {
      metadata: { name?: string; deletionTimestamp?: string };
      spec?: { schedulingGates?: { name: string }[] };
    }[],
    gate: string,
  ): boolean {
    const now = this.clock();
    const byName = new Map(pods.map((p) => [p.metadata.name ?? "", p]));
    let pending = false;
    const c = this.creates.get(pclqKey);
    for (const [n, e] of [...(c ?? [])])
      if (byName.has(n) || now - e.at > this.ttlMs) c?.delete(n);
      else pending = true;
    for (const [n, at] of [...(this.deletes.get(pclqKey) ?? [])]) {
      const p = byName.get(n);
      if (p && !p.metadata.deletionTimestamp && now - at <= this.ttlMs) pending = true;
    }
    const u = this.ungates.get(pclqKey);
    for (const [n, at] of [...(u ?? [])]) {
      const p = byName.get(n);
      const gated =
        p && !p.metadata.deletionTimestamp && p.spec?.schedulingGates?.some((g) => g.name === gate);
      if (!gated || now - at > this.ttlMs) u?.delete(n);
      else pending = true;
    }
    return pending;
  }

  /**
   * How long `pclqKey` has had pods gated only until their PodGang lists them (`waiting`), in ms
   * since this process first saw it, by this process's clock (never the pods' creationTimestamp, so
   * clock skew cannot stretch it); undefined when nothing waits (the clock is then reset).
   */
  listingWait(pclqKey: string, waiting: boolean): number | undefined {
    if (!waiting) {
      this.listingSince.delete(pclqKey);
      return undefined;
    }
    const now = this.clock();
    const since = this.listingSince.get(pclqKey);
    if (since === undefined) {
      this.listingSince.set(pclqKey, now);
      return 0;
    }
    return now - since;
  }

  /** The delete did not happen after all. */
  cancelDelete(pclqKey: string, podName: string): void {
    this.deletes.get(pclqKey)?.delete(podName);
  }

  /** Drops what the cache now shows; returns the still-pending creates (name → hostname) and deletes. */
  reconcile(
    pclqKey: string,
    cachedNames: ReadonlySet<string>,
  ): { creates: Map<string, string>; deletes: Set<string> } {
    const now = this.clock();
    const c = this.creates.get(pclqKey) ?? new Map<string, { hostname: string; at: number }>();
    for (const [n, e] of [...c]) if (cachedNames.has(n) || now - e.at > this.ttlMs) c.delete(n);
    const d = this.deletes.get(pclqKey) ?? new Map<string, number>();
    for (const [n, at] of [...d]) if (!cachedNames.has(n) || now - at > this.ttlMs) d.delete(n);
    return { creates: new Map([...c].map(([n, e]) => [n, e.hostname])), deletes: new Set(d.keys()) };
  }

  forget(pclqKey: string): void {
    this.creates.delete(pclqKey);
    this.deletes.delete(pclqKey);
    this.ungates.delete(pclqKey);
    this.listingSince.delete(pclqKey);
  }
}

export interface ControllerContext {
  client: Client;
  informers: Informers;
  options: ResolvedOptions;
  logger: Logger;
  podExpectations: PodExpectations;
  /** Status writes of this process the caches may not show yet (see StatusMemory). */
  statusMemory: StatusMemory;
  /** When each object's status was last written (status-coalesce.ts). */
  statusCoalescer: StatusCoalescer;
  /** Event recorders, one per controller (./events.ts). */
  events: ControllerEvents;
  /**
   * How long each PodCliqueSet's last reconcile took (ms), by key: a PodClique's status change
   * requeues the PodCliqueSet that much later (factory.ts), so a large one is not reconciled back
   * to back for every single change.
   */
  pcsReconcileMs: Map<string, number>;
}
