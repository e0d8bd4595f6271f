// Parses and checks a PlacementProblem (spec: placement-problem.md). Every rejection is a
// PlacementProblemError naming the field path; the problem is rejected as a whole. This file checks
// the gangs (names unique across the problem, each gang by the fast path, else by the checked one)
// and the whole problem, and is the door the rest of the package imports checking through. The
// parts: check-types.ts (the checked form), check-common.ts (field paths and typed readers),
// check-nodes.ts (topology and nodes), check-group.ts (one group, checked path),
// check-gang-fast.ts (the usual gang without field paths).
import { array, fail, name, object, path, Recent } from "./check-common.js";
import { fastGang } from "./check-gang-fast.js";
import { checkConstraint, checkGroup } from "./check-group.js";
import { checkNodes, checkTopology } from "./check-nodes.js";
import { checkRunning } from "./check-running.js";
import type {
  CheckedGang,
  CheckedGroup,
  CheckedLevel,
  CheckedOptions,
  CheckedProblem,
  CheckedSubGroup,
} from "./check-types.js";
import { checkDomainCaps } from "./domain-caps.js";

export { checkNode, checkNodes, checkTopology } from "./check-nodes.js";
export type * from "./check-types.js";
export { amountOf, NAME_LABEL, NO_QUANTITIES } from "./check-types.js";

const NO_SUBS: number[] = [];

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
    const caps = checkDomainCaps(o.domainCaps, () => `${path(f)}.domainCaps`, groups);
    return { name: gangName, priority, constraint, groups, subGroups, ...(caps ? { domainCaps: caps } : {}) };
  }
}

export function checkOptions(v: unknown, field = "options"): CheckedOptions {
  if (v === undefined || v === null) return { spread: false, preemption: false };
  const o = object(v, field);
  if (o.spread !== undefined && typeof o.spread !== "boolean")
    fail("FieldValueTypeInvalid", () => `${path(field)}.spread`, "must be a boolean");
  if (o.preemption !== undefined && typeof o.preemption !== "boolean")
    fail("FieldValueTypeInvalid", () => `${path(field)}.preemption`, "must be a boolean");
  return { spread: o.spread === true, preemption: o.preemption === true };
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
    running: checkRunning(o.running),
  };
}
