// CustomResourceDefinitions (apiextensions-apiserver's CRD strategy): the checks that make a CRD
// servable (group, names, scope, exactly one storage version, structural schemas), group and scope
// immutable, and the status a CRD controller would write (names accepted, established, stored
// versions), computed on every write. Serving the CRD's kinds is registry.ts's defsFromCrd.
import { isDNS1123Label } from "@grove-ts/api";
import type { Cause } from "../status.js";
import { clone, deepEqual, isObj, type Obj, timestamp } from "../util.js";
import { strategy } from "./strategy.js";

const meta = (o: Obj): Obj => o.metadata as Obj;

function crdCauses(obj: Obj): Cause[] {
  const out: Cause[] = [];
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec) return [{ field: "spec", type: "FieldValueRequired", message: "" }];
  const names = isObj(spec.names) ? spec.names : {};
  const group = spec.group;
  if (typeof group !== "string" || !group.includes("."))
    out.push({
      field: "spec.group",
      type: "FieldValueInvalid",
      value: group,
      message: "should be a domain with at least one dot",
    });
  if (typeof names.plural !== "string" || isDNS1123Label(names.plural).length > 0)
    out.push({ field: "spec.names.plural", type: "FieldValueRequired", message: "" });
  if (typeof names.kind !== "string" || names.kind === "")
    out.push({ field: "spec.names.kind", type: "FieldValueRequired", message: "" });
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    out.push({
      field: "spec.scope",
      type: "FieldValueNotSupported",
      value: spec.scope,
      message: 'supported values: "Cluster", "Namespaced"',
    });
  const name = meta(obj).name;
  if (typeof names.plural === "string" && name !== `${names.plural}.${String(group)}`)
    out.push({
      field: "metadata.name",
      type: "FieldValueInvalid",
      value: name,
      message: 'must be spec.names.plural+"."+spec.group',
    });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    out.push({
      field: "spec.versions",
      type: "FieldValueInvalid",
      value: versions,
      message: "must have exactly one version marked as storage version",
    });
  else if (versions.filter((v) => isObj(v) && v.storage === true).length !== 1)
    out.push({
      field: "spec.versions",
      type: "FieldValueInvalid",
      value: versions.length,
      message: "must have exactly one version marked as storage version",
    });
  versions.forEach((v, i) => {
    if (!isObj(v) || typeof v.name !== "string" || v.name === "")
      out.push({ field: `spec.versions[${i}].name`, type: "FieldValueRequired", message: "" });
    const schema = isObj(v) && isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObj(schema))
      out.push({
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        type: "FieldValueRequired",
        message: "schemas are required",
      });
    else structuralCauses(schema, `spec.versions[${i}].schema.openAPIV3Schema`, out);
  });
  return out;
}

/**
 * The structural-schema rules kube-apiserver enforces on CRDs that matter for pruning and
 * defaulting: every node has a type (unless int-or-string or preserving unknown fields), and
 * properties and additionalProperties do not mix.
 */
function structuralCauses(schema: Obj, path: string, out: Cause[]): void {
  const free =
    schema["x-kubernetes-int-or-string"] === true || schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (!free && (typeof schema.type !== "string" || schema.type === ""))
    out.push({
      field: `${path}.type`,
      type: "FieldValueRequired",
      message: "must not be empty for specified object fields",
    });
  if (
    isObj(schema.properties) &&
    schema.additionalProperties !== undefined &&
    schema.additionalProperties !== false
  )
    out.push({
      field: `${path}.additionalProperties`,
      type: "FieldValueForbidden",
      message: "additionalProperties and properties are mutual exclusive",
    });
  if (isObj(schema.properties))
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (path.endsWith("openAPIV3Schema") && k === "metadata") continue;
      if (isObj(sub)) structuralCauses(sub, `${path}.properties[${k}]`, out);
    }
  if (isObj(schema.items)) structuralCauses(schema.items, `${path}.items`, out);
  if (isObj(schema.additionalProperties))
    structuralCauses(schema.additionalProperties, `${path}.additionalProperties`, out);
}

function crdStatus(obj: Obj, old: Obj | undefined): void {
  const spec = obj.spec as Obj;
  const versions = (spec.versions as Obj[]).filter(isObj);
  const storageVersion = String(versions.find((v) => v.storage === true)?.name ?? "");
  const oldStored =
    old && isObj(old.status) && Array.isArray(old.status.storedVersions)
      ? (old.status.storedVersions as string[])
      : [];
  const now = timestamp();
  obj.status = {
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        reason: "NoConflicts",
        message: "no conflicts found",
        lastTransitionTime: now,
      },
      {
        type: "Established",
        status: "True",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
        lastTransitionTime: now,
      },
    ],
    acceptedNames: clone(spec.names),
    storedVersions: [...new Set([...oldStored, storageVersion])],
  };
  if (
    old &&
    isObj(old.status) &&
    Array.isArray(old.status.conditions) &&
    deepEqual((old.status as Obj).acceptedNames, spec.names)
  )
    (obj.status as Obj).conditions = clone(old.status.conditions);
}

const immutable = (field: string, value: unknown): Cause => ({
  field,
  type: "FieldValueInvalid",
  value,
  message: "field is immutable",
});

export const crdStrategy = strategy({
  validate: (_def, obj) => crdCauses(obj),
  validateUpdate(_def, next, old) {
    const os = old.spec as Obj;
    const ns = isObj(next.spec) ? next.spec : {};
    const causes: Cause[] = [];
    if (ns.group !== os.group) causes.push(immutable("spec.group", ns.group));
    if (ns.scope !== os.scope) causes.push(immutable("spec.scope", ns.scope));
    return causes;
  },
  canonicalize: (_def, obj, old) => crdStatus(obj, old),
  kubeFinalizers: false,
});
