// PodClique reconciler (grove-behaviour.md §4): pods by generateName at the lowest free indices,
// scale-in victims by the §12.3 order, scheduling-gate removal by the PodGang rules, then status.
import {
  ConditionPodCliqueScheduled,
  FinalizerPodClique,
  LabelBasePodGang,
  LabelPodGang,
  LabelPodTemplateHash,
  lowestFreeIndices,
  PodCliqueType,
  podIndexFromHostname,
  SchedulingGatePodGangPendingCreation,
} from "@grove-ts/api";
import {
  type Condition,
  findCondition,
  isNotFound,
  PodType,
  type ReconcileContext,
  type ReconcileResult,
  RequeueAfterError,
} from "@grove-ts/runtime";
import { owningPcs, podsOf } from "../children.js";
import { type ControllerContext, INDEX_BASE_PODGANG } from "../context.js";
import { schedulerNameOf } from "../desired.js";
import { BaseGangNotFoundError, MissingPodGangLabelError } from "../errors.js";
import {
  errText,
  ReasonAllScheduledReplicasLost,
  ReasonPodCreateFailed,
  ReasonPodCreateSuccessful,
  ReasonPodDeleteFailed,
  ReasonPodDeleteSuccessful,
} from "../events.js";
import type { Pod } from "../kube-types.js";
import { ensureFinalizer, removeFinalizer } from "../pcs/controller.js";
import {
  type PclqClaimsResult,
  syncPclqResourceClaims,
  withClaimCondition,
} from "../resource-claims-sync.js";
import { type PclqUpdateResult, rollPodClique } from "../rolling-update.js";
import { finishReconcile, withLastErrors } from "../status-write.js";
import type { PodClique, PodCliqueSet } from "../types.js";
import { hasGate, isPodActive, isTerminating, runSteps, slowStart } from "../util.js";
import { selectVictims } from "./deletion-order.js";
import { buildPod } from "./pod.js";
import { computePclqStatus } from "./status.js";

/** How old a PodClique may get before its first PodCliqueScheduled condition is written at once. */
export const FIRST_STATUS_DUE_MS = 2000;

/**
 * Whether `next` brings the PodClique's first PodCliqueScheduled condition and the clique is at least
 * FIRST_STATUS_DUE_MS old: such a write is not held back (pods in flight, coalescing window), since gang
 * termination reads a False condition set over 5 s after creation as "was scheduled once"
 * (INITIAL_SCHEDULE_GRACE_MS) and a late first write could get a never-scheduled clique terminated.
 */
export function firstScheduledStatusDue(
  pclq: PodClique,
  next: readonly Condition[] | undefined,
  now: Date,
): boolean {
  if (findCondition(pclq.status?.conditions, ConditionPodCliqueScheduled)) return false;
  if (!findCondition(next, ConditionPodCliqueScheduled)) return false;
  const created = Date.parse(pclq.metadata.creationTimestamp ?? "");
  return Number.isFinite(created) && now.getTime() - created >= FIRST_STATUS_DUE_MS;
}

/**
 * How long a PodClique's status is held while some of its pods are gated only until their PodGang
 * lists them, and none is gated for another reason (status-coalesce.ts). The PodCliqueSet controller
 * of this process lists them next and the gates then come off, so "pods gated" is a step on the
 * way; a gang that is not listed within this time (say, one of its pods cannot be created) gets
 * its status written all the same.
 */
export const LISTING_HOLD_MS = 3000;

/**
 * Whether `pods` has a gated pod its PodGang does not list yet, and every gated pod is in that case
 * (a listed pod still gated waits for its base gang, or for this reconcile's own gate removal, which
 * the expectations cover).
 */
function awaitsListing(ctx: ControllerContext, pclq: PodClique, pods: readonly Pod[]): boolean {
  const gated = gatedPods(pods);
  if (gated.length === 0) return false;
  const gangName = pclq.metadata.labels?.[LabelPodGang];
  const listed = gangName ? listedPods(ctx, pclq, gangName) : new Set<string>();
  return (
    gated.some((p) => !listed.has(p.metadata.name ?? "")) &&
    gated.every(
      (p) =>
        !listed.has(p.metadata.name ?? "") ||
        ctx.podExpectations.ungatePending(keyOf(pclq), p.metadata.name ?? ""),
    )
  );
}

/** Pods still carrying `grove.io/podgang-pending-creation`, terminating ones aside. */
const gatedPods = (pods: readonly Pod[]): Pod[] =>
  pods.filter((p) => !isTerminating(p) && hasGate(p, SchedulingGatePodGangPendingCreation));

/** The names of the pods PodGang `gangName` lists in `pclq`'s pod group (none while it is absent). */
function listedPods(ctx: ControllerContext, pclq: PodClique, gangName: string): Set<string> {
  const gang = ctx.informers.podgang.cache.get(gangName, pclq.metadata.namespace);
  return new Set(
    gang?.spec.podgroups.find((g) => g.name === pclq.metadata.name)?.podReferences.map((r) => r.name) ?? [],
  );
}

