// PodClique (grove.io/v1alpha1), grove-api.md §3.
import { Type } from "@sinclair/typebox";
import { DateTime, Int32, Int64, Str, StringList } from "./builders.js";
import { LastErrorSchema, PodCliqueSpecSchema } from "./common.js";
import { ConditionSchema, typeMeta } from "./kube.js";

export const PodCliqueUpdateProgressSchema = Type.Object(
  {
    updateStartedAt: Type.Optional(DateTime({ description: "When the update started." })),
    updateEndedAt: Type.Optional(DateTime({ description: "When the update ended." })),
    podCliqueSetGenerationHash: Str({ description: "PodCliqueSet generation hash being rolled out." }),
    podTemplateHash: Str({ description: "Pod template hash being rolled out." }),
    readyPodsSelectedToUpdate: Type.Optional(
      Type.Object(
        {
          current: Str({ description: "Pod being replaced now." }),
          completed: Type.Optional(StringList({ description: "Pods already replaced." })),
        },
        { description: "Ready pods chosen for replacement (RollingRecreate only)." },
      ),
    ),
  },
  { description: "Progress of the current update of the PodClique." },
);

export const PodCliqueStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Int64({ description: "Generation of the last successful reconcile." })),
    lastErrors: Type.Optional(Type.Array(LastErrorSchema, { description: "Errors of the last reconcile." })),
    replicas: Type.Optional(Int32({ description: "Pods owned by the PodClique that are not terminating." })),
    readyReplicas: Int32({ description: "Pods that are Ready.", default: 0 }),
    updatedReplicas: Int32({ description: "Pods running the expected pod template hash.", default: 0 }),
    scheduleGatedReplicas: Int32({ description: "Pods still held by a scheduling gate.", default: 0 }),
    scheduledReplicas: Int32({ description: "Pods bound to a node.", default: 0 }),
    hpaPodSelector: Type.Optional(
      Str({ description: "Label selector of the pods (scale subresource); only for standalone PodCliques." }),
    ),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: "Conditions of the PodClique." })),
    currentPodCliqueSetGenerationHash: Type.Optional(
      Str({ description: "PodCliqueSet generation hash fully realised in this PodClique." }),
    ),
    currentPodTemplateHash: Type.Optional(Str({ description: "Pod template hash fully realised." })),
    updateProgress: Type.Optional(PodCliqueUpdateProgressSchema),
  },
  { description: "Observed state of the PodClique." },
);

export const PodCliqueSchema = Type.Object(
  {
    ...typeMeta(),
    spec: PodCliqueSpecSchema,
    status: Type.Optional(PodCliqueStatusSchema),
  },
  {
    description: "PodClique is a group of identical pods with gang semantics, generated from a PodCliqueSet.",
  },
);
