// Parses and checks a PlacementProblem (spec: placement-problem.md). Every rejection is a
// PlacementProblemError naming the field path; the problem is rejected as a whole.
import { type PlacementErrorCode, PlacementProblemError } from "./errors.js";
import { cachedQuantity, parseQuantity } from "./quantity.js";

/** Level index (0 = broadest) or -1 for none. */
export interface CheckedConstraint {
  required: number;
  preferred: number;
}

export interface CheckedNode {
  name: string;
  labels: Record<string, string>;
  /** Thousandths. */
  allocatable: Map<string, number>;
  allocated: Map<string, number>;
  unschedulable: boolean;
  /** Only the effects that keep pods off (NoSchedule, NoExecute). */
  taints: { key: string; value: string; effect: "NoSchedule" | "NoExecute" }[];
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
  /** Thousandths, without `pods` (every pod takes one pod unit). */
  requests: Map<string, number>;
  constraint: CheckedConstraint;
  nodeSelector: [string, string][];
  /** null: no required node affinity. Terms are ORed, requirements ANDed. */
  terms: CheckedRequirement[][] | null;
  tolerations: CheckedToleration[];
  /** Groups with equal keys are feasible on the same nodes. */
  shapeKey: string;
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
  subGroups: CheckedSubGroup[];
}

export interface CheckedLevel {
  domain: string;
  key: string;
}

export interface CheckedOptions {
  spread: boolean;
}

export interface CheckedProblem {
  levels: CheckedLevel[];
  nodes: CheckedNode[];
  gangs: CheckedGang[];
  options: CheckedOptions;
}

/** The label under which a node's own name is matched by `matchFields` (`metadata.name`). */
export const NAME_LABEL = "\u0000metadata.name";

/** A field path, or how to build it: paths are built only when something is wrong (a call can
 * carry thousands of nodes and gangs, and the strings would cost more than the checks). */
export type Field = string | (() => string);
const path = (f: Field): string => (typeof f === "string" ? f : f());

const fail = (code: PlacementErrorCode, field: Field, detail: string): never => {
  throw new PlacementProblemError(code, path(field), detail);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function object(v: unknown, field: Field): Record<string, unknown> {
  if (!isObject(v)) fail("FieldValueTypeInvalid", field, "must be an object");
  return v as Record<string, unknown>;
}

function array(v: unknown, field: Field): unknown[] {
  if (!Array.isArray(v)) fail("FieldValueTypeInvalid", field, "must be an array");
  return v as unknown[];
}

function name(v: unknown, field: Field): string {
  if (v === undefined) fail("FieldValueRequired", field, "is required");
  if (typeof v !== "string") fail("FieldValueTypeInvalid", field, "must be a string");
  if ((v as string).length === 0) fail("FieldValueRequired", field, "must not be empty");
  return v as string;
}

function optString(v: unknown, field: Field): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") fail("FieldValueTypeInvalid", field, "must be a string");
  return v as string;
}

function integer(v: unknown, field: Field, min: number): number {
  if (typeof v !== "number") fail("FieldValueTypeInvalid", field, "must be a number");
  if (!Number.isInteger(v)) fail("FieldValueInvalid", field, `${v} is not an integer`);
  if ((v as number) < min) fail("FieldValueInvalid", field, `${v} must be at least ${min}`);
  return v as number;
}

function stringMap(v: unknown, field: Field): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = isObject(v) ? v : object(v, field);
  for (const k in o)
    if (typeof o[k] !== "string") fail("FieldValueTypeInvalid", `${path(field)}[${k}]`, "must be a string");
  return o as Record<string, string>;
}

function quantities(v: unknown, field: Field): Map<string, number> {
  const out = new Map<string, number>();
  if (v === undefined || v === null) return out;
  const o = isObject(v) ? v : object(v, field);
  for (const k in o) {
    if (k.length === 0) fail("FieldValueInvalid", field, "a resource name must not be empty");
    const q = o[k];
    out.set(k, cachedQuantity(q) ?? parseQuantity(q, `${path(field)}[${k}]`));
  }
  return out;
}

