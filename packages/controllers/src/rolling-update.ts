// Rolling updates (grove-behaviour.md §13). A PCS template change (new status.currentGenerationHash)
// starts an episode. RollingRecreate: one PCS replica at a time (§13.2); inside it, standalone
// PodCliques replace old-hash pods — not-ready ones at once, ready ones one by one, oldest first,
// delete before create (§13.3) — and PCSGs recreate old replicas — pending/unavailable ones at once,
// ready ones one by one, lowest index first (§13.4). OnDelete: progress opens and closes at once;
// templates are patched in place and nothing is deleted (§13.5).
import {
  ConditionMinAvailableBreached,
  LabelPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodCliqueSetReplicaIndex,
  LabelPodTemplateHash,
  PodCliqueType,
  UpdateStrategyOnDelete,
} from "@grove-ts/api";
import { findCondition, PodType } from "@grove-ts/runtime";
import type { ControllerContext } from "./context.js";
import { cliqueByName, cliqueTemplateHash, pcsgMinAvailable, standaloneCliques } from "./desired.js";
import type { Pod } from "./kube-types.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "./types.js";
import {
  deleteIgnoreNotFound,
  intLabel,
  isPodReady,
  isTerminating,
  type SyncHint,
  slowStart,
} from "./util.js";

export const rfc3339 = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

type PcsProgress = NonNullable<NonNullable<PodCliqueSet["status"]>["updateProgress"]>;
type PclqProgress = NonNullable<NonNullable<PodClique["status"]>["updateProgress"]>;
type PcsgProgress = NonNullable<NonNullable<PodCliqueScalingGroup["status"]>["updateProgress"]>;

const isOnDelete = (pcs: PodCliqueSet) => pcs.spec.updateStrategy?.type === UpdateStrategyOnDelete;
const minOf = (p: PodClique) => p.spec.minAvailable ?? p.spec.replicas;

/** An auto (RollingRecreate) episode is running: progress set, not ended. */
export const autoUpdateInProgress = (p: { updateEndedAt?: string } | undefined): boolean =>
  p !== undefined && p.updateEndedAt === undefined;

/** A standalone PodClique has fully converged to the PCS hash (§13.2 "done"). */
export function pclqUpdateComplete(pcs: PodCliqueSet, p: PodClique, pcsHash: string): boolean {
  const pcsName = pcs.metadata.name ?? "";
  const i = intLabel(p, LabelPodCliqueSetReplicaIndex);
  const tpl = cliqueByName(pcs, (p.metadata.name ?? "").slice(`${pcsName}-${i}-`.length));
  const expected = tpl ? cliqueTemplateHash(pcs, tpl) : undefined;
  return (
    p.metadata.labels?.[LabelPodTemplateHash] === expected &&
    p.status?.currentPodTemplateHash === expected &&
    p.status?.currentPodCliqueSetGenerationHash === pcsHash &&
    (p.status?.updatedReplicas ?? 0) >= minOf(p) &&
    (p.status?.readyReplicas ?? 0) >= minOf(p)
  );
}

export interface PcsUpdateInput {
  pcs: PodCliqueSet;
  hash: string;
  standalone: readonly PodClique[];
  pcsgs: readonly PodCliqueScalingGroup[];
  now: Date;
}

/**
 * The PCS updateProgress after this reconcile (§3.3, §13.2), or undefined for "no episode yet".
 * Pure: the controller writes it with the rest of the status.
 */
export function planPcsUpdate(input: PcsUpdateInput): PcsProgress | undefined {
  const { pcs, hash, now } = input;
  const prevHash = pcs.status?.currentGenerationHash;
  let progress = pcs.status?.updateProgress ? structuredClone(pcs.status.updateProgress) : undefined;
  if (prevHash !== undefined && prevHash !== hash) {
    progress = { updateStartedAt: rfc3339(now) } as PcsProgress;
    if (isOnDelete(pcs)) progress.updateEndedAt = rfc3339(now);
  }
  if (!progress || !autoUpdateInProgress(progress) || isOnDelete(pcs)) return progress;
  const replicas = pcs.spec.replicas ?? 0;
  const of = <T extends PodClique | PodCliqueScalingGroup>(xs: readonly T[], i: number) =>
    xs.filter((x) => !isTerminating(x) && intLabel(x, LabelPodCliqueSetReplicaIndex) === i);
  const done = (i: number) => {
    const ps = of(input.standalone, i);
    return (
      ps.length === standaloneCliques(pcs).length &&
      ps.every((p) => pclqUpdateComplete(pcs, p, hash)) &&
      of(input.pcsgs, i).every((g) => g.status?.currentPodCliqueSetGenerationHash === hash)
    );
  };
  const cur = progress.currentlyUpdating?.[0];
  if (cur && cur.replicaIndex < replicas && !done(cur.replicaIndex)) return progress;
  const scheduled = (i: number) =>
    of(input.standalone, i).reduce((n, p) => n + (p.status?.scheduledReplicas ?? 0), 0) +
    of(input.pcsgs, i).reduce((n, g) => n + (g.status?.scheduledReplicas ?? 0), 0);
  const breached = (i: number) =>
    [...of(input.standalone, i), ...of(input.pcsgs, i)].some(
      (x) => findCondition(x.status?.conditions, ConditionMinAvailableBreached)?.status === "True",
    );
  const candidates = Array.from({ length: replicas }, (_, i) => i)
    .filter((i) => i !== cur?.replicaIndex && !done(i))
    .sort((a, b) => {
      const za = scheduled(a) === 0 ? 0 : 1;
      const zb = scheduled(b) === 0 ? 0 : 1;
      if (za !== zb) return za - zb;
      const ba = breached(a) ? 0 : 1;
      const bb = breached(b) ? 0 : 1;
      return ba !== bb ? ba - bb : a - b;
    });
  const next = candidates[0];
  if (next === undefined) {
    progress.updateEndedAt = rfc3339(now);
    delete progress.currentlyUpdating;
  } else progress.currentlyUpdating = [{ replicaIndex: next, updateStartedAt: rfc3339(now) }];
  return progress;
}

