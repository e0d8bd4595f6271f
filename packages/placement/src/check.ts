// Parses and checks a PlacementProblem (spec: placement-problem.md). Every rejection is a
// PlacementProblemError naming the field path; the problem is rejected as a whole.
import { type PlacementErrorCode, PlacementProblemError } from "./errors.js";
import { cachedQuantity, parseQuantity, tryQuantity } from "./quantity.js";

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
  subGroups: readonly CheckedSubGroup[];
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
  const a = v as unknown[];
  // A hole (a sparse array from a JS caller) reads as undefined and fails like one.
  for (let i = 0; i < a.length; i++) if (!(i in a)) return Array.from(a);
  return a;
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

function quantities(v: unknown, field: Field): Quantities {
  if (v === undefined || v === null) return NO_QUANTITIES;
  const o = isObject(v) ? v : object(v, field);
  const names: string[] = [];
  const values: number[] = [];
  for (const k in o) {
    if (k.length === 0) fail("FieldValueInvalid", field, "a resource name must not be empty");
    const q = o[k];
    names.push(k);
    values.push(cachedQuantity(q) ?? parseQuantity(q, `${path(field)}[${k}]`));
  }
  return names.length === 0 ? NO_QUANTITIES : { names, values };
}

/** `q` without its i-th entry. */
function without(q: Quantities, i: number): Quantities {
  if (q.names.length === 1) return NO_QUANTITIES;
  return { names: q.names.filter((_, x) => x !== i), values: q.values.filter((_, x) => x !== i) };
}

/**
 * The fast path's memory of the last quantities object read for one field (a node's allocatable,
 * a group's requests): thousands of nodes repeat the same names and amounts, which are then
 * shared instead of parsed and built again.
 */
class Recent {
  last: Quantities = NO_QUANTITIES;
  raw: unknown[] = [];
}

/** `o`'s quantities, or null when anything is off (the checked path then names the field). */
function readQuantities(o: Record<string, unknown>, recent: Recent): Quantities | null {
  const before = recent.last.names;
  const raw = recent.raw;
  let j = 0;
  let same = true;
  for (const k in o) {
    if (before[j] !== k || raw[j] !== o[k]) {
      same = false;
      break;
    }
    j++;
  }
  if (same && j === before.length) return recent.last;
  const names: string[] = [];
  const values: number[] = [];
  const now: unknown[] = [];
  let sameNames = true;
  for (const k in o) {
    if (k.length === 0) return null;
    const q = o[k];
    const v = cachedQuantity(q) ?? tryQuantity(q);
    if (v === undefined) return null;
    if (before[names.length] !== k) sameNames = false;
    names.push(k);
    values.push(v);
    now.push(q);
  }
  if (names.length === 0) return NO_QUANTITIES;
  const out = { names: sameNames && names.length === before.length ? before : names, values };
  recent.last = out;
  recent.raw = now;
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
  const taints: CheckedTaint[] = [];
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

const NO_TAINTS: readonly CheckedTaint[] = [];

/**
 * The common node, checked without building anything it does not keep: null when anything is off
 * or unusual, and checkNodeAt then checks it again and names the field. What it accepts it returns
 * exactly as checkNodeAt would.
 */
function fastNode(v: unknown, allocatable: Recent, allocated: Recent): CheckedNode | null {
  if (!isObject(v)) return null;
  const nodeName = v.name;
  if (typeof nodeName !== "string" || nodeName.length === 0) return null;
  const a = v.allocatable;
  if (!isObject(a)) return null;
  const alloc = readQuantities(a, allocatable);
  if (alloc === null) return null;
  let used: Quantities | null = NO_QUANTITIES;
  const u = v.allocated;
  if (u !== undefined && u !== null) {
    if (!isObject(u)) return null;
    used = readQuantities(u, allocated);
    if (used === null) return null;
  }
  const uns = v.unschedulable;
  if (uns !== undefined && typeof uns !== "boolean") return null;
  let taints = NO_TAINTS;
  const t = v.taints;
  if (t !== undefined && t !== null) {
    if (!Array.isArray(t)) return null;
    if (t.length > 0) {
      const kept: CheckedTaint[] = [];
      for (const x of t) {
        if (!isObject(x)) return null;
        const { key, value, effect } = x;
        if (typeof key !== "string" || key.length === 0) return null;
        if (value !== undefined && value !== null && typeof value !== "string") return null;
        if (effect === "NoSchedule" || effect === "NoExecute") kept.push({ key, value: value ?? "", effect });
        else if (effect !== "PreferNoSchedule") return null;
      }
      if (kept.length > 0) taints = kept;
    }
  }
  let labels = v.labels;
  if (labels === undefined || labels === null) labels = {};
  else if (!isObject(labels)) return null;
  else for (const k in labels) if (typeof labels[k] !== "string") return null;
  return {
    name: nodeName,
    labels: labels as Record<string, string>,
    allocatable: alloc,
    allocated: used,
    unschedulable: uns === true,
    taints,
  };
}

export function checkNodes(v: unknown, field = "nodes"): CheckedNode[] {
  const raw = array(v, field);
  const nodes = new Array<CheckedNode>(raw.length);
  const allocatable = new Recent();
  const allocated = new Recent();
  // Names in strictly increasing order (the usual listing) cannot repeat: no set needed.
  let increasing = true;
  let prev = "";
  for (let i = 0; i < raw.length; i++) {
    const n = fastNode(raw[i], allocatable, allocated) ?? checkNodeAt(raw[i], () => `${path(field)}[${i}]`);
    nodes[i] = n;
    if (increasing && i > 0 && !(prev < n.name)) increasing = false;
    prev = n.name;
  }
  if (increasing) return nodes;
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
  let requests = quantities(o.requests, () => `${path(field)}.requests`);
  const pods = requests.names.indexOf("pods");
  if (pods >= 0 && requests.values[pods] !== 1000)
    fail(
      "FieldValueInvalid",
      () => `${path(field)}.requests[pods]`,
      "every pod takes exactly one pod unit (1)",
    );
  if (pods >= 0) requests = without(requests, pods);
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
    shapeKey: shapeKeyOf(nodeSelector, terms, tolerations),
  };
}

