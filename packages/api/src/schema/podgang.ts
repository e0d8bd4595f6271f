// PodGang (scheduler.grove.io/v1alpha1), grove-api.md §6.
import { Type } from "@sinclair/typebox";
import type { PodGangPhase } from "../constants.js";
import { Int32, Str, StringList } from "./builders.js";
import { ConditionSchema, typeMeta } from "./kube.js";

export const TopologyPackConstraintKeysSchema = Type.Object(
  {
    required: Type.Optional(Str({ description: "Node label key of the domain all pods must share." })),
    preferred: Type.Optional(Str({ description: "Node label key of the domain pods should share." })),
  },
  { description: "Packing constraint expressed as node label keys." },
);

export const PodGangTopologyConstraintSchema = Type.Object(
  { packConstraint: Type.Optional(TopologyPackConstraintKeysSchema) },
  { description: "Topology constraint translated to node label keys." },
);

export const NamespacedNameSchema = Type.Object(
  {
    namespace: Str({ description: "Namespace of the object." }),
    name: Str({ description: "Name of the object." }),
  },
  { description: "Reference to a namespaced object." },
);

export const PodGroupSchema = Type.Object(
  {
    name: Str({ description: "Name of the PodGroup (= the PodClique name)." }),
    podReferences: Type.Array(NamespacedNameSchema, {
      description: "Pods that belong to the group, sorted by name.",
    }),
    minReplicas: Int32({ description: "Pods that must be scheduled together (gang minimum)." }),
    topologyConstraint: Type.Optional(PodGangTopologyConstraintSchema),
  },
  { description: "The pods of one PodClique inside a PodGang." },
);

export const TopologyConstraintGroupConfigSchema = Type.Object(
  {
    name: Str({ description: "Name of the group (<pcsg>-<replica>)." }),
    podGroupNames: StringList({ description: "PodGroups packed together." }),
    topologyConstraint: Type.Optional(PodGangTopologyConstraintSchema),
  },
  { description: "A topology constraint over several PodGroups (one scaling-group replica)." },
);

export const PodGangSpecSchema = Type.Object(
  {
    podgroups: Type.Array(PodGroupSchema, { description: "One PodGroup per constituent PodClique." }),
    topologyConstraint: Type.Optional(PodGangTopologyConstraintSchema),
    topologyConstraintGroupConfigs: Type.Optional(
      Type.Array(TopologyConstraintGroupConfigSchema, {
        description: "Constraints over groups of PodGroups.",
      }),
    ),
    priorityClassName: Type.Optional(Str({ description: "Priority class of the gang." })),
    reuseReservationRef: Type.Optional(
      Type.Object(NamespacedNameSchema.properties, {
        description: "PodGang whose reservation the scheduler may reuse (hint for updates).",
      }),
    ),
  },
  { description: "Desired state of the PodGang." },
);

export const PodGangStatusSchema = Type.Object(
  {
    phase: Type.Unsafe<PodGangPhase>({ type: "string", description: "Pending, Starting or Running." }),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: "Conditions of the PodGang." })),
    placementScore: Type.Optional(
      Type.Number({ description: "Network optimality of the placement, 1.0 is best." }),
    ),
  },
  { description: "Observed state of the PodGang." },
);

export const PodGangSchema = Type.Object(
  {
    ...typeMeta(),
    spec: PodGangSpecSchema,
    status: Type.Optional(PodGangStatusSchema),
  },
  { description: "PodGang is the unit of gang scheduling: groups of pods that must be scheduled together." },
);
