// PriorityClasses (kube-apiserver's pkg/registry/scheduling/priorityclass and
// pkg/apis/scheduling/validation): the two system classes exist from the start and cannot be
// deleted, names starting `system-` are theirs alone, a user class's value is at most 1000000000,
// preemptionPolicy defaults to PreemptLowerPriority, and value and preemptionPolicy never change.

import type { Cause } from "../status.js";
import { fail } from "../status.js";
import { isObj, type Obj } from "../util.js";
import { strategy } from "./strategy.js";

export const systemPriorityClassPrefix = "system-";
export const highestUserDefinablePriority = 1_000_000_000;

/** scheduling.SystemPriorityClasses(): created at start (kube's bootstrap hook), never deletable. */
export const systemPriorityClasses: Obj[] = [
  {
    metadata: { name: "system-node-critical" },
    value: 2_000_001_000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    metadata: { name: "system-cluster-critical" },
    value: 2_000_000_000,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

const nameOf = (o: Obj): string => String(isObj(o.metadata) ? o.metadata.name : "");
export const classValue = (o: Obj): number => (typeof o.value === "number" ? o.value : 0);

/** scheduling.IsKnownSystemPriorityClass: why a `system-` class is not one of the system classes. */
function unknownSystemClass(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = systemPriorityClasses.find((c) => nameOf(c) === name);
  if (!known) return `${name} is not a known system priority class`;
  if (classValue(known) !== value) return `value of ${name} PriorityClass must be ${classValue(known)}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

/** ValidatePreemptionPolicy. */
export function preemptionPolicyCauses(policy: unknown, field: string): Cause[] {
  if (policy === "PreemptLowerPriority" || policy === "Never") return [];
  if (policy === "" || policy === null) return [{ field, type: "FieldValueRequired", message: "" }];
  return [
    {
      field,
      type: "FieldValueNotSupported",
      value: policy,
      message: 'supported values: "PreemptLowerPriority", "Never"',
    },
  ];
}

export const priorityClassStrategy = strategy({
  prepareForCreate(_def, obj) {
    if (obj.preemptionPolicy === undefined) obj.preemptionPolicy = "PreemptLowerPriority";
  },
  prepareForUpdate(_def, next) {
    if (next.preemptionPolicy === undefined) next.preemptionPolicy = "PreemptLowerPriority";
  },
  validate(_def, obj) {
    const out: Cause[] = [];
    const name = nameOf(obj);
    if (name.startsWith(systemPriorityClassPrefix)) {
      const why = unknownSystemClass(name, classValue(obj), obj.globalDefault === true);
      if (why)
        out.push({
          field: "metadata.name",
          type: "FieldValueForbidden",
          message: `priority class names with '${systemPriorityClassPrefix}' prefix are reserved for system use only. error: ${why}`,
        });
    } else if (classValue(obj) > highestUserDefinablePriority)
      out.push({
        field: "value",
        type: "FieldValueForbidden",
        message: `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`,
      });
    if (obj.preemptionPolicy !== undefined)
      out.push(...preemptionPolicyCauses(obj.preemptionPolicy, "preemptionPolicy"));
    return out;
  },
  validateUpdate(_def, next, old) {
    const out: Cause[] = [];
    if (classValue(next) !== classValue(old))
      out.push({ field: "value", type: "FieldValueForbidden", message: "may not be changed in an update." });
    if (next.preemptionPolicy !== old.preemptionPolicy)
      out.push({
        field: "preemptionPolicy",
        type: "FieldValueInvalid",
        value: next.preemptionPolicy,
        message: "field is immutable",
      });
    return out;
  },
  /** The REST storage's Delete: the system classes stay. */
  checkDelete(old) {
    const name = nameOf(old);
    if (!systemPriorityClasses.some((c) => nameOf(c) === name)) return;
    throw fail(
      403,
      "Forbidden",
      `priorityclasses.scheduling.k8s.io "${name}" is forbidden: this is a system priority class and cannot be deleted`,
      { name, group: "scheduling.k8s.io", kind: "priorityclasses" },
    );
  },
});
