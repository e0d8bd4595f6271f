// What the plugin reads from a cluster, as plain data: every command is a pure function of a
// Snapshot (tested without a cluster), and cluster.ts is the only part that talks to one.
import { ConditionMinAvailableBreached, LabelPodClique, LabelPodGang } from "@grove-ts/api";
import { parseQuantity } from "@grove-ts/placement";

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid?: string }[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface Obj {
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

export interface ContainerSpec {
  name: string;
  image?: string;
  args?: string[];
  resources?: { requests?: Record<string, string> };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: unknown;
    waiting?: { reason?: string };
    terminated?: { exitCode?: number; reason?: string };
  };
}

export interface Pod extends Obj {
  spec?: {
    nodeName?: string;
    schedulingGates?: { name: string }[];
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
    nodeSelector?: Record<string, string>;
    tolerations?: Record<string, unknown>[];
    priorityClassName?: string;
  };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Node extends Obj {
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { allocatable?: Record<string, string>; conditions?: Condition[] };
}

export interface Event {
  metadata: Meta;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  regarding?: { kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  note?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
}

export interface TopologyLevel {
  domain: string;
  key: string;
}

/** Everything one command run reads, listed once. */
export interface Snapshot {
  /** The namespace asked for; undefined with -A. */
  namespace: string | undefined;
  pcs: Obj[];
  pcsg: Obj[];
  pclq: Obj[];
  podgangs: Obj[];
  pods: Pod[];
  nodes: Node[];
  events: Event[];
  /** ClusterTopologyBindings, each with its levels broadest first. */
  topologies: { name: string; levels: TopologyLevel[] }[];
  /** When the snapshot was read (ms since the epoch): ages in `why` count from it. */
  now: number;
}

export const cond = (o: { status?: { conditions?: Condition[] } }, type: string): Condition | undefined =>
  o.status?.conditions?.find((c) => c.type === type);

export const ownedBy = (o: Obj, kind: string, name: string): boolean =>
  (o.metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name);

export const sameNs = (a: Obj, b: Obj): boolean => a.metadata.namespace === b.metadata.namespace;

export const natural = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });

export const byName = <T extends Obj>(xs: T[]): T[] =>
  [...xs].sort(
    (a, b) =>
      natural(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
      natural(a.metadata.name, b.metadata.name),
  );

/** The pods of a PodClique (its label), live ones first. */
export const podsOf = (s: Snapshot, pclq: Obj): Pod[] =>
  byName(s.pods.filter((p) => sameNs(p, pclq) && p.metadata.labels?.[LabelPodClique] === pclq.metadata.name));

export const podsOfGang = (s: Snapshot, pg: Obj): Pod[] =>
  byName(s.pods.filter((p) => sameNs(p, pg) && p.metadata.labels?.[LabelPodGang] === pg.metadata.name));

/** kubectl's STATUS column, near enough: what a person wants to know of a pod at a glance. */
export function podState(p: Pod): string {
  if (p.metadata.deletionTimestamp) return "Terminating";
  if ((p.spec?.schedulingGates ?? []).length > 0) return "SchedulingGated";
  const phase = p.status?.phase ?? "Pending";
  if (!p.spec?.nodeName) {
    const sched = cond(p, "PodScheduled");
    return sched?.status === "False" && sched.reason ? `Pending (${sched.reason})` : "Pending";
  }
  const waitingInit = p.status?.initContainerStatuses?.find((c) => !c.state?.terminated);
  if (phase === "Pending" && waitingInit) {
    const done = (p.status?.initContainerStatuses ?? []).filter((c) => c.state?.terminated).length;
    return `Init:${done}/${p.status?.initContainerStatuses?.length ?? 0}`;
  }
  const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting && waiting !== "PodInitializing") return waiting;
  if (phase === "Running") return cond(p, "Ready")?.status === "True" ? "Running/Ready" : "Running/NotReady";
  return phase;
}

/**
 * The levels domains are shown by: the ClusterTopologyBinding named by `name` (a PodGang's
 * grove.io/topology-name), else the only or first one; none when the cluster has none.
 */
export function levelsFor(s: Snapshot, name?: string): TopologyLevel[] {
  const t = (name ? s.topologies.find((x) => x.name === name) : undefined) ?? s.topologies[0];
  return t?.levels ?? [];
}

/** The node's domain at each level, from its labels ("" where it has no such label). */
export function domainsOf(node: Node | undefined, levels: TopologyLevel[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of levels) out[l.domain] = node?.metadata.labels?.[l.key] ?? "";
  return out;
}

/** Thousandths of `resource` a pod asks for: its containers' sum, or its largest init container if more. */
export function podRequest(p: Pod, resource: string): number {
  const one = (c: ContainerSpec) => {
    const q = c.resources?.requests?.[resource];
    return q === undefined ? 0 : parseQuantity(q, resource);
  };
  const main = (p.spec?.containers ?? []).reduce((a, c) => a + one(c), 0);
  return Math.max(main, ...(p.spec?.initContainers ?? []).map(one));
}

/** A pod that holds its node's capacity: bound, not finished. */
export const holdsCapacity = (p: Pod): boolean =>
  p.spec?.nodeName !== undefined && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";

export const breached = (o: Obj): Condition | undefined => {
  const c = cond(o, ConditionMinAvailableBreached);
  return c?.status === "True" ? c : undefined;
};

/** "12s", "3m4s", "2h1m": the age of a timestamp at `now`. */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return "?";
  const s = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** Thousandths to a quantity a person reads: 8000 -> "8", 1500 -> "1.5". */
export const units = (milli: number): string => String(Math.round(milli) / 1000);
