// Garbage collection (kube-controller-manager's garbage collector and namespace controller, run in
// process): an index of dependents by owner UID, kept at every commit; a dependent whose owners are
// all gone is deleted (background propagation), a foreground-deleting owner waits for its blocking
// dependents, orphan propagation strips the owner reference, and a terminating namespace's content
// is deleted before the namespace. Work is queued and run on the next turns of the event loop, as
// the real collector works after the write that caused it.
import type { Registry, ResourceDef } from "./registry.js";
import { storageKey } from "./registry.js";
import { entryKey, meta, type Store, splitEntryKey } from "./storage/store.js";
import { finalizeNamespace, inTerminatingNamespace } from "./strategies/namespaces.js";
import type { DeleteOpts, EventType } from "./types.js";
import { clone, deepEqual, type Obj } from "./util.js";

const refsOf = (o: Obj | undefined): Obj[] =>
  o && Array.isArray(meta(o).ownerReferences) ? (meta(o).ownerReferences as Obj[]) : [];

/** The full delete (strategy, finalizers, propagation), as the API server runs it for a client. */
export type Deleter = (def: ResourceDef, ns: string, name: string, opts: DeleteOpts) => void;

export class GarbageCollector {
  /** Owner UID -> entry keys of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byUid = new Map<string, string>();
  private queue = new Set<string>();
  private timer: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly deleteObject: Deleter,
    private readonly log: (line: string) => void,
  ) {
    for (const [key, objs] of store.buckets())
      for (const o of objs)
        this.index(entryKey(key, String(meta(o).namespace ?? ""), String(meta(o).name)), undefined, o);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearImmediate(this.timer);
  }

  private index(ek: string, prev: Obj | undefined, next: Obj | undefined): void {
    for (const r of refsOf(prev)) this.dependents.get(String(r.uid))?.delete(ek);
    for (const r of refsOf(next)) {
      const uid = String(r.uid);
      let set = this.dependents.get(uid);
      if (!set) {
        set = new Set();
        this.dependents.set(uid, set);
      }
      set.add(ek);
    }
    if (prev && !next) {
      const uid = String(meta(prev).uid);
      this.byUid.delete(uid);
      if (this.dependents.get(uid)?.size === 0) this.dependents.delete(uid);
    }
    if (next) this.byUid.set(String(meta(next).uid), ek);
  }

  /** Called by the store after every commit: keeps the index and queues what the write may unblock. */
  onCommit(def: ResourceDef, type: EventType, obj: Obj, prev: Obj | undefined): void {
    const m = meta(obj);
    const ek = entryKey(storageKey(def), String(m.namespace ?? ""), String(m.name));
    if (type === "DELETED") {
      this.index(ek, prev ?? obj, undefined);
      for (const dep of this.dependents.get(String(m.uid)) ?? []) this.enqueue(`dep:${dep}`);
      for (const r of refsOf(obj)) this.enqueue(`fg:${String(r.uid)}`);
      if (inTerminatingNamespace(this.store, obj)) this.enqueue(`ns:${String(m.namespace)}`);
      return;
    }
    this.index(ek, prev, obj);
    const refs = refsOf(obj);
    if (refs.length > 0 && !deepEqual(refs, prev ? meta(prev).ownerReferences : undefined))
      this.enqueue(`dep:${ek}`);
  }

  /** Orphan propagation: the owner's dependents lose their reference to it (at once, not queued). */
  orphanDependents(uid: string): void {
    for (const ek of [...(this.dependents.get(uid) ?? [])]) {
      const found = this.entry(ek);
      if (!found) continue;
      const next = clone(found.obj);
      const refs = refsOf(next).filter((r) => r.uid !== uid);
      if (refs.length > 0) meta(next).ownerReferences = refs;
      else delete meta(next).ownerReferences;
      this.store.commit(found.def, "MODIFIED", next, found.obj);
    }
  }

  /** Foreground deletion of an owner that was just marked: its dependents go first. */
  foregroundDelete(uid: string): void {
    this.enqueue(`fg:${uid}`);
  }

  /** A namespace was marked Terminating: delete its content, then it. */
  terminateNamespace(name: string): void {
    this.enqueue(`ns:${name}`);
  }

  /** Resolves once garbage collection and namespace cleanup have nothing left to do. */
  async settle(): Promise<void> {
    while (this.timer !== undefined || this.queue.size > 0) await new Promise((r) => setImmediate(r));
  }

  private defByKey(key: string): ResourceDef | undefined {
    const i = key.indexOf("/");
    return this.registry.storageDef(key.slice(0, i), key.slice(i + 1));
  }

