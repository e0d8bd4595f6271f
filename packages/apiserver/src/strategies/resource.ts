// resource.k8s.io/v1 (kube-apiserver's pkg/registry/resource, checked against v1.37.2): a
// ResourceClaim starts with an empty status and its device requests defaulted (ExactCount, count 1);
// the spec of a ResourceClaim and of a ResourceClaimTemplate never changes after create. DeviceClasses
// and ResourceSlices are stored as they come (the generic strategy).
import type { Cause } from "../status.js";
import { deepEqual, isObj, type Obj } from "../util.js";
import { strategy } from "./strategy.js";

/** `exactly.allocationMode` ExactCount and `count` 1 where a request leaves them out (v1 defaults). */
export function defaultDeviceRequests(claimSpec: unknown): void {
  const devices = isObj(claimSpec) && isObj(claimSpec.devices) ? claimSpec.devices : undefined;
  for (const r of Array.isArray(devices?.requests) ? devices.requests : []) {
    const exactly = isObj(r) && isObj(r.exactly) ? r.exactly : undefined;
    if (!exactly) continue;
    exactly.allocationMode ??= "ExactCount";
    if (exactly.allocationMode === "ExactCount") exactly.count ??= 1;
  }
}

/** kube's ValidateImmutableField on the whole spec: `spec: Invalid value: null: field is immutable`. */
const immutableSpec = (next: Obj, old: Obj): Cause[] =>
  deepEqual(next.spec, old.spec)
    ? []
    : [{ field: "spec", type: "FieldValueInvalid", value: null, message: "field is immutable" }];

export const resourceClaimStrategy = strategy({
  prepareForCreate(_def, obj) {
    obj.status = {};
    defaultDeviceRequests(obj.spec);
  },
  prepareForUpdate(_def, next) {
    defaultDeviceRequests(next.spec);
  },
  validate(_def, obj) {
    const st = isObj(obj.status) ? obj.status : {};
    if (Array.isArray(st.reservedFor) && st.reservedFor.length > 0 && !st.allocation)
      return [
        {
          field: "status.reservedFor",
          type: "FieldValueForbidden",
          message: "may not be specified when `allocated` is not set",
        },
      ];
    return [];
  },
  validateUpdate: (_def, next, old) => immutableSpec(next, old),
});

export const resourceClaimTemplateStrategy = strategy({
  prepareForCreate(_def, obj) {
    if (isObj(obj.spec)) obj.spec.metadata ??= {};
    defaultDeviceRequests(isObj(obj.spec) ? obj.spec.spec : undefined);
  },
  prepareForUpdate(_def, next) {
    defaultDeviceRequests(isObj(next.spec) ? next.spec.spec : undefined);
  },
  validateUpdate: (_def, next, old) => immutableSpec(next, old),
});
