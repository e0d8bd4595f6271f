// API groups, versions, kinds and enumerated string values of the Grove API (grove-api.md §1, §2, §6).

export const GROVE_GROUP = "grove.io";
export const SCHEDULER_GROUP = "scheduler.grove.io";
export const GROVE_VERSION = "v1alpha1";
export const GROVE_API_VERSION = `${GROVE_GROUP}/${GROVE_VERSION}` as const;
export const SCHEDULER_API_VERSION = `${SCHEDULER_GROUP}/${GROVE_VERSION}` as const;

export const KIND_POD_CLIQUE_SET = "PodCliqueSet";
export const KIND_POD_CLIQUE = "PodClique";
export const KIND_POD_CLIQUE_SCALING_GROUP = "PodCliqueScalingGroup";
export const KIND_CLUSTER_TOPOLOGY_BINDING = "ClusterTopologyBinding";
export const KIND_POD_GANG = "PodGang";

export type GroveKind =
  | typeof KIND_POD_CLIQUE_SET
  | typeof KIND_POD_CLIQUE
  | typeof KIND_POD_CLIQUE_SCALING_GROUP
  | typeof KIND_CLUSTER_TOPOLOGY_BINDING
  | typeof KIND_POD_GANG;

/** `spec.template.cliqueStartupType` (§2.2). */
export const CliqueStartupTypeAnyOrder = "CliqueStartupTypeAnyOrder";
export const CliqueStartupTypeInOrder = "CliqueStartupTypeInOrder";
export const CliqueStartupTypeExplicit = "CliqueStartupTypeExplicit";
export const CLIQUE_STARTUP_TYPES = [
  CliqueStartupTypeAnyOrder,
  CliqueStartupTypeInOrder,
  CliqueStartupTypeExplicit,
] as const;
export type CliqueStartupType = (typeof CLIQUE_STARTUP_TYPES)[number];

/** `spec.updateStrategy.type` (§2.6); a nil updateStrategy means RollingRecreate. */
export const UpdateStrategyRollingRecreate = "RollingRecreate";
export const UpdateStrategyOnDelete = "OnDelete";
export const UPDATE_STRATEGY_TYPES = [UpdateStrategyRollingRecreate, UpdateStrategyOnDelete] as const;
export type UpdateStrategyType = (typeof UPDATE_STRATEGY_TYPES)[number];

/** resourceSharing `scope` (§2.7). */
export const ResourceSharingScopeAllReplicas = "AllReplicas";
export const ResourceSharingScopePerReplica = "PerReplica";
export const RESOURCE_SHARING_SCOPES = [
  ResourceSharingScopeAllReplicas,
  ResourceSharingScopePerReplica,
] as const;
export type ResourceSharingScope = (typeof RESOURCE_SHARING_SCOPES)[number];

/** PCS `status.podGangStatuses[].phase` (§2.8). */
export const POD_GANG_STATUS_PHASES = ["Pending", "Starting", "Running", "Failed", "Succeeded"] as const;
export type PodGangStatusPhase = (typeof POD_GANG_STATUS_PHASES)[number];

/** PodGang `status.phase` (§6.2); the CRD declares a plain string. */
export const PodGangPhasePending = "Pending";
export const PodGangPhaseStarting = "Starting";
export const PodGangPhaseRunning = "Running";
export const POD_GANG_PHASES = [PodGangPhasePending, PodGangPhaseStarting, PodGangPhaseRunning] as const;
export type PodGangPhase = (typeof POD_GANG_PHASES)[number];

/** Well-known topology domains (§2.5); any value matching TOPOLOGY_DOMAIN_PATTERN is accepted. */
export const TopologyDomainRegion = "region";
export const TopologyDomainZone = "zone";
export const TopologyDomainDataCenter = "datacenter";
export const TopologyDomainBlock = "block";
export const TopologyDomainRack = "rack";
export const TopologyDomainHost = "host";
export const TopologyDomainNuma = "numa";
export const WELL_KNOWN_TOPOLOGY_DOMAINS = [
  TopologyDomainRegion,
  TopologyDomainZone,
  TopologyDomainDataCenter,
  TopologyDomainBlock,
  TopologyDomainRack,
  TopologyDomainHost,
  TopologyDomainNuma,
] as const;
export const TOPOLOGY_DOMAIN_PATTERN = "^[a-z][a-z0-9-]*$";
export const TOPOLOGY_DOMAIN_MAX_LENGTH = 63;
/** Node label key pattern of ClusterTopologyBinding `spec.levels[].key` (§5). */
export const TOPOLOGY_KEY_PATTERN =
  "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
export const TOPOLOGY_KEY_MAX_LENGTH = 63;

/** Webhook default of `spec.template.terminationDelay` (§8). */
export const DEFAULT_TERMINATION_DELAY = "4h";
/** Webhook default of clique `podSpec.terminationGracePeriodSeconds` (§8). */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/** Scheduler backend (profile) names (§9.5, §10). `grove-scheduler` is grove-ts's own gang scheduler. */
export const SchedulerDefault = "default-scheduler";
export const SchedulerKai = "kai-scheduler";
export const SchedulerVolcano = "volcano";
export const SchedulerLpx = "lpx-scheduler";
export const SchedulerGrove = "grove-scheduler";
