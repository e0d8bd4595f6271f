// Status writes shared by several writers, and the memory of this process's own writes.
//
// When two writers share one object's status (the PodCliqueSet controller and the gang scheduler
// both write a PodGang's), neither may write the whole status: a full update carries a
// resourceVersion and conflicts with every write of the other, and a JSON merge patch replaces
// `conditions` whole, so whichever writer's cache lags drops the other's condition. An RFC 6902 JSON
// patch (which kube-apiserver accepts for custom resources; strategic merge is for built-ins only)
// can touch one list entry: replace it in place, guarded by a `test` that the index still holds that
// type, or append it, guarded by a `test` that the list is still the one the writer saw (so a lagging
// cache never appends a second copy). Only when there is no status or no list yet does the patch fall
// back to a resourceVersion test. A failed test (422) or a stale resourceVersion (409) means a newer
// object is on its way; its watch event brings the writer back.
import type { KubeObject } from "./client.js";
import type { Condition } from "./conditions.js";
import { deepEqual } from "./deep-equal.js";

/** One RFC 6902 operation, of the kinds these patches use. */
export interface JsonPatchOp {
  op: "test" | "add" | "replace";
  path: string;
  value: unknown;
}

export interface StatusPatchWant {
  /** Status fields to hold these values; written only where they differ. */
  fields?: Record<string, unknown>;
  /** Status fields written only when the object has no status yet (the first status). */
  initial?: Record<string, unknown>;
  /** The condition to hold; replaces the entry of its type or is appended. Others are left alone. */
  condition?: Condition;
}

/** A JSON pointer segment for `key` (RFC 6901: `~` and `/` escaped). */
function pointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * The ops that make `base`'s status carry `want`. Empty when it already does. With no status, one
 * `add /status` of `initial`, `fields` and the condition behind a resourceVersion test.
 */
export function statusPatchOps(
  base: KubeObject & { status?: { conditions?: Condition[] } },
  want: StatusPatchWant,
): JsonPatchOp[] {
  const status = base.status as (Record<string, unknown> & { conditions?: Condition[] }) | undefined;
  const cond = want.condition;
  const lock: JsonPatchOp = {
    op: "test",
    path: "/metadata/resourceVersion",
    value: base.metadata.resourceVersion,
  };
  if (!status) {
    const value = { ...want.initial, ...want.fields, ...(cond ? { conditions: [cond] } : {}) };
    return Object.keys(value).length === 0 ? [] : [lock, { op: "add", path: "/status", value }];
  }
  const ops: JsonPatchOp[] = [];
  for (const [key, value] of Object.entries(want.fields ?? {}))
    if (!deepEqual(status[key], value)) ops.push({ op: "add", path: `/status/${pointer(key)}`, value });
  if (cond) {
    const list = status.conditions;
    const i = list ? list.findIndex((c) => c.type === cond.type) : -1;
    if (!list) {
      ops.unshift(lock);
      ops.push({ op: "add", path: "/status/conditions", value: [cond] });
    } else if (i < 0)
      ops.push(
        { op: "test", path: "/status/conditions", value: list },
        { op: "add", path: "/status/conditions/-", value: cond },
      );
    else if (!sameCondition(list[i], cond))
      ops.push(
        { op: "test", path: `/status/conditions/${i}/type`, value: cond.type },
        { op: "replace", path: `/status/conditions/${i}`, value: cond },
      );
  }
  return ops;
}

/** Same entry as stored: every field of metav1.Condition, the transition time included. */
function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}

/**
 * Orders two resourceVersions: -1, 0 or 1 when both are decimal integers (as our API server and
 * kube-apiserver's etcd issue them), undefined otherwise (Kubernetes calls them opaque; only
 * equality is promised).
 */
export function compareResourceVersions(
  a: string | undefined,
  b: string | undefined,
): -1 | 0 | 1 | undefined {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The last object each status write of this process returned, by uid, until the informer cache
 * shows that version or a newer one. A reconcile that runs before the watch delivered its own
 * previous write computes from and compares against this newest known object, so it neither writes
 * the same status again nor re-stamps condition transition times. Purely an optimisation: a fresh
 * process starts empty and compares with the synced cache (restart safe); an opaque (non-numeric)
 * resourceVersion makes the cache win.
 */
export class StatusMemory {
  private readonly written = new Map<string, KubeObject>();

  /** Remembers the object a status write returned. */
  record(obj: KubeObject | undefined): void {
    const uid = obj?.metadata?.uid;
    if (obj && uid && obj.metadata.resourceVersion !== undefined) this.written.set(uid, obj);
  }

  /** The newer of `cached` and the remembered write; drops the memory once the cache caught up. */
  newest<T extends KubeObject>(cached: T): T;
  newest<T extends KubeObject>(cached: T | undefined): T | undefined;
  newest<T extends KubeObject>(cached: T | undefined): T | undefined {
    const uid = cached?.metadata.uid;
    if (!cached || !uid) return cached;
    const mine = this.written.get(uid);
    if (!mine) return cached;
    // Already the remembered object (the reconciler asked first): not a sign the cache caught up.
    if (mine === cached) return cached;
    const order = compareResourceVersions(mine.metadata.resourceVersion, cached.metadata.resourceVersion);
    const staleCache = order === 1 && (cached.metadata.generation ?? 0) <= (mine.metadata.generation ?? 0);
    if (staleCache) return mine as T;
    this.written.delete(uid);
    return cached;
  }

  /** An informer event: drop the memory when this object version is as new as the write. */
  observe(obj: KubeObject): void {
    this.newest(obj);
  }

  forget(obj: KubeObject): void {
    if (obj.metadata.uid) this.written.delete(obj.metadata.uid);
  }

  get size(): number {
    return this.written.size;
  }
}