  /** A stored object by entry key, with the def it is served by. */
  private entry(ek: string): { obj: Obj; def: ResourceDef; ns: string; name: string } | undefined {
    const [key, ns, name] = splitEntryKey(ek);
    const obj = this.store.stored(key, ns, name);
    const def = this.defByKey(key);
    return obj && def ? { obj, def, ns, name } : undefined;
  }

  private enqueue(item: string): void {
    if (this.closed) return;
    this.queue.add(item);
    this.timer ??= setImmediate(() => this.run());
  }

  private run(): void {
    this.timer = undefined;
    for (let round = 0; round < 100 && this.queue.size > 0; round++) {
      const items = [...this.queue];
      this.queue.clear();
      for (const item of items) {
        try {
          if (item.startsWith("dep:")) this.collectDependent(item.slice(4));
          else if (item.startsWith("fg:")) this.foreground(item.slice(3));
          else if (item.startsWith("ns:")) this.finalizeNamespace(item.slice(3));
        } catch (err) {
          this.log(
            JSON.stringify({
              level: "error",
              msg: "garbage collection step failed",
              item,
              error: String(err),
            }),
          );
        }
      }
    }
    if (this.queue.size > 0) this.timer ??= setImmediate(() => this.run());
  }

  private finalizeNamespace(name: string): void {
    const nsDef = this.registry.lookup("", "v1", "namespaces") as ResourceDef;
    finalizeNamespace(
      this.store,
      nsDef,
      name,
      (key) => this.defByKey(key),
      (d, ns, n) => this.deleteObject(d, ns, n, { propagationPolicy: "Background" }),
    );
  }

  private liveOwner(uid: string): Obj | undefined {
    const ek = this.byUid.get(uid);
    return ek ? this.store.stored(...splitEntryKey(ek)) : undefined;
  }

  /** A dependent whose owners are all gone is deleted; dangling references beside live owners are dropped. */
  private collectDependent(ek: string): void {
    const found = this.entry(ek);
    if (!found) return;
    const { obj: dep, def, ns, name } = found;
    const refs = refsOf(dep);
    if (refs.length === 0) return;
    // An owner of a kind this server does not serve cannot be looked up; like the real collector
    // (which cannot map it), leave such a dependent alone rather than treat its owner as gone.
    if (refs.some((r) => !this.registry.byKind(String(r.apiVersion), String(r.kind)))) return;
    const live = refs.filter((r) => this.liveOwner(String(r.uid)) !== undefined);
    if (live.length === 0) {
      if (!meta(dep).deletionTimestamp) this.deleteObject(def, ns, name, { propagationPolicy: "Background" });
      return;
    }
    const owners = live.map((r) => this.liveOwner(String(r.uid)) as Obj);
    const allForeground = owners.every((o) =>
      (meta(o).finalizers as string[] | undefined)?.includes("foregroundDeletion"),
    );
    if (allForeground && !meta(dep).deletionTimestamp) {
      this.deleteObject(def, ns, name, { propagationPolicy: "Foreground" });
      return;
    }
    if (live.length < refs.length) {
      const next = clone(dep);
      meta(next).ownerReferences = live;
      this.store.commit(def, "MODIFIED", next, dep);
    }
  }

  /** Foreground deletion: delete dependents, and drop the owner's finalizer once no blocking dependent remains. */
  private foreground(uid: string): void {
    const owner = this.liveOwner(uid);
    if (!owner) return;
    const om = meta(owner);
    const fins = Array.isArray(om.finalizers) ? (om.finalizers as string[]) : [];
    if (!om.deletionTimestamp || !fins.includes("foregroundDeletion")) return;
    let blocking = 0;
    for (const ek of [...(this.dependents.get(uid) ?? [])]) {
      const found = this.entry(ek);
      if (!found) continue;
      if (!meta(found.obj).deletionTimestamp)
        this.deleteObject(found.def, found.ns, found.name, { propagationPolicy: "Foreground" });
      const still = this.store.stored(...splitEntryKey(ek));
      const ref = refsOf(still).find((r) => r.uid === uid);
      if (ref && ref.blockOwnerDeletion === true) blocking++;
    }
    if (blocking > 0) return;
    const ownerKey = this.byUid.get(uid);
    const ownerEntry = ownerKey ? this.entry(ownerKey) : undefined;
    if (!ownerEntry) return;
    const { obj: current, def } = ownerEntry;
    const next = clone(current);
    const rest = fins.filter((f) => f !== "foregroundDeletion");
    if (rest.length > 0) {
      meta(next).finalizers = rest;
      this.store.commit(def, "MODIFIED", next, current);
    } else {
      delete meta(next).finalizers;
      const stored = this.store.commit(def, "MODIFIED", next, current);
      this.store.commit(def, "DELETED", stored, stored);
    }
  }
}
