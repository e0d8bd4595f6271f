// REST coordinates of the five kinds, shaped like @grove-ts/runtime's ResourceType (api cannot import
// runtime: runtime depends on api).
import {
  GROVE_API_VERSION,
  KIND_CLUSTER_TOPOLOGY_BINDING,
  KIND_POD_CLIQUE,
  KIND_POD_CLIQUE_SCALING_GROUP,
  KIND_POD_CLIQUE_SET,
  KIND_POD_GANG,
  SCHEDULER_API_VERSION,
} from "./constants.js";

export interface GroveResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const PodCliqueSetType = {
  apiVersion: GROVE_API_VERSION,
  kind: KIND_POD_CLIQUE_SET,
  plural: "podcliquesets",
  namespaced: true,
} as const satisfies GroveResourceType;

export const PodCliqueType = {
  apiVersion: GROVE_API_VERSION,
  kind: KIND_POD_CLIQUE,
  plural: "podcliques",
  namespaced: true,
} as const satisfies GroveResourceType;

export const PodCliqueScalingGroupType = {
  apiVersion: GROVE_API_VERSION,
  kind: KIND_POD_CLIQUE_SCALING_GROUP,
  plural: "podcliquescalinggroups",
  namespaced: true,
} as const satisfies GroveResourceType;

export const ClusterTopologyBindingType = {
  apiVersion: GROVE_API_VERSION,
  kind: KIND_CLUSTER_TOPOLOGY_BINDING,
  plural: "clustertopologybindings",
  namespaced: false,
} as const satisfies GroveResourceType;

export const PodGangType = {
  apiVersion: SCHEDULER_API_VERSION,
  kind: KIND_POD_GANG,
  plural: "podgangs",
  namespaced: true,
} as const satisfies GroveResourceType;

/** KAI's Queue (scheduling.run.ai/v2, cluster-scoped): served once kaiQueueCrd() is installed. */
export const KaiQueueType = {
  apiVersion: "scheduling.run.ai/v2",
  kind: "Queue",
  plural: "queues",
  namespaced: false,
} as const satisfies GroveResourceType;

/** The queues grove-sim creates: KAI's defaults and the one Grove's e2e workloads name. */
export const DEFAULT_KAI_QUEUES = ["default", "default-queue", "test"] as const;

export const GROVE_RESOURCE_TYPES = [
  PodCliqueSetType,
  PodCliqueType,
  PodCliqueScalingGroupType,
  ClusterTopologyBindingType,
  PodGangType,
] as const;
