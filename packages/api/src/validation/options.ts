import type { ClusterTopologyBinding } from "./api-types.js";

/** Operator configuration that changes what the PCS and CTB webhooks accept (grove-api.md §10). */
export interface ValidationOptions {
  /** Enabled scheduler backends (profiles). `default-scheduler` is always enabled, as in Grove. */
  enabledSchedulers?: string[];
  /** Backend for cliques whose `podSpec.schedulerName` is empty. */
  defaultScheduler?: string;
  /** `topologyAwareScheduling.enabled`. */
  topologyAwareScheduling?: boolean;
  /** `network.autoMNNVLEnabled`. */
  autoMNNVLEnabled?: boolean;
  /** Cluster lookup for T4-T7; without it those rules are skipped. */
  getClusterTopologyBinding?: (name: string) => ClusterTopologyBinding | undefined;
  /**
   * Cluster lookup for the Volcano queue rule (§9.5): the queue's `status.state` ("Open", ...), or
   * undefined when the queue does not exist. Without it the existence/state check is skipped.
   * (An addition to the shared contract: optional, so callers that do not know it are unaffected.)
   */
  getVolcanoQueueState?: (name: string) => string | undefined;
}

export interface ResolvedOptions {
  enabledSchedulers: string[];
  defaultScheduler: string;
  topologyAwareScheduling: boolean;
  autoMNNVLEnabled: boolean;
  getClusterTopologyBinding?: ValidationOptions["getClusterTopologyBinding"];
  getVolcanoQueueState?: ValidationOptions["getVolcanoQueueState"];
}

export const DefaultSchedulerName = "default-scheduler";
export const KaiSchedulerName = "kai-scheduler";
export const GroveSchedulerName = "grove-scheduler";
export const VolcanoSchedulerName = "volcano";
export const LpxSchedulerName = "lpx-scheduler";

/** Backends whose scheduler understands Grove topology (ClusterTopologyBinding rule 5, §15.3). */
export const TopologyAwareSchedulers: readonly string[] = [KaiSchedulerName, GroveSchedulerName];

/** The contract's default set of enabled backends. */
export const DefaultEnabledSchedulers: readonly string[] = [
  DefaultSchedulerName,
  KaiSchedulerName,
  GroveSchedulerName,
];

export function resolveOptions(o: ValidationOptions | undefined): ResolvedOptions {
  const enabled = o?.enabledSchedulers ?? DefaultEnabledSchedulers;
  const r: ResolvedOptions = {
    enabledSchedulers: enabled.includes(DefaultSchedulerName)
      ? [...enabled]
      : [DefaultSchedulerName, ...enabled],
    defaultScheduler: o?.defaultScheduler || DefaultSchedulerName,
    topologyAwareScheduling: o?.topologyAwareScheduling ?? true,
    autoMNNVLEnabled: o?.autoMNNVLEnabled ?? false,
  };
  if (o?.getClusterTopologyBinding) r.getClusterTopologyBinding = o.getClusterTopologyBinding;
  if (o?.getVolcanoQueueState) r.getVolcanoQueueState = o.getVolcanoQueueState;
  return r;
}
