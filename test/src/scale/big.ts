// Ten times upstream's size (issue 15, item 3): bench runs only, never part of `npm test` nor of the
// bench's default selection (`--test NAME` picks them).
//
// ScaleTest_10000: ScaleTest_1000's workload shape (one clique `expert-worker` of 2 pods, minAvailable
//   2, 1Mi memory) at 5,000 replicas = 10,000 pods on 1,000 simulated nodes of upstream's kind
//   (64 CPU, 512Gi, 110 pods, `type=kwok`), none cordoned.
// ScaleTest_10000_Gangs8: the 1,024-GPU H100 cluster file (clusters/h100-1024.yaml: 128 nodes x 8
//   GPUs, 32 racks of 4 nodes) filled exactly: 128 replicas of one clique `gpu-worker` of 8 pods
//   (minAvailable 8, a gang of 8), each pod 1 GPU, 1 CPU, 1Gi, with the PodCliqueSet's
//   topologyConstraint `pack.required: rack` (each gang inside one rack of 32 GPUs, 4 gangs per rack).
//   1,024 pods: the cluster holds no more one-GPU pods; the name is the issue's.
// Both: created, Ready (and PCS available at full replicas), the final invariants, deleted (the PCS
// gone, then its last pod gone); milestones polled every 500 ms (a list of 10,000 pods every 100 ms
// would be a load of its own).
import { loadClusterFile } from "@grove-ts/simulator";
import { PODS_PER_REPLICA, scaleCluster } from "./manifests.js";
import type { ScaleTestDef, TestCtx } from "./suite.js";

const GANG = 8;

function deployReadyDelete(c: TestCtx, pods: number, replicas: number) {
  return [
    {
      name: "deploy",
      action: c.create,
      milestones: [
        c.cond.podsCreated("pods-created", pods),
        c.cond.podsReady("pods-ready", pods),
        c.cond.pcsAvailable("pcs-available", replicas),
      ],
    },
    c.finalCheck(replicas),
    {
      name: "delete",
      action: c.remove,
      milestones: [c.cond.pcsDeleted("pcs-deleted"), c.cond.podsAtCount("pods-deleted", 0)],
    },
  ];
}

export function gangs8Workload(o: { name: string; namespace: string; replicas: number }) {
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.name } },
    spec: {
      replicas: o.replicas,
      template: {
        topologyConstraint: { topologyName: "grove-topology", pack: { required: "rack" } },
        cliques: [
          {
            name: "gpu-worker",
            spec: {
              roleName: "worker",
              replicas: GANG,
              minAvailable: GANG,
              podSpec: {
                schedulerName: "default-scheduler",
                containers: [
                  {
                    name: "worker",
                    image: "nvcr.io/nvidia/pytorch:25.01-py3",
                    resources: {
                      requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" },
                      limits: { "nvidia.com/gpu": "1" },
                    },
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

export const BIG_SCALE_TESTS: ScaleTestDef[] = [
  {
    name: "ScaleTest_10000",
    nodes: 1000,
    cluster: scaleCluster(1000, 1000),
    pcs: "scale-test-10000",
    memory: "1Mi",
    initial: 5000,
    timeoutMs: 60 * 60_000,
    pollMs: 500,
    phases: (c) => deployReadyDelete(c, 5000 * PODS_PER_REPLICA, 5000),
  },
  {
    name: "ScaleTest_10000_Gangs8",
    nodes: 128,
    get cluster() {
      return loadClusterFile("h100-1024");
    },
    pcs: "scale-test-gangs8",
    memory: "1Gi",
    initial: 128,
    podsPerReplica: GANG,
    workload: gangs8Workload,
    timeoutMs: 60 * 60_000,
    pollMs: 500,
    phases: (c) => deployReadyDelete(c, 128 * GANG, 128),
  },
];
