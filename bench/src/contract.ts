// The PlacementProblem / PlacementResult JSON as ../shared/spec/placement-problem.md fixes it.
// The bench keeps its own structural copy so that its generators and the MILP model read exactly
// the public contract, not whatever extra fields the solver's own types grow.

export type Quantity = string | number;
export type ResourceList = Record<string, Quantity>;

export interface TopologyLevel {
  domain: string;
  key: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal" | string;
  value?: string;
  effect?: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" | string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  };
}

export interface PlacementNode {
  name: string;
  labels?: Record<string, string>;
  allocatable: ResourceList;
  allocated?: ResourceList;
  unschedulable?: boolean;
  taints?: Taint[];
}

export interface Constraint {
  required?: string;
  preferred?: string;
}

export interface PlacementGroup {
  name: string;
  count: number;
  minCount?: number;
  requests?: ResourceList;
  constraint?: Constraint;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
}

export interface PlacementSubGroup {
  name: string;
  groups: string[];
  constraint?: Constraint;
}

export interface PlacementGang {
  name: string;
  priority?: number;
  constraint?: Constraint;
  groups: PlacementGroup[];
  subGroups?: PlacementSubGroup[];
}

export interface PlacementProblem {
  topology?: { levels: TopologyLevel[] };
  nodes: PlacementNode[];
  gangs: PlacementGang[];
  options?: Record<string, unknown>;
}

export interface GroupPlacement {
  name: string;
  /** One entry per placed pod. */
  nodes: string[];
}

export interface GangPlacement {
  name: string;
  placed: boolean;
  groups: GroupPlacement[];
  reason: string | null;
}

export interface PlacementResult {
  gangs: GangPlacement[];
  stats?: Record<string, unknown>;
}
