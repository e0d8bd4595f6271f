// PodCliqueSets of the user guide's shapes (grove-api.md §16.1), written here (not copied).
import type { PodCliqueSet } from "../src/types.js";

const podSpec = (name: string) => ({ containers: [{ name, image: "nginx:latest" }] });

type Clique = { name: string; replicas: number; minAvailable?: number; extra?: Record<string, unknown> };

export function pcsOf(
  name: string,
  cliques: Clique[],
  groups: {
    name: string;
    cliqueNames: string[];
    replicas?: number;
    minAvailable?: number;
    scaleConfig?: unknown;
  }[] = [],
  replicas = 1,
  template: Record<string, unknown> = {},
): PodCliqueSet {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      template: {
        ...template,
        cliques: cliques.map((c) => ({
          name: c.name,
          spec: {
            roleName: c.name,
            replicas: c.replicas,
            ...(c.minAvailable !== undefined ? { minAvailable: c.minAvailable } : {}),
            podSpec: podSpec(c.name),
            ...(c.extra ?? {}),
          },
        })),
        ...(groups.length > 0 ? { podCliqueScalingGroups: groups } : {}),
      },
    },
  } as unknown as PodCliqueSet;
}

export const singleNodeAggregated = () =>
  pcsOf("single-node-aggregated", [{ name: "model-worker", replicas: 2 }]);

export const singleNodeDisaggregated = () =>
  pcsOf("single-node-disaggregated", [
    { name: "prefill", replicas: 3 },
    { name: "decode", replicas: 2 },
  ]);

export const multiNodeAggregated = () =>
  pcsOf(
    "multinode-aggregated",
    [
      { name: "leader", replicas: 1 },
      { name: "worker", replicas: 3 },
    ],
    [{ name: "model-instance", cliqueNames: ["leader", "worker"], replicas: 2 }],
  );

export const completePipeline = () =>
  pcsOf(
    "comp-inf-ppln",
    [
      { name: "frontend", replicas: 2 },
      { name: "vision-encoder", replicas: 1 },
      { name: "pleader", replicas: 1 },
      { name: "pworker", replicas: 2 },
      { name: "dleader", replicas: 1 },
      { name: "dworker", replicas: 2 },
    ],
    [
      { name: "prefill", cliqueNames: ["pleader", "pworker"], replicas: 1 },
      { name: "decode-cluster", cliqueNames: ["dleader", "dworker"], replicas: 1 },
    ],
  );

const cpuMetric = [
  { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
];

/** operator/samples/simple/simple1.yaml's shape. */
export const simple1 = () =>
  pcsOf(
    "simple1",
    [
      { name: "pca", replicas: 3, extra: { autoScalingConfig: { maxReplicas: 5, metrics: cpuMetric } } },
      { name: "pcb", replicas: 2 },
      { name: "pcc", replicas: 2 },
      { name: "pcd", replicas: 2 },
    ],
    [{ name: "sga", cliqueNames: ["pcb", "pcc"], scaleConfig: { maxReplicas: 6, metrics: cpuMetric } }],
  );
