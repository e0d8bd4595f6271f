// The busy cluster of the scheduler throughput bench (scheduler-throughput.ts), as Kubernetes
// objects: nodes of 8 GPUs under zone / block / rack / host labels, 60-70% of their GPUs held by
// bound pods of earlier PodGangs, and a seeded set of pending PodGangs (1 to 16 pods, some
// rack- or block-required, some that cannot fit). Same seed and size, same objects.
import type { PodGang } from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { Rng } from "./rng.js";

export const ZONE = "example.com/zone";
export const BLOCK = "example.com/block";
export const RACK = "example.com/rack";
export const HOST = "kubernetes.io/hostname";
export const GPU = "nvidia.com/gpu";
/** The bench's namespace and scheduler name. */
export const NS = "default";
export const SCHEDULER = "grove-scheduler";

/** Hosts per rack, racks per block, blocks per zone: 1,000 nodes = 1 zone = 5 blocks = 50 racks. */
const HOSTS_PER_RACK = 20;
const RACKS_PER_BLOCK = 10;
const BLOCKS_PER_ZONE = 5;

type K<T> = T & KubeObject;

export interface BusyCluster {
  nodes: K<Node>[];
  /** Bound pods of the running gangs (spec.nodeName set). */
  running: K<Pod>[];
  runningGangs: K<PodGang>[];
  /** Share of the GPUs the running pods hold. */
  busyShare: number;
}

export interface PendingSet {
  pods: K<Pod>[];
  gangs: K<PodGang>[];
  /** Per gang, what it asks: pods, GPUs per pod, its constraint, and whether it can never fit. */
  shapes: PendingShape[];
}

export interface PendingShape {
  name: string;
  pods: number;
  gpus: number;
  required?: "rack" | "block";
  preferred?: "rack";
  /** Asks more GPUs per pod than a node has (Unresolvable), or whole racks no rack has free. */
  cannotFit?: "too-big-pod" | "no-free-rack";
}

export function nodeName(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

function node(i: number): K<Node> {
  const rack = Math.floor(i / HOSTS_PER_RACK);
  const block = Math.floor(rack / RACKS_PER_BLOCK);
  const zone = Math.floor(block / BLOCKS_PER_ZONE);
  const name = nodeName(i);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { [HOST]: name, [RACK]: `rack-${rack}`, [BLOCK]: `block-${block}`, [ZONE]: `zone-${zone}` },
    },
    spec: {},
    status: { allocatable: { cpu: "128", memory: "2048Gi", pods: "110", [GPU]: "8" } },
  };
}

function pod(name: string, gang: string, gpus: number, nodeName?: string): K<Pod> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { "grove.io/podgang": gang } },
    spec: {
      schedulerName: SCHEDULER,
      ...(nodeName ? { nodeName } : {}),
      containers: [
        {
          name: "main",
          image: "busybox",
          resources: { requests: { cpu: "1", memory: "1Gi", [GPU]: String(gpus) } },
        },
      ],
    },
  };
}

function podGang(
  name: string,
  pods: string[],
  min: number,
  pack?: { required?: string; preferred?: string },
): K<PodGang> {
  return {
    apiVersion: "scheduler.grove.io/v1alpha1",
    kind: "PodGang",
    metadata: { name, namespace: NS },
    spec: {
      podgroups: [
        { name: `${name}-g`, minReplicas: min, podReferences: pods.map((p) => ({ namespace: NS, name: p })) },
      ],
      ...(pack ? { topologyConstraint: { packConstraint: pack } } : {}),
    },
  };
}

/**
 * `n` nodes; each takes 0, 2, 4, 6 or 8 of its GPUs in use (mean ~65%), held by 8-, 4- and 2-GPU
 * pods, grouped in running PodGangs of up to 8 pods.
 */
export function busyCluster(n: number, seed = 7): BusyCluster {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const nodes: K<Node>[] = [];
  const running: K<Pod>[] = [];
  const runningGangs: K<PodGang>[] = [];
  // Used GPUs per node: 0 (1/8), 2, 4, 6 (1/8 each), 8 (4/8): mean 0.65 x 8.
  const USED = [0, 2, 4, 6, 8, 8, 8, 8];
  let members: string[] = [];
  let used = 0;
  const closeGang = () => {
    if (members.length === 0) return;
    const g = `run-${runningGangs.length}`;
    runningGangs.push(podGang(g, members, members.length));
    members = [];
  };
  for (let i = 0; i < n; i++) {
    nodes.push(node(i));
    let left = USED[Math.floor(rnd() * USED.length)] ?? 0;
    used += left;
    while (left > 0) {
      const gpus = left >= 8 ? 8 : left >= 4 ? 4 : 2;
      left -= gpus;
      const g = `run-${runningGangs.length}`;
      const name = `${g}-${members.length}`;
      running.push(pod(name, g, gpus, nodeName(i)));
      members.push(name);
      if (members.length === 8 || rnd() < 0.2) closeGang();
    }
  }
  closeGang();
  return { nodes, running, runningGangs, busyShare: used / (8 * n) };
}

/** `count` pending PodGangs (seeded): sizes 1-16, 1/2/4/8 GPUs per pod, ~6% that cannot fit. */
export function pendingGangs(count: number, seed = 11, prefix = "pend"): PendingSet {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const shapes: PendingShape[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    if (prefix === ARRIVE) {
      // Small enough to fit the leftovers of a full cluster: 1-4 one-GPU pods, half rack-required.
      shapes.push({ name, pods: 1 + Math.floor(rnd() * 4), gpus: 1, ...(i % 2 ? { required: "rack" } : {}) });
      continue;
    }
    const r = rnd();
    if (r < 0.03) {
      shapes.push({ name, pods: 1 + Math.floor(rnd() * 4), gpus: 16, cannotFit: "too-big-pod" });
      continue;
    }
    if (r < 0.06) {
      shapes.push({ name, pods: 16, gpus: 8, required: "rack", cannotFit: "no-free-rack" });
      continue;
    }
    const pods = 1 + Math.floor(rnd() * 16);
    const gpus = pick([1, 1, 1, 2, 2, 4, 8]);
    const c = rnd();
    shapes.push({
      name,
      pods,
      gpus,
      ...(c < 0.4 ? { required: "rack" as const } : c < 0.6 ? { required: "block" as const } : {}),
      ...(c >= 0.6 && c < 0.8 ? { preferred: "rack" as const } : {}),
    });
  }
  const pods: K<Pod>[] = [];
  const gangs: K<PodGang>[] = [];
  const keyOf = { rack: RACK, block: BLOCK };
  for (const s of shapes) {
    const names = Array.from({ length: s.pods }, (_, k) => `${s.name}-${k}`);
    for (const p of names) pods.push(pod(p, s.name, s.gpus));
    const pack =
      s.required || s.preferred
        ? {
            ...(s.required ? { required: keyOf[s.required] } : {}),
            ...(s.preferred ? { preferred: keyOf[s.preferred] } : {}),
          }
        : undefined;
    gangs.push(podGang(s.name, names, s.pods, pack));
  }
  return { pods, gangs, shapes };
}

/** The prefix of the small gangs that arrive one at a time once the cluster settled. */
export const ARRIVE = "arrive";
