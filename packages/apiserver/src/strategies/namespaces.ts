// Namespaces (kube-apiserver's pkg/registry/core/namespace and the namespace controller): a new
// namespace is Active with the "kubernetes" finalizer; its names are DNS labels; deleting one marks
// it Terminating (the four system namespaces are never deleted), after which its content is deleted
// and the namespace itself removed once nothing in it is left.
import { nameIsDNSLabel } from "@grove-ts/api";
import type { ResourceDef } from "../registry.js";
import { fail } from "../status.js";
import type { Store } from "../storage/store.js";
import { clone, type Obj, timestamp } from "../util.js";
import { strategy } from "./strategy.js";

const meta = (o: Obj): Obj => o.metadata as Obj;
const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

/** The namespaces every server starts with. */
export const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

export const namespaceStrategy = strategy({
  prepareForCreate(_def, obj) {
    obj.status = { phase: "Active" };
    obj.spec = { finalizers: ["kubernetes"] };
  },
  /** spec.finalizers is the finalize subresource's to change, not an update's. */
  prepareForUpdate(_def, next, old) {
    next.spec = clone(old.spec);
  },
  nameFn: nameIsDNSLabel,
  /**
   * Deletion is a lifecycle: the namespace is marked Terminating and its content cleaned up
   * (finalizeNamespace), so a namespace is never removed by its own delete.
   */
  terminate(old) {
    const name = String(meta(old).name);
    if (protectedNamespaces.has(name))
      throw fail(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: "namespaces",
      });
    if (meta(old).deletionTimestamp) return undefined;
    const next = clone(old);
    meta(next).deletionTimestamp = timestamp();
    meta(next).deletionGracePeriodSeconds = 0;
    next.spec = { finalizers: ["kubernetes"] };
    next.status = { phase: "Terminating" };
    return next;
  },
});

/** NamespaceLifecycle admission: no new content in a namespace that does not exist or is terminating. */
export function requireActiveNamespace(store: Store, ns: string, notFound: () => Error): void {
  const nsObj = store.stored("/namespaces", "", ns);
  if (!nsObj) throw notFound();
  if (meta(nsObj).deletionTimestamp)
    throw fail(
      403,
      "Forbidden",
      `unable to create new content in namespace ${ns} because it is being terminated`,
      {
        name: ns,
        kind: "namespaces",
      },
    );
}

/** Whether a terminating namespace holds `obj` (its removal may let the namespace go). */
export function inTerminatingNamespace(store: Store, obj: Obj): boolean {
  const ns = meta(obj).namespace;
  if (!ns) return false;
  const nsObj = store.stored("/namespaces", "", String(ns));
  return nsObj !== undefined && Boolean(meta(nsObj).deletionTimestamp);
}

/**
 * The namespace controller's step: delete what a terminating namespace holds; once nothing is left
 * (objects with finalizers keep it alive), remove the namespace. Deleted content re-runs this step.
 */
export function finalizeNamespace(
  store: Store,
  nsDef: ResourceDef,
  ns: string,
  defByKey: (key: string) => ResourceDef | undefined,
  deleteObject: (def: ResourceDef, ns: string, name: string) => void,
): void {
  const nsObj = store.stored("/namespaces", "", ns);
  if (!nsObj || !meta(nsObj).deletionTimestamp) return;
  const held = (): Obj[] =>
    store
      .buckets()
      .filter(([key]) => key !== "/namespaces")
      .flatMap(([, objs]) => objs.filter((o) => meta(o).namespace === ns));
  for (const [key, objs] of store.buckets()) {
    if (key === "/namespaces") continue;
    const d = defByKey(key);
    for (const o of objs)
      if (meta(o).namespace === ns && !meta(o).deletionTimestamp && d)
        deleteObject(d, ns, String(meta(o).name));
  }
  if (held().length > 0) return;
  const current = store.stored("/namespaces", "", ns) as Obj;
  store.commit(nsDef, "DELETED", current, current);
}
