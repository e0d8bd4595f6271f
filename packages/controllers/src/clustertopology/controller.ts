// The ClusterTopologyBinding controller (grove-behaviour.md §7, adapted to grove-ts).
//
// grove-ts's own gang scheduler (`grove-scheduler`) is the topology-aware backend and reads the
// bindings itself, so there is no backend topology object to create or recreate. What the controller
// maintains is the binding's status:
//   * one `schedulerTopologyStatuses` entry for grove-scheduler (auto-managed, topologyReference = the
//     binding's name, unless a `schedulerTopologyBindings` entry names grove-scheduler, whose
//     reference is then kept). It is inSync when the levels are well-formed (unique domains and keys)
//     and every level key is set on at least one node: a key no node carries is a level the scheduler
//     can never place into, which is exactly the drift a KAI Topology check would report.
//   * one entry per other `schedulerTopologyBindings` entry. `kai-scheduler` stays accepted for
//     compatibility: inSync iff a KAI Topology (`topologies.kai.scheduler/v1alpha1`) of the referenced
//     name exists and carries the binding's keys in order (none exists in grove-sim, hence Drift with
//     `KAI Topology "<x>" not found`, as e2e TAS18 expects). A binding naming a backend that is not
//     enabled or not topology-aware is reported inSync=false ("... not available for topology management").
//   * `SchedulerTopologyDrift`: Unknown/TopologyNotFound if any binding names an unavailable backend,
//     False/InSync if every entry is in sync, else True/Drift; events TopologyDriftDetected (Warning, ->True)
//     and TopologyInSync (Normal, ->False) on transitions.
//   * `status.observedGeneration` once a reconcile completed without error.
// The status is written only when it changed (conditions compared without lastTransitionTime).
//
// PodCliqueSets that name a binding are re-enqueued on binding add/update/delete by the PCS
// controller's own ClusterTopologyBinding handler (factory.ts), which keeps their
// TopologyLevelsUnavailable condition current (TAS20); this controller does not duplicate it.
import {
  ClusterTopologyBindingType,
  ConditionSchedulerTopologyDrift,
  ReasonDrift,
  ReasonInSync,
  ReasonTopologyNotFound,
  SchedulerGrove,
  SchedulerKai,
} from "@grove-ts/api";
import {
  type Client,
  type Condition,
  Controller,
  type ControllerMetricsProvider,
  createEventRecorder,
  deepEqual,
  findCondition,
  type KubeObject,
  type Logger,
  Manager,
  NodeType,
  noopLogger,
  type ResourceType,
  setCondition,
} from "@grove-ts/runtime";

/** KAI's cluster-scoped Topology; only read, to report drift of `kai-scheduler` bindings. */
export const KaiTopologyType: ResourceType = {
  apiVersion: "kai.scheduler/v1alpha1",
  kind: "Topology",
  plural: "topologies",
  namespaced: false,
};

export interface ClusterTopologyControllerOptions {
  logger?: Logger;
  /** Enabled scheduler backends. Default: default-scheduler, kai-scheduler, grove-scheduler. */
  enabledSchedulers?: readonly string[];
  /** Enabled backends that are topology-aware. Default: kai-scheduler, grove-scheduler. */
  topologyAwareSchedulers?: readonly string[];
  /** Workers. Default 1 (bindings are few). */
  concurrency?: number;
  /** Event source component. Default "grove-operator". */
  component?: string;
  /** Reports reconciles and the work queue (see GroveControllersOptions.metrics). */
  metrics?: ControllerMetricsProvider;
}

export interface ClusterTopologyController {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Keys queued, in flight or delayed (0 when idle). */
  pending(): number;
  /** Both informers have synced; false before start(). */
  hasSynced(): boolean;
}

interface Level {
  domain: string;
  key: string;
}
interface TopologyStatus {
  schedulerName: string;
  topologyReference: string;
  inSync: boolean;
  schedulerBackendTopologyObservedGeneration?: number;
  message?: string;
}
interface Ctb extends KubeObject {
  spec: {
    levels: Level[];
    schedulerTopologyBindings?: { schedulerName: string; topologyReference: string }[];
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    schedulerTopologyStatuses?: TopologyStatus[];
  };
}
interface NodeObj extends KubeObject {}
interface KaiTopology extends KubeObject {
  spec?: { levels?: { nodeLabel?: string }[] };
}

export const MessageGroveInSync =
  "grove-scheduler reads the binding's levels directly; every level key is set on at least one node";

