// ClusterTopologyBinding (grove.io/v1alpha1, cluster-scoped), grove-api.md §5.
import { Type } from "@sinclair/typebox";
import { TOPOLOGY_KEY_MAX_LENGTH, TOPOLOGY_KEY_PATTERN } from "../constants.js";
import { Bool, Int64, Str } from "./builders.js";
import { TopologyDomainSchema } from "./common.js";
import { ConditionSchema, typeMeta } from "./kube.js";

export const TopologyLevelSchema = Type.Object(
  {
    domain: TopologyDomainSchema("Name of the topology domain, e.g. zone, rack, host."),
    key: Str({
      description: "Node label key whose value identifies the domain, e.g. topology.kubernetes.io/zone.",
      minLength: 1,
      maxLength: TOPOLOGY_KEY_MAX_LENGTH,
      pattern: TOPOLOGY_KEY_PATTERN,
    }),
  },
  { description: "One level of the topology hierarchy." },
);

export const SchedulerTopologyBindingSchema = Type.Object(
  {
    schedulerName: Str({ description: "Scheduler backend name, e.g. kai-scheduler." }),
    topologyReference: Str({ description: "Name of the backend's externally managed topology object." }),
  },
  { description: "Binds the topology to an existing scheduler-backend topology object." },
);

export const ClusterTopologyBindingSpecSchema = Type.Object(
  {
    levels: Type.Array(TopologyLevelSchema, {
      description: "Topology levels ordered from broadest to narrowest.",
      minItems: 1,
    }),
    schedulerTopologyBindings: Type.Optional(
      Type.Array(SchedulerTopologyBindingSchema, {
        description:
          "Externally managed backend topologies; backends without an entry get a Grove-managed one.",
      }),
    ),
  },
  { description: "Desired state of the ClusterTopologyBinding." },
);

export const SchedulerTopologyStatusSchema = Type.Object(
  {
    schedulerName: Str({ description: "Scheduler backend name." }),
    topologyReference: Str({ description: "Name of the backend topology object." }),
    inSync: Bool({ description: "Whether the backend topology matches the levels." }),
    schedulerBackendTopologyObservedGeneration: Type.Optional(
      Int64({ description: "Generation of the backend topology object that was compared." }),
    ),
    message: Type.Optional(Str({ description: "Details about drift or errors." })),
  },
  { description: "Sync state of one scheduler-backend topology." },
);

export const ClusterTopologyBindingStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Int64({ description: "Generation of the last successful reconcile." })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, { description: "Conditions of the ClusterTopologyBinding." }),
    ),
    schedulerTopologyStatuses: Type.Optional(
      Type.Array(SchedulerTopologyStatusSchema, { description: "Per-backend topology sync state." }),
    ),
  },
  { description: "Observed state of the ClusterTopologyBinding." },
);

export const ClusterTopologyBindingSchema = Type.Object(
  {
    ...typeMeta(),
    spec: ClusterTopologyBindingSpecSchema,
    status: Type.Optional(ClusterTopologyBindingStatusSchema),
  },
  {
    description:
      "ClusterTopologyBinding maps topology domain names to node label keys, broadest first; workloads refer to it by name in topologyConstraint.",
  },
);
