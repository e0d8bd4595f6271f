// grove-ts's own topology workloads: the shapes of Grove's tas-*.yaml fixtures (grove-behaviour.md
// §18.6) written out by a small builder, so each scenario runs on our manifests whether or not Grove's
// fixtures are present. Pods run on the §17.1 agent pool (affinity + toleration), name our own
// scheduler, and request memory so that the intended number fits a 150Mi node.
import { stringify } from "yaml";
import { AGENT_LABEL } from "../../e2e/lib/harness.js";

export interface Pack {
  required?: string;
  preferred?: string;
}
export interface Clique {
  name: string;
  replicas: number;
  minAvailable?: number;
  memory?: string;
  topology?: Pack;
}
export interface Group {
  name: string;
  replicas: number;
  minAvailable?: number;
  cliques: string[];
  topology?: Pack;
}
export interface Shape {
  name: string;
  replicas?: number;
  topologyName?: string;
  topology?: Pack;
  cliques: Clique[];
  groups?: Group[];
}

const constraint = (pack: Pack | undefined, topologyName: string | undefined) =>
  pack ? { topologyConstraint: { ...(topologyName ? { topologyName } : {}), pack } } : {};

/** The PodCliqueSet manifest of a shape. Constraints name the binding at PCS level or, if none, on each. */
export function manifest(s: Shape): Record<string, unknown> {
  const tn = s.topologyName ?? "grove-topology";
  // A child constraint names the binding itself only when no PCS constraint exists to inherit from.
  const childTn = s.topology ? undefined : tn;
  return {
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: s.name, labels: { "grove-ts.io/suite": "tas" } },
    spec: {
      replicas: s.replicas ?? 1,
      template: {
        ...constraint(s.topology, tn),
        cliques: s.cliques.map((c) => ({
          name: c.name,
          ...constraint(c.topology, childTn),
          spec: {
            roleName: c.name,
            replicas: c.replicas,
            minAvailable: c.minAvailable ?? c.replicas,
            podSpec: {
              schedulerName: "grove-scheduler",
              terminationGracePeriodSeconds: 5,
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      { matchExpressions: [{ key: AGENT_LABEL, operator: "In", values: ["agent"] }] },
                    ],
                  },
                },
              },
              tolerations: [{ key: AGENT_LABEL, operator: "Equal", value: "agent", effect: "NoSchedule" }],
              containers: [
                {
                  name: c.name,
                  image: "busybox:1.36",
                  command: ["sleep", "infinity"],
                  resources: { requests: { memory: c.memory ?? "10Mi" } },
                },
              ],
            },
          },
        })),
        ...(s.groups
          ? {
              podCliqueScalingGroups: s.groups.map((g) => ({
                name: g.name,
                replicas: g.replicas,
                minAvailable: g.minAvailable ?? g.replicas,
                cliqueNames: g.cliques,
                ...constraint(g.topology, childTn),
              })),
            }
          : {}),
      },
    },
  };
}

export const toYaml = (s: Shape): string => stringify(manifest(s));