export function checkTopology(v: unknown, field = "topology"): CheckedLevel[] {
  if (v === undefined || v === null) return [];
  const t = object(v, field);
  const levels = array(t.levels, () => `${path(field)}.levels`).map((lv, i) => {
    const f = () => `${path(field)}.levels[${i}]`;
    const o = object(lv, f);
    return { domain: name(o.domain, () => `${path(f)}.domain`), key: name(o.key, () => `${path(f)}.key`) };
  });
  const domains = new Set<string>();
  const keys = new Set<string>();
  levels.forEach((lv, i) => {
    if (domains.has(lv.domain))
      fail(
        "FieldValueDuplicate",
        () => `${path(field)}.levels[${i}].domain`,
        `duplicate domain ${JSON.stringify(lv.domain)}`,
      );
    if (keys.has(lv.key))
      fail(
        "FieldValueDuplicate",
        () => `${path(field)}.levels[${i}].key`,
        `duplicate key ${JSON.stringify(lv.key)}`,
      );
    domains.add(lv.domain);
    keys.add(lv.key);
  });
  return levels;
}

const TAINT_EFFECTS = new Set(["NoSchedule", "NoExecute", "PreferNoSchedule"]);

export function checkNode(v: unknown, field: Field): CheckedNode {
  return checkNodeAt(v, typeof field === "string" ? () => field : field);
}

function checkNodeAt(v: unknown, at: () => string): CheckedNode {
  const o = isObject(v) ? v : object(v, at());
  const nodeName = typeof o.name === "string" && o.name.length > 0 ? o.name : name(o.name, `${at()}.name`);
  if (o.allocatable === undefined) fail("FieldValueRequired", `${at()}.allocatable`, "is required");
  const allocatable = quantities(o.allocatable, () => `${at()}.allocatable`);
  const allocated = quantities(o.allocated, () => `${at()}.allocated`);
  if (o.unschedulable !== undefined && typeof o.unschedulable !== "boolean")
    fail("FieldValueTypeInvalid", `${at()}.unschedulable`, "must be a boolean");
  const taints: CheckedNode["taints"] = [];
  if (o.taints !== undefined && o.taints !== null)
    array(o.taints, `${at()}.taints`).forEach((t, i) => {
      const f = `${at()}.taints[${i}]`;
      const to = object(t, f);
      const key = name(to.key, () => `${path(f)}.key`);
      const value = optString(to.value, () => `${path(f)}.value`);
      const effect = name(to.effect, () => `${path(f)}.effect`);
      if (!TAINT_EFFECTS.has(effect))
        fail(
          "FieldValueInvalid",
          () => `${path(f)}.effect`,
          `unsupported effect ${JSON.stringify(effect)} (NoSchedule, NoExecute, PreferNoSchedule)`,
        );
      if (effect !== "PreferNoSchedule")
        taints.push({ key, value, effect: effect as "NoSchedule" | "NoExecute" });
    });
  return {
    name: nodeName,
    labels: stringMap(o.labels, () => `${at()}.labels`),
    allocatable,
    allocated,
    unschedulable: o.unschedulable === true,
    taints,
  };
}

export function checkNodes(v: unknown, field = "nodes"): CheckedNode[] {
  const raw = array(v, field);
  const nodes = new Array<CheckedNode>(raw.length);
  for (let i = 0; i < raw.length; i++) nodes[i] = checkNodeAt(raw[i], () => `${path(field)}[${i}]`);
  const seen = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    const n = (nodes[i] as CheckedNode).name;
    if (seen.has(n))
      fail(
        "FieldValueDuplicate",
        () => `${path(field)}[${i}].name`,
        `duplicate node name ${JSON.stringify(n)}`,
      );
    seen.add(n);
  }
  return nodes;
}

function levelIndex(v: unknown, field: Field, levels: CheckedLevel[]): number {
  if (v === undefined || v === null) return -1;
  const d = name(v, field);
  const i = levels.findIndex((l) => l.domain === d);
  if (i < 0)
    fail(
      "FieldValueNotFound",
      field,
      levels.length === 0
        ? `unknown domain ${JSON.stringify(d)}: the problem has no topology`
        : `unknown domain ${JSON.stringify(d)} (known: ${levels.map((l) => l.domain).join(", ")})`,
    );
  return i;
}

/**
 * `floor`: the narrowest `required` level among the ancestors (-1: none). A child's constraint
 * is never broader than its parent's (spec: Semantics, `required`).
 */