/** Is this PCS replica allowed to roll now (it is the currently updating one)? */
export function replicaIsUpdating(pcs: PodCliqueSet, replicaIndex: number | undefined): boolean {
  const p = pcs.status?.updateProgress;
  if (!autoUpdateInProgress(p) || isOnDelete(pcs)) return false;
  return p?.currentlyUpdating?.[0]?.replicaIndex === replicaIndex;
}

// ---- standalone PodClique pods (§13.3) -----------------------------------------------------------

export interface PclqUpdateResult {
  progress: PclqProgress | undefined;
  hint?: SyncHint;
}

/** Starts (when due) and advances the PodClique's rolling update; returns the progress to write. */
export async function rollPodClique(
  ctx: ControllerContext,
  pcs: PodCliqueSet | undefined,
  pclq: PodClique,
  pods: readonly Pod[],
): Promise<PclqUpdateResult> {
  let progress = pclq.status?.updateProgress ? structuredClone(pclq.status.updateProgress) : undefined;
  const pcsHash = pcs?.status?.currentGenerationHash;
  const labelHash = pclq.metadata.labels?.[LabelPodTemplateHash];
  if (!pcs || !pcsHash || !labelHash || pclq.metadata.labels?.[LabelPodCliqueScalingGroup])
    return { progress };
  const now = rfc3339(ctx.options.now());
  const onDelete = isOnDelete(pcs);
  const rolling = autoUpdateInProgress(pcs.status?.updateProgress);
  const mine = replicaIsUpdating(pcs, intLabel(pclq, LabelPodCliqueSetReplicaIndex));
  const fresh = !progress && pclq.status?.currentPodCliqueSetGenerationHash === pcsHash;
  if ((onDelete || !rolling || mine) && progress?.podCliqueSetGenerationHash !== pcsHash && !fresh) {
    const oldPods = pods.filter(
      (p) => !isTerminating(p) && p.metadata.labels?.[LabelPodTemplateHash] !== labelHash,
    );
    if (oldPods.length === 0 && !progress) return { progress };
    progress = { updateStartedAt: now, podCliqueSetGenerationHash: pcsHash, podTemplateHash: labelHash };
    if (onDelete) progress.updateEndedAt = now;
  }
  if (!progress || !autoUpdateInProgress(progress) || onDelete) return { progress };
  const target = progress.podTemplateHash;
  const live = pods.filter((p) => !isTerminating(p));
  const old = live.filter((p) => p.metadata.labels?.[LabelPodTemplateHash] !== target);
  const ns = pclq.metadata.namespace;
  const del = (p: Pod) => deleteIgnoreNotFound(ctx.client, PodType, p.metadata.name ?? "", ns);
  const requeue = { requeueAfterMs: ctx.options.requeueAfterMs };
  // 1. Old pods that are not ready go at once.
  await slowStart(
    old.filter((p) => !isPodReady(p)),
    "ERR_DELETE_POD",
    del,
  );
  // 2. Wait for the selected ready pod's replacement.
  const sel = progress.readyPodsSelectedToUpdate;
  if (sel) {
    const gone = !live.some((p) => p.metadata.name === sel.current);
    const newReady = live.filter(
      (p) => p.metadata.labels?.[LabelPodTemplateHash] === target && isPodReady(p),
    ).length;
    // A scale-in during the update may leave fewer pods than were replaced so far.
    const want = Math.min((sel.completed?.length ?? 0) + 1, pclq.spec.replicas);
    if (!(gone && newReady >= want)) return { progress, hint: requeue };
  }
  // 3. Next ready old pod, oldest first, only while the clique stays at minAvailable.
  const readyOld = old
    .filter(isPodReady)
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  if (readyOld.length > 0) {
    if (live.filter(isPodReady).length < minOf(pclq)) return { progress, hint: requeue };
    const victim = readyOld[0] as Pod;
    progress.readyPodsSelectedToUpdate = {
      current: victim.metadata.name ?? "",
      ...(sel ? { completed: [...(sel.completed ?? []), sel.current] } : {}),
    };
    await del(victim);
    return { progress, hint: requeue };
  }
  if (old.length > 0) return { progress, hint: requeue };
  // 4. Nothing old is left.
  progress.updateEndedAt = now;
  delete progress.readyPodsSelectedToUpdate;
  return { progress, hint: requeue };
}

