// Eviction: POST pods/<name>/eviction with a policy/v1 Eviction (what `kubectl drain` sends). This
// server has no PodDisruptionBudgets, so an eviction is always allowed: the pod gets kube's
// DisruptionTarget condition (EvictionByEvictionAPI), is deleted with the Eviction's deleteOptions,
// and the answer is kube-apiserver's 201 Success Status
// (k8s.io/kubernetes/pkg/registry/core/pod/storage/eviction.go).
import type { DeleteOpts, Propagation } from "../server.js";
import { badRequest, methodNotAllowed } from "../status.js";
import { isObj, type Obj, timestamp } from "../util.js";
import { type ResourceCall, sendDurable } from "./call.js";
import { decodeBody, q } from "./request.js";

const evicted = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

/** POST /api/v1/namespaces/{namespace}/pods/{name}/eviction */
export function createEviction(c: ResourceCall): Promise<void> {
  if (!c.namespace) throw methodNotAllowed();
  const body = decodeBody(c);
  if (!isObj(body)) throw badRequest("Eviction: the body must be a policy/v1 Eviction object");
  const meta = isObj(body.metadata) ? body.metadata : {};
  if (typeof meta.name === "string" && meta.name !== "" && meta.name !== c.name)
    throw badRequest("name in URL does not match name in Eviction object");
  const opts: DeleteOpts = {};
  const d = isObj(body.deleteOptions) ? body.deleteOptions : {};
  if (typeof d.gracePeriodSeconds === "number") opts.gracePeriodSeconds = d.gracePeriodSeconds;
  if (typeof d.propagationPolicy === "string") opts.propagationPolicy = d.propagationPolicy as Propagation;
  if (isObj(d.preconditions)) opts.preconditions = d.preconditions as DeleteOpts["preconditions"] & object;
  if ((Array.isArray(d.dryRun) && d.dryRun.includes("All")) || q(c.url, "dryRun") === "All")
    opts.dryRun = true;
  const pod = c.api.get(c.def, c.namespace, c.name as string);
  if (!opts.dryRun) {
    const status = isObj(pod.status) ? pod.status : {};
    const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).filter(
      (x) => x.type !== "DisruptionTarget",
    );
    conditions.push({
      lastProbeTime: null,
      lastTransitionTime: timestamp(),
      message: "Eviction API: evicting",
      reason: "EvictionByEvictionAPI",
      status: "True",
      type: "DisruptionTarget",
    });
    c.api.update(
      c.def,
      c.namespace,
      c.name as string,
      { ...pod, status: { ...status, conditions } },
      {},
      "status",
    );
  }
  c.api.delete(c.def, c.namespace, c.name as string, opts);
  return sendDurable(c, 201, evicted);
}