function checkConstraint(v: unknown, field: Field, levels: CheckedLevel[], floor: number): CheckedConstraint {
  if (v === undefined || v === null) return { required: -1, preferred: -1 };
  const o = object(v, field);
  const required = levelIndex(o.required, () => `${path(field)}.required`, levels);
  const preferred = levelIndex(o.preferred, () => `${path(field)}.preferred`, levels);
  const parent = floor >= 0 ? (levels[floor] as CheckedLevel).domain : "";
  if (required >= 0 && required < floor)
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.required`,
      `${levels[required]?.domain} is broader than the parent's required ${parent}`,
    );
  if (preferred >= 0 && preferred < floor)
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.preferred`,
      `${levels[preferred]?.domain} is broader than the parent's required ${parent}`,
    );
  if (preferred >= 0 && required >= 0 && preferred < required)
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.preferred`,
      `${levels[preferred]?.domain} is broader than required ${levels[required]?.domain}`,
    );
  return { required, preferred };
}

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]);

function checkRequirement(v: unknown, field: Field, isField: boolean): CheckedRequirement {
  const o = object(v, field);
  const key = name(o.key, () => `${path(field)}.key`);
  const op = name(o.operator, () => `${path(field)}.operator`);
  if (!OPERATORS.has(op))
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.operator`,
      `unsupported operator ${JSON.stringify(op)} (In, NotIn, Exists, DoesNotExist, Gt, Lt)`,
    );
  const values =
    o.values === undefined || o.values === null
      ? []
      : array(o.values, () => `${path(field)}.values`).map((x, i) => {
          if (typeof x !== "string")
            fail("FieldValueTypeInvalid", () => `${path(field)}.values[${i}]`, "must be a string");
          return x as string;
        });
  let num = 0;
  if (op === "In" || op === "NotIn") {
    if (values.length === 0)
      fail("FieldValueRequired", () => `${path(field)}.values`, `operator ${op} needs at least one value`);
  } else if (op === "Exists" || op === "DoesNotExist") {
    if (values.length > 0)
      fail("FieldValueInvalid", () => `${path(field)}.values`, `operator ${op} takes no values`);
  } else {
    if (values.length !== 1 || !/^-?\d+$/.test(values[0] as string))
      fail(
        "FieldValueInvalid",
        () => `${path(field)}.values`,
        `operator ${op} needs exactly one integer value`,
      );
    num = Number(values[0]);
  }
  if (isField) {
    if (key !== "metadata.name")
      fail(
        "FieldValueNotFound",
        () => `${path(field)}.key`,
        `unsupported field ${JSON.stringify(key)} (only metadata.name)`,
      );
    if (op !== "In" && op !== "NotIn")
      fail("FieldValueInvalid", () => `${path(field)}.operator`, "matchFields supports In and NotIn only");
  }
  return { key: isField ? NAME_LABEL : key, op: op as Operator, values, num };
}

function checkAffinity(v: unknown, field: Field): CheckedRequirement[][] | null {
  if (v === undefined || v === null) return null;
  const na = object(v, field).nodeAffinity;
  if (na === undefined || na === null) return null;
  const f1 = () => `${path(field)}.nodeAffinity`;
  const req = object(na, f1).requiredDuringSchedulingIgnoredDuringExecution;
  if (req === undefined || req === null) return null;
  const f2 = () => `${path(f1)}.requiredDuringSchedulingIgnoredDuringExecution`;
  const terms = array(object(req, f2).nodeSelectorTerms, () => `${path(f2)}.nodeSelectorTerms`);
  // An empty term list constrains nothing (the contract's example shows `[]`); an empty term
  // matches no node, as in Kubernetes.
  if (terms.length === 0) return null;
  return terms.map((t, i) => {
    const f = () => `${path(f2)}.nodeSelectorTerms[${i}]`;
    const o = object(t, f);
    const exprs =
      o.matchExpressions === undefined || o.matchExpressions === null
        ? []
        : array(o.matchExpressions, () => `${path(f)}.matchExpressions`).map((e, j) =>
            checkRequirement(e, () => `${path(f)}.matchExpressions[${j}]`, false),
          );
    const fields =
      o.matchFields === undefined || o.matchFields === null
        ? []
        : array(o.matchFields, () => `${path(f)}.matchFields`).map((e, j) =>
            checkRequirement(e, () => `${path(f)}.matchFields[${j}]`, true),
          );
    return [...exprs, ...fields];
  });
}

