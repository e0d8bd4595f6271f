// The Priority admission plugin (kube-apiserver's plugin/pkg/admission/priority): on pod create,
// spec.priorityClassName is resolved to spec.priority and spec.preemptionPolicy (the globalDefault
// class's, or 0 and PreemptLowerPriority, when none is named); a class that does not exist, or a
// priority or preemptionPolicy the pod sets that differs from its class's, is 403 Forbidden. On
// PriorityClass create and update, at most one class is the globalDefault.
import type { Admission } from "./admission.js";
import { fail } from "./status.js";
import { classValue } from "./strategies/priority-classes.js";
import type { AdmissionRequest } from "./types.js";
import { isObj, type Obj } from "./util.js";

const nameOf = (o: Obj): string => String(isObj(o.metadata) ? o.metadata.name : "");
const policyOf = (o: Obj): string =>
  typeof o.preemptionPolicy === "string" ? o.preemptionPolicy : "PreemptLowerPriority";

const forbidden = (req: AdmissionRequest, message: string) => {
  const group = req.group;
  const resource = group ? `${req.resource}.${group}` : req.resource;
  return fail(403, "Forbidden", `${resource} "${req.name}" is forbidden: ${message}`, {
    name: req.name,
    group,
    kind: req.resource,
  });
};

/** getDefaultPriority: the globalDefault class with the lowest value, if any. */
function globalDefault(classes: Iterable<Obj>): Obj | undefined {
  let best: Obj | undefined;
  for (const c of classes)
    if (c.globalDefault === true && (!best || classValue(c) < classValue(best))) best = c;
  return best;
}

function admitPod(req: AdmissionRequest, classes: () => Iterable<Obj>): undefined {
  const pod = req.object;
  if (!isObj(pod.spec)) return undefined;
  const spec = pod.spec;
  if (req.operation === "UPDATE") {
    // Set on create: an update that leaves them out keeps them.
    const old = req.oldObject && isObj(req.oldObject.spec) ? req.oldObject.spec : {};
    if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
    if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined)
      spec.preemptionPolicy = old.preemptionPolicy;
    return undefined;
  }
  if (req.subresource) return undefined;
  const className = typeof spec.priorityClassName === "string" ? spec.priorityClassName : "";
  let priority = 0;
  let policy = "PreemptLowerPriority";
  if (className === "") {
    const d = globalDefault(classes());
    if (d) {
      spec.priorityClassName = nameOf(d);
      priority = classValue(d);
      policy = policyOf(d);
    }
  } else {
    const pc = req.lookup("scheduling.k8s.io/v1", "PriorityClass", className);
    if (!pc) throw forbidden(req, `no PriorityClass with name ${className} was found`);
    priority = classValue(pc);
    policy = policyOf(pc);
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority)
    throw forbidden(
      req,
      `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  spec.priority = priority;
  if (
    spec.preemptionPolicy !== undefined &&
    spec.preemptionPolicy !== null &&
    spec.preemptionPolicy !== policy
  )
    throw forbidden(
      req,
      `the string value of PreemptionPolicy (${String(spec.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  spec.preemptionPolicy = policy;
  return undefined;
}

function validatePriorityClass(req: AdmissionRequest, classes: () => Iterable<Obj>): undefined {
  if (req.subresource || req.object.globalDefault !== true) return undefined;
  for (const c of classes())
    if (c.globalDefault === true && nameOf(c) !== req.name)
      throw forbidden(
        req,
        `PriorityClass ${nameOf(c)} is already marked as default. Only one default can exist`,
      );
  return undefined;
}

/** Registers the plugin; `classes` lists the stored PriorityClasses. */
export function registerPriorityAdmission(admission: Admission, classes: () => Iterable<Obj>): void {
  admission.addMutatingHook({ group: "", kind: "Pod" }, (req) => admitPod(req, classes));
  admission.addValidatingHook({ group: "scheduling.k8s.io", kind: "PriorityClass" }, (req) =>
    validatePriorityClass(req, classes),
  );
}
