// The gang scheduler's instrumentation hooks (kube-scheduler's schedule_attempts_total,
// pending_pods and friends, per gang). The scheduler calls them only when given; the operator maps
// them onto prom-client under a grove_scheduler_ prefix (apps/operator/src/metrics.ts).

/** The outcome of one placement attempt for one gang (or lone pod). */
export type ScheduleResult = "scheduled" | "unschedulable" | "error";

/**
 * Why a PodGang of ours is not yet holding its minimum:
 * - unschedulable: tried, and no placement fits now;
 * - invalid: the gang cannot be turned into a placement problem (its pods say why);
 * - waiting_for_base: a scaled gang whose base gang does not hold yet;
 * - waiting_for_pods: not Initialized, or fewer schedulable pods than its minimum (gated, not made).
 */
export type PendingReason = "unschedulable" | "invalid" | "waiting_for_base" | "waiting_for_pods";

export const PENDING_REASONS: readonly PendingReason[] = [
  "unschedulable",
  "invalid",
  "waiting_for_base",
  "waiting_for_pods",
];

export interface GangSchedulerMetrics {
  /** One gang's attempt ended (a placed gang whose binds fail later still counts as scheduled). */
  scheduleAttempt(result: ScheduleResult): void;
  /** A PodGang's minimum is bound: seconds since its creationTimestamp (whole-second precision). */
  podGangSchedulingLatency(seconds: number): void;
  /** After each cycle: pending PodGangs per reason (every reason given, zeros included). */
  pendingPodGangs(byReason: Readonly<Record<PendingReason, number>>): void;
  /** One solver call (placement of one batch) took `seconds`. */
  solverDuration(seconds: number): void;
  /** After each scheduling cycle (optional): its wall time and what it decided. */
  cycle?(stats: CycleStats): void;
}

/** One scheduling cycle as `GangSchedulerMetrics.cycle` reports it. */
export interface CycleStats {
  seconds: number;
  /** Gangs (and lone pods) with an outcome this cycle: the ones attempted. */
  attempted: number;
  /** Gangs placed whole (every pending pod got a node). */
  scheduled: number;
  /** Pods placed (bindings handed to the binder). */
  pods: number;
}