/**
 * Equal for groups with equal filters, different otherwise: every string is length-prefixed and
 * every list counted, so no two shapes share a key; "" for a group without filters.
 */
function shapeKeyOf(
  nodeSelector: readonly [string, string][],
  terms: CheckedRequirement[][] | null,
  tolerations: readonly CheckedToleration[],
): string {
  if (nodeSelector.length === 0 && terms === null && tolerations.length === 0) return "";
  const str = (x: string) => `${x.length}:${x}`;
  let k = `s${nodeSelector.length};`;
  for (const [key, value] of nodeSelector) k += str(key) + str(value);
  if (terms === null) k += "n";
  else {
    k += `a${terms.length};`;
    for (const term of terms) {
      k += `${term.length};`;
      for (const e of term) {
        k += str(e.key) + str(e.op) + `${e.values.length};`;
        for (const v of e.values) k += str(v);
      }
    }
  }
  k += `t${tolerations.length};`;
  for (const t of tolerations) k += str(t.key) + (t.exists ? "E" : "=") + str(t.value) + str(t.effect);
  return k;
}

const NO_SUBS: number[] = [];
/** An implementation limit: the engines hold a slot per wanted pod. */
export const MAX_COUNT = 1_000_000;

// Shared by many gangs, so frozen: a caller editing a checked problem cannot change another gang.
const NO_CONSTRAINT: CheckedConstraint = Object.freeze({ required: -1, preferred: -1 });
const NO_SELECTOR: readonly [string, string][] = Object.freeze([]);
const NO_TOLERATIONS: readonly CheckedToleration[] = Object.freeze([]);
const NO_SUBGROUPS: readonly CheckedSubGroup[] = Object.freeze([]);
/** Checked constraints are read-only, so one object per (required, preferred) pair serves all. */
const constraints = new Map<number, CheckedConstraint>();
function constraintOf(required: number, preferred: number): CheckedConstraint {
  const key = (required + 1) * 65536 + preferred + 1;
  let c = constraints.get(key);
  if (c === undefined) {
    c = Object.freeze({ required, preferred });
    constraints.set(key, c);
  }
  return c;
}

/** A domain's level, or -2 when it is not a known domain name. */
function fastLevel(v: unknown, levels: CheckedLevel[]): number {
  if (v === undefined || v === null) return -1;
  if (typeof v !== "string") return -2;
  for (let i = 0; i < levels.length; i++) if ((levels[i] as CheckedLevel).domain === v) return i;
  return -2;
}

