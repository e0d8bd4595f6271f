// The dashboard's JSON model, derived from what the API says and nothing else: the topology as
// nested domains (the ClusterTopologyBinding's levels over the nodes' labels: zone > block > rack),
// each host with one slot per GPU naming the pod that holds it, the gangs (PodGangs) with their
// PodCliqueSet, priority and queue, and the pending gangs with the scheduler's reasons (the PodGang's
// Scheduled=False message, else its pods' PodScheduled messages). Pure: the page and the tests read
// the same object.
import {
  LabelKaiQueue,
  LabelPartOf,
  LabelPodClique,
  LabelPodGang,
  PodGangConditionScheduled,
} from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";

export const GPU_RESOURCE = "nvidia.com/gpu";
const HOSTNAME_KEY = "kubernetes.io/hostname";

export interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; capacity?: Record<string, string> };
}

interface Container {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    priority?: number;
    priorityClassName?: string;
    containers?: Container[];
    initContainers?: Container[];
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface PodGangLike extends KubeObject {
  spec?: { priorityClassName?: string; podgroups?: { name: string; minReplicas?: number }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface TopologyLike extends KubeObject {
  spec?: { levels?: { domain: string; key: string }[] };
}

export interface ApiState {
  nodes: readonly NodeLike[];
  pods: readonly PodLike[];
  podGangs: readonly PodGangLike[];
  topologies: readonly TopologyLike[];
}

/** A pod on a node (or pending) as the page shows it on hover. */
export interface PodView {
  name: string;
  namespace: string;
  node: string;
  phase: string;
  gpus: number;
  /** Index into `gangs`, -1 for a pod of no PodGang. */
  gang: number;
  pcs: string;
  clique: string;
  priority: number;
  queue: string;
}

export interface GangView {
  name: string;
  namespace: string;
  pcs: string;
  priorityClassName: string;
  priority: number;
  queue: string;
  phase: string;
  /** Hue in degrees: the golden angle times the gang's index, so neighbours in the list differ most. */
  hue: number;
  /** Lightness in percent: steps every 8 gangs, so gangs whose hues come round again still differ. */
  lightness: number;
  pods: number;
  gpus: number;
  nodes: string[];
  pending: boolean;
  /** The scheduler's reason, one line per level or constraint; empty unless pending. */
  reasons: string[];
}

export interface HostView {
  name: string;
  gpus: number;
  /** One entry per GPU: the index of the pod holding it in `pods`, -1 when free. */
  slots: number[];
  /** Pods on the host that hold no GPU (index into `pods`). */
  others: number[];
  cordoned: boolean;
}

export interface DomainView {
  /** The level's domain name (zone, block, rack), "cluster" for the root. */
  level: string;
  name: string;
  gpus: number;
  usedGpus: number;
  domains: DomainView[];
  hosts: HostView[];
}

export interface DashboardModel {
  /** The levels nested, broadest first (the host level is the hosts themselves). */
  levels: string[];
  topology: string;
  root: DomainView;
  pods: PodView[];
  gangs: GangView[];
  totals: { nodes: number; gpus: number; usedGpus: number; gangs: number; pending: number };
}

/** Kubernetes quantities as GPU counts are plain integers; anything else counts as 0. */
function count(q: string | undefined): number {
  const n = Number(q ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function podGpus(pod: PodLike): number {
  const sum = (cs: Container[] | undefined) =>
    (cs ?? []).reduce(
      (s, c) => s + count(c.resources?.requests?.[GPU_RESOURCE] ?? c.resources?.limits?.[GPU_RESOURCE]),
      0,
    );
  const init = (pod.spec?.initContainers ?? []).reduce((m, c) => Math.max(m, sum([c])), 0);
  return Math.max(sum(pod.spec?.containers), init);
}

/** The i-th gang's hue: successive golden-angle steps, as far apart as any few colours can be. */
export function gangHue(i: number): number {
  return Math.round((i * 137.508 + 250) % 360);
}

/** The scheduler's message split into its clauses: one per level or constraint it names. */
export function reasonLines(message: string): string[] {
  return message
    .split(/;\s+|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

const terminal = (p: PodLike) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/** The topology the nodes carry: the binding whose level keys most nodes have. */
function pickTopology(
  nodes: readonly NodeLike[],
  topologies: readonly TopologyLike[],
): { name: string; levels: { domain: string; key: string }[] } {
  let best: { name: string; levels: { domain: string; key: string }[]; score: number } = {
    name: "",
    levels: [],
    score: 0,
  };
  for (const t of [...topologies].sort((a, b) =>
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  )) {
    const levels = (t.spec?.levels ?? []).filter((l) => l.key !== HOSTNAME_KEY && l.domain !== "host");
    const score = nodes.filter((n) => levels.some((l) => n.metadata.labels?.[l.key] !== undefined)).length;
    if (score > best.score) best = { name: t.metadata.name ?? "", levels, score };
  }
  return best;
}

function gangView(pg: PodGangLike, pods: PodLike[], index: number): GangView {
  const cond = pg.status?.conditions?.find((c) => c.type === PodGangConditionScheduled);
  const unplaced = pods.filter((p) => !p.spec?.nodeName && !terminal(p));
  // Pending: the scheduler said so, or it has pods and none is bound yet.
  const pending = cond ? cond.status === "False" : pods.length > 0 && unplaced.length === pods.length;
  const messages = new Set<string>();
  if (pending && cond?.message) messages.add(cond.message);
  if (pending && messages.size === 0)
    for (const p of unplaced) {
      const ps = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
      if (ps?.message) messages.add(ps.message);
    }
  const first = pods[0];
  const name = pg.metadata.name ?? "";
  return {
    name,
    namespace: pg.metadata.namespace ?? "",
    pcs: pg.metadata.labels?.[LabelPartOf] ?? first?.metadata.labels?.[LabelPartOf] ?? "",
    priorityClassName: pg.spec?.priorityClassName ?? first?.spec?.priorityClassName ?? "",
    priority: first?.spec?.priority ?? 0,
    queue: pg.metadata.labels?.[LabelKaiQueue] ?? first?.metadata.labels?.[LabelKaiQueue] ?? "",
    phase: pg.status?.phase ?? "",
    hue: gangHue(index),
    lightness: [48, 34, 62][Math.floor(index / 8) % 3] ?? 48,
    pods: pods.length,
    gpus: pods.reduce((s, p) => s + podGpus(p), 0),
    nodes: [...new Set(pods.map((p) => p.spec?.nodeName ?? "").filter((n) => n !== ""))].sort(),
    pending,
    reasons: [...messages].flatMap(reasonLines),
  };
}

export function buildModel(state: ApiState): DashboardModel {
  const byName = (a: KubeObject, b: KubeObject) => key(a).localeCompare(key(b), undefined, { numeric: true });
  const live = state.pods.filter((p) => !terminal(p)).sort(byName);
  const podsOf = new Map<string, PodLike[]>();
  for (const p of live) {
    const g = p.metadata.labels?.[LabelPodGang];
    if (g === undefined) continue;
    const k = `${p.metadata.namespace ?? ""}/${g}`;
    podsOf.set(k, [...(podsOf.get(k) ?? []), p]);
  }
  const gangIndex = new Map<string, number>();
  const gangs = [...state.podGangs].sort(byName).map((pg, i) => {
    gangIndex.set(key(pg), i);
    return gangView(pg, podsOf.get(key(pg)) ?? [], i);
  });
  const pods: PodView[] = live.map((p) => {
    const g = p.metadata.labels?.[LabelPodGang];
    const gi = g === undefined ? -1 : (gangIndex.get(`${p.metadata.namespace ?? ""}/${g}`) ?? -1);
    return {
      name: p.metadata.name ?? "",
      namespace: p.metadata.namespace ?? "",
      node: p.spec?.nodeName ?? "",
      phase: p.status?.phase ?? "Pending",
      gpus: podGpus(p),
      gang: gi,
      pcs: p.metadata.labels?.[LabelPartOf] ?? "",
      clique: p.metadata.labels?.[LabelPodClique] ?? "",
      priority: p.spec?.priority ?? 0,
      queue: p.metadata.labels?.[LabelKaiQueue] ?? "",
    };
  });
  const onNode = new Map<string, number[]>();
  pods.forEach((p, i) => {
    if (p.node !== "") onNode.set(p.node, [...(onNode.get(p.node) ?? []), i]);
  });

  const topo = pickTopology(state.nodes, state.topologies);
  const root: DomainView = { level: "cluster", name: "", gpus: 0, usedGpus: 0, domains: [], hosts: [] };
  const nodes = [...state.nodes].sort((a, b) =>
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "", undefined, { numeric: true }),
  );
  for (const n of nodes) {
    const name = n.metadata.name ?? "";
    const gpus = count(n.status?.allocatable?.[GPU_RESOURCE] ?? n.status?.capacity?.[GPU_RESOURCE]);
    const slots: number[] = [];
    const others: number[] = [];
    for (const pi of onNode.get(name) ?? []) {
      const want = pods[pi]?.gpus ?? 0;
      if (want === 0) others.push(pi);
      // More GPUs held than allocatable (an overcommit the API allowed) still shows every holder.
      for (let g = 0; g < want; g++) slots.push(pi);
    }
    while (slots.length < gpus) slots.push(-1);
    const used = slots.filter((s) => s >= 0).length;
    const host: HostView = { name, gpus, slots, others, cordoned: n.spec?.unschedulable === true };
    let dom = root;
    const path = [root];
    for (const l of topo.levels) {
      const value = n.metadata.labels?.[l.key] ?? "(unlabelled)";
      let child = dom.domains.find((d) => d.name === value && d.level === l.domain);
      if (!child) {
        child = { level: l.domain, name: value, gpus: 0, usedGpus: 0, domains: [], hosts: [] };
        dom.domains.push(child);
      }
      dom = child;
      path.push(dom);
    }
    dom.hosts.push(host);
    for (const d of path) {
      d.gpus += Math.max(gpus, used);
      d.usedGpus += used;
    }
  }
  // Domains with GPUs first (the ones a gang-scheduling user looks at), then by name.
  const sortDomains = (d: DomainView): void => {
    d.domains.sort(
      (a, b) =>
        Number(b.gpus > 0) - Number(a.gpus > 0) || a.name.localeCompare(b.name, undefined, { numeric: true }),
    );
    d.domains.forEach(sortDomains);
  };
  sortDomains(root);
  return {
    levels: topo.levels.map((l) => l.domain),
    topology: topo.name,
    root,
    pods,
    gangs,
    totals: {
      nodes: state.nodes.length,
      gpus: root.gpus,
      usedGpus: root.usedGpus,
      gangs: gangs.length,
      pending: gangs.filter((g) => g.pending).length,
    },
  };
}
