// Our own workloads and cluster of the shapes Grove's scale suite uses (grove-behaviour.md §17.1,
// §17.3): one clique `expert-worker` of 2 pods (minAvailable 2) per PodCliqueSet replica with a tiny
// memory request, `default-scheduler`; 100 nodes of 64 CPU / 512Gi / 110 pods labelled `type=kwok`,
// all but the test's node count cordoned (upstream's PrepareTest cordons the rest).
import type { ClusterSpec, PoolSpec } from "@grove-ts/simulator";

export const SCALE_NODES = 100;
export const PODS_PER_REPLICA = 2;

export interface WorkloadOptions {
  name: string;
  namespace?: string;
  replicas: number;
  /** Memory request of each pod: 1Mi for the scale tests, 10Mi for the soak. */
  memory?: string;
}

export function scaleWorkload(o: WorkloadOptions) {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: o.name, namespace: o.namespace ?? "default", labels: { app: o.name } },
    spec: {
      replicas: o.replicas,
      template: {
        cliques: [
          {
            name: "expert-worker",
            spec: {
              roleName: "expert",
              replicas: PODS_PER_REPLICA,
              minAvailable: PODS_PER_REPLICA,
              podSpec: {
                schedulerName: "default-scheduler",
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: [
                        { matchExpressions: [{ key: "type", operator: "In", values: ["kwok"] }] },
                      ],
                    },
                  },
                },
                containers: [
                  {
                    name: "worker",
                    image: "nginx:alpine-slim",
                    resources: { requests: { memory: o.memory ?? "1Mi" } },
                  },
                ],
              },
            },
          },
        ],
      },
    },
  };
}

/** `active` schedulable nodes out of `total` (the rest cordoned). */
export function scaleCluster(active: number, total = SCALE_NODES): ClusterSpec {
  if (!Number.isInteger(active) || active < 1 || active > total)
    throw new RangeError(`active nodes: must be an integer in 1..${total}, got ${active}`);
  const pool = (name: string, count: number, unschedulable: boolean): PoolSpec => ({
    name,
    count,
    namePrefix: `${name}-`,
    allocatable: { cpu: "64", memory: "512Gi", pods: "110" },
    labels: { type: "kwok" },
    unschedulable,
  });
  const pools = [pool("kwok-node", active, false)];
  if (total > active) pools.push(pool("kwok-cordoned", total - active, true));
  return { name: `scale-${active}-of-${total}`, pools };
}
