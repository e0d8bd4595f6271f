// The tail every reconcile shares: fold the spec flow's errors into status.lastErrors (keeping the
// stored entries when the same errors recur, so a repeated failure writes nothing new), write the
// status only when it changed, and turn the outcome into a requeue hint or a thrown error.

import { isDeepStrictEqual } from "node:util";
import {
  type Client,
  type KubeObject,
  type LastError,
  lastErrorsEqual,
  type ReconcileResult,
  type ResourceType,
  type StatusMemory,
  toLastErrors,
} from "@grove-ts/runtime";
import type { StatusCoalescer } from "./status-coalesce.js";
import type { StepsOutcome } from "./util.js";
import { topLevelMergePatch } from "./util.js";

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

export interface FinishOptions {
  /**
   * The status is a step on the way (status-coalesce.ts): this process's own pod writes are not
   * all in the cache yet, or its pods wait only for their PodGang to list them. Held; the watch
   * events that end it requeue the object.
   */
  podsInFlight?: boolean;
  /** Without a coalescing window, when to look again should no event come (default requeueAfterMs). */
  recheckAfterMs?: number;
  /** Others wait on this change (scaled gangs on their base gang's scheduledReplicas): no window. */
  urgent?: boolean;
  /** Runs once the status was written (Events about a status transition go out once). */
  onWritten?: () => void;
}

export async function finishReconcile(
  ctx: { client: Client; statusMemory: StatusMemory; statusCoalescer?: StatusCoalescer },
  type: ResourceType,
  obj: KubeObject & { status?: unknown },
  status: Record<string, unknown>,
  outcome: StepsOutcome,
  requeueAfterMs: number,
  options: FinishOptions = {},
): Promise<ReconcileResult | undefined> {
  const base = ctx.statusMemory.newest(obj);
  const changed =
    topLevelMergePatch(base.status as Record<string, unknown> | undefined, status) !== undefined;
  // Deferred only without errors: lastErrors are written at once.
  const coalescer = ctx.statusCoalescer;
  let deferMs = 0;
  // A rolling update's progress (which replica or pod is being replaced) is the state its next
  // step is decided from: written at once, never held back, or a reconcile reading the cache would
  // start a second replica while the first one's progress waits in the window.
  const progressChanged = !isDeepStrictEqual(
    (base.status as { updateProgress?: unknown } | undefined)?.updateProgress,
    status.updateProgress,
  );
  if (changed && outcome.errors.length === 0 && !progressChanged) {
    const window = coalescer?.windowMs ?? 0;
    // A status the object is about to leave is held, window or not. The watch events that end
    // that state requeue the object; the requeue below only backs them up.
    if (options.podsInFlight)
      deferMs = window > 0 ? window : Math.max(1, options.recheckAfterMs ?? requeueAfterMs);
    else if (coalescer && !options.urgent) deferMs = coalescer.wait(obj.metadata.uid);
  }
  if (changed && deferMs === 0) {
    await patchStatusIfChanged(ctx.client, ctx.statusMemory, type, obj, status);
    coalescer?.wrote(obj.metadata.uid);
    options.onWritten?.();
  }
  if (outcome.errors.length > 0) throw outcome.errors[0];
  const hint = outcome.requeueAfterMs !== undefined ? outcome.requeueAfterMs || requeueAfterMs : undefined;
  const after = deferMs > 0 ? Math.min(deferMs, hint ?? deferMs) : hint;
  return after !== undefined ? { requeueAfter: after } : undefined;
}
