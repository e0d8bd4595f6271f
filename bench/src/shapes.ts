import type { PlacementGang, PlacementGroup, PlacementNode, PlacementProblem } from "./contract.js";
import { Rng } from "./rng.js";

/**
 * Problem builders for the speed suites. All are pure functions of their arguments (the mix is
 * seeded), so every run and both engines see the same problems.
 */

export const BLOCK_KEY = "example.com/block";
export const RACK_KEY = "example.com/rack";
export const HOST_KEY = "kubernetes.io/hostname";

const LEVELS = [
  { domain: "block", key: BLOCK_KEY },
  { domain: "rack", key: RACK_KEY },
  { domain: "host", key: HOST_KEY },
];

export interface ClusterShape {
  blocks: number;
  racksPerBlock: number;
  hostsPerRack: number;
  gpusPerHost: number;
}

/** kube-scheduler's topology benchmark cluster: 5 blocks x 10 racks x 100 hosts = 5,000 nodes of 8 GPUs. */
export const UPSTREAM_CLUSTER: ClusterShape = {
  blocks: 5,
  racksPerBlock: 10,
  hostsPerRack: 100,
  gpusPerHost: 8,
};

/** A GPU host in the DGX class: 8 GPUs, 128 cores, 2 TiB, 110 pods. Names sort in topology order. */
export function gpuCluster(shape: ClusterShape = UPSTREAM_CLUSTER): PlacementNode[] {
  const nodes: PlacementNode[] = [];
  for (let b = 0; b < shape.blocks; b++) {
    for (let r = 0; r < shape.racksPerBlock; r++) {
      for (let h = 0; h < shape.hostsPerRack; h++) {
        const name = `b${b}-r${String(r).padStart(2, "0")}-h${String(h).padStart(3, "0")}`;
        nodes.push({
          name,
          labels: { [BLOCK_KEY]: `b${b}`, [RACK_KEY]: `b${b}-r${r}`, [HOST_KEY]: name },
          allocatable: {
            cpu: "128",
            memory: "2048Gi",
            pods: "110",
            "nvidia.com/gpu": String(shape.gpusPerHost),
          },
        });
      }
    }
  }
  return nodes;
}

function gpuPods(name: string, count: number): PlacementGroup {
  return { name, count, requests: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "1" } };
}

/**
 * (a) Upstream's TAS shape (kubernetes PR #139859 / #140611): `gangs` gangs of 4 one-GPU pods,
 * each gang required in one rack, on the 5,000-node cluster.
 */
export function upstreamRackGangs(gangs: number, shape: ClusterShape = UPSTREAM_CLUSTER): PlacementProblem {
  return {
    topology: { levels: LEVELS },
    nodes: gpuCluster(shape),
    gangs: Array.from({ length: gangs }, (_, i) => ({
      name: `gang-${i}`,
      constraint: { required: "rack" },
      groups: [gpuPods(`gang-${i}-pods`, 4)],
    })),
  };
}

/** (b) `gangs` gangs of `podsPerGang` one-GPU pods, each required in one block (upstream: 9 x 1,000). */
export function blockGangs(
  gangs = 9,
  podsPerGang = 1000,
  shape: ClusterShape = UPSTREAM_CLUSTER,
): PlacementProblem {
  return {
    topology: { levels: LEVELS },
    nodes: gpuCluster(shape),
    gangs: Array.from({ length: gangs }, (_, i) => ({
      name: `big-${i}`,
      constraint: { required: "block" },
      groups: [gpuPods(`big-${i}-pods`, podsPerGang)],
    })),
  };
}

/**
 * (c) A Grove-like mix until the gangs ask for `fill` of the cluster's GPUs. Three kinds, as a
 * PodCliqueSet replica lowers to a PodGang:
 *  - disaggregated inference: a CPU frontend (preferred rack) plus 1-3 prefill and 1-2 decode
 *    scaling-group replicas, each a leader+worker sub-group required in one rack, with the
 *    worker's pods of 8 GPUs; the gang required in one block, preferred rack;
 *  - aggregated inference: 1-4 single-host replicas of 2 or 4 GPUs per pod, each group required on
 *    one host (it fits one), gang preferred rack;
 *  - training: 4-32 pods of 8 GPUs, required rack (preferred rack when larger than a rack), with
 *    minCount below count so the tail is best-effort.
 */
