// PodCliqueScalingGroup reconciler (grove-behaviour.md §5): member PodCliques per replica — scale-in
// removes the highest replica indices, missing members are created (existing ones are never patched
// under RollingRecreate, §5.3) — then status.
import {
  ConditionGangTerminationInProgress,
  ConditionMinAvailableBreached,
  FinalizerPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodCliqueSetReplicaIndex,
  PodCliqueScalingGroupType,
  PodCliqueType,
  podCliqueScalingGroupName,
  UpdateStrategyOnDelete,
} from "@grove-ts/api";
import {
  type Condition,
  deepEqual,
  findCondition,
  getControllerOf,
  isControlledBy,
  type ReconcileContext,
  type ReconcileResult,
} from "@grove-ts/runtime";
import { type Component, syncComponent } from "../component.js";
import { type ControllerContext, INDEX_PCSG } from "../context.js";
import { cliqueByName, cliqueTemplateHash, desiredMemberPodClique } from "../desired.js";
import { OwnerNotFoundError } from "../errors.js";
import {
  errText,
  objectKey,
  ReasonAllScheduledReplicasLost,
  ReasonPodCliqueCreateFailed,
  ReasonPodCliqueCreateSuccessful,
  recorded,
} from "../events.js";
import { deletePcsgReplicas, pcsgReplicaGangTermination } from "../gang-termination.js";
import { withMNNVL } from "../mnnvl.js";
import { ensureFinalizer, removeFinalizer } from "../pcs/controller.js";
import { claimRetryHint, syncPcsgResourceClaims } from "../resource-claims-sync.js";
import { autoUpdateInProgress, type PcsgUpdateResult, rollPcsg } from "../rolling-update.js";
import { finishReconcile, withLastErrors } from "../status-write.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "../types.js";
import { createOrPatch, intLabel, isTerminating, minHint, runSteps, slowStart } from "../util.js";
import { computePcsgStatus } from "./status.js";

export const membersOf = (ctx: ControllerContext, pcsg: PodCliqueScalingGroup): PodClique[] =>
  ctx.informers.pclq.cache
    .byIndex(INDEX_PCSG, `${pcsg.metadata.namespace ?? ""}/${pcsg.metadata.name ?? ""}`)
    .filter((p) => isControlledBy(p, pcsg.metadata.uid ?? ""));

function owningPcs(ctx: ControllerContext, pcsg: PodCliqueScalingGroup): PodCliqueSet | undefined {
  const ref = getControllerOf(pcsg);
  const pcs = ref ? ctx.informers.pcs.cache.get(ref.name, pcsg.metadata.namespace) : undefined;
  return pcs && pcs.metadata.uid === ref?.uid ? pcs : undefined;
}

function memberPodCliques(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  onUpdate: (r: PcsgUpdateResult) => void,
): Component<PodCliqueScalingGroup> {
  return {
    kind: "PodClique",
    async sync(pcsg) {
      const ns = pcsg.metadata.namespace;
      // The config whose generated name this PCSG carries (names are built, never sliced apart).
      const replica = Number(pcsg.metadata.labels?.[LabelPodCliqueSetReplicaIndex]);
      const cfg = (pcs.spec.template.podCliqueScalingGroups ?? []).find(
        (g) => podCliqueScalingGroupName(pcs.metadata.name ?? "", replica, g.name) === pcsg.metadata.name,
      );
      if (!cfg) return;
      const members = membersOf(ctx, pcsg);
      // Scale-in: whole replicas at the highest indices.
      const stale = members.filter(
        (p) =>
          !isTerminating(p) &&
          (intLabel(p, LabelPodCliqueScalingGroupReplicaIndex) ?? 0) >= pcsg.spec.replicas,
      );
      await deletePcsgReplicas(ctx, pcs, pcsg, stale);
      const onDelete = pcs.spec.updateStrategy?.type === UpdateStrategyOnDelete;
      const wants = [];
      for (let j = 0; j < pcsg.spec.replicas; j++)
        for (const c of pcsg.spec.cliqueNames) {
          const clique = cliqueByName(pcs, c);
          if (clique)
            wants.push(
              withMNNVL(
                desiredMemberPodClique(pcs, pcsg, cfg, j, clique),
                pcs,
                replica,
                clique,
                ctx.options.autoMNNVLEnabled,
              ),
            );
        }
      await slowStart(wants, "ERR_SYNC_PODCLIQUE", async (w) => {
        const have = ctx.informers.pclq.cache.get(w.object.metadata.name ?? "", ns);
        if (have && (isTerminating(have) || !onDelete)) return;
        await recorded(
          ctx.events.pcsg,
          pcsg,
          { ok: ReasonPodCliqueCreateSuccessful, failed: ReasonPodCliqueCreateFailed },
          () => createOrPatch(ctx.client, PodCliqueType, have, w.object, w.patch),
          {
            ok: (r) =>
              r === "created" ? `PodClique ${objectKey(w.object)} created successfully` : undefined,
            failed: (err) => `PodClique ${objectKey(w.object)} creation failed: ${errText(err)}`,
          },
        );
      });
      // Gang termination only when no PCSG update runs (§5.3 step 4).
      const update = await rollPcsg(ctx, pcs, pcsg, membersOf(ctx, pcsg));
      onUpdate(update);
      if (autoUpdateInProgress(update.progress)) return update.hint;
      return minHint(update.hint, await pcsgReplicaGangTermination(ctx, pcs, pcsg, membersOf(ctx, pcsg)));
    },
  };
}

