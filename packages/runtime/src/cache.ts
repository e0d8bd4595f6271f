// The informer's indexed cache. Keys are "namespace/name" (or "name" for cluster-scoped kinds), as
// client-go's MetaNamespaceKeyFunc makes them; controllers queue these keys.
import type { KubeObject } from "./client.js";
import { getControllerOf } from "./owners.js";
import type { Selector } from "./selectors.js";

export function objectKey(obj: KubeObject): string {
  const { name, namespace } = obj.metadata;
  if (!name) throw new TypeError("objectKey: metadata.name is required");
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key into namespace ("" for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The index values of an object; an object may sit under several values or none. */
export type IndexFunc<T> = (obj: T) => readonly string[];

export const NAMESPACE_INDEX = "namespace";

/** Index by the value of a label (objects without it are not indexed). */
export const indexByLabel =
  (label: string): IndexFunc<KubeObject> =>
  (obj) => {
    const v = obj.metadata.labels?.[label];
    return v === undefined ? [] : [v];
  };

/** Index by every owner's uid. */
export const indexByOwnerUid: IndexFunc<KubeObject> = (obj) =>
  obj.metadata.ownerReferences?.map((r) => r.uid) ?? [];

/** Index by the controller owner's uid. */
export const indexByControllerUid: IndexFunc<KubeObject> = (obj) => {
  const c = getControllerOf(obj);
  return c ? [c.uid] : [];
};

export class IndexerConflictError extends Error {
  readonly code = "IndexerConflict";
  constructor(name: string) {
    super(`indexer ${JSON.stringify(name)} is already registered`);
    this.name = "IndexerConflictError";
  }
}

export class Cache<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexer(NAMESPACE_INDEX, (o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  /** Registers an index; existing items are indexed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new IndexerConflictError(name);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) this.indexOne(index, fn, key, obj);
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  get size(): number {
    return this.items.size;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.items.get(keyOf(name, namespace));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** All objects, or those of one namespace, optionally filtered by a label selector. */
  list(namespace?: string, selector?: Selector): T[] {
    const objs = namespace ? this.byIndex(NAMESPACE_INDEX, namespace) : [...this.items.values()];
    return selector ? objs.filter((o) => selector.matches(o.metadata.labels)) : objs;
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new RangeError(`byIndex: no indexer named ${JSON.stringify(indexName)}`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Stores `obj` and returns what it replaced. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers)
      this.indexOne(this.indices.get(name) as Map<string, Set<string>>, fn, key, obj);
    return old;
  }

  /** Removes the object under `key` and returns it. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  private indexOne(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const v of fn(obj)) {
      let keys = index.get(v);
      if (!keys) {
        keys = new Set();
        index.set(v, keys);
      }
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}
