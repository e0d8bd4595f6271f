// PodCliqueSet reconciler (grove-behaviour.md §3): finalizer, the three component groups, observed
// generation, then status — computed purely and written only when it changed.
import { FinalizerPodCliqueSet, PodCliqueSetType } from "@grove-ts/api";
import type { ReconcileContext, ReconcileResult, ResourceType } from "@grove-ts/runtime";
import { pcsgsOf, standalonePodCliquesOf } from "../children.js";
import { syncGroup } from "../component.js";
import type { ControllerContext } from "../context.js";
import { releaseComputeDomains } from "../mnnvl-sync.js";
import { claimRetryHint } from "../resource-claims-sync.js";
import { finishReconcile, withLastErrors } from "../status-write.js";
import type { PodCliqueSet } from "../types.js";
import { runSteps } from "../util.js";
import { pcsComponentGroups } from "./components.js";
import { computePcsStatus } from "./status.js";

export async function ensureFinalizer(
  ctx: ControllerContext,
  type: ResourceType,
  obj: { metadata: { name?: string; namespace?: string; finalizers?: string[] } },
  finalizer: string,
): Promise<void> {
  const fs = obj.metadata.finalizers ?? [];
  if (fs.includes(finalizer)) return;
  await ctx.client.patch(type, obj.metadata.name ?? "", obj.metadata.namespace, {
    type: "merge",
    body: { metadata: { finalizers: [...fs, finalizer] } },
  });
}

export async function removeFinalizer(
  ctx: ControllerContext,
  type: ResourceType,
  obj: { metadata: { name?: string; namespace?: string; finalizers?: string[]; resourceVersion?: string } },
  finalizer: string,
): Promise<void> {
  const fs = obj.metadata.finalizers ?? [];
  if (!fs.includes(finalizer)) return;
  await ctx.client.patch(type, obj.metadata.name ?? "", obj.metadata.namespace, {
    type: "merge",
    body: { metadata: { finalizers: fs.filter((f) => f !== finalizer) } },
  });
}

export function pcsReconciler(ctx: ControllerContext) {
  const groups = pcsComponentGroups(ctx);
  return async (rc: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const pcs = ctx.statusMemory.newest(ctx.informers.pcs.cache.get(rc.name, rc.namespace));
    if (!pcs) {
      ctx.pcsReconcileMs.delete(rc.key);
      return undefined;
    }
    const started = performance.now();
    try {
      return await reconcilePcs(rc, pcs);
    } finally {
      ctx.pcsReconcileMs.set(rc.key, performance.now() - started);
    }
  };
  async function reconcilePcs(rc: ReconcileContext, pcs: PodCliqueSet): Promise<ReconcileResult | undefined> {
    if (pcs.metadata.deletionTimestamp) {
      // ComputeDomains first (their finalizers); the rest goes by garbage collection (§3.7).
      await releaseComputeDomains(ctx, pcs);
      await removeFinalizer(ctx, PodCliqueSetType, pcs, FinalizerPodCliqueSet);
      return undefined;
    }
    const softErrors: unknown[] = [];
    const outcome = await runSteps(
      [
        {
          name: "ensureFinalizer",
          run: () => ensureFinalizer(ctx, PodCliqueSetType, pcs, FinalizerPodCliqueSet),
        },
        ...groups.map((g, i) => ({
          name: `syncGroup${i + 1}`,
          run: () => syncGroup<PodCliqueSet>(g, pcs, softErrors),
        })),
      ],
      rc.logger,
    );
    outcome.softErrors = softErrors;
    outcome.requeueAfterMs ??= claimRetryHint(softErrors, ctx.options.requeueAfterMs);
    const now = ctx.options.now();
    const status = computePcsStatus({
      pcs,
      standalone: standalonePodCliquesOf(ctx, pcs),
      pcsgs: pcsgsOf(ctx, pcs),
      ctb: (n) => ctx.informers.ctb.cache.get(n),
      topologyAwareScheduling: ctx.options.topologyAwareScheduling,
      specCompleted: outcome.completed,
      now,
    });
    const full = withLastErrors(status, pcs.status?.lastErrors, outcome, now);
    return finishReconcile(
      ctx,
      PodCliqueSetType,
      pcs,
      full as Record<string, unknown>,
      outcome,
      ctx.options.requeueAfterMs,
    );
  }
}
