// Node preferences of a pod group (README "Node preferences"): checked, keyed into the group's
// shape, and scored per node by the call encoder. The engines only read the scores: inside the
// domain a group's constraints chose, its pods take the nodes of the best score first.
import { array, type Field, fail, integer, object, path } from "./check-common.js";
import { checkNodeTerm } from "./check-group.js";
import {
  type CheckedGroup,
  type CheckedNode,
  type CheckedRequirement,
  type CheckedToleration,
  NAME_LABEL,
} from "./check-types.js";

export interface CheckedPreferences {
  /** Preferred node-affinity terms: a node matching one scores its weight. */
  terms: { weight: number; term: CheckedRequirement[] }[];
  /** Untolerated PreferNoSchedule taints count against a node, before any weight. */
  preferNoSchedule: boolean;
}

/** `preferences` of a group, or null when it prefers nothing. */
export function checkPreferences(v: unknown, field: Field): CheckedPreferences | null {
  if (v === undefined || v === null) return null;
  const o = object(v, field);
  const f1 = () => `${path(field)}.nodeAffinity`;
  const terms =
    o.nodeAffinity === undefined || o.nodeAffinity === null
      ? []
      : array(o.nodeAffinity, f1).map((t, i) => {
          const f = () => `${path(f1)}[${i}]`;
          const to = object(t, f);
          if (to.weight === undefined) fail("FieldValueRequired", () => `${path(f)}.weight`, "is required");
          const weight = integer(to.weight, () => `${path(f)}.weight`, 1);
          if (weight > 100)
            fail("FieldValueInvalid", () => `${path(f)}.weight`, `${weight} is not in the range 1-100`);
          if (to.preference === undefined || to.preference === null)
            fail("FieldValueRequired", () => `${path(f)}.preference`, "is required");
          return { weight, term: checkNodeTerm(to.preference, () => `${path(f)}.preference`) };
        });
  if (
    o.preferNoSchedule !== undefined &&
    o.preferNoSchedule !== null &&
    typeof o.preferNoSchedule !== "boolean"
  )
    fail("FieldValueTypeInvalid", () => `${path(field)}.preferNoSchedule`, "must be a boolean");
  const preferNoSchedule = o.preferNoSchedule === true;
  return terms.length === 0 && !preferNoSchedule ? null : { terms, preferNoSchedule };
}

/** Appended to the group's shape key: groups preferring differently never share a shape. */
export function preferencesKey(p: CheckedPreferences | null): string {
  if (p === null) return "";
  const str = (x: string) => `${x.length}:${x}`;
  let k = `p${p.terms.length};${p.preferNoSchedule ? "T" : "F"}`;
  for (const { weight, term } of p.terms) {
    k += `${weight},${term.length};`;
    for (const e of term) {
      k += str(e.key) + str(e.op) + `${e.values.length};`;
      for (const v of e.values) k += str(v);
    }
  }
  return k;
}

function holds(e: CheckedRequirement, node: CheckedNode): boolean {
  const v = e.key === NAME_LABEL ? node.name : node.labels[e.key];
  switch (e.op) {
    case "In":
      return v !== undefined && e.values.includes(v);
    case "NotIn":
      return v === undefined || !e.values.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    case "Gt":
    case "Lt":
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      return e.op === "Gt" ? Number(v) > e.num : Number(v) < e.num;
  }
}

/**
 * A node's score for a group: the weights of the preferred terms it matches (an empty term matches
 * nothing), minus, with `preferNoSchedule`, one more than all the weights together per
 * PreferNoSchedule taint the group does not tolerate (so fewer such taints always come first).
 */
export function nodeScore(
  p: CheckedPreferences,
  tolerations: readonly CheckedToleration[],
  node: CheckedNode,
): number {
  let score = 0;
  let all = 0;
  for (const { weight, term } of p.terms) {
    all += weight;
    if (term.length > 0 && term.every((e) => holds(e, node))) score += weight;
  }
  if (p.preferNoSchedule)
    for (const t of node.preferTaints ?? []) {
      const tolerated = tolerations.some(
        (x) =>
          (x.effect === "" || x.effect === "PreferNoSchedule") &&
          (x.exists ? x.key === "" || x.key === t.key : x.key === t.key && x.value === t.value),
      );
      if (!tolerated) score -= all + 1;
    }
  return score;
}

/**
 * The call arena's preference rows: `pref[s]` the row of shape s (-1: it prefers nothing) and
 * `score[row * N + x]` node x's score, x in encoded order.
 */
export function writeScores(
  pref: Int32Array,
  score: Float64Array,
  shapes: readonly CheckedGroup[],
  nodes: readonly CheckedNode[],
): void {
  const N = nodes.length;
  let row = 0;
  for (let s = 0; s < shapes.length; s++) {
    const g = shapes[s] as CheckedGroup;
    if (!g.prefs) {
      pref[s] = -1;
      continue;
    }
    pref[s] = row;
    for (let x = 0; x < N; x++)
      score[row * N + x] = nodeScore(g.prefs, g.tolerations, nodes[x] as CheckedNode);
    row++;
  }
}