const TOLERATION_EFFECTS = new Set(["", "NoSchedule", "NoExecute", "PreferNoSchedule"]);

function checkTolerations(v: unknown, field: Field): CheckedToleration[] {
  if (v === undefined || v === null) return [];
  return array(v, field).map((t, i) => {
    const f = () => `${path(field)}[${i}]`;
    const o = object(t, f);
    const key = optString(o.key, () => `${path(f)}.key`);
    const op = optString(o.operator, () => `${path(f)}.operator`) || "Equal";
    if (op !== "Equal" && op !== "Exists")
      fail(
        "FieldValueInvalid",
        () => `${path(f)}.operator`,
        `unsupported operator ${JSON.stringify(op)} (Equal, Exists)`,
      );
    const value = optString(o.value, () => `${path(f)}.value`);
    const effect = optString(o.effect, () => `${path(f)}.effect`);
    if (!TOLERATION_EFFECTS.has(effect))
      fail("FieldValueInvalid", () => `${path(f)}.effect`, `unsupported effect ${JSON.stringify(effect)}`);
    if (op === "Exists" && value !== "")
      fail("FieldValueInvalid", () => `${path(f)}.value`, "must be empty when operator is Exists");
    if (key === "" && op !== "Exists")
      fail("FieldValueInvalid", () => `${path(f)}.operator`, "must be Exists when key is empty");
    return { key, exists: op === "Exists", value, effect };
  });
}

