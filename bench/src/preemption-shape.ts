import type { PlacementGang, PlacementNode } from "./contract.js";
import { Rng } from "./rng.js";
import { BLOCK_KEY, type ClusterShape, gpuCluster, HOST_KEY, RACK_KEY } from "./shapes.js";

/**
 * The KEP-5732 ("workload-aware preemption") shape: 5,000 nodes of 8 GPUs in racks of 25 (10 blocks
 * x 20 racks), every GPU taken by low-priority gangs, and high-priority rack-required gangs
 * arriving one at a time. Pure functions of the seed: both engines see the same problem.
 */
export const PREEMPTION_CLUSTER: ClusterShape = {
  blocks: 10,
  racksPerBlock: 20,
  hostsPerRack: 25,
  gpusPerHost: 8,
};

export interface RunningPods {
  name: string;
  priority: number;
  pods: { node: string; requests: Record<string, string> }[];
}

export interface PreemptionShape {
  topology: { levels: { domain: string; key: string }[] };
  nodes: PlacementNode[];
  /** The low-priority gangs filling the cluster, in the order they were bound. */
  running: RunningPods[];
  /** The high-priority gangs, in arrival order. */
  arriving: PlacementGang[];
}

const POD_1 = { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "1" };
const POD_2 = { cpu: "16", memory: "128Gi", "nvidia.com/gpu": "2" };
const POD_8 = { cpu: "64", memory: "512Gi", "nvidia.com/gpu": "8" };

export function preemptionShape(
  arrivals = 100,
  seed = 1,
  shape = PREEMPTION_CLUSTER,
  hostsPerArrival = 16,
): PreemptionShape {
  const rng = new Rng(seed);
  // gpuCluster lists nodes block by block, rack by rack: rack i is hostsPerRack nodes from i * hostsPerRack.
  const nodes = gpuCluster(shape);
  const running: RunningPods[] = [];
  for (let start = 0; start < nodes.length; start += shape.hostsPerRack) {
    const hosts = nodes.slice(start, start + shape.hostsPerRack).map((n) => n.name);
    // Fill the rack host by host: a training gang of 8-GPU pods over 2-4 hosts, or per host
    // one 8-pod gang of 1-GPU pods, or two 2-pod gangs of 2-GPU pods; priorities 0-9.
    let h = 0;
    while (h < hosts.length) {
      const kind = rng.int(0, 2);
      if (kind === 0 && h + 1 < hosts.length) {
        const span = Math.min(hosts.length - h, rng.int(2, 4));
        const pods = hosts.slice(h, h + span).map((node) => ({ node, requests: POD_8 }));
        running.push({ name: `low-${running.length}`, priority: rng.int(0, 9), pods });
        h += span;
      } else if (kind === 1) {
        const node = hosts[h] as string;
        const pods = Array.from({ length: 8 }, () => ({ node, requests: POD_1 }));
        running.push({ name: `low-${running.length}`, priority: rng.int(0, 9), pods });
        h++;
      } else {
        const node = hosts[h] as string;
        for (let k = 0; k < 2; k++) {
          const pods = Array.from({ length: 2 }, () => ({ node, requests: POD_2 }));
          running.push({ name: `low-${running.length}`, priority: rng.int(0, 9), pods });
        }
        h++;
      }
    }
  }
  const arriving: PlacementGang[] = Array.from({ length: arrivals }, (_, i) => ({
    name: `high-${i}`,
    priority: 1000,
    constraint: { required: "rack" },
    groups: [{ name: `high-${i}-workers`, count: hostsPerArrival, requests: POD_8 }],
  }));
  return {
    topology: {
      levels: [
        { domain: "block", key: BLOCK_KEY },
        { domain: "rack", key: RACK_KEY },
        { domain: "host", key: HOST_KEY },
      ],
    },
    nodes,
    running,
    arriving,
  };
}
