// The placement contract's JSON shapes (spec: placement-problem.md), declared here on their own so
// the generator and the verifier stay an independent oracle for the solver: they share no code with
// @grove-ts/placement. Structurally these are the same types @grove-ts/placement exports.

export type Quantity = string | number;

export interface RProblem {
  topology?: { levels: { domain: string; key: string }[] };
  nodes: RNode[];
  gangs: RGang[];
  options?: { spread?: boolean };
}

export interface RNode {
  name: string;
  labels?: Record<string, string>;
  allocatable: Record<string, Quantity>;
  allocated?: Record<string, Quantity>;
  unschedulable?: boolean;
  taints?: { key: string; value?: string; effect: string }[];
}

export interface RConstraint {
  required?: string;
  preferred?: string;
}

export interface RRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

export interface RGroup {
  name: string;
  count: number;
  minCount?: number;
  requests?: Record<string, Quantity>;
  constraint?: RConstraint;
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchExpressions?: RRequirement[]; matchFields?: RRequirement[] }[];
      };
    };
  };
  tolerations?: {
    key?: string;
    operator?: "Equal" | "Exists";
    value?: string;
    effect?: "" | "NoSchedule" | "NoExecute" | "PreferNoSchedule";
  }[];
  preferences?: {
    nodeAffinity?: { weight: number; preference: { matchExpressions?: RRequirement[] } }[];
    preferNoSchedule?: boolean;
  };
}

export interface RGang {
  name: string;
  priority?: number;
  constraint?: RConstraint;
  groups: RGroup[];
  subGroups?: { name: string; groups: string[]; constraint?: RConstraint }[];
  domainCaps?: {
    key: string;
    groups: string[];
    max?: number;
    domains?: Record<string, number>;
    unlabeled?: "any" | "none";
  }[];
}

export interface RResult {
  gangs: {
    name: string;
    placed: boolean;
    groups: { name: string; nodes: string[] }[];
    reason: string | null;
  }[];
  stats?: unknown;
}
