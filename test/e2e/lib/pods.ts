// What the suites look at on a pod, and the counts Grove's harness waits for (§17.2).
import type { KubeObject } from "@grove-ts/runtime";

export const GROVE_GATE = "grove.io/podgang-pending-creation";

interface EnvVarLike {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}

/** The parts of a Pod the suites read (kubernetes-types would do; this keeps the suites' needs explicit). */
export interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    schedulerName?: string;
    schedulingGates?: { name: string }[];
    containers?: { name: string; env?: EnvVarLike[] }[];
    initContainers?: { name: string; env?: EnvVarLike[] }[];
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface PodView {
  name: string;
  uid: string;
  /** Value of grove.io/podclique (the PCLQ FQN). */
  pclq: string;
  labels: Record<string, string>;
  node: string | undefined;
  phase: string;
  ready: boolean;
  gated: boolean;
  unschedulable: boolean;
  raw: PodLike;
}

export function podView(obj: KubeObject): PodView {
  const p = obj as PodLike;
  const conds = p.status?.conditions ?? [];
  const labels = p.metadata.labels ?? {};
  return {
    name: p.metadata.name ?? "",
    uid: p.metadata.uid ?? "",
    pclq: labels["grove.io/podclique"] ?? "",
    labels,
    node: p.spec?.nodeName || undefined,
    phase: p.status?.phase ?? "",
    ready: conds.some((c) => c.type === "Ready" && c.status === "True"),
    gated: (p.spec?.schedulingGates ?? []).some((g) => g.name === GROVE_GATE),
    unschedulable: conds.some(
      (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
    ),
    raw: p,
  };
}

export interface PodSummary {
  total: number;
  running: number;
  ready: number;
  pending: number;
  /** Pending pods that are gated by Grove or that the scheduler marked Unschedulable. */
  settledPending: number;
  describe(): string;
}

export function summarize(pods: readonly PodView[]): PodSummary {
  const running = pods.filter((p) => p.phase === "Running").length;
  const ready = pods.filter((p) => p.ready).length;
  const pendingPods = pods.filter((p) => p.phase === "Pending");
  const settled = pendingPods.filter((p) => !p.node && (p.gated || p.unschedulable)).length;
  return {
    total: pods.length,
    running,
    ready,
    pending: pendingPods.length,
    settledPending: settled,
    describe: () =>
      `total=${pods.length} running=${running} ready=${ready} pending=${pendingPods.length} (settled ${settled}, gated ${
        pendingPods.filter((p) => p.gated).length
      })`,
  };
}

/** Count of pods per PCLQ FQN, e.g. { "wl2-0-pc-a": 1 }. */
export function countByPclq(pods: readonly PodView[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pods) out[p.pclq] = (out[p.pclq] ?? 0) + 1;
  return out;
}

/** The nodes of the given pods; throws unless every pod is bound and no two share a node. */
export function distinctNodes(pods: readonly PodView[]): string[] {
  const nodes = pods.map((p) => p.node ?? `(unbound ${p.name})`);
  const dup = nodes.filter((n, i) => nodes.indexOf(n) !== i);
  if (dup.length > 0 || pods.some((p) => !p.node))
    throw new Error(
      `pods not on distinct nodes: ${pods.map((p) => `${p.name}@${p.node ?? "-"}`).join(", ")}`,
    );
  return nodes;
}
