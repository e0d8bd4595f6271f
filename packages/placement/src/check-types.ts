// The checked form of a PlacementProblem: what check.ts returns and encode.ts reads. Names, levels
// and quantities are resolved (levels to indices, quantities to thousandths) and shared where equal.

import type { RunningGang } from "./types.js";

/**
 * Resource amounts in thousandths, names and values side by side. Immutable: nodes with equal
 * amounts share one object (and nodes with the same resource names share `names`), so a change
 * makes a new object instead of editing this one.
 */
export interface Quantities {
  readonly names: readonly string[];
  readonly values: readonly number[];
}

export const NO_QUANTITIES: Quantities = { names: [], values: [] };

/** The amount of `name`, or undefined when not listed. */
export function amountOf(q: Quantities, name: string): number | undefined {
  const i = q.names.indexOf(name);
  return i < 0 ? undefined : q.values[i];
}

/** Level index (0 = broadest) or -1 for none. */
export interface CheckedConstraint {
  required: number;
  preferred: number;
}

export interface CheckedNode {
  name: string;
  labels: Record<string, string>;
  allocatable: Quantities;
  allocated: Quantities;
  unschedulable: boolean;
  /** Only the effects that keep pods off (NoSchedule, NoExecute). */
  taints: readonly CheckedTaint[];
  /** PreferNoSchedule taints, when the node has any (read only for groups' preferences). */
  preferTaints?: readonly { key: string; value: string }[];
}

export interface CheckedTaint {
  key: string;
  value: string;
  effect: "NoSchedule" | "NoExecute";
}

export type Operator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

export interface CheckedRequirement {
  /** A label key; `metadata.name` fields are the pseudo label NAME_LABEL. */
  key: string;
  op: Operator;
  values: string[];
  /** The integer of Gt/Lt. */
  num: number;
}

export interface CheckedToleration {
  /** "" matches every key (operator Exists). */
  key: string;
  exists: boolean;
  value: string;
  /** "" matches every effect. */
  effect: string;
}

export interface CheckedGroup {
  name: string;
  count: number;
  minCount: number;
  /** Without `pods` (every pod takes one pod unit). */
  requests: Quantities;
  constraint: CheckedConstraint;
  nodeSelector: readonly [string, string][];
  /** null: no required node affinity. Terms are ORed, requirements ANDed. */
  terms: CheckedRequirement[][] | null;
  tolerations: readonly CheckedToleration[];
  /** Groups with equal keys are feasible on the same nodes (and prefer the same ones). */
  shapeKey: string;
  /** Node preferences; absent or null: none. */
  prefs?: import("./node-prefs.js").CheckedPreferences | null;
}

export interface CheckedSubGroup {
  name: string;
  groups: number[];
  constraint: CheckedConstraint;
}

export interface CheckedGang {
  name: string;
  priority: number;
  constraint: CheckedConstraint;
  groups: CheckedGroup[];
  subGroups: readonly CheckedSubGroup[];
  /** Per-domain caps; absent: none. */
  domainCaps?: readonly import("./domain-caps.js").CheckedDomainCap[];
}

export interface CheckedLevel {
  domain: string;
  key: string;
}

export interface CheckedOptions {
  spread: boolean;
  preemption: boolean;
}

export interface CheckedProblem {
  levels: CheckedLevel[];
  nodes: CheckedNode[];
  gangs: CheckedGang[];
  options: CheckedOptions;
  /** Shape checked; the objects as given. */
  running: RunningGang[];
}

/** The label under which a node's own name is matched by `matchFields` (`metadata.name`). */
export const NAME_LABEL = "\u0000metadata.name";
