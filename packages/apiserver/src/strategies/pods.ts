// Pods (kube-apiserver's pkg/registry/core/pod): a new pod is Pending, its spec is immutable but
// for the few fields the kubelet and controllers may change, deletion of a pod on a node is
// graceful, and pods/binding assigns a node once.
import type { ResourceDef } from "../registry.js";
import { type Cause, conflict, invalid, uidConflict } from "../status.js";
import { clone, deepEqual, isObj, type Obj, timestamp } from "../util.js";
import { strategy } from "./strategy.js";

const scheduledCondition = (): Obj => ({
  type: "PodScheduled",
  status: "True",
  lastProbeTime: null,
  lastTransitionTime: timestamp(),
});

const specOf = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});

/** Pod spec is immutable after create except images, activeDeadlineSeconds, tolerations (additions) and removing scheduling gates. */
function podUpdateCauses(old: Obj, next: Obj): Cause[] {
  const mask = (spec: Obj): Obj => {
    const c = clone(spec);
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
      if (Array.isArray(c[list]))
        c[list] = (c[list] as unknown[]).map((x) => (isObj(x) ? { ...x, image: undefined } : x));
    }
    delete c.activeDeadlineSeconds;
    delete c.tolerations;
    delete c.schedulingGates;
    delete c.terminationGracePeriodSeconds;
    return c;
  };
  const out: Cause[] = [];
  if (!deepEqual(mask(old), mask(next)))
    out.push({
      field: "spec",
      type: "FieldValueForbidden",
      message:
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    });
  const gates = (s: Obj): string[] =>
    Array.isArray(s.schedulingGates) ? s.schedulingGates.map((g) => String(isObj(g) ? g.name : g)) : [];
  const oldGates = gates(old);
  if (gates(next).some((g) => !oldGates.includes(g)))
    out.push({
      field: "spec.schedulingGates",
      type: "FieldValueForbidden",
      message: "only deletion is allowed, but found new scheduling gate",
    });
  const tol = (s: Obj): unknown[] => (Array.isArray(s.tolerations) ? s.tolerations : []);
  const nextTol = tol(next);
  if (!tol(old).every((t) => nextTol.some((u) => deepEqual(t, u))))
    out.push({
      field: "spec.tolerations",
      type: "FieldValueForbidden",
      message: "existing toleration can not be modified except its tolerationSeconds",
    });
  return out;
}

export const podStrategy = strategy({
  prepareForCreate(_def, obj) {
    const st: Obj = { phase: "Pending" };
    obj.status = st;
    if (specOf(obj).nodeName) st.conditions = [scheduledCondition()];
  },
  validate(_def, obj) {
    const out: Cause[] = [];
    const spec = isObj(obj.spec) ? obj.spec : undefined;
    const containers = spec && Array.isArray(spec.containers) ? spec.containers : [];
    if (containers.length === 0)
      out.push({ field: "spec.containers", type: "FieldValueRequired", message: "" });
    containers.forEach((c, i) => {
      if (!isObj(c) || typeof c.name !== "string" || c.name === "")
        out.push({ field: `spec.containers[${i}].name`, type: "FieldValueRequired", message: "" });
      if (!isObj(c) || typeof c.image !== "string" || c.image === "")
        out.push({ field: `spec.containers[${i}].image`, type: "FieldValueRequired", message: "" });
    });
    return out;
  },
  validateUpdate: (_def, next, old) => podUpdateCauses(specOf(old), specOf(next)),
  /**
   * CheckGracefulDelete: 0 (delete at once) for a pod on no node or in a terminal phase; else the
   * requested period, or the pod's terminationGracePeriodSeconds (30 s default); a negative
   * request counts as 1 s.
   */
  gracePeriod(pod, requested) {
    const spec = specOf(pod);
    const phase = isObj(pod.status) ? pod.status.phase : undefined;
    if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
    const grace =
      requested ??
      (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30);
    return grace < 0 ? 1 : grace;
  },
});

/** pods/binding (BindingREST): the node a Binding names; 422 when it names none. */
export function bindingTarget(podName: string, body: unknown): string {
  if (!isObj(body) || !isObj(body.target) || typeof body.target.name !== "string" || body.target.name === "")
    throw invalid("Binding", "", podName, [
      { field: "target.name", type: "FieldValueRequired", message: "" },
    ]);
  return body.target.name;
}

/**
 * pods/binding: the pod as it is once bound to `target`, with its PodScheduled condition; a
 * conflict when the Binding's UID is another pod's, or the pod is deleting, bound already or gated.
 */
export function boundPod(def: ResourceDef, pod: Obj, target: string, body: Obj): Obj {
  const pm = pod.metadata as Obj;
  const podName = String(pm.name);
  const bm = isObj(body.metadata) ? body.metadata : {};
  if (bm.uid && bm.uid !== pm.uid) throw uidConflict(def, podName, bm.uid, pm.uid);
  const spec = specOf(pod);
  if (pm.deletionTimestamp)
    throw conflict(def, podName, "pod is being deleted, cannot be assigned to a host");
  if (spec.nodeName)
    throw conflict(def, podName, `pod ${podName} is already assigned to node "${String(spec.nodeName)}"`);
  if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0)
    throw conflict(def, podName, `pod ${podName} has non-empty .spec.schedulingGates`);
  const next = clone(pod);
  (next.spec as Obj).nodeName = target;
  const st: Obj = isObj(next.status) ? next.status : {};
  const conds = (Array.isArray(st.conditions) ? st.conditions : []).filter(
    (c) => !(isObj(c) && c.type === "PodScheduled"),
  );
  conds.push(scheduledCondition());
  st.conditions = conds;
  next.status = st;
  return next;
}
