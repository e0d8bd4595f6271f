// TypeScript types of the Grove API, derived from the TypeBox schemas (one source for types, CRDs and
// structural checks). JSON names exactly as on the wire (grove-api.md §1.4).
import type { Static } from "@sinclair/typebox";
import type {
  ClusterTopologyBindingSpecSchema,
  ClusterTopologyBindingStatusSchema,
  ClusterTopologyBindingSchema as CTB,
  SchedulerTopologyBindingSchema,
  SchedulerTopologyStatusSchema,
  TopologyLevelSchema,
} from "./schema/clustertopologybinding.js";
import type {
  AutoScalingConfigSchema,
  LastErrorSchema,
  PCSGResourceSharingSpecSchema,
  PCSResourceSharingSpecSchema,
  PodCliqueSpecSchema,
  ResourceSharingSpecSchema,
  TopologyConstraintSchema,
  TopologyPackConstraintSchema,
} from "./schema/common.js";
import type { ConditionSchema } from "./schema/kube.js";
import type {
  PodCliqueSchema,
  PodCliqueStatusSchema,
  PodCliqueUpdateProgressSchema,
} from "./schema/podclique.js";
import type {
  HeadlessServiceConfigSchema,
  PodCliqueScalingGroupConfigSchema,
  PodCliqueSetPodGangStatusSchema,
  PodCliqueSetSchema,
  PodCliqueSetSpecSchema,
  PodCliqueSetStatusSchema,
  PodCliqueSetTemplateSpecSchema,
  PodCliqueSetUpdateProgressSchema,
  PodCliqueTemplateSpecSchema,
  ResourceClaimTemplateConfigSchema,
  UpdateStrategySchema,
} from "./schema/podcliqueset.js";
import type {
  NamespacedNameSchema,
  PodGangSchema,
  PodGangSpecSchema,
  PodGangStatusSchema,
  PodGangTopologyConstraintSchema,
  PodGroupSchema,
  TopologyConstraintGroupConfigSchema,
} from "./schema/podgang.js";
import type {
  PodCliqueScalingGroupSchema,
  PodCliqueScalingGroupSpecSchema,
  PodCliqueScalingGroupStatusSchema,
  PodCliqueScalingGroupUpdateProgressSchema,
} from "./schema/scalinggroup.js";

export type { MetricSpec, ObjectMeta, PodSpec, ResourceClaimTemplateSpecV1 } from "./schema/kube.js";

export type Condition = Static<typeof ConditionSchema>;
export type LastError = Static<typeof LastErrorSchema>;

// grove.io shared pieces
export type TopologyConstraint = Static<typeof TopologyConstraintSchema>;
export type TopologyPackConstraint = Static<typeof TopologyPackConstraintSchema>;
export type AutoScalingConfig = Static<typeof AutoScalingConfigSchema>;
export type ResourceSharingSpec = Static<typeof ResourceSharingSpecSchema>;
export type PCSResourceSharingSpec = Static<typeof PCSResourceSharingSpecSchema>;
export type PCSGResourceSharingSpec = Static<typeof PCSGResourceSharingSpecSchema>;

// PodCliqueSet
export type PodCliqueSet = Static<typeof PodCliqueSetSchema>;
export type PodCliqueSetSpec = Static<typeof PodCliqueSetSpecSchema>;
export type PodCliqueSetTemplateSpec = Static<typeof PodCliqueSetTemplateSpecSchema>;
export type PodCliqueTemplateSpec = Static<typeof PodCliqueTemplateSpecSchema>;
export type PodCliqueScalingGroupConfig = Static<typeof PodCliqueScalingGroupConfigSchema>;
export type HeadlessServiceConfig = Static<typeof HeadlessServiceConfigSchema>;
export type UpdateStrategy = Static<typeof UpdateStrategySchema>;
export type ResourceClaimTemplateConfig = Static<typeof ResourceClaimTemplateConfigSchema>;
export type PodCliqueSetStatus = Static<typeof PodCliqueSetStatusSchema>;
export type PodCliqueSetUpdateProgress = Static<typeof PodCliqueSetUpdateProgressSchema>;
export type PodCliqueSetPodGangStatus = Static<typeof PodCliqueSetPodGangStatusSchema>;

// PodClique
export type PodClique = Static<typeof PodCliqueSchema>;
export type PodCliqueSpec = Static<typeof PodCliqueSpecSchema>;
export type PodCliqueStatus = Static<typeof PodCliqueStatusSchema>;
export type PodCliqueUpdateProgress = Static<typeof PodCliqueUpdateProgressSchema>;

// PodCliqueScalingGroup
export type PodCliqueScalingGroup = Static<typeof PodCliqueScalingGroupSchema>;
export type PodCliqueScalingGroupSpec = Static<typeof PodCliqueScalingGroupSpecSchema>;
export type PodCliqueScalingGroupStatus = Static<typeof PodCliqueScalingGroupStatusSchema>;
export type PodCliqueScalingGroupUpdateProgress = Static<typeof PodCliqueScalingGroupUpdateProgressSchema>;

// ClusterTopologyBinding
export type ClusterTopologyBinding = Static<typeof CTB>;
export type ClusterTopologyBindingSpec = Static<typeof ClusterTopologyBindingSpecSchema>;
export type ClusterTopologyBindingStatus = Static<typeof ClusterTopologyBindingStatusSchema>;
export type TopologyLevel = Static<typeof TopologyLevelSchema>;
export type SchedulerTopologyBinding = Static<typeof SchedulerTopologyBindingSchema>;
export type SchedulerTopologyStatus = Static<typeof SchedulerTopologyStatusSchema>;

// PodGang (scheduler.grove.io)
export type PodGang = Static<typeof PodGangSchema>;
export type PodGangSpec = Static<typeof PodGangSpecSchema>;
export type PodGroup = Static<typeof PodGroupSchema>;
export type PodGangTopologyConstraint = Static<typeof PodGangTopologyConstraintSchema>;
export type TopologyConstraintGroupConfig = Static<typeof TopologyConstraintGroupConfigSchema>;
export type PodGangStatus = Static<typeof PodGangStatusSchema>;
export type NamespacedName = Static<typeof NamespacedNameSchema>;

/** Any of the five Grove kinds. */
export type GroveObject = PodCliqueSet | PodClique | PodCliqueScalingGroup | ClusterTopologyBinding | PodGang;