/** Our counterparts of Grove's tas fixtures, keyed by scenario. */
export const SHAPES = {
  TAS2: {
    name: "ts-indep-clq",
    cliques: [
      { name: "worker-rack", replicas: 3, memory: "20Mi", topology: { required: "rack" } },
      { name: "worker-block", replicas: 4, memory: "20Mi", topology: { required: "block" } },
    ],
  },
  TAS3: {
    name: "ts-sl-pcs-only",
    topology: { required: "rack" },
    cliques: [
      { name: "worker", replicas: 1 },
      { name: "router", replicas: 2 },
    ],
    groups: [{ name: "workers", replicas: 2, cliques: ["worker"] }],
  },
  TAS4: {
    name: "ts-sl-pcsg-only",
    cliques: [
      { name: "worker", replicas: 1 },
      { name: "router", replicas: 2 },
    ],
    groups: [{ name: "workers", replicas: 2, cliques: ["worker"], topology: { required: "rack" } }],
  },
  TAS5: {
    name: "ts-host-level",
    cliques: [{ name: "worker", replicas: 2, memory: "40Mi", topology: { required: "host" } }],
  },
  TAS6: {
    name: "ts-standalone-pclq",
    topology: { required: "zone" },
    cliques: [{ name: "worker", replicas: 4, memory: "40Mi" }],
  },
  TAS7: {
    name: "ts-no-constraint",
    cliques: [{ name: "worker", replicas: 2 }],
    groups: [{ name: "workers", replicas: 2, cliques: ["worker"] }],
  },
  TAS8: {
    name: "ts-hierarchy",
    topology: { required: "block" },
    cliques: [
      { name: "prefill", replicas: 2, memory: "40Mi", topology: { required: "host" } },
      { name: "decode", replicas: 2, memory: "40Mi", topology: { required: "host" } },
    ],
    groups: [
      {
        name: "inference-group",
        replicas: 2,
        cliques: ["prefill", "decode"],
        topology: { required: "rack" },
      },
    ],
  },
  TAS9: {
    name: "ts-pcs-pclq",
    topology: { required: "block" },
    cliques: [{ name: "worker", replicas: 2, memory: "40Mi", topology: { required: "host" } }],
  },
  TAS10: {
    name: "ts-pcsg-scale",
    topology: { required: "block" },
    cliques: [{ name: "worker", replicas: 2, memory: "40Mi" }],
    groups: [
      {
        name: "inference-group",
        replicas: 3,
        minAvailable: 1,
        cliques: ["worker"],
        topology: { required: "rack" },
      },
    ],
  },
  TAS11: {
    name: "ts-pcsg-pclq",
    cliques: [{ name: "worker", replicas: 2, memory: "40Mi", topology: { required: "host" } }],
    groups: [{ name: "workers", replicas: 2, cliques: ["worker"], topology: { required: "rack" } }],
  },
  TAS12: {
    name: "ts-large-scale",
    topology: { required: "block" },
    cliques: [{ name: "worker", replicas: 2, memory: "40Mi", topology: { required: "host" } }],
    groups: [{ name: "workers", replicas: 10, minAvailable: 3, cliques: ["worker"] }],
  },
  TAS13: {
    name: "ts-insuffic",
    topology: { required: "rack" },
    cliques: [{ name: "worker", replicas: 10, memory: "500Mi" }],
  },
  TAS14: {
    name: "ts-multirep",
    replicas: 2,
    topology: { required: "rack" },
    cliques: [{ name: "worker", replicas: 2, memory: "20Mi" }],
  },
  TAS15: {
    name: "ts-multi-pcsg",
    topology: { required: "block" },
    cliques: [
      { name: "dworker", replicas: 1 },
      { name: "dleader", replicas: 1 },
      { name: "pworker", replicas: 1 },
      { name: "pleader", replicas: 1 },
      { name: "router", replicas: 2 },
    ],
    groups: [
      {
        name: "decoder",
        replicas: 2,
        minAvailable: 1,
        cliques: ["dworker", "dleader"],
        topology: { required: "rack" },
      },
      {
        name: "prefill",
        replicas: 2,
        minAvailable: 1,
        cliques: ["pworker", "pleader"],
        topology: { required: "rack" },
      },
    ],
  },
  TAS16: {
    name: "ts-multi-pcsg-mr",
    replicas: 2,
    topology: { required: "block" },
    cliques: [
      { name: "dworker", replicas: 1, memory: "40Mi" },
      { name: "dleader", replicas: 1, memory: "40Mi" },
      { name: "pworker", replicas: 1, memory: "40Mi", topology: { required: "host" } },
      { name: "pleader", replicas: 1, memory: "40Mi" },
      { name: "router", replicas: 2, memory: "40Mi" },
    ],
    groups: [
      {
        name: "decoder",
        replicas: 2,
        minAvailable: 1,
        cliques: ["dworker", "dleader"],
        topology: { required: "rack" },
      },
      {
        name: "prefill",
        replicas: 2,
        minAvailable: 1,
        cliques: ["pworker", "pleader"],
        topology: { required: "rack" },
      },
    ],
  },
  TAS23: {
    name: "ts-preferred-pack",
    topology: { required: "block", preferred: "rack" },
    cliques: [
      { name: "worker", replicas: 1 },
      { name: "router", replicas: 1, topology: { preferred: "host" } },
    ],
    groups: [
      { name: "workers", replicas: 2, minAvailable: 1, cliques: ["worker"], topology: { preferred: "host" } },
    ],
  },
  TAS20: {
    name: "ts-topology-condition",
    replicas: 0,
    topologyName: "tas20-topology",
    topology: { required: "rack" },
    cliques: [{ name: "worker", replicas: 2 }],
  },
  H100: {
    name: "ts-h100",
    topologyName: "h100-topology",
    topology: { required: "block" },
    cliques: [{ name: "worker", replicas: 2 }],
  },
  GB200: {
    name: "ts-gb200",
    topologyName: "gb200-topology",
    topology: { required: "block" },
    cliques: [{ name: "worker", replicas: 2 }],
  },
} satisfies Record<string, Shape>;
