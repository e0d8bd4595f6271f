// A small cluster as a Snapshot: two racks of two 8-GPU nodes (zone z0; n2 cordoned), one
// PodCliqueSet "inf" (its gang: a router without GPUs and two 8-GPU workers, rack required) with the
// router and one worker bound on n1, the other worker pending with the scheduler's verdict (no rack
// has two free 8-GPU nodes), and a pod outside Grove holding 4 GPUs of n4.
import type { Node, Obj, Pod, Snapshot } from "../src/index.js";

const NOW = Date.parse("2026-01-01T00:01:00Z");

const node = (name: string, rack: string, cordoned = false): Node => ({
  ...(cordoned ? { spec: { unschedulable: true } } : {}),
  metadata: { name, labels: { "kubernetes.io/hostname": name, "ex.com/zone": "z0", "ex.com/rack": rack } },
  status: { allocatable: { cpu: "64", "nvidia.com/gpu": "8", pods: "110" } },
});

const pod = (name: string, clique: string, gang: string, nodeName?: string, gpus = "4"): Pod => ({
  metadata: {
    name,
    namespace: "default",
    labels: { "grove.io/podclique": clique, "grove.io/podgang": gang, "app.kubernetes.io/part-of": "inf" },
  },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: [
      { name: "main", image: "busybox", resources: { requests: { cpu: "1", "nvidia.com/gpu": gpus } } },
    ],
  },
  status: nodeName
    ? {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [{ name: "main", ready: true, state: { running: {} } }],
      }
    : {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "gang default/inf-0: required rack: the best rack fits 1 of 2 pods",
          },
        ],
      },
});

const obj = (
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  owner?: [string, string],
): Obj => ({
  metadata: {
    name,
    namespace: "default",
    labels: { "app.kubernetes.io/part-of": "inf" },
    ...(owner ? { ownerReferences: [{ kind: owner[0], name: owner[1] }] } : {}),
  },
  spec,
  status,
});

export function fixture(): Snapshot {
  return {
    namespace: "default",
    now: NOW,
    topologies: [
      {
        name: "topo",
        levels: [
          { domain: "zone", key: "ex.com/zone" },
          { domain: "rack", key: "ex.com/rack" },
          { domain: "host", key: "kubernetes.io/hostname" },
        ],
      },
    ],
    nodes: [node("n1", "r1"), node("n2", "r1", true), node("n3", "r2"), node("n4", "r2")],
    pcs: [obj("inf", { replicas: 1, template: { terminationDelay: "2m" } }, { availableReplicas: 0 })],
    pcsg: [obj("inf-0-g", { replicas: 1, minAvailable: 1 }, {}, ["PodCliqueSet", "inf"])],
    pclq: [
      obj("inf-0-router", { replicas: 1, minAvailable: 1 }, { readyReplicas: 1 }, ["PodCliqueSet", "inf"]),
      obj(
        "inf-0-g-0-w",
        { replicas: 2, minAvailable: 2 },
        {
          readyReplicas: 1,
          conditions: [
            {
              type: "MinAvailableBreached",
              status: "True",
              reason: "ScheduledReplicasBelowMinAvailable",
              lastTransitionTime: "2026-01-01T00:00:30Z",
            },
          ],
        },
        ["PodCliqueScalingGroup", "inf-0-g"],
      ),
    ],
    podgangs: [
      {
        metadata: { name: "inf-0", namespace: "default", labels: { "app.kubernetes.io/part-of": "inf" } },
        spec: {
          podgroups: [
            { name: "inf-0-router", podReferences: [{ name: "inf-0-router-a" }], minReplicas: 1 },
            {
              name: "inf-0-g-0-w",
              podReferences: [{ name: "inf-0-g-0-w-a" }, { name: "inf-0-g-0-w-b" }],
              minReplicas: 2,
            },
          ],
          topologyConstraint: { packConstraint: { required: "ex.com/rack" } },
        },
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "Scheduled",
              status: "False",
              reason: "Unschedulable",
              message: "required rack: the best rack fits 1 of 2 pods",
              lastTransitionTime: "2026-01-01T00:00:40Z",
            },
          ],
        },
      },
    ],
    pods: [
      pod("inf-0-router-a", "inf-0-router", "inf-0", "n1", "0"),
      pod("inf-0-g-0-w-a", "inf-0-g-0-w", "inf-0", "n1", "8"),
      pod("inf-0-g-0-w-b", "inf-0-g-0-w", "inf-0", undefined, "8"),
      { ...pod("other", "", "", "n4", "4"), metadata: { name: "other", namespace: "default" } },
    ],
    events: [
      {
        metadata: { name: "e1", namespace: "default", creationTimestamp: "2026-01-01T00:00:50Z" },
        involvedObject: { kind: "Pod", name: "inf-0-g-0-w-b", namespace: "default" },
        type: "Warning",
        reason: "FailedScheduling",
        message: "gang default/inf-0: required rack: the best rack fits 1 of 2 pods",
        lastTimestamp: "2026-01-01T00:00:50Z",
        count: 3,
      },
    ],
  };
}
