// Domain caps of a gang (README "Domain caps"): at most so many pods of some of its groups per
// domain of a node label. Checked here, and written by the call encoder as numbers only (layout.ts
// P.NCAP, P.CAPGRP, P.CAPDOM, P.CAPMAX); the engines hold a capped group's pods to the caps in
// fill(), whatever the domain its constraints chose.
import { array, type Field, fail, integer, isObject, name, object, path } from "./check-common.js";
import type { CheckedGang, CheckedGroup, CheckedNode } from "./check-types.js";

export interface CheckedDomainCap {
  key: string;
  /** Indices of the capped groups in the gang. */
  groups: number[];
  /** -1: no limit for domains not in `domains`. */
  max: number;
  domains: ReadonlyMap<string, number>;
  /** Nodes without the label take no pod of these groups. */
  unlabeledNone: boolean;
}

/** A gang's `domainCaps`, or null when it has none. */
export function checkDomainCaps(
  v: unknown,
  field: Field,
  groups: readonly CheckedGroup[],
): CheckedDomainCap[] | null {
  if (v === undefined || v === null) return null;
  const raw = array(v, field);
  if (raw.length === 0) return null;
  return raw.map((cv, i) => {
    const f = () => `${path(field)}[${i}]`;
    const o = object(cv, f);
    const key = name(o.key, () => `${path(f)}.key`);
    const names = array(o.groups, () => `${path(f)}.groups`);
    if (names.length === 0)
      fail("FieldValueRequired", () => `${path(f)}.groups`, "a cap needs at least one group");
    const members = names.map((gv, j) => {
      const gf = () => `${path(f)}.groups[${j}]`;
      const gname = name(gv, gf);
      const gi = groups.findIndex((g) => g.name === gname);
      if (gi < 0) fail("FieldValueNotFound", gf, `unknown group ${JSON.stringify(gname)} in this gang`);
      return gi;
    });
    if (new Set(members).size !== members.length)
      fail("FieldValueDuplicate", () => `${path(f)}.groups`, "a group is listed twice");
    const max = o.max === undefined || o.max === null ? -1 : integer(o.max, () => `${path(f)}.max`, 0);
    const domains = new Map<string, number>();
    if (o.domains !== undefined && o.domains !== null) {
      if (!isObject(o.domains))
        fail("FieldValueTypeInvalid", () => `${path(f)}.domains`, "must be an object");
      for (const [d, n] of Object.entries(o.domains as Record<string, unknown>))
        domains.set(
          d,
          integer(n, () => `${path(f)}.domains[${JSON.stringify(d)}]`, 0),
        );
    }
    if (max < 0 && domains.size === 0)
      fail("FieldValueRequired", () => `${path(f)}.max`, "a cap needs max or domains");
    const u = o.unlabeled;
    if (u !== undefined && u !== null && u !== "any" && u !== "none")
      fail(
        "FieldValueInvalid",
        () => `${path(f)}.unlabeled`,
        `${JSON.stringify(u)}: must be "any" or "none"`,
      );
    return { key, groups: members, max, domains, unlabeledNone: u === "none" };
  });
}

/** Caps in a call and the lengths of their sections. */
export function capSizes(gangs: readonly CheckedGang[], nodes: readonly CheckedNode[]) {
  let caps = 0;
  let members = 0;
  let slots = 0;
  for (const g of gangs)
    for (const c of g.domainCaps ?? []) {
      caps++;
      members += c.groups.length;
      const values = new Set<string>();
      for (const n of nodes) {
        const v = n.labels[c.key];
        if (v !== undefined) values.add(v);
      }
      slots += values.size;
    }
  return { caps, members, slots };
}

/**
 * Writes the caps: `grp` = NCAP+1 offsets (into `grp` itself), then the capped groups' call
 * indices; `dom[c*N + x]` = node x's domain slot of cap c (-1: no limit there, -2: no pod);
 * `max[2j]` = the cap of slot j (`max[2j+1]` is the engines' count scratch).
 */
export function writeCaps(
  grp: Int32Array,
  dom: Int32Array,
  max: Int32Array,
  gangs: readonly CheckedGang[],
  groupFirst: Int32Array,
  nodes: readonly CheckedNode[],
): void {
  const N = nodes.length;
  let nCap = 0;
  for (const g of gangs) nCap += g.domainCaps?.length ?? 0;
  let c = 0;
  let at = nCap + 1;
  let slot = 0;
  gangs.forEach((g, k) => {
    for (const cap of g.domainCaps ?? []) {
      grp[c] = at;
      for (const gi of cap.groups) grp[at++] = (groupFirst[k] as number) + gi;
      const slots = new Map<string, number>();
      for (let x = 0; x < N; x++) {
        const v = (nodes[x] as CheckedNode).labels[cap.key];
        if (v === undefined) {
          dom[c * N + x] = cap.unlabeledNone ? -2 : -1;
          continue;
        }
        const limit = cap.domains.get(v) ?? cap.max;
        if (limit < 0) {
          dom[c * N + x] = -1;
          continue;
        }
        let j = slots.get(v);
        if (j === undefined) {
          j = slot++;
          slots.set(v, j);
          max[2 * j] = limit;
          max[2 * j + 1] = 0;
        }
        dom[c * N + x] = j;
      }
      c++;
    }
  });
  grp[c] = at;
}
