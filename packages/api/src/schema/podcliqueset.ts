// PodCliqueSet (grove.io/v1alpha1), grove-api.md §2.
import { Type } from "@sinclair/typebox";
import { POD_GANG_STATUS_PHASES, UPDATE_STRATEGY_TYPES } from "../constants.js";
import {
  Bool,
  type CelRule,
  DateTime,
  Int32,
  Int64,
  ListMap,
  Str,
  StringEnum,
  StringList,
  StringMap,
} from "./builders.js";
import {
  AutoScalingConfigSchema,
  CliqueStartupTypeSchema,
  LastErrorSchema,
  PCSGResourceSharingSpecSchema,
  PCSResourceSharingSpecSchema,
  PodCliqueSpecSchema,
  ResourceSharingSpecSchema,
  TopologyConstraintSchema,
} from "./common.js";
import { ConditionSchema, ResourceClaimTemplateSpecSchema, typeMeta } from "./kube.js";

export const PodCliqueTemplateSpecSchema = Type.Object(
  {
    name: Str({
      description: "Name of the clique, unique in the PodCliqueSet; part of every generated name.",
    }),
    labels: Type.Optional(StringMap({ description: "Labels copied onto the PodClique and its pods." })),
    annotations: Type.Optional(
      StringMap({ description: "Annotations copied onto the PodClique and its pods." }),
    ),
    topologyConstraint: Type.Optional(TopologyConstraintSchema),
    resourceSharing: Type.Optional(
      Type.Array(ResourceSharingSpecSchema, {
        description: "ResourceClaims shared by the pods of the PodClique.",
      }),
    ),
    spec: PodCliqueSpecSchema,
  },
  { description: "Template of one clique of the PodCliqueSet." },
);

export const PodCliqueScalingGroupConfigSchema = Type.Object(
  {
    name: Str({ description: "Name of the scaling group, unique in the PodCliqueSet." }),
    cliqueNames: StringList({
      description: "Names of the member cliques; a clique belongs to at most one scaling group. Immutable.",
    }),
    annotations: Type.Optional(
      StringMap({ description: "Annotations copied onto the PodCliqueScalingGroup." }),
    ),
    replicas: Type.Optional(
      Int32({
        description: "Initial number of replicas; only used when the PodCliqueScalingGroup is created.",
        default: 1,
      }),
    ),
    minAvailable: Type.Optional(
      Int32({
        description:
          "Replicas placed in the base PodGang and the gang-termination threshold; 1 <= minAvailable <= replicas. Immutable.",
        default: 1,
      }),
    ),
    scaleConfig: Type.Optional(
      Type.Object(AutoScalingConfigSchema.properties, {
        description: "Creates an HPA targeting the PodCliqueScalingGroup.",
      }),
    ),
    resourceSharing: Type.Optional(
      Type.Array(PCSGResourceSharingSpecSchema, {
        description: "ResourceClaims shared at scaling-group level.",
      }),
    ),
    topologyConstraint: Type.Optional(TopologyConstraintSchema),
  },
  { description: "A group of cliques that scale together." },
);

export const HeadlessServiceConfigSchema = Type.Object(
  {
    publishNotReadyAddresses: Bool({
      description: "Whether the headless Service publishes addresses of pods that are not ready.",
      default: true,
    }),
  },
  { description: "Settings of the headless Service created per PodCliqueSet replica." },
);

export const ResourceClaimTemplateConfigSchema = Type.Object(
  {
    name: Str({ description: "Name that resourceSharing entries refer to." }),
    templateSpec: ResourceClaimTemplateSpecSchema(
      "resource.k8s.io/v1 ResourceClaimTemplateSpec of the claims.",
    ),
  },
  { description: "A named DRA claim template declared on the PodCliqueSet." },
);

export const PodCliqueSetTemplateSpecSchema = Type.Object(
  {
    cliques: ListMap(PodCliqueTemplateSpecSchema, ["name"], {
      description: "Cliques of every replica; order matters for CliqueStartupTypeInOrder.",
    }),
    cliqueStartupType: Type.Optional(CliqueStartupTypeSchema),
    priorityClassName: Type.Optional(
      Str({
        description: "Priority class of the PodGangs; part of the generation hash. Not applied to pods.",
      }),
    ),
    headlessServiceConfig: Type.Optional(HeadlessServiceConfigSchema),
    topologyConstraint: Type.Optional(TopologyConstraintSchema),
    terminationDelay: Type.Optional(
      Str({
        description:
          "How long a MinAvailable breach may last before the gang is terminated (duration, e.g. 4h). Defaults to 4h.",
      }),
    ),
    resourceClaimTemplates: Type.Optional(
      Type.Array(ResourceClaimTemplateConfigSchema, {
        description: "DRA claim templates usable by resourceSharing entries. Immutable.",
      }),
    ),
    resourceSharing: Type.Optional(
      Type.Array(PCSResourceSharingSpecSchema, {
        description: "ResourceClaims shared at PodCliqueSet level. Immutable.",
      }),
    ),
    podCliqueScalingGroups: Type.Optional(
      Type.Array(PodCliqueScalingGroupConfigSchema, { description: "Groups of cliques scaled together." }),
    ),
  },
  { description: "Template of every PodCliqueSet replica." },
);

export const UpdateStrategySchema = Type.Object(
  {
    type: Type.Optional(
      StringEnum(UPDATE_STRATEGY_TYPES, {
        description: "RollingRecreate replaces pods automatically one at a time; OnDelete only on deletion.",
        default: "RollingRecreate",
      }),
    ),
  },
  { description: "How pods are replaced when the pod templates change; absent means RollingRecreate." },
);

