// The generic steps every kind's write takes around its strategy, as kube-apiserver's
// registry/rest BeforeCreate, BeforeUpdate and BeforeDelete (and the handlers' patch step): type
// and namespace checks, server-set metadata reset or carried over, optimistic-concurrency and UID
// preconditions, deletion marking for graceful and finalizer-held deletes.
import type { PatchKind } from "./patch.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patch.js";
import { apiVersionOf, type ResourceDef } from "./registry.js";
import { badRequest, conflict, invalid, uidConflict } from "./status.js";
import { meta } from "./storage/store.js";
import type { DeleteOpts, Propagation } from "./types.js";
import { clone, deepEqual, isObj, type Obj, timestamp } from "./util.js";

const nameChars = "bcdfghjklmnpqrstvwxz2456789";
/** What an update (and its admission) cannot change: carried over from the stored object. */
export const immutableFields = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
];

/** Copies `fields` of `from` onto `to`, deleting those `from` lacks. */
export function carry(to: Obj, from: Obj, fields: readonly string[]): void {
  for (const f of fields) {
    if (from[f] === undefined) delete to[f];
    else to[f] = from[f];
  }
}

const namespaceMismatch = () =>
  badRequest("the namespace of the provided object does not match the namespace sent on the request");

/** A body's metadata.name, when set, must be the name on the URL. */
export function checkName(m: Obj, name: string): void {
  if (m.name !== undefined && m.name !== name)
    throw badRequest(
      `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
    );
}

function checkTypeMeta(def: ResourceDef, obj: Obj): void {
  const av = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== av)
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${av})`,
    );
  if (obj.kind !== undefined && obj.kind !== def.kind)
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`,
    );
  obj.apiVersion = av;
  obj.kind = def.kind;
  if (obj.metadata === undefined) obj.metadata = {};
  if (!isObj(obj.metadata)) throw badRequest("metadata must be an object");
}

function checkNamespace(def: ResourceDef, namespace: string | undefined, obj: Obj): string {
  const m = meta(obj);
  if (!def.namespaced) {
    delete m.namespace;
    return "";
  }
  const ns = namespace || (typeof m.namespace === "string" ? m.namespace : "");
  if (!ns) throw badRequest("the server could not find the requested resource: a namespace is required");
  if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns) throw namespaceMismatch();
  m.namespace = ns;
  return ns;
}

/** BeforeCreate's generic part: the object to create, its namespace, a generated name, server fields reset. */
export function decodeForCreate(
  def: ResourceDef,
  namespace: string | undefined,
  body: unknown,
): { obj: Obj; ns: string } {
  if (!isObj(body)) throw badRequest("the body of the request must be a JSON object");
  const obj = clone(body);
  checkTypeMeta(def, obj);
  const ns = checkNamespace(def, namespace, obj);
  const m = meta(obj);
  if (
    (m.name === undefined || m.name === "") &&
    typeof m.generateName === "string" &&
    m.generateName !== ""
  ) {
    let suffix = "";
    for (let i = 0; i < 5; i++) suffix += nameChars[Math.floor(Math.random() * nameChars.length)];
    m.name = `${m.generateName}${suffix}`;
  }
  for (const f of [
    "uid",
    "resourceVersion",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "managedFields",
    "selfLink",
  ])
    delete m[f];
  m.creationTimestamp = timestamp();
  return { obj, ns };
}

/**
 * BeforeUpdate's generic part: the object an update of `old` proposes (the status subresource
 * takes only status; see keepStoredStatus for the main resource), with the fields a client cannot
 * change carried over; 409 on a stale resourceVersion or another UID, and no new finalizers on an
 * object being deleted.
 */
export function decodeForUpdate(
  def: ResourceDef,
  ns: string,
  name: string,
  body: Obj,
  old: Obj,
  subresource: "status" | undefined,
): Obj {
  const obj = clone(body);
  checkTypeMeta(def, obj);
  const m = meta(obj);
  if (m.name !== undefined && m.name !== name)
    throw badRequest(
      `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
    );
  if (def.namespaced && m.namespace !== undefined && m.namespace !== "" && m.namespace !== ns)
    throw namespaceMismatch();
  const om = meta(old);
  if (m.resourceVersion !== undefined && m.resourceVersion !== "" && m.resourceVersion !== om.resourceVersion)
    throw conflict(def, name);
  if (m.uid !== undefined && m.uid !== "" && m.uid !== om.uid) throw uidConflict(def, name, m.uid, om.uid);
  let next: Obj;
  if (subresource === "status") {
    next = clone(old);
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
    next.apiVersion = obj.apiVersion;
  } else {
    // The stored status is put back by keepStoredStatus after mutating admission.
    next = obj;
  }
  const nm = meta(next);
  nm.name = name;
  if (def.namespaced) nm.namespace = ns;
  else delete nm.namespace;
  carry(nm, om, immutableFields);
  nm.resourceVersion = om.resourceVersion;
  if (om.deletionTimestamp) {
    const before = new Set(Array.isArray(om.finalizers) ? om.finalizers : []);
    const added = (Array.isArray(nm.finalizers) ? nm.finalizers : []).filter((f) => !before.has(f));
    if (added.length > 0)
      throw invalid(def.kind, def.group, name, [
        {
          field: "metadata.finalizers",
          type: "FieldValueForbidden",
          message: "no new finalizers can be added if the object is being deleted",
        },
      ]);
  }
  return next;
}

