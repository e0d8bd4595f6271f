// Checks the topology and the nodes of a PlacementProblem: a fast path for the usual node (no
// field paths built) and the checked path that names the offending field.
import {
  array,
  type Field,
  fail,
  isObject,
  name,
  object,
  optString,
  path,
  quantities,
  Recent,
  readOptionalQuantities,
  readQuantities,
  stringMap,
} from "./check-common.js";
import type { CheckedLevel, CheckedNode, CheckedTaint } from "./check-types.js";

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
  const prefer: { key: string; value: string }[] = [];
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
      else prefer.push({ key, value });
    });
  return {
    name: nodeName,
    labels: stringMap(o.labels, () => `${at()}.labels`),
    allocatable,
    allocated,
    unschedulable: o.unschedulable === true,
    taints,
    ...(prefer.length > 0 ? { preferTaints: prefer } : {}),
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
  const used = readOptionalQuantities(v.allocated, allocated);
  if (used === null) return null;
  const uns = v.unschedulable;
  if (uns !== undefined && typeof uns !== "boolean") return null;
  let taints = NO_TAINTS;
  let prefer: { key: string; value: string }[] | undefined;
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
        else if (effect === "PreferNoSchedule") {
          if (prefer === undefined) prefer = [];
          prefer.push({ key, value: value ?? "" });
        } else return null;
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
    ...(prefer ? { preferTaints: prefer } : {}),
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