const keyOf = (o: PodClique) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/** Creates and deletes pods so that non-terminating pods (plus pending creates) equal spec.replicas. */
async function syncPodCount(
  ctx: ControllerContext,
  pclq: PodClique,
  pcs: PodCliqueSet | undefined,
): Promise<void> {
  const key = keyOf(pclq);
  const pods = podsOf(ctx, pclq);
  const exp = ctx.podExpectations.reconcile(key, new Set(pods.map((p) => p.metadata.name ?? "")));
  const live = pods.filter((p) => !isTerminating(p));
  const pendingDeletes = live.filter((p) => exp.deletes.has(p.metadata.name ?? ""));
  const diff = live.length + exp.creates.size - pclq.spec.replicas - pendingDeletes.length;
  if (diff < 0) {
    const used = [
      ...pods.filter(isPodActive).map((p) => podIndexFromHostname(p.spec?.hostname ?? "")),
      ...[...exp.creates.values()].map((h) => podIndexFromHostname(h)),
    ].filter((i): i is number => i !== undefined);
    const indices = lowestFreeIndices(used, -diff);
    const schedulerName = pcs
      ? schedulerNameOf(pcs, ctx.options.defaultSchedulerName)
      : ctx.options.defaultSchedulerName;
    await slowStart(indices, "ERR_CREATE_POD", async (podIndex) => {
      const pod = buildPod({
        pclq,
        pcs,
        podIndex,
        schedulerName,
        initContainerImage: ctx.options.initContainerImage,
      });
      let created: Pod;
      try {
        created = await ctx.client.create<Pod>(PodType, pod);
      } catch (err) {
        // Upstream prints pod.Name, empty under generateName; the hostname names the pod to be.
        ctx.events.pclq.event(
          pclq,
          "Warning",
          ReasonPodCreateFailed,
          `Error creating pod ${pod.metadata.name ?? pod.spec?.hostname ?? ""}: ${errText(err)}`,
        );
        throw err;
      }
      ctx.podExpectations.expectCreate(key, created.metadata.name ?? "", created.spec?.hostname ?? "");
      ctx.events.pclq.event(
        pclq,
        "Normal",
        ReasonPodCreateSuccessful,
        `Created Pod: ${created.metadata.name}`,
      );
    });
  } else if (diff > 0) {
    const candidates = live.filter((p) => !exp.deletes.has(p.metadata.name ?? ""));
    const victims = selectVictims(candidates, diff, pclq.metadata.labels?.[LabelPodTemplateHash]);
    await slowStart(victims, "ERR_DELETE_POD", async (p) => {
      ctx.podExpectations.expectDelete(key, p.metadata.name ?? "");
      try {
        await ctx.client.delete(PodType, p.metadata.name ?? "", p.metadata.namespace);
      } catch (err) {
        if (isNotFound(err)) return;
        ctx.podExpectations.cancelDelete(key, p.metadata.name ?? "");
        ctx.events.pclq.event(pclq, "Warning", ReasonPodDeleteFailed, `Error deleting pod: ${errText(err)}`);
        throw err;
      }
      ctx.events.pclq.event(pclq, "Normal", ReasonPodDeleteSuccessful, `Deleted Pod: ${p.metadata.name}`);
    });
  }
}

/**
 * Removes `grove.io/podgang-pending-creation` from pods listed in their PodGang (§4.3 step 5); pods of
 * a scaled gang additionally wait for the base gang to be scheduled. Throws a requeue while any pod
 * stays gated.
 */
async function removeGates(ctx: ControllerContext, pclq: PodClique): Promise<void> {
  const ns = pclq.metadata.namespace;
  const gangName = pclq.metadata.labels?.[LabelPodGang];
  if (!gangName) throw new MissingPodGangLabelError(pclq.metadata.name ?? "");
  const gated = gatedPods(podsOf(ctx, pclq));
  if (gated.length === 0) return;
  const listed = listedPods(ctx, pclq, gangName);
  // A gate this process already removed is not removed again while the cache catches up.
  let candidates = gated.filter(
    (p) =>
      listed.has(p.metadata.name ?? "") &&
      !ctx.podExpectations.ungatePending(keyOf(pclq), p.metadata.name ?? ""),
  );
  const baseName = pclq.metadata.labels?.[LabelBasePodGang];
  if (baseName && candidates.length > 0) {
    const base = ctx.informers.podgang.cache.get(baseName, ns);
    if (!base) throw new BaseGangNotFoundError(`PodGang ${baseName}`);
    const scheduled = base.spec.podgroups.every((g) => {
      const member = ctx.informers.pclq.cache.get(g.name, ns);
      if (!member) throw new BaseGangNotFoundError(`PodClique ${g.name} of PodGang ${baseName}`);
      return (member.status?.scheduledReplicas ?? 0) >= g.minReplicas;
    });
    if (!scheduled) candidates = [];
  }
  await slowStart(candidates, "ERR_REMOVE_SCHEDULING_GATE", async (p) => {
    const gates = (p.spec?.schedulingGates ?? []).filter(
      (g) => g.name !== SchedulingGatePodGangPendingCreation,
    );
    await ctx.client.patch(PodType, p.metadata.name ?? "", ns, {
      type: "merge",
      body: { spec: { schedulingGates: gates } },
    });
    ctx.podExpectations.expectUngate(keyOf(pclq), p.metadata.name ?? "");
  });
  if (candidates.length < gated.length)
    throw new RequeueAfterError(
      `${gated.length - candidates.length} pod(s) of ${pclq.metadata.name} stay gated`,
      ctx.options.requeueAfterMs,
    );
}

