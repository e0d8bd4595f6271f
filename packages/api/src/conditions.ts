// Condition types and reasons (grove-api.md §7).

export const ConditionMinAvailableBreached = "MinAvailableBreached";
export const ConditionPodCliqueScheduled = "PodCliqueScheduled";
export const ConditionGangTerminationInProgress = "GangTerminationInProgress";
export const ConditionTopologyLevelsUnavailable = "TopologyLevelsUnavailable";
export const ConditionSchedulerTopologyDrift = "SchedulerTopologyDrift";
/** PodGang condition types; the operator manages only Initialized. */
export const PodGangConditionScheduled = "Scheduled";
export const PodGangConditionReady = "Ready";
export const PodGangConditionInitialized = "Initialized";
export const PodGangConditionUnhealthy = "Unhealthy";
export const PodGangConditionDisruptionTarget = "DisruptionTarget";

export type ConditionStatus = "True" | "False" | "Unknown";

// MinAvailableBreached (PodClique and PodCliqueScalingGroup)
export const ReasonUpdateInProgress = "UpdateInProgress";
export const ReasonScheduledReplicasBelowMinAvailable = "ScheduledReplicasBelowMinAvailable";
export const ReasonInsufficientReadyPods = "InsufficientReadyPods";
export const ReasonSufficientReadyPods = "SufficientReadyPods";
export const ReasonInsufficientAvailablePCSGReplicas = "InsufficientAvailablePodCliqueScalingGroupReplicas";
export const ReasonSufficientAvailablePCSGReplicas = "SufficientAvailablePodCliqueScalingGroupReplicas";
// PodCliqueScheduled
export const ReasonSufficientScheduledPods = "SufficientScheduledPods";
export const ReasonInsufficientScheduledPods = "InsufficientScheduledPods";
// GangTerminationInProgress
export const ReasonGangTerminationActive = "GangTerminationActive";
// TopologyLevelsUnavailable (PodCliqueSet)
export const ReasonAllClusterTopologyLevelsAvailable = "AllClusterTopologyLevelsAvailable";
export const ReasonClusterTopologyLevelsUnavailable = "ClusterTopologyLevelsUnavailable";
export const ReasonClusterTopologyNotFound = "ClusterTopologyNotFound";
export const ReasonTopologyNameMissing = "TopologyNameMissing";
export const ReasonTopologyAwareSchedulingDisabled = "TopologyAwareSchedulingDisabled";
// Initialized (PodGang)
export const ReasonPodGangPodsCreationPending = "PodGangPodsCreationPending";
export const ReasonPodGangPodsCreated = "PodGangPodsCreated";
export const MessagePodGangPodsCreationPending = "Not all constituent pods have been created yet";
export const MessagePodGangPodsCreated = "PodGang is fully initialized";
// SchedulerTopologyDrift (ClusterTopologyBinding)
export const ReasonInSync = "InSync";
export const ReasonDrift = "Drift";
export const ReasonTopologyNotFound = "TopologyNotFound";

/** Which status/reason pairs each condition type may carry, as the §7 table lists them. */
export const CONDITION_REASONS: Record<string, Partial<Record<ConditionStatus, readonly string[]>>> = {
  [ConditionMinAvailableBreached]: {
    Unknown: [ReasonUpdateInProgress],
    True: [
      ReasonScheduledReplicasBelowMinAvailable,
      ReasonInsufficientReadyPods,
      ReasonInsufficientAvailablePCSGReplicas,
    ],
    False: [ReasonSufficientReadyPods, ReasonSufficientAvailablePCSGReplicas],
  },
  [ConditionPodCliqueScheduled]: {
    True: [ReasonSufficientScheduledPods],
    False: [ReasonInsufficientScheduledPods],
  },
  [ConditionGangTerminationInProgress]: { True: [ReasonGangTerminationActive] },
  [ConditionTopologyLevelsUnavailable]: {
    False: [ReasonAllClusterTopologyLevelsAvailable],
    True: [ReasonClusterTopologyLevelsUnavailable],
    Unknown: [
      ReasonClusterTopologyNotFound,
      ReasonTopologyNameMissing,
      ReasonTopologyAwareSchedulingDisabled,
    ],
  },
  [PodGangConditionInitialized]: {
    False: [ReasonPodGangPodsCreationPending],
    True: [ReasonPodGangPodsCreated],
  },
  [ConditionSchedulerTopologyDrift]: {
    False: [ReasonInSync],
    True: [ReasonDrift],
    Unknown: [ReasonTopologyNotFound],
  },
};