export const PodCliqueSetSpecSchema = Type.Object(
  {
    replicas: Type.Optional(
      Int32({ description: "Number of replicas of the whole system; 0 is allowed.", default: 0 }),
    ),
    updateStrategy: Type.Optional(UpdateStrategySchema),
    template: PodCliqueSetTemplateSpecSchema,
  },
  { description: "Desired state of the PodCliqueSet." },
);

export const PodCliqueSetPodGangStatusSchema = Type.Object(
  {
    name: Str({ description: "Name of the PodGang." }),
    phase: StringEnum(POD_GANG_STATUS_PHASES, { description: "Phase of the PodGang." }),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: "Conditions of the PodGang." })),
  },
  { description: "Status of one PodGang (declared, not populated by the operator)." },
);

export const PodCliqueSetRollingUpdateReplicaSchema = Type.Object(
  {
    replicaIndex: Int32({ description: "Index of the PodCliqueSet replica being updated." }),
    updateStartedAt: Type.Optional(DateTime({ description: "When the update of the replica started." })),
    updateEndedAt: Type.Optional(DateTime({ description: "When the update of the replica ended." })),
  },
  { description: "Progress of one PodCliqueSet replica under update." },
);

export const PodCliqueSetUpdateProgressSchema = Type.Object(
  {
    updateStartedAt: Type.Optional(DateTime({ description: "When the current update started." })),
    updateEndedAt: Type.Optional(DateTime({ description: "When the current update ended." })),
    updatedPodCliquesCount: Type.Optional(
      Int32({ description: "Standalone PodCliques updated, over all replicas.", default: 0 }),
    ),
    totalPodCliquesCount: Type.Optional(
      Int32({ description: "Standalone PodCliques, over all replicas.", default: 0 }),
    ),
    updatedPodCliqueScalingGroupsCount: Type.Optional(
      Int32({ description: "PodCliqueScalingGroups updated, over all replicas.", default: 0 }),
    ),
    totalPodCliqueScalingGroupsCount: Type.Optional(
      Int32({ description: "PodCliqueScalingGroups, over all replicas.", default: 0 }),
    ),
    currentlyUpdating: Type.Optional(
      Type.Array(PodCliqueSetRollingUpdateReplicaSchema, { description: "Replicas being updated now." }),
    ),
  },
  { description: "Progress of the current update." },
);

export const PodCliqueSetStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Int64({ description: "Generation of the last successful reconcile." })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, { description: "Conditions of the PodCliqueSet." }),
    ),
    lastErrors: Type.Optional(Type.Array(LastErrorSchema, { description: "Errors of the last reconcile." })),
    replicas: Type.Optional(Int32({ description: "Mirror of spec.replicas (scale subresource)." })),
    updatedReplicas: Int32({
      description: "Available replicas converged to the current generation.",
      default: 0,
    }),
    availableReplicas: Int32({ description: "Replicas whose every constituent is available.", default: 0 }),
    hpaPodSelector: Type.Optional(Str({ description: "Label selector of the pods (scale subresource)." })),
    podGangStatuses: Type.Optional(
      Type.Array(PodCliqueSetPodGangStatusSchema, { description: "Status of the PodGangs." }),
    ),
    currentGenerationHash: Type.Optional(
      Str({ description: "Hash over all clique pod templates and the priority class name." }),
    ),
    updateProgress: Type.Optional(PodCliqueSetUpdateProgressSchema),
  },
  { description: "Observed state of the PodCliqueSet." },
);

const packDomainOnCreate = "packDomain is deprecated and cannot be used on new workloads; use pack.required";

/** §2.9: the root transition rules rejecting the deprecated packDomain on create. */
export const podCliqueSetRootRules: CelRule[] = [
  {
    rule: "oldSelf.hasValue() || !has(self.spec.template.topologyConstraint) || !has(self.spec.template.topologyConstraint.packDomain)",
    message: packDomainOnCreate,
    reason: "FieldValueForbidden",
    fieldPath: ".spec.template.topologyConstraint.packDomain",
    optionalOldSelf: true,
  },
  {
    rule: "oldSelf.hasValue() || !has(self.spec.template.cliques) || self.spec.template.cliques.all(c, !has(c.topologyConstraint) || !has(c.topologyConstraint.packDomain))",
    message: packDomainOnCreate,
    reason: "FieldValueForbidden",
    fieldPath: ".spec.template.cliques",
    optionalOldSelf: true,
  },
  {
    rule: "oldSelf.hasValue() || !has(self.spec.template.podCliqueScalingGroups) || self.spec.template.podCliqueScalingGroups.all(g, !has(g.topologyConstraint) || !has(g.topologyConstraint.packDomain))",
    message: packDomainOnCreate,
    reason: "FieldValueForbidden",
    fieldPath: ".spec.template.podCliqueScalingGroups",
    optionalOldSelf: true,
  },
];

export const PodCliqueSetSchema = Type.Object(
  {
    ...typeMeta(),
    spec: PodCliqueSetSpecSchema,
    status: Type.Optional(PodCliqueSetStatusSchema),
  },
  {
    description:
      "PodCliqueSet is the top-level Grove workload: a set of cliques (groups of identical pods) and scaling groups, replicated as a whole and gang-scheduled through PodGangs.",
    "x-kubernetes-validations": podCliqueSetRootRules,
  },
);
