// kube-apiserver's field-label conversions (runtime.Scheme.ConvertFieldLabel): which field selectors
// each kind supports, and its words for the rest. Built-in kinds with a conversion function of their
// own (k8s.io/kubernetes pkg/apis/core/v1/conversion.go and friends, v1.37.2) list their fields and
// refuse others with `field label not supported: <f>`; the other built-ins take metadata.name and
// metadata.namespace only (runtime.DefaultMetaV1FieldSelectorConversion); custom resources take
// metadata.name, metadata.namespace when namespaced, and their version's selectableFields
// (apiextensions-apiserver's crConverter).
import { goQuote } from "@grove-ts/api";
import type { FieldTransform } from "@grove-ts/runtime";
import type { ResourceDef } from "./registry.js";

/** Per built-in kind with a conversion of its own (`<group>/<Kind>`): the field labels it accepts. */
const builtinFields: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries({
    "/Pod":
      "metadata.name metadata.namespace spec.nodeName spec.restartPolicy spec.schedulerName " +
      "spec.serviceAccountName spec.hostNetwork status.phase status.podIP status.podIPs status.nominatedNodeName",
    "/Node": "metadata.name spec.unschedulable",
    "/ReplicationController": "metadata.name metadata.namespace status.replicas",
    "/Event":
      "involvedObject.kind involvedObject.namespace involvedObject.name involvedObject.uid " +
      "involvedObject.apiVersion involvedObject.resourceVersion involvedObject.fieldPath reason " +
      "reportingComponent source type metadata.namespace metadata.name",
    "/Namespace": "status.phase metadata.name",
    "/Secret": "type metadata.namespace metadata.name",
    "/Service": "metadata.namespace metadata.name spec.clusterIP spec.type",
  }).map(([kind, fields]) => [kind, fields.split(" ")]),
);

/** The field-label conversion of `def`'s kind, as parseFieldSelector's transform. */
export function fieldLabelConversion(def: ResourceDef): FieldTransform {
  if (!def.builtin)
    return (field, value) =>
      field === "metadata.name" ||
      (def.namespaced && field === "metadata.namespace") ||
      def.selectableFields?.includes(field)
        ? { field, value }
        : `field label not supported: ${field}`;
  const supported = builtinFields[`${def.group}/${def.kind}`];
  if (supported === undefined)
    return (field, value) =>
      field === "metadata.name" || field === "metadata.namespace"
        ? { field, value }
        : `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
  return (field, value) => {
    // Old v1 clients send spec.host for spec.nodeName.
    if (def.kind === "Pod" && field === "spec.host") return { field: "spec.nodeName", value };
    return supported.includes(field) ? { field, value } : `field label not supported: ${field}`;
  };
}
