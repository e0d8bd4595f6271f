// The topology acceptance harness (grove-behaviour.md §17.1, §18.6): one grove-sim per test file with
// the e2e node pool carrying the topology labels by node index (zone ⌊n/28⌋, block ⌊n/20⌋,
// rack ⌊n/7⌋, hostname = node name) and the shared ClusterTopologyBinding `grove-topology`. The
// ClusterTopologyBinding controller runs inside grove-sim (createGroveControllers starts it). Reads
// of what the tests assert go through the real kubectl.
import type { ClusterSpec } from "@grove-ts/simulator";
import { AGENT_LABEL, E2E } from "../../e2e/lib/harness.js";
import type { PodView } from "../../e2e/lib/pods.js";
import { waitFor } from "../../e2e/lib/wait.js";

export const ZONE = "kubernetes.io/zone";
export const BLOCK = "kubernetes.io/block";
export const RACK = "kubernetes.io/rack";
export const HOST = "kubernetes.io/hostname";
export const TOPOLOGY = "grove-topology";
export const TOPOLOGY_ANNOTATION = "grove.io/topology-name";

export const GROVE_TOPOLOGY_LEVELS = [
  { domain: "zone", key: ZONE },
  { domain: "block", key: BLOCK },
  { domain: "rack", key: RACK },
  { domain: "host", key: HOST },
];

/** §17.1: `count` agent nodes `kwok-node-<n>` (4 CPU, 150Mi, 110 pods) with the topology labels. */
export function tasCluster(count = 28): ClusterSpec {
  return {
    name: "grove-tas",
    topologies: [{ name: TOPOLOGY, levels: GROVE_TOPOLOGY_LEVELS }],
    pools: [
      {
        name: "agent",
        count,
        namePrefix: "kwok-node-",
        allocatable: { cpu: "4", memory: "150Mi", pods: "110" },
        labels: { [AGENT_LABEL]: "agent" },
        taints: [{ key: AGENT_LABEL, value: "agent", effect: "NoSchedule" }],
        topology: [
          { key: ZONE, prefix: "zone-", nodes: 28 },
          { key: BLOCK, prefix: "block-", nodes: 20 },
          { key: RACK, prefix: "rack-", nodes: 7 },
        ],
      },
    ],
  };
}

export interface PackConstraint {
  required?: string;
  preferred?: string;
}
export interface TopologyConstraint {
  packConstraint?: PackConstraint;
}
export interface PodGangJson {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    podgroups: { name: string; minReplicas: number; topologyConstraint?: TopologyConstraint }[];
    topologyConstraint?: TopologyConstraint;
    topologyConstraintGroupConfigs?: {
      name: string;
      podGroupNames: string[];
      topologyConstraint?: TopologyConstraint;
    }[];
  };
}
export interface ConditionJson {
  type: string;
  status: string;
  reason: string;
  message?: string;
}

export class Tas {
  private constructor(readonly e2e: E2E) {}

  static async start(cluster: ClusterSpec = tasCluster()): Promise<Tas> {
    return new Tas(await E2E.start({ cluster, readyDelayMs: 10 }));
  }

  get kubectl() {
    return this.e2e.kubectl;
  }

  async close(): Promise<void> {
    await this.e2e.close();
  }

  /** Node name -> labels, as kubectl lists them. */
  async nodeLabels(): Promise<Map<string, Record<string, string>>> {
    const list = await this.kubectl.json<{
      items: { metadata: { name: string; labels?: Record<string, string> } }[];
    }>(["get", "nodes"]);
    return new Map(list.items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  }

  async podGang(name: string): Promise<PodGangJson> {
    return this.kubectl.json<PodGangJson>(["get", "podgangs.scheduler.grove.io", name]);
  }

  async podGangNames(pcs: string): Promise<string[]> {
    return this.kubectl.names("podgangs.scheduler.grove.io", "-l", `app.kubernetes.io/part-of=${pcs}`);
  }

  async pcsConditions(pcs: string): Promise<ConditionJson[]> {
    const o = await this.kubectl.json<{ status?: { conditions?: ConditionJson[] } }>([
      "get",
      "podcliquesets.grove.io",
      pcs,
    ]);
    return o.status?.conditions ?? [];
  }

  /** Polls until the PCS condition `type` has `status`/`reason`. */
  async waitPcsCondition(pcs: string, type: string, status: string, reason: string): Promise<void> {
    await waitFor(
      `${pcs} ${type}=${status}/${reason}`,
      async () => {
        const c = (await this.pcsConditions(pcs)).find((x) => x.type === type);
        return {
          ok: c?.status === status && c.reason === reason,
          state: c ? `${c.status}/${c.reason}` : "absent",
        };
      },
      { intervalMs: 200 },
    );
  }

  /** Warning events of `reason` per pod of `pods`, read with kubectl. */
  async warningEvents(reason: string): Promise<Map<string, { source: string; message: string }[]>> {
    const list = await this.kubectl.json<{
      items: {
        reason?: string;
        type?: string;
        message?: string;
        source?: { component?: string };
        reportingComponent?: string;
        involvedObject?: { kind?: string; name?: string };
      }[];
    }>(["get", "events", "--field-selector", `reason=${reason}`]);
    const out = new Map<string, { source: string; message: string }[]>();
    for (const e of list.items) {
      if (e.type !== "Warning" || e.involvedObject?.kind !== "Pod") continue;
      const name = e.involvedObject.name ?? "";
      const l = out.get(name) ?? [];
      l.push({ source: e.source?.component ?? e.reportingComponent ?? "", message: e.message ?? "" });
      out.set(name, l);
    }
    return out;
  }
}

/** The distinct values of node label `key` over the nodes of `pods` (a pod without a node counts as "<none>"). */
export function domains(pods: readonly PodView[], labels: Map<string, Record<string, string>>, key: string) {
  return [
    ...new Set(pods.map((p) => (p.node ? (labels.get(p.node)?.[key] ?? "<unlabelled>") : "<none>"))),
  ].sort();
}

/** Pods grouped by a label value (e.g. grove.io/podclique or the PCSG replica). */
export function groupBy(pods: readonly PodView[], label: string): Map<string, PodView[]> {
  const m = new Map<string, PodView[]>();
  for (const p of pods) {
    const v = p.labels[label] ?? "";
    m.set(v, [...(m.get(v) ?? []), p]);
  }
  return m;
}
