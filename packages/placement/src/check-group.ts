// Checks one pod group by the checked path (constraints, node affinity, tolerations, requests),
// naming the offending field, and computes its shape key (groups with equal filters share one).
import {
  array,
  type Field,
  fail,
  integer,
  name,
  object,
  optString,
  path,
  quantities,
  stringMap,
  without,
} from "./check-common.js";
import {
  type CheckedConstraint,
  type CheckedGroup,
  type CheckedLevel,
  type CheckedRequirement,
  type CheckedToleration,
  NAME_LABEL,
  type Operator,
} from "./check-types.js";
import { checkPreferences, preferencesKey } from "./node-prefs.js";

/** An implementation limit: the engines hold a slot per wanted pod. */
export const MAX_COUNT = 1_000_000;

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
export function checkConstraint(
  v: unknown,
  field: Field,
  levels: CheckedLevel[],
  floor: number,
): CheckedConstraint {
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

export function checkAffinity(v: unknown, field: Field): CheckedRequirement[][] | null {
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
  return terms.map((t, i) => checkNodeTerm(t, () => `${path(f2)}.nodeSelectorTerms[${i}]`));
}

/** One node selector term: its requirements, `matchFields` under NAME_LABEL. */
export function checkNodeTerm(t: unknown, f: Field): CheckedRequirement[] {
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

export function checkGroup(v: unknown, field: Field, levels: CheckedLevel[], floor: number): CheckedGroup {
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
  const prefs = checkPreferences(o.preferences, () => `${path(field)}.preferences`);
  return {
    name: groupName,
    count,
    minCount,
    requests,
    constraint: checkConstraint(o.constraint, () => `${path(field)}.constraint`, levels, floor),
    nodeSelector,
    terms,
    tolerations,
    shapeKey: shapeKeyOf(nodeSelector, terms, tolerations) + preferencesKey(prefs),
    ...(prefs ? { prefs } : {}),
  };
}

/**
 * Equal for groups with equal filters, different otherwise: every string is length-prefixed and
 * every list counted, so no two shapes share a key; "" for a group without filters.
 */
export function shapeKeyOf(
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
