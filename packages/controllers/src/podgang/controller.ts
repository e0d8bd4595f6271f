// PodGang reconciler (grove-behaviour.md §6.1): resolves the scheduler backend from the
// `grove.io/scheduler-name` label and syncs the backend's gang object. The backends grove-ts runs
// (`grove-scheduler`, `default-scheduler`) read PodGangs directly, so their sync is a no-op, exactly
// like Grove's kube backend; PodGang spec and the Initialized condition are written by the
// PodCliqueSet controller (§9). KAI and Volcano PodGroups are out of scope.
import { LabelSchedulerName } from "@grove-ts/api";
import type { ReconcileContext, ReconcileResult } from "@grove-ts/runtime";
import type { ControllerContext } from "../context.js";

/** Backends whose gang object is the PodGang itself. */
export const NATIVE_BACKENDS = new Set(["grove-scheduler", "default-scheduler"]);

export function podGangReconciler(ctx: ControllerContext) {
  return async (rc: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const pg = ctx.informers.podgang.cache.get(rc.name, rc.namespace);
    if (!pg || pg.metadata.deletionTimestamp) return undefined;
    const backend = pg.metadata.labels?.[LabelSchedulerName] ?? ctx.options.defaultSchedulerName;
    if (!NATIVE_BACKENDS.has(backend))
      rc.logger.debug("no backend sync for scheduler", { scheduler: backend, podGang: rc.key });
    return undefined;
  };
}
