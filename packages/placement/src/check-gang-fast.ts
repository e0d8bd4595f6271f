// The fast path of checking gangs: the usual gang in checked form without field paths or closures,
// or null when anything is off or unusual (check.ts then runs the checked path, which names the field).
import { isObject, type Recent, readOptionalQuantities, without } from "./check-common.js";
import { checkAffinity, MAX_COUNT, shapeKeyOf } from "./check-group.js";
import type {
  CheckedConstraint,
  CheckedGang,
  CheckedGroup,
  CheckedLevel,
  CheckedRequirement,
  CheckedSubGroup,
  CheckedToleration,
} from "./check-types.js";

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
export function fastGang(v: unknown, levels: CheckedLevel[], requests: Recent): CheckedGang | null {
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
  // Domain caps: the checked path.
  if (v.domainCaps !== undefined && v.domainCaps !== null) return null;
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
    let req = readOptionalQuantities(g.requests, requests);
    if (req === null) return null;
    const pods = req.names.indexOf("pods");
    if (pods >= 0) {
      if (req.values[pods] !== 1000) return null;
      req = without(req, pods);
    }
    // Node preferences: the checked path.
    if (g.preferences !== undefined && g.preferences !== null) return null;
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