/** checkConstraint's result when everything is in order, else null. */
function fastConstraint(v: unknown, levels: CheckedLevel[], floor: number): CheckedConstraint | null {
  if (v === undefined || v === null) return NO_CONSTRAINT;
  if (!isObject(v)) return null;
  const required = fastLevel(v.required, levels);
  const preferred = fastLevel(v.preferred, levels);
  if (required === -2 || preferred === -2) return null;
  if (required >= 0 && required < floor) return null;
  if (preferred >= 0 && (preferred < floor || preferred < required)) return null;
  return required === -1 && preferred === -1 ? NO_CONSTRAINT : constraintOf(required, preferred);
}

/** A nodeSelector in checked form, or null when anything is off. */
function fastSelector(v: unknown): readonly [string, string][] | null {
  if (v === undefined || v === null) return NO_SELECTOR;
  if (!isObject(v)) return null;
  for (const k in v) if (typeof v[k] !== "string") return null;
  const out = Object.entries(v as Record<string, string>);
  if (out.length === 0) return NO_SELECTOR;
  return out.length === 1 ? out : out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const TOLERATION_EFFECT_SET: ReadonlySet<unknown> = new Set([
  "",
  "NoSchedule",
  "NoExecute",
  "PreferNoSchedule",
]);
const optional = (v: unknown) => (v === undefined || v === null ? "" : v);

/** Tolerations in checked form, or null when anything is off. */
function fastTolerations(v: unknown): readonly CheckedToleration[] | null {
  if (v === undefined || v === null) return NO_TOLERATIONS;
  if (!Array.isArray(v)) return null;
  if (v.length === 0) return NO_TOLERATIONS;
  const out: CheckedToleration[] = [];
  for (const t of v) {
    if (!isObject(t)) return null;
    const key = optional(t.key);
    const operator = optional(t.operator);
    const value = optional(t.value);
    const effect = optional(t.effect);
    if (typeof key !== "string" || typeof operator !== "string" || typeof value !== "string") return null;
    const op = operator || "Equal";
    if (typeof effect !== "string" || !TOLERATION_EFFECT_SET.has(effect)) return null;
    if (op !== "Equal" && op !== "Exists") return null;
    if (op === "Exists" && value !== "") return null;
    if (key === "" && op !== "Exists") return null;
    out.push({ key, exists: op === "Exists", value, effect });
  }
  return out;
}

/** Required node affinity by the checked path (rare, and cheap next to its terms); null on error. */
function fastAffinity(v: unknown): CheckedRequirement[][] | null | false {
  if (v === undefined || v === null) return null;
  try {
    return checkAffinity(v, "");
  } catch {
    return false;
  }
}

/**
 * The usual gang, checked without field paths or closures: null when anything is off or
 * unusual, and the checked path (checkGang) then runs and names the field. Names taken by
 * earlier gangs are claimNames' part.
 */
function fastGang(v: unknown, levels: CheckedLevel[], requests: Recent): CheckedGang | null {
  if (!isObject(v)) return null;
  const gangName = v.name;
  if (typeof gangName !== "string" || gangName.length === 0) return null;
  let priority = 0;
  const pr = v.priority;
  if (pr !== undefined && pr !== null) {
    if (typeof pr !== "number" || !Number.isFinite(pr)) return null;
    priority = pr;
  }
  const constraint = fastConstraint(v.constraint, levels, -1);
  if (constraint === null) return null;
  const rawGroups = v.groups;
  if (!Array.isArray(rawGroups) || rawGroups.length === 0) return null;
  const nGroups = rawGroups.length;
  for (let i = 0; i < nGroups; i++) {
    const g = rawGroups[i];
    if (!isObject(g)) return null;
    const n = g.name;
    if (typeof n !== "string" || n.length === 0) return null;
    for (let j = 0; j < i; j++) if ((rawGroups[j] as Record<string, unknown>).name === n) return null;
  }
  const subs = fastSubGroups(
    v.subGroups,
    rawGroups as Record<string, unknown>[],
    levels,
    constraint.required,
  );
  if (subs === null) return null;
  const groups = new Array<CheckedGroup>(nGroups);
  for (let i = 0; i < nGroups; i++) {
    const g = rawGroups[i] as Record<string, unknown>;
    const count = g.count;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > MAX_COUNT) return null;
    let minCount = count;
    const mc = g.minCount;
    if (mc !== undefined && mc !== null) {
      if (typeof mc !== "number" || !Number.isInteger(mc) || mc < 0 || mc > count) return null;
      minCount = mc;
    }
    let req: Quantities | null = NO_QUANTITIES;
    const r = g.requests;
    if (r !== undefined && r !== null) {
      if (!isObject(r)) return null;
      req = readQuantities(r, requests);
      if (req === null) return null;
      const pods = req.names.indexOf("pods");
      if (pods >= 0) {
        if (req.values[pods] !== 1000) return null;
        req = without(req, pods);
      }
    }
    const nodeSelector = fastSelector(g.nodeSelector);
    if (nodeSelector === null) return null;
    const terms = fastAffinity(g.affinity);
    if (terms === false) return null;
    const tolerations = fastTolerations(g.tolerations);
    if (tolerations === null) return null;
    const s = subs.of[i] ?? -1;
    const floor =
      s >= 0
        ? Math.max(constraint.required, (subs.list[s] as CheckedSubGroup).constraint.required)
        : constraint.required;
    const c = fastConstraint(g.constraint, levels, floor);
    if (c === null) return null;
    groups[i] = {
      name: g.name as string,
      count,
      minCount,
      requests: req,
      constraint: c,
      nodeSelector,
      terms,
      tolerations,
      shapeKey: shapeKeyOf(nodeSelector, terms, tolerations),
    };
  }
  return { name: gangName, priority, constraint, groups, subGroups: subs.list };
}