// ---- PCSG replicas (§13.4) -----------------------------------------------------------------------

export interface PcsgUpdateResult {
  progress: PcsgProgress | undefined;
  hint?: SyncHint;
}

export async function rollPcsg(
  ctx: ControllerContext,
  pcs: PodCliqueSet,
  pcsg: PodCliqueScalingGroup,
  members: readonly PodClique[],
): Promise<PcsgUpdateResult> {
  let progress = pcsg.status?.updateProgress ? structuredClone(pcsg.status.updateProgress) : undefined;
  const pcsHash = pcs.status?.currentGenerationHash;
  if (!pcsHash || isOnDelete(pcs)) return { progress };
  const now = rfc3339(ctx.options.now());
  const pcsgName = pcsg.metadata.name ?? "";
  const expectedHash = (p: PodClique) => {
    const j = intLabel(p, LabelPodCliqueScalingGroupReplicaIndex);
    const clique = pcsg.spec.cliqueNames.find((c) => p.metadata.name === `${pcsgName}-${j}-${c}`);
    const t = clique ? cliqueByName(pcs, clique) : undefined;
    return t ? cliqueTemplateHash(pcs, t) : undefined;
  };
  const live = members.filter((p) => !isTerminating(p));
  const byReplica = new Map<number, PodClique[]>();
  for (const p of live) {
    const j = intLabel(p, LabelPodCliqueScalingGroupReplicaIndex);
    if (j === undefined || j >= pcsg.spec.replicas) continue;
    byReplica.set(j, [...(byReplica.get(j) ?? []), p]);
  }
  const isOld = (ps: PodClique[]) =>
    ps.some((p) => p.metadata.labels?.[LabelPodTemplateHash] !== expectedHash(p));
  const anyOld = [...byReplica.values()].some(isOld);
  const mine = replicaIsUpdating(pcs, intLabel(pcsg, LabelPodCliqueSetReplicaIndex));
  if (mine && progress?.podCliqueSetGenerationHash !== pcsHash && (anyOld || progress)) {
    progress = {
      updateStartedAt: now,
      podCliqueSetGenerationHash: pcsHash,
      updatedPodCliquesCount: 0,
      totalPodCliquesCount: pcsg.spec.replicas * pcsg.spec.cliqueNames.length,
    } as PcsgProgress;
  }
  if (!progress || !autoUpdateInProgress(progress)) return { progress };
  const requeue = { requeueAfterMs: ctx.options.requeueAfterMs };
  const sel = progress.readyReplicaIndicesSelectedToUpdate;
  const complete = (j: number) => {
    const ps = byReplica.get(j) ?? [];
    return (
      ps.length === pcsg.spec.cliqueNames.length &&
      ps.every(
        (p) =>
          p.metadata.labels?.[LabelPodTemplateHash] === expectedHash(p) &&
          p.status?.currentPodTemplateHash === expectedHash(p) &&
          (p.status?.updatedReplicas ?? 0) >= minOf(p) &&
          (p.status?.readyReplicas ?? 0) >= minOf(p),
      )
    );
  };
  const olds = [...byReplica.entries()].filter(([j, ps]) => j !== sel?.current && isOld(ps));
  const pendingOrUnavailable = olds.filter(([, ps]) =>
    ps.some(
      (p) => (p.status?.scheduledReplicas ?? 0) < minOf(p) || (p.status?.readyReplicas ?? 0) < minOf(p),
    ),
  );
  const deleteReplica = (ps: PodClique[]) =>
    slowStart(ps, "ERR_DELETE_PODCLIQUE", (p) =>
      deleteIgnoreNotFound(ctx.client, PodCliqueType, p.metadata.name ?? "", pcsg.metadata.namespace),
    );
  for (const [, ps] of pendingOrUnavailable) await deleteReplica(ps);
  // A selected replica that a scale-in removed is done with (it is not coming back).
  if (sel && sel.current < pcsg.spec.replicas && !complete(sel.current)) return { progress, hint: requeue };
  const readyOld = olds
    .filter(([j]) => !pendingOrUnavailable.some(([k]) => k === j))
    .sort(([a], [b]) => a - b);
  if (readyOld.length > 0) {
    if ((pcsg.status?.availableReplicas ?? 0) < (pcsg.spec.minAvailable ?? pcsgMinAvailable({})))
      return { progress, hint: requeue };
    const [j, ps] = readyOld[0] as [number, PodClique[]];
    progress.readyReplicaIndicesSelectedToUpdate = {
      current: j,
      ...(sel ? { completed: [...(sel.completed ?? []), sel.current] } : {}),
    };
    ctx.logger.info("recreating PCSG replica for update", { pcsg: pcsgName, replica: j });
    await deleteReplica(ps);
    return { progress, hint: requeue };
  }
  if (pendingOrUnavailable.length > 0) return { progress, hint: requeue };
  progress.updateEndedAt = now;
  delete progress.readyReplicaIndicesSelectedToUpdate;
  return { progress, hint: requeue };
}