export function pclqReconciler(ctx: ControllerContext) {
  return async (rc: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const pclq = ctx.statusMemory.newest(ctx.informers.pclq.cache.get(rc.name, rc.namespace));
    if (!pclq) {
      ctx.podExpectations.forget(rc.key);
      return undefined;
    }
    if (pclq.metadata.deletionTimestamp) {
      ctx.podExpectations.forget(rc.key);
      await removeFinalizer(ctx, PodCliqueType, pclq, FinalizerPodClique);
      return undefined;
    }
    const pcs = owningPcs(ctx, pclq);
    let update: PclqUpdateResult | undefined;
    const claims: PclqClaimsResult = { referenced: 0 };
    const outcome = await runSteps(
      [
        { name: "ensureFinalizer", run: () => ensureFinalizer(ctx, PodCliqueType, pclq, FinalizerPodClique) },
        { name: "syncResourceClaims", run: () => syncPclqResourceClaims(ctx, pcs, pclq, claims) },
        { name: "syncPods", run: () => syncPodCount(ctx, pclq, pcs) },
        {
          name: "processUpdate",
          run: async () => {
            update = await rollPodClique(ctx, pcs, pclq, podsOf(ctx, pclq));
            return update.hint;
          },
        },
        { name: "removeSchedulingGates", run: () => removeGates(ctx, pclq) },
      ],
      rc.logger,
    );
    const now = ctx.options.now();
    const pods = podsOf(ctx, pclq);
    const status = computePclqStatus({
      pclq,
      pods,
      pcsHash: pcs?.status?.currentGenerationHash,
      specCompleted: outcome.completed,
      ...(update ? { updateProgress: update.progress ?? null } : {}),
      now,
    });
    const full = withClaimCondition(
      withLastErrors(status, pclq.status?.lastErrors, outcome, now),
      pclq.status?.conditions,
      claims,
      now,
    );
    const wasScheduled = pclq.status?.scheduledReplicas ?? 0;
    // Scaled gangs' pods wait for this base gang's scheduledReplicas (removeGates): not held back.
    const gang = pclq.metadata.labels?.[LabelPodGang];
    const urgent =
      status.scheduledReplicas !== pclq.status?.scheduledReplicas &&
      gang !== undefined &&
      ctx.informers.pclq.cache.byIndex(INDEX_BASE_PODGANG, `${pclq.metadata.namespace ?? ""}/${gang}`)
        .length > 0;
    const due = firstScheduledStatusDue(pclq, full.conditions, now);
    const inFlight = ctx.podExpectations.outstanding(rc.key, pods, SchedulingGatePodGangPendingCreation);
    const waited = ctx.podExpectations.listingWait(rc.key, awaitsListing(ctx, pclq, pods));
    // What scaled gangs wait on (urgent) is not held for a listing; only for this process's own writes.
    const listingHeld = !urgent && waited !== undefined && waited < LISTING_HOLD_MS;
    const podsInFlight = !due && (inFlight || listingHeld);
    return finishReconcile(
      ctx,
      PodCliqueType,
      pclq,
      full as Record<string, unknown>,
      outcome,
      ctx.options.requeueAfterMs,
      {
        podsInFlight,
        ...(podsInFlight && !inFlight && waited !== undefined
          ? { recheckAfterMs: LISTING_HOLD_MS - waited }
          : {}),
        urgent: urgent || due,
        onWritten: () => {
          if (wasScheduled > 0 && status.scheduledReplicas === 0)
            ctx.events.pclq.event(
              pclq,
              "Warning",
              ReasonAllScheduledReplicasLost,
              `All scheduled pods lost (was ${wasScheduled}). Gang termination is suppressed to avoid recreating Pending pods against the same cluster state; investigate node availability or capacity.`,
            );
        },
      },
    );
  };
}