function checkGroup(v: unknown, field: Field, levels: CheckedLevel[], floor: number): CheckedGroup {
  const o = object(v, field);
  const groupName = name(o.name, () => `${path(field)}.name`);
  if (o.count === undefined) fail("FieldValueRequired", () => `${path(field)}.count`, "is required");
  const count = integer(o.count, () => `${path(field)}.count`, 0);
  if (count > MAX_COUNT)
    fail("FieldValueInvalid", () => `${path(field)}.count`, `${count} is more than ${MAX_COUNT} pods`);
  const minCount =
    o.minCount === undefined || o.minCount === null
      ? count
      : integer(o.minCount, () => `${path(field)}.minCount`, 0);
  if (minCount > count)
    fail("FieldValueInvalid", () => `${path(field)}.minCount`, `minCount ${minCount} > count ${count}`);
  const requests = quantities(o.requests, () => `${path(field)}.requests`);
  const pods = requests.get("pods");
  if (pods !== undefined && pods !== 1000)
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.requests[pods]`,
      "every pod takes exactly one pod unit (1)",
    );
  requests.delete("pods");
  const nodeSelector = Object.entries(stringMap(o.nodeSelector, () => `${path(field)}.nodeSelector`)).sort(
    (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const terms = checkAffinity(o.affinity, () => `${path(field)}.affinity`);
  const tolerations = checkTolerations(o.tolerations, () => `${path(field)}.tolerations`);
  return {
    name: groupName,
    count,
    minCount,
    requests,
    constraint: checkConstraint(o.constraint, () => `${path(field)}.constraint`, levels, floor),
    nodeSelector,
    terms,
    tolerations,
    shapeKey:
      nodeSelector.length === 0 && terms === null && tolerations.length === 0
        ? ""
        : JSON.stringify([nodeSelector, terms, tolerations]),
  };
}

const NO_SUBS: number[] = [];
/** An implementation limit: the engines hold a slot per wanted pod. */
export const MAX_COUNT = 1_000_000;

export function checkGangs(v: unknown, levels: CheckedLevel[], field = "gangs"): CheckedGang[] {
  const gangNames = new Set<string>();
  const groupNames = new Set<string>();
  return array(v, field).map((gv, k) => {
    const f = () => `${path(field)}[${k}]`;
    const o = object(gv, f);
    const gangName = name(o.name, () => `${path(f)}.name`);
    if (gangNames.has(gangName))
      fail("FieldValueDuplicate", () => `${path(f)}.name`, `duplicate gang name ${JSON.stringify(gangName)}`);
    gangNames.add(gangName);
    let priority = 0;
    if (o.priority !== undefined && o.priority !== null) {
      if (typeof o.priority !== "number" || !Number.isFinite(o.priority))
        fail("FieldValueTypeInvalid", () => `${path(f)}.priority`, "must be a number");
      priority = o.priority as number;
    }
    const constraint = checkConstraint(o.constraint, () => `${path(f)}.constraint`, levels, -1);
    const rawGroups = array(o.groups, () => `${path(f)}.groups`);
    if (rawGroups.length === 0)
      fail("FieldValueRequired", () => `${path(f)}.groups`, "a gang needs at least one group");
    // Sub-groups first: a group's constraint may not be broader than its sub-group's.
    const rawSubs =
      o.subGroups === undefined || o.subGroups === null
        ? []
        : array(o.subGroups, () => `${path(f)}.subGroups`);
    const localNames =
      rawSubs.length === 0
        ? []
        : rawGroups.map((g, i) =>
            name(object(g, () => `${path(f)}.groups[${i}]`).name, () => `${path(f)}.groups[${i}].name`),
          );
    const subOf = rawSubs.length === 0 ? NO_SUBS : new Array<number>(localNames.length).fill(-1);
    const subGroups = rawSubs.map((sv, s) => {
      const sf = () => `${path(f)}.subGroups[${s}]`;
      const so = object(sv, sf);
      const subName = name(so.name, () => `${path(sf)}.name`);
      const members = array(so.groups, () => `${path(sf)}.groups`).map((gn, j) => {
        const gname = name(gn, () => `${path(sf)}.groups[${j}]`);
        const gi = localNames.indexOf(gname);
        if (gi < 0)
          fail(
            "FieldValueNotFound",
            () => `${path(sf)}.groups[${j}]`,
            `unknown group ${JSON.stringify(gname)} in gang ${gangName}`,
          );
        if (subOf[gi] === s)
          fail("FieldValueDuplicate", () => `${path(sf)}.groups[${j}]`, `group ${gname} listed twice`);
        if ((subOf[gi] as number) >= 0)
          fail(
            "FieldValueDuplicate",
            () => `${path(sf)}.groups[${j}]`,
            `group ${gname} already belongs to another sub-group`,
          );
        subOf[gi] = s;
        return gi;
      });
      return {
        name: subName,
        groups: members,
        constraint: checkConstraint(
          so.constraint,
          () => `${path(sf)}.constraint`,
          levels,
          constraint.required,
        ),
      };
    });
    if (subGroups.length > 0) {
      const subNames = new Set<string>();
      subGroups.forEach((sg, s) => {
        if (subNames.has(sg.name) || localNames.includes(sg.name))
          fail(
            "FieldValueDuplicate",
            () => `${path(f)}.subGroups[${s}].name`,
            `duplicate name ${JSON.stringify(sg.name)}`,
          );
        subNames.add(sg.name);
      });
    }
    const groups = rawGroups.map((gv2, i) => {
      const s = subOf[i] ?? -1;
      const floor =
        s >= 0
          ? Math.max(constraint.required, (subGroups[s] as CheckedSubGroup).constraint.required)
          : constraint.required;
      const g = checkGroup(gv2, () => `${path(f)}.groups[${i}]`, levels, floor);
      if (groupNames.has(g.name))
        fail(
          "FieldValueDuplicate",
          () => `${path(f)}.groups[${i}].name`,
          `duplicate group name ${JSON.stringify(g.name)}`,
        );
      groupNames.add(g.name);
      return g;
    });
    return { name: gangName, priority, constraint, groups, subGroups };
  });
}

export function checkOptions(v: unknown, field = "options"): CheckedOptions {
  if (v === undefined || v === null) return { spread: false };
  const o = object(v, field);
  if (o.spread !== undefined && typeof o.spread !== "boolean")
    fail("FieldValueTypeInvalid", () => `${path(field)}.spread`, "must be a boolean");
  return { spread: o.spread === true };
}

/** Parses and checks a whole PlacementProblem; throws PlacementProblemError naming the field. */
export function checkProblem(v: unknown): CheckedProblem {
  const o = object(v, "problem");
  const levels = checkTopology(o.topology);
  if (o.nodes === undefined) fail("FieldValueRequired", "nodes", "is required");
  if (o.gangs === undefined) fail("FieldValueRequired", "gangs", "is required");
  return {
    levels,
    nodes: checkNodes(o.nodes),
    gangs: checkGangs(o.gangs, levels),
    options: checkOptions(o.options),
  };
}