const NO_SUBS_OF: { list: readonly CheckedSubGroup[]; of: readonly number[] } = {
  list: NO_SUBGROUPS,
  of: [],
};

/** A gang's sub-groups in checked form and the sub-group of each group (-1: none), or null. */
function fastSubGroups(
  v: unknown,
  groups: Record<string, unknown>[],
  levels: CheckedLevel[],
  floor: number,
): { list: readonly CheckedSubGroup[]; of: readonly number[] } | null {
  if (v === undefined || v === null) return NO_SUBS_OF;
  if (!Array.isArray(v)) return null;
  if (v.length === 0) return NO_SUBS_OF;
  const of = new Array<number>(groups.length).fill(-1);
  const list: CheckedSubGroup[] = [];
  for (let s = 0; s < v.length; s++) {
    const so = v[s];
    if (!isObject(so)) return null;
    const subName = so.name;
    if (typeof subName !== "string" || subName.length === 0) return null;
    for (const g of groups) if (g.name === subName) return null;
    for (const sg of list) if (sg.name === subName) return null;
    const raw = so.groups;
    if (!Array.isArray(raw)) return null;
    const members: number[] = [];
    for (const gn of raw) {
      if (typeof gn !== "string" || gn.length === 0) return null;
      let gi = -1;
      for (let i = 0; i < groups.length && gi < 0; i++)
        if ((groups[i] as Record<string, unknown>).name === gn) gi = i;
      if (gi < 0 || (of[gi] as number) >= 0) return null;
      of[gi] = s;
      members.push(gi);
    }
    const constraint = fastConstraint(so.constraint, levels, floor);
    if (constraint === null) return null;
    list.push({ name: subName, groups: members, constraint });
  }
  return { list, of };
}

/**
 * Records the names of a gang from fastGang; false, recording nothing, when one was taken
 * (the checked path then names the field). One set operation per name: add, then compare sizes.
 */
function claimNames(g: CheckedGang, gangNames: Set<string>, groupNames: Set<string>): boolean {
  const n = gangNames.size;
  gangNames.add(g.name);
  if (gangNames.size === n) return false;
  for (let i = 0; i < g.groups.length; i++) {
    const m = groupNames.size;
    groupNames.add((g.groups[i] as CheckedGroup).name);
    if (groupNames.size === m) {
      gangNames.delete(g.name);
      for (let j = 0; j < i; j++) groupNames.delete((g.groups[j] as CheckedGroup).name);
      return false;
    }
  }
  return true;
}

export function checkGangs(v: unknown, levels: CheckedLevel[], field = "gangs"): CheckedGang[] {
  const gangNames = new Set<string>();
  const groupNames = new Set<string>();
  const requests = new Recent();
  const raw = array(v, field);
  const out = new Array<CheckedGang>(raw.length);
  for (let k = 0; k < raw.length; k++) {
    const g = fastGang(raw[k], levels, requests);
    out[k] =
      g !== null && claimNames(g, gangNames, groupNames)
        ? g
        : checkGang(raw[k], k, field, levels, gangNames, groupNames);
  }
  return out;
}

function checkGang(
  gv: unknown,
  k: number,
  field: string,
  levels: CheckedLevel[],
  gangNames: Set<string>,
  groupNames: Set<string>,
): CheckedGang {
  {
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
  }
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
