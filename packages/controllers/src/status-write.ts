// The tail every reconcile shares: fold the spec flow's errors into status.lastErrors (keeping the
// stored entries when the same errors recur, so a repeated failure writes nothing new), write the
// status only when it changed, and turn the outcome into a requeue hint or a thrown error.
import {
  type Client,
  type KubeObject,
  type LastError,
  lastErrorsEqual,
  type ReconcileResult,
  type ResourceType,
  toLastErrors,
} from "@grove-ts/runtime";
import type { StepsOutcome } from "./util.js";
import { topLevelMergePatch } from "./util.js";

/** Orders two resourceVersions when both are decimal integers (as our API server and Kubernetes' etcd issue). */
function rvOrder(a: string | undefined, b: string | undefined): number | undefined {
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
    const order = rvOrder(mine.metadata.resourceVersion, cached.metadata.resourceVersion);
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

/**
 * Writes `status` through the status subresource as a merge patch of only the fields that differ
 * from the newest known status of `obj` (the cache or this process's last write); writes nothing
 * when nothing changed. Returns whether it wrote.
 */
export async function patchStatusIfChanged(
  client: Client,
  memory: StatusMemory | undefined,
  type: ResourceType,
  obj: KubeObject & { status?: unknown },
  status: Record<string, unknown>,
): Promise<boolean> {
  const base = memory ? memory.newest(obj) : obj;
  const patch = topLevelMergePatch(base.status as Record<string, unknown> | undefined, status);
  if (!patch) return false;
  const written = await client.patch(
    type,
    obj.metadata.name ?? "",
    obj.metadata.namespace,
    { type: "merge", body: { status: patch } },
    { subresource: "status" },
  );
  memory?.record(written);
  return true;
}

export function withLastErrors<S extends { lastErrors?: LastError[] }>(
  status: S,
  previous: readonly LastError[] | undefined,
  outcome: StepsOutcome,
  now: Date,
): S {
  const next = toLastErrors([...outcome.errors, ...(outcome.softErrors ?? [])], now);
  const out = { ...status };
  // Cleared on success: [] once there were errors, absent if there never were.
  if (next.length === 0) {
    if (previous === undefined) delete out.lastErrors;
    else out.lastErrors = [];
  } else out.lastErrors = lastErrorsEqual(previous, next) ? [...(previous ?? [])] : next;
  return out;
}

export async function finishReconcile(
  ctx: { client: Client; statusMemory: StatusMemory },
  type: ResourceType,
  obj: KubeObject & { status?: unknown },
  status: Record<string, unknown>,
  outcome: StepsOutcome,
  requeueAfterMs: number,
): Promise<ReconcileResult | undefined> {
  await patchStatusIfChanged(ctx.client, ctx.statusMemory, type, obj, status);
  if (outcome.errors.length > 0) throw outcome.errors[0];
  if (outcome.requeueAfterMs !== undefined) return { requeueAfter: outcome.requeueAfterMs || requeueAfterMs };
  return undefined;
}
