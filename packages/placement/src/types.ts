// The public contract of the placement solver (spec: placement-problem.md). Field names are fixed;
// optional fields may be added.

/** A Kubernetes quantity: "500m", "1Gi", "8", or a plain number. */
export type Quantity = string | number;

export interface TopologyLevel {
  /** The domain name constraints refer to, e.g. "rack". */
  domain: string;
  /** The node label whose value names the node's domain at this level. */
  key: string;
}

export interface Topology {
  /** Broadest first, narrowest last. */
  levels: TopologyLevel[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule" | string;
}

export interface PlacementNode {
  name: string;
  labels?: Record<string, string>;
  allocatable: Record<string, Quantity>;
  /** Capacity already in use on the node. */
  allocated?: Record<string, Quantity>;
  /** Cordoned: gets no pod. */
  unschedulable?: boolean;
  taints?: Taint[];
}

export interface TopologyConstraint {
  /** All covered pods lie in one domain of this level. */
  required?: string;
  /** Covered pods lie in one domain of this level when one can hold them; otherwise climb, never past `required`. */
  preferred?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: "" | "NoSchedule" | "NoExecute" | "PreferNoSchedule";
  tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  /** Only `metadata.name` is a supported field. */
  matchFields?: NodeSelectorRequirement[];
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  };
}

export interface PreferredSchedulingTerm {
  /** 1-100. */
  weight: number;
  preference: NodeSelectorTerm;
}

/** Which nodes a group's pods take first inside the domain its constraints chose (README "Node preferences"). */
export interface NodePreferences {
  /** Kubernetes' preferred node affinity: a node scores the weights of the terms it matches. */
  nodeAffinity?: PreferredSchedulingTerm[];
  /** Fewer PreferNoSchedule taints the group does not tolerate first (before any weight). */
  preferNoSchedule?: boolean;
}

export interface PodGroup {
  name: string;
  /** Pods wanted. */
  count: number;
  /** Pods that must be placed for the gang to be placed (default: count). */
  minCount?: number;
  requests?: Record<string, Quantity>;
  constraint?: TopologyConstraint;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  preferences?: NodePreferences;
}

export interface SubGroup {
  name: string;
  /** Names of groups of the same gang packed together. A group belongs to at most one sub-group. */
  groups: string[];
  constraint?: TopologyConstraint;
}

/**
 * At most so many pods of some groups of a gang per domain of a node label (README "Domain caps"),
 * e.g. required pod anti-affinity on a rack (max 1) or a topology spread's per-domain room.
 */
export interface DomainCap {
  /** The node label whose value names a node's domain (any label, not only a topology level's). */
  key: string;
  /** Groups of the gang whose pods count against the cap and are held to it. */
  groups: string[];
  /** Most pods of these groups per domain. */
  max?: number;
  /** Per domain (label value), the most pods; a domain not listed takes `max`, or no limit without it. */
  domains?: Record<string, number>;
  /** Nodes without the label: "any" (default) takes pods freely, "none" takes no pod of these groups. */
  unlabeled?: "any" | "none";
}

export interface Gang {
  name: string;
  priority?: number;
  constraint?: TopologyConstraint;
  groups: PodGroup[];
  subGroups?: SubGroup[];
  /** Per-domain caps among the gang's pods. */
  domainCaps?: DomainCap[];
}

/** Strategy knobs (see README "Options"). */
export interface PlacementOptions {
  /** Inside a chosen domain, put pods on the least-allocated nodes first instead of the most-allocated. */
  spread?: boolean;
  /** solve(): name, per unplaced gang, the `running` gangs to evict so it fits (README "Preemption"). */
  preemption?: boolean;
}

/** A gang (or a lone pod) already running that the caller allows the solver to evict, whole. */
export interface RunningGang {
  /** Unique among the candidates, e.g. "<namespace>/<podgang>" or "<namespace>/pod/<pod>". */
  name: string;
  priority: number;
  /** Its pods: the node each runs on and what it requests (already counted in the node's allocated). */
  pods: Array<{ node: string; requests?: Record<string, Quantity> }>;
}

/** What PlacementSnapshot.preempt() found (README, "Preemption"). */
export interface PreemptionResult {
  /** The preemptor gang's name. */
  name: string;
  /** A victim set was found: once every victim's pods are gone, the gang fits as `groups` say. */
  placed: boolean;
  /** RunningGang names to evict (whole), [] when not placed. */
  victims: string[];
  /** The nominated placement, [] when not placed. */
  groups: GroupPlacement[];
  /** Why no victim set works (null when placed). */
  reason: string | null;
}

export interface PlacementProblem {
  topology?: Topology;
  nodes: PlacementNode[];
  gangs: Gang[];
  options?: PlacementOptions;
  /** Gangs already running (their pods counted in the nodes' `allocated`) that preemption may evict. */
  running?: RunningGang[];
}

export interface GroupPlacement {
  name: string;
  /** One entry per placed pod: the node's name. */
  nodes: string[];
}

/**
 * Why a gang was not placed, for a program to act on (README, "Result codes"): "Unschedulable"
 * does not fit now but could once capacity is freed; "Unresolvable" could never fit this cluster
 * as given, even with every node empty; "Error" the engine failed on the gang.
 */
export type GangCode = "Unschedulable" | "Unresolvable" | "Error";

export interface GangPlacement {
  name: string;
  placed: boolean;
  groups: GroupPlacement[];
  /** Human-readable; always set when not placed, null when placed. */
  reason: string | null;
  /**
   * An extension beyond the spec's fixed fields: null when placed, else why not. This package
   * sets it on every gang; optional for results made elsewhere (files, other solvers).
   */
  code?: GangCode | null;
  /**
   * With `options.preemption`, on every unplaced gang: the `running` gangs (strictly lower
   * priority) whose eviction, whole, lets it fit; [] when no set does. Absent otherwise.
   */
  victims?: string[];
}

export interface PlacementStats {
  engine: "wasm" | "js";
  nodes: number;
  gangs: number;
  gangsPlaced: number;
  podsWanted: number;
  podsPlaced: number;
  /** Candidate domains tried (each a full attempt at placing the covered pods). */
  attempts: number;
  /** Milliseconds spent checking and encoding the input. */
  encodeMs: number;
  /** Milliseconds spent in the engine. */
  solveMs: number;
  /** Milliseconds spent building the result. */
  decodeMs: number;
}

export interface PlacementResult {
  /** One entry per gang, in the order of the problem's gangs. */
  gangs: GangPlacement[];
  stats?: PlacementStats;
}