export function groveMix(fill = 0.9, seed = 1, shape: ClusterShape = UPSTREAM_CLUSTER): PlacementProblem {
  const rng = new Rng(seed);
  const nodes = gpuCluster(shape);
  const totalGpus = nodes.length * shape.gpusPerHost;
  const rackGpus = shape.hostsPerRack * shape.gpusPerHost;
  const gangs: PlacementGang[] = [];
  let asked = 0;
  while (asked < fill * totalGpus) {
    const i = gangs.length;
    const kind = rng.next();
    let gang: PlacementGang;
    if (kind < 0.45) gang = disaggregated(rng, `pd-${i}`);
    else if (kind < 0.8) gang = aggregated(rng, `agg-${i}`);
    else gang = training(rng, `train-${i}`, rackGpus);
    const gpus = gangGpus(gang);
    if (asked + gpus > fill * totalGpus) break;
    asked += gpus;
    gangs.push(gang);
  }
  return { topology: { levels: LEVELS }, nodes, gangs };
}

/** GPUs a gang asks for at full count. */
export function gangGpus(gang: PlacementGang): number {
  return gang.groups.reduce((s, g) => s + g.count * Number(g.requests?.["nvidia.com/gpu"] ?? 0), 0);
}

function disaggregated(rng: Rng, name: string): PlacementGang {
  const groups: PlacementGroup[] = [
    {
      name: `${name}-frontend`,
      count: 2,
      minCount: 1,
      requests: { cpu: "4", memory: "16Gi" },
      constraint: { preferred: "rack" },
    },
  ];
  const subGroups = [];
  for (const [role, replicas] of [
    ["prefill", rng.int(1, 3)],
    ["decode", rng.int(1, 2)],
  ] as const) {
    const workers = rng.int(1, 3);
    for (let k = 0; k < replicas; k++) {
      const leader = `${name}-${role}-${k}-leader`;
      const worker = `${name}-${role}-${k}-worker`;
      groups.push({
        name: leader,
        count: 1,
        requests: { cpu: "16", memory: "256Gi", "nvidia.com/gpu": "8" },
      });
      groups.push({
        name: worker,
        count: workers,
        requests: { cpu: "16", memory: "256Gi", "nvidia.com/gpu": "8" },
      });
      subGroups.push({
        name: `${name}-${role}-${k}`,
        groups: [leader, worker],
        constraint: { required: "rack" },
      });
    }
  }
  return { name, constraint: { required: "block", preferred: "rack" }, groups, subGroups };
}

function aggregated(rng: Rng, name: string): PlacementGang {
  const gpusPerPod = rng.pick([2, 4]);
  const podsPerReplica = 8 / gpusPerPod;
  const groups: PlacementGroup[] = Array.from({ length: rng.int(1, 4) }, (_, k) => ({
    name: `${name}-replica-${k}`,
    count: podsPerReplica,
    requests: { cpu: "8", memory: "128Gi", "nvidia.com/gpu": String(gpusPerPod) },
    constraint: { required: "host" },
  }));
  return { name, constraint: { preferred: "rack" }, groups };
}

function training(rng: Rng, name: string, rackGpus: number): PlacementGang {
  const count = rng.pick([4, 8, 16, 32]);
  const fitsRack = count * 8 <= rackGpus;
  return {
    name,
    priority: 1,
    constraint: fitsRack ? { required: "rack" } : { required: "block", preferred: "rack" },
    groups: [
      {
        name: `${name}-workers`,
        count,
        minCount: Math.max(1, count - count / 4),
        requests: { cpu: "32", memory: "512Gi", "nvidia.com/gpu": "8" },
      },
    ],
  };
}

/** Pods a problem asks for at full count (every gang, every group). */
export function podsAsked(problem: PlacementProblem): number {
  return problem.gangs.reduce((s, gang) => s + gang.groups.reduce((t, g) => t + g.count, 0), 0);
}