/** grove-scheduler's view: the levels are usable when domains and keys are unique and every key labels some node. */
export function groveSchedulerStatus(
  ctb: Ctb,
  nodeKeys: ReadonlySet<string>,
  reference: string,
): TopologyStatus {
  const problems: string[] = [];
  const domains = new Set<string>();
  const keys = new Set<string>();
  for (const l of ctb.spec.levels ?? []) {
    if (domains.has(l.domain)) problems.push(`domain "${l.domain}" appears twice`);
    if (keys.has(l.key)) problems.push(`key "${l.key}" appears twice`);
    domains.add(l.domain);
    keys.add(l.key);
  }
  if (problems.length === 0) {
    const missing = (ctb.spec.levels ?? []).filter((l) => !nodeKeys.has(l.key));
    if (missing.length > 0)
      problems.push(
        `no node carries the label ${missing.map((l) => `"${l.key}" (level ${l.domain})`).join(", ")}`,
      );
  }
  return {
    schedulerName: SchedulerGrove,
    topologyReference: reference,
    inSync: problems.length === 0,
    message: problems.length === 0 ? MessageGroveInSync : problems.join("; "),
  };
}

/** Compares a KAI Topology's node labels against the binding's keys, in order. */
export function kaiStatus(ctb: Ctb, reference: string, topo: KaiTopology | undefined): TopologyStatus {
  const base = { schedulerName: SchedulerKai, topologyReference: reference };
  if (!topo) return { ...base, inSync: false, message: `KAI Topology "${reference}" not found` };
  const have = (topo.spec?.levels ?? []).map((l) => l.nodeLabel ?? "");
  const want = (ctb.spec.levels ?? []).map((l) => l.key);
  const gen = topo.metadata.generation;
  const inSync = deepEqual(have, want);
  return {
    ...base,
    inSync,
    ...(gen !== undefined ? { schedulerBackendTopologyObservedGeneration: gen } : {}),
    message: inSync
      ? `KAI Topology "${reference}" matches the levels`
      : `KAI Topology "${reference}" levels [${have.join(", ")}] differ from [${want.join(", ")}]`,
  };
}

/** The §7 condition for a list of statuses; undefined = remove it. */
export function driftCondition(
  statuses: readonly TopologyStatus[],
  unavailable: boolean,
): { status: "True" | "False" | "Unknown"; reason: string; message: string } | undefined {
  if (statuses.length === 0) return undefined;
  if (unavailable)
    return {
      status: "Unknown",
      reason: ReasonTopologyNotFound,
      message: "a scheduler topology binding names a backend that is not available for topology management",
    };
  const off = statuses.filter((s) => !s.inSync);
  if (off.length === 0)
    return { status: "False", reason: ReasonInSync, message: "all scheduler topologies are in sync" };
  return {
    status: "True",
    reason: ReasonDrift,
    message: `scheduler topologies out of sync: ${off.map((s) => `${s.schedulerName} (${s.message ?? ""})`).join("; ")}`,
  };
}

