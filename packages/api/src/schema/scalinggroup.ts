// PodCliqueScalingGroup (grove.io/v1alpha1), grove-api.md §4.
import { Type } from "@sinclair/typebox";
import { DateTime, Int32, Int64, Str, StringList } from "./builders.js";
import { LastErrorSchema } from "./common.js";
import { ConditionSchema, typeMeta } from "./kube.js";

export const PodCliqueScalingGroupSpecSchema = Type.Object(
  {
    replicas: Int32({
      description: "Number of replicas; each replica is one PodClique per member clique.",
      default: 1,
    }),
    minAvailable: Type.Optional(
      Int32({ description: "Replicas in the base PodGang and the gang-termination threshold.", default: 1 }),
    ),
    cliqueNames: StringList({ description: "Member clique template names." }),
  },
  { description: "Desired state of the PodCliqueScalingGroup." },
);

export const PodCliqueScalingGroupUpdateProgressSchema = Type.Object(
  {
    updateStartedAt: DateTime({ description: "When the update started." }),
    updateEndedAt: Type.Optional(DateTime({ description: "When the update ended." })),
    podCliqueSetGenerationHash: Str({ description: "PodCliqueSet generation hash being rolled out." }),
    updatedPodCliquesCount: Type.Optional(Int32({ description: "Member PodCliques updated.", default: 0 })),
    totalPodCliquesCount: Type.Optional(
      Int32({ description: "Member PodCliques (replicas x cliqueNames).", default: 0 }),
    ),
    readyReplicaIndicesSelectedToUpdate: Type.Optional(
      Type.Object(
        {
          current: Int32({ description: "Replica index being replaced now." }),
          completed: Type.Optional(Type.Array(Int32(), { description: "Replica indices already replaced." })),
        },
        { description: "Ready replicas chosen for replacement." },
      ),
    ),
  },
  { description: "Progress of the current update of the PodCliqueScalingGroup." },
);

export const PodCliqueScalingGroupStatusSchema = Type.Object(
  {
    replicas: Type.Optional(Int32({ description: "Mirror of spec.replicas (scale subresource)." })),
    scheduledReplicas: Int32({
      description: "Replicas whose member PodCliques are all scheduled.",
      default: 0,
    }),
    availableReplicas: Int32({
      description: "Scheduled replicas whose member PodCliques are available.",
      default: 0,
    }),
    updatedReplicas: Int32({
      description: "Available replicas converged to the current generation.",
      default: 0,
    }),
    selector: Type.Optional(Str({ description: "Label selector of the pods (scale subresource)." })),
    observedGeneration: Type.Optional(Int64({ description: "Generation of the last successful reconcile." })),
    lastErrors: Type.Optional(Type.Array(LastErrorSchema, { description: "Errors of the last reconcile." })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, { description: "Conditions of the PodCliqueScalingGroup." }),
    ),
    currentPodCliqueSetGenerationHash: Type.Optional(
      Str({ description: "PodCliqueSet generation hash realised by all member PodCliques." }),
    ),
    updateProgress: Type.Optional(PodCliqueScalingGroupUpdateProgressSchema),
  },
  { description: "Observed state of the PodCliqueScalingGroup." },
);

export const PodCliqueScalingGroupSchema = Type.Object(
  {
    ...typeMeta(),
    spec: PodCliqueScalingGroupSpecSchema,
    status: Type.Optional(PodCliqueScalingGroupStatusSchema),
  },
  {
    description:
      "PodCliqueScalingGroup is a set of cliques scaled together as one unit, generated from a PodCliqueSet.",
  },
);