/**
 * The PCS controller sets GangTerminationInProgress on PCSGs (§10.2); a status computed from a cache
 * that does not show it yet must not drop it. Only when the conditions are about to change is the
 * live object read, and the mark kept unless this status is the recovery that clears it.
 */
async function keepGangTerminationMark(
  ctx: ControllerContext,
  pcsg: PodCliqueScalingGroup,
  status: { conditions?: Condition[] },
): Promise<void> {
  if (deepEqual(status.conditions, pcsg.status?.conditions)) return;
  if (findCondition(status.conditions, ConditionMinAvailableBreached)?.status === "False") return;
  if (findCondition(status.conditions, ConditionGangTerminationInProgress)) return;
  const live = await ctx.client.get<PodCliqueScalingGroup>(
    PodCliqueScalingGroupType,
    pcsg.metadata.name ?? "",
    pcsg.metadata.namespace,
  );
  const mark = findCondition(live?.status?.conditions, ConditionGangTerminationInProgress);
  if (mark) status.conditions = [...(status.conditions ?? []), mark];
}

export function pcsgReconciler(ctx: ControllerContext) {
  return async (rc: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const pcsg = ctx.statusMemory.newest(ctx.informers.pcsg.cache.get(rc.name, rc.namespace));
    if (!pcsg) return undefined;
    if (pcsg.metadata.deletionTimestamp) {
      await removeFinalizer(ctx, PodCliqueScalingGroupType, pcsg, FinalizerPodCliqueScalingGroup);
      return undefined;
    }
    const pcs = owningPcs(ctx, pcsg);
    let update: PcsgUpdateResult | undefined;
    const softErrors: unknown[] = [];
    const outcome = await runSteps(
      [
        {
          name: "ensureFinalizer",
          run: () => ensureFinalizer(ctx, PodCliqueScalingGroupType, pcsg, FinalizerPodCliqueScalingGroup),
        },
        {
          // §5.3 step 1. A failure is recorded but the members are still made: their PodCliques
          // report a missing template in their ResourceClaimsReady condition.
          name: "syncResourceClaims",
          run: async () => {
            if (pcs) await syncPcsgResourceClaims(ctx, pcs, pcsg).catch((e) => softErrors.push(e));
          },
        },
        {
          name: "syncPodCliques",
          run: async () => {
            if (!pcs) throw new OwnerNotFoundError("PodCliqueScalingGroup", rc.name);
            const members = memberPodCliques(ctx, pcs, (u) => {
              update = u;
            });
            return syncComponent(members, pcsg);
          },
        },
      ],
      rc.logger,
    );
    outcome.softErrors = softErrors;
    outcome.requeueAfterMs ??= claimRetryHint(softErrors, ctx.options.requeueAfterMs);
    const now = ctx.options.now();
    const status = computePcsgStatus({
      pcsg,
      members: membersOf(ctx, pcsg),
      pcsHash: pcs?.status?.currentGenerationHash,
      expectedHash: (c) => {
        const clique = pcs ? cliqueByName(pcs, c) : undefined;
        return pcs && clique ? cliqueTemplateHash(pcs, clique) : undefined;
      },
      specCompleted: outcome.completed,
      now,
      ...(update ? { updateProgress: update.progress ?? null } : {}),
    });
    const full = withLastErrors(status, pcsg.status?.lastErrors, outcome, now);
    const wasScheduled = pcsg.status?.scheduledReplicas ?? 0;
    await keepGangTerminationMark(ctx, pcsg, full);
    return finishReconcile(
      ctx,
      PodCliqueScalingGroupType,
      pcsg,
      full as Record<string, unknown>,
      outcome,
      ctx.options.requeueAfterMs,
      {
        onWritten: () => {
          // A PCSG scaled to zero lost nothing (upstream skips spec.replicas 0 too).
          if (pcsg.spec.replicas > 0 && wasScheduled > 0 && status.scheduledReplicas === 0)
            ctx.events.pcsg.event(
              pcsg,
              "Warning",
              ReasonAllScheduledReplicasLost,
              `All scheduled replicas lost (was ${wasScheduled}). Gang termination is suppressed to avoid recreating Pending pods against the same cluster state; investigate node availability or capacity.`,
            );
        },
      },
    );
  };
}