/** Whether anything but metadata and status changed (what bumps metadata.generation). */
export function specChanged(def: ResourceDef, old: Obj, next: Obj): boolean {
  const strip = (o: Obj): Obj => {
    const c: Obj = { ...o };
    delete c.metadata;
    delete c.apiVersion;
    delete c.kind;
    if (def.status) delete c.status;
    return c;
  };
  return !deepEqual(strip(old), strip(next));
}

/** The patched object: JSON, merge, strategic merge (built-in kinds) or apply patch. */
export function applyPatch(def: ResourceDef, kind: PatchKind, current: Obj, body: unknown): unknown {
  switch (kind) {
    case "json":
      return applyJsonPatch(current, body);
    case "merge":
      if (!isObj(body)) throw badRequest("merge patch must be a JSON object");
      return applyMergePatch(current, body);
    case "strategic":
      return applyStrategicMergePatch(current, body);
    case "apply":
      if (!isObj(body)) throw badRequest("apply patch must be an object");
      if (body.apiVersion === undefined || body.kind === undefined)
        throw badRequest("apiVersion and kind must be set in an apply patch");
      return def.builtin ? applyStrategicMergePatch(current, body) : applyMergePatch(current, body);
  }
}

/** A delete's UID and resourceVersion preconditions: 409 when the stored object is another. */
export function checkPreconditions(def: ResourceDef, name: string, old: Obj, opts: DeleteOpts): void {
  const om = meta(old);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== om.uid) throw uidConflict(def, name, pre.uid, om.uid);
  if (pre?.resourceVersion && pre.resourceVersion !== om.resourceVersion)
    throw conflict(
      def,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(om.resourceVersion)}`,
    );
}

/** The delete's propagationPolicy (Background when unset); 422 for another value. */
export function propagation(opts: DeleteOpts): Propagation {
  const policy = opts.propagationPolicy ?? "Background";
  if (!["Background", "Foreground", "Orphan"].includes(policy))
    throw invalid("DeleteOptions", "", "", [
      {
        field: "propagationPolicy",
        type: "FieldValueNotSupported",
        value: policy,
        message: 'supported values: "Foreground", "Background", "Orphan", "nil"',
      },
    ]);
  return policy;
}

/**
 * BeforeDelete: the object marked for deletion when it cannot go at once (a grace period, or
 * finalizers, foregroundDeletion included), "unchanged" when it is marked so already, undefined
 * when it can be removed now. Graceful deletion, as kube-apiserver does it for pods: a pod on a
 * node is only marked (deletionTimestamp = now + grace) and its kubelet removes it once the
 * containers stopped; a shorter grace period moves the deadline forward, a longer one does not.
 */
export function deletionMark(
  def: ResourceDef,
  old: Obj,
  opts: DeleteOpts,
  policy: Propagation,
): Obj | "unchanged" | undefined {
  const om = meta(old);
  const finalizers = Array.isArray(om.finalizers) ? [...(om.finalizers as string[])] : [];
  if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
    finalizers.push("foregroundDeletion");
  const grace = def.strategy.gracePeriod(old, opts.gracePeriodSeconds);
  if (grace <= 0 && finalizers.length === 0) return undefined;
  const marked = om.deletionTimestamp && deepEqual(finalizers, om.finalizers ?? []);
  const prev = om.deletionGracePeriodSeconds;
  if (grace > 0 ? marked && typeof prev === "number" && prev <= grace : marked) return "unchanged";
  const next = clone(old);
  const nm = meta(next);
  if (grace > 0) nm.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
  else nm.deletionTimestamp ??= timestamp();
  nm.deletionGracePeriodSeconds = grace;
  if (finalizers.length > 0) nm.finalizers = finalizers;
  if (def.generation) nm.generation = Number(om.generation ?? 0) + 1;
  return next;
}

/**
 * PrepareForUpdate's generic half for the main resource of a kind with a status subresource: the
 * stored status stays (a client, or a mutating webhook before it, cannot change it there).
 */
export function keepStoredStatus(def: ResourceDef, next: Obj, old: Obj): void {
  if (!def.status) return;
  if (old.status === undefined) delete next.status;
  else next.status = clone(old.status);
}
