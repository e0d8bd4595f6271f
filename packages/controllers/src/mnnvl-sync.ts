// Converging a PodCliqueSet's ComputeDomains (grove-behaviour.md §3.4 group 1, §3.5, §3.7): created
// before any PodClique (the pods reference their claim templates), excess ones (scale-in, a group no
// longer used) released and deleted, a manually deleted one let go and recreated; on PCS deletion
// every one is released and deleted before the PCS finalizer goes.
import { FinalizerComputeDomain } from "@grove-ts/api";
import type { EventRecorder } from "@grove-ts/runtime";
import { childrenOf } from "./children.js";
import type { Component } from "./component.js";
import type { ControllerContext } from "./context.js";
import { errText, objectKey, recorded } from "./events.js";
import { type ComputeDomain, ComputeDomainType, desiredComputeDomains } from "./mnnvl.js";
import type { PodCliqueSet } from "./types.js";
import { createOrPatch, deleteIgnoreNotFound, slowStart } from "./util.js";

export const ReasonComputeDomainCreateSuccessful = "ComputeDomainCreateSuccessful";
export const ReasonComputeDomainCreateFailed = "ComputeDomainCreateFailed";
export const ReasonComputeDomainDeleteSuccessful = "ComputeDomainDeleteSuccessful";
export const ReasonComputeDomainDeleteFailed = "ComputeDomainDeleteFailed";

const ns = (pcs: PodCliqueSet) => pcs.metadata.namespace;

async function releaseFinalizer(ctx: ControllerContext, cd: ComputeDomain): Promise<void> {
  const fs = cd.metadata.finalizers ?? [];
  if (!fs.includes(FinalizerComputeDomain)) return;
  await ctx.client.patch(ComputeDomainType, cd.metadata.name ?? "", cd.metadata.namespace, {
    type: "merge",
    body: { metadata: { finalizers: fs.filter((f) => f !== FinalizerComputeDomain) } },
  });
}

/** Finalizer off, then delete, with Grove's events on the PCS. */
async function removeComputeDomain(
  ctx: ControllerContext,
  recorder: EventRecorder,
  pcs: PodCliqueSet,
  cd: ComputeDomain,
): Promise<void> {
  await recorded(
    recorder,
    pcs,
    { ok: ReasonComputeDomainDeleteSuccessful, failed: ReasonComputeDomainDeleteFailed },
    async () => {
      await releaseFinalizer(ctx, cd);
      if (!cd.metadata.deletionTimestamp)
        await deleteIgnoreNotFound(
          ctx.client,
          ComputeDomainType,
          cd.metadata.name ?? "",
          cd.metadata.namespace,
        );
    },
    {
      ok: () => `Deleted ComputeDomain ${objectKey(cd)}`,
      failed: (err) => `Error deleting ComputeDomain ${objectKey(cd)}: ${errText(err)}`,
    },
  );
}

/** The ComputeDomain component (only in the groups when network.autoMNNVLEnabled). */
export function pcsComputeDomains(ctx: ControllerContext): Component<PodCliqueSet> {
  return {
    kind: "ComputeDomain",
    async sync(pcs) {
      const inf = ctx.informers.computeDomain;
      const wants = desiredComputeDomains(pcs);
      const wanted = new Set(wants.map((w) => w.metadata.name));
      const have = childrenOf(inf, pcs);
      // Excess ones, and wanted ones someone deleted (terminating on our finalizer): let go.
      const gone = have.filter((cd) => !wanted.has(cd.metadata.name) || cd.metadata.deletionTimestamp);
      await slowStart(gone, "ERR_DELETE_COMPUTEDOMAIN", (cd) =>
        removeComputeDomain(ctx, ctx.events.pcs, pcs, cd),
      );
      await slowStart(wants, "ERR_SYNC_COMPUTEDOMAIN", async (want) => {
        const cur = inf.cache.get(want.metadata.name ?? "", ns(pcs));
        if (cur?.metadata.deletionTimestamp) return; // recreated once it is gone
        await recorded(
          ctx.events.pcs,
          pcs,
          { ok: ReasonComputeDomainCreateSuccessful, failed: ReasonComputeDomainCreateFailed },
          () =>
            createOrPatch(ctx.client, ComputeDomainType, cur, want, {
              metadata: { labels: want.metadata.labels },
              spec: want.spec,
            }),
          {
            ok: (r) => (r === "created" ? `Created ComputeDomain ${objectKey(want)}` : undefined),
            failed: (err) => `Error creating or updating ComputeDomain ${objectKey(want)}: ${errText(err)}`,
          },
        );
      });
    },
  };
}

/** PCS deletion (§3.7): every ComputeDomain of the PCS released and deleted, read from the API server. */
export async function releaseComputeDomains(ctx: ControllerContext, pcs: PodCliqueSet): Promise<void> {
  if (!ctx.options.autoMNNVLEnabled) return;
  const cds = childrenOf(ctx.informers.computeDomain, pcs);
  await slowStart(cds, "ERR_DELETE_COMPUTEDOMAIN", (cd) => removeComputeDomain(ctx, ctx.events.pcs, pcs, cd));
}
