// The scale subresource (autoscaling/v1 Scale over a custom resource's scale paths, as
// apiextensions-apiserver serves it): reading a Scale from the object, and the object an update
// of the Scale writes (only spec.replicas changes, and it must be a non-negative integer).
import type { ResourceDef, ScalePaths } from "../registry.js";
import { conflict, fail, invalid } from "../status.js";
import { clone, getPath, isObj, type Obj, setPath } from "../util.js";

/** The kind's scale paths; a kind without a scale subresource answers 404. */
export function scalePaths(def: ResourceDef): ScalePaths {
  if (!def.scale)
    throw fail(404, "NotFound", `the server could not find the requested resource (${def.plural}/scale)`);
  return def.scale;
}

/** The Scale of a stored object. */
export function scaleOf(def: ResourceDef, o: Obj): Obj {
  const paths = scalePaths(def);
  const m = o.metadata as Obj;
  const spec = getPath(o, paths.specReplicasPath);
  const st = getPath(o, paths.statusReplicasPath);
  const status: Obj = { replicas: typeof st === "number" ? st : 0 };
  if (paths.labelSelectorPath) {
    const sel = getPath(o, paths.labelSelectorPath);
    if (typeof sel === "string") status.selector = sel;
  }
  const sm: Obj = {
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  };
  if (m.namespace) sm.namespace = m.namespace;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: sm,
    spec: typeof spec === "number" ? { replicas: spec } : {},
    status,
  };
}

/** The object with the Scale's replicas written to its spec replicas path. */
export function scaled(
  def: ResourceDef,
  current: Obj,
  name: string,
  body: Obj,
): { next: Obj; replicas: number } {
  const paths = scalePaths(def);
  const bm = isObj(body.metadata) ? body.metadata : {};
  if (bm.resourceVersion && bm.resourceVersion !== (current.metadata as Obj).resourceVersion)
    throw conflict(def, name);
  const replicas = isObj(body.spec) ? body.spec.replicas : undefined;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
    throw invalid("Scale", "autoscaling", name, [
      {
        field: "spec.replicas",
        type: "FieldValueInvalid",
        value: replicas,
        message: "must be greater than or equal to 0",
      },
    ]);
  const next = clone(current);
  setPath(next, paths.specReplicasPath, replicas);
  return { next, replicas };
}