export function createClusterTopologyController(
  client: Client,
  options: ClusterTopologyControllerOptions = {},
): ClusterTopologyController {
  const logger = options.logger ?? noopLogger;
  const enabled = new Set(options.enabledSchedulers ?? ["default-scheduler", SchedulerKai, SchedulerGrove]);
  const aware = new Set(
    (options.topologyAwareSchedulers ?? [SchedulerKai, SchedulerGrove]).filter((s) => enabled.has(s)),
  );
  const component = options.component ?? "grove-operator";
  const mgr = new Manager({ client, logger });
  const ctbs = mgr.informer<Ctb>(ClusterTopologyBindingType);
  const nodes = mgr.informer<NodeObj>(NodeType);

  const nodeKeys = (): Set<string> => {
    const keys = new Set<string>();
    for (const n of nodes.cache.list()) for (const k of Object.keys(n.metadata.labels ?? {})) keys.add(k);
    return keys;
  };

  const getKaiTopology = async (name: string): Promise<KaiTopology | undefined> => {
    try {
      return await client.get<KaiTopology>(KaiTopologyType, name);
    } catch {
      // KAI's CRD is not served (grove-sim never installs it): the topology cannot exist.
      return undefined;
    }
  };

  // Cluster-scoped: its Events live in "default", as client-go's recorder puts them.
  const events = createEventRecorder(client, { component, logger });
  const recordEvent = (ctb: Ctb, type: "Normal" | "Warning", reason: string, message: string) =>
    events.event(ctb, type, reason, message);

  const ctl = new Controller({
    name: "clustertopology",
    concurrency: options.concurrency ?? 1,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    reconciler: async ({ name }) => {
      const ctb = ctbs.cache.get(name) ?? (await client.get<Ctb>(ClusterTopologyBindingType, name));
      if (!ctb || ctb.metadata.deletionTimestamp) return;
      const statuses: TopologyStatus[] = [];
      let unavailable = false;
      const bindings = ctb.spec.schedulerTopologyBindings ?? [];
      const bound = new Map(bindings.map((b) => [b.schedulerName, b.topologyReference]));
      // Topology-aware backends, sorted by name (§7): grove-scheduler is always reported; kai-scheduler
      // only when a binding names it (grove-ts never auto-manages a KAI Topology).
      for (const backend of [...aware].sort()) {
        if (backend === SchedulerGrove)
          statuses.push(groveSchedulerStatus(ctb, nodeKeys(), bound.get(backend) ?? name));
        else if (backend === SchedulerKai && bound.has(backend)) {
          const ref = bound.get(backend) ?? name;
          statuses.push(kaiStatus(ctb, ref, await getKaiTopology(ref)));
        }
      }
      for (const b of bindings) {
        if (aware.has(b.schedulerName)) continue;
        unavailable = true;
        statuses.push({
          schedulerName: b.schedulerName,
          topologyReference: b.topologyReference,
          inSync: false,
          message: `scheduler backend "${b.schedulerName}" is not available for topology management`,
        });
      }

      const prev = ctb.status ?? {};
      const cond = driftCondition(statuses, unavailable);
      const prevCond = findCondition(prev.conditions, ConditionSchedulerTopologyDrift);
      let conditions = (prev.conditions ?? []).filter((c) => c.type !== ConditionSchedulerTopologyDrift);
      if (cond) {
        const merged = setCondition(prev.conditions, { type: ConditionSchedulerTopologyDrift, ...cond });
        const same =
          prevCond &&
          prevCond.status === cond.status &&
          prevCond.reason === cond.reason &&
          prevCond.message === cond.message;
        conditions = same ? [...(prev.conditions ?? [])] : merged;
      }
      const next = {
        ...prev,
        observedGeneration: ctb.metadata.generation ?? prev.observedGeneration,
        schedulerTopologyStatuses: statuses,
        conditions,
      };
      if (statuses.length === 0)
        delete (next as { schedulerTopologyStatuses?: unknown }).schedulerTopologyStatuses;
      if (conditions.length === 0 && prev.conditions === undefined)
        delete (next as { conditions?: unknown }).conditions;
      if (deepEqual(next, prev)) return;
      await client.patch(
        ClusterTopologyBindingType,
        name,
        undefined,
        {
          type: "merge",
          body: {
            status: {
              observedGeneration: next.observedGeneration ?? null,
              schedulerTopologyStatuses: next.schedulerTopologyStatuses ?? null,
              conditions: next.conditions ?? null,
            },
          },
        },
        { subresource: "status" },
      );
      if (cond && prevCond?.status !== cond.status) {
        if (cond.status === "True") recordEvent(ctb, "Warning", "TopologyDriftDetected", cond.message);
        else if (cond.status === "False" && prevCond !== undefined)
          recordEvent(ctb, "Normal", "TopologyInSync", cond.message);
      }
    },
  });

  const enqueue = (o: KubeObject) => ctl.enqueue(o.metadata.name ?? "");
  ctbs.addEventHandler({
    onAdd: enqueue,
    onUpdate: (a, b) => {
      if (a.metadata.generation !== b.metadata.generation || !deepEqual(a.status, b.status)) enqueue(b);
    },
  });
  // A label key appearing on or vanishing from the nodes can move grove-scheduler's inSync.
  let lastKeys = "";
  const nodesChanged = () => {
    const keys = [...nodeKeys()].sort().join("\n");
    if (keys === lastKeys) return;
    lastKeys = keys;
    for (const c of ctbs.cache.list()) enqueue(c);
  };
  nodes.addEventHandler({
    onAdd: nodesChanged,
    onUpdate: (a, b) => {
      if (!deepEqual(a.metadata.labels, b.metadata.labels)) nodesChanged();
    },
    onDelete: nodesChanged,
  });
  mgr.add(ctl);
  return {
    start: () => mgr.start(),
    stop: async () => {
      await mgr.stop();
      await events.stop();
    },
    pending: () => ctl.queue.len() + ctl.queue.inFlight() + ctl.queue.delayed(),
    hasSynced: () => mgr.hasSynced(),
  };
}
