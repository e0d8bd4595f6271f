// grove-ts's replica spreading annotation on a PodCliqueSet (`grove-ts.dev/spread-replicas:
// <domain>`, labels.ts): its value must be a level of the PCS's ClusterTopologyBinding, checked as
// T5 checks constraint domains. Checked on create, and on update when the value changed (annotations
// stay mutable); without a topologyName in the PCS, or a lookup, there is nothing to check it
// against, and the scheduler ignores a value no binding has.
import { type FieldError, fieldInvalid } from "../field-errors.js";
import { AnnotationSpreadReplicas } from "../labels.js";
import { arr, obj, str } from "./json.js";
import { constraintSites, metadataPath, type PcsView } from "./model.js";
import type { ResolvedOptions } from "./options.js";

const annotationOf = (v: PcsView): string | undefined => {
  const a = obj(v.meta?.annotations)?.[AnnotationSpreadReplicas];
  return typeof a === "string" ? a : undefined;
};

export function validateSpreadReplicas(v: PcsView, o: ResolvedOptions, old?: PcsView): FieldError[] {
  const value = annotationOf(v);
  if (value === undefined || (old && annotationOf(old) === value)) return [];
  const path = metadataPath.child("annotations").key(AnnotationSpreadReplicas);
  const name = constraintSites(v)
    .map((s) => str(s.tc.topologyName))
    .find((n) => n);
  const ctb = name ? o.getClusterTopologyBinding?.(name) : undefined;
  if (!name || !ctb) return [];
  const domains = arr(obj((ctb as Record<string, unknown>).spec)?.levels).map(
    (l) => str(obj(l)?.domain) ?? "",
  );
  if (domains.includes(value)) return [];
  return [
    fieldInvalid(
      path,
      `topology domain '${value}' does not exist in ClusterTopologyBinding '${name}' (levels: ${domains.join(", ")})`,
      value,
    ),
  ];
}
