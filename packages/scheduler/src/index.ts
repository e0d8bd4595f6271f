// @grove-ts/scheduler: the gang scheduler (pending PodGangs -> placement -> bindings).

export {
  ConditionDisruptionTarget,
  EventReasonPreempted,
  type Eviction,
  Evictor,
  type EvictorOptions,
  ReasonPreemptionByScheduler,
} from "./evictor.js";
export { constraintKeys, toPlacementGang, type WorkGang, type WorkGroup } from "./gangs.js";
export {
  type CycleStats,
  type GangSchedulerMetrics,
  PENDING_REASONS,
  type PendingReason,
  type ScheduleResult,
} from "./metrics.js";
export { PLACEMENT_POLICIES, type PlacementPolicy, type PolicyOptions } from "./policies.js";
export { spreadKey } from "./replica-spread.js";
export { podRequests, type Requests } from "./requests.js";
export { createGangScheduler, type GangScheduler, type GangSchedulerOptions } from "./scheduler.js";
export { Snapshot } from "./snapshot.js";
export {
  DEFAULT_SCHEDULER_NAME,
  EventReasonFailedScheduling,
  EventReasonScheduled,
  ReasonPreempting,
  ReasonScheduled,
  ReasonUnschedulable,
} from "./status-writer.js";
export { levelsFor } from "./topology.js";
export {
  DEFAULT_NON_PREEMPTIBLE_PRIORITY,
  priorityVictimPolicy,
  runningGangs,
  type VictimCandidate,
  type VictimPolicy,
} from "./victims.js";
