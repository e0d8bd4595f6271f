// KAI's Queue (scheduling.run.ai, served once its CRD, @grove-ts/api's kaiQueueCrd(), is installed):
// the CRD's CEL rule, which this server does not evaluate (schema.ts), applied in admission with
// kube-apiserver's words: for every resource, quota may not exceed limit unless limit is -1.
import { queueQuotaRule } from "@grove-ts/api";
import type { Admission } from "./admission.js";
import type { Cause } from "./status.js";
import { isObj } from "./util.js";

export function registerQueueAdmission(admission: Admission): void {
  admission.addValidatingHook({ group: "scheduling.run.ai", kind: "Queue" }, (req) => {
    if (req.subresource) return undefined;
    const spec = req.object.spec;
    const resources = isObj(spec) && isObj(spec.resources) ? spec.resources : {};
    const out: Cause[] = [];
    // In the order the object has them, as kube-apiserver reports CEL errors.
    for (const [name, r] of Object.entries(resources)) {
      if (!isObj(r) || typeof r.quota !== "number" || typeof r.limit !== "number") continue;
      if (r.limit === -1 || r.quota <= r.limit) continue;
      out.push({
        field: `spec.resources.${name}${queueQuotaRule.fieldPath}`,
        type: "FieldValueInvalid",
        message: queueQuotaRule.message,
      });
    }
    return out;
  });
}
