// PodClique status as a pure function of the PodClique and its pods (grove-behaviour.md §4.5).
import {
  ConditionMinAvailableBreached,
  ConditionPodCliqueScheduled,
  LabelPartOf,
  LabelPodCliqueScalingGroup,
  LabelPodTemplateHash,
  type PodCliqueStatus,
  podCliquePodSelector,
  ReasonInsufficientReadyPods,
  ReasonInsufficientScheduledPods,
  ReasonScheduledReplicasBelowMinAvailable,
  ReasonSufficientReadyPods,
  ReasonSufficientScheduledPods,
  ReasonUpdateInProgress,
} from "@grove-ts/api";
import { setCondition } from "@grove-ts/runtime";
import type { Pod } from "../kube-types.js";
import type { PodClique } from "../types.js";
import {
  isPodErrored,
  isPodGated,
  isPodReady,
  isPodScheduled,
  isPodStartedNotReady,
  isTerminating,
} from "../util.js";

export interface PclqStatusInput {
  pclq: PodClique;
  pods: readonly Pod[];
  /** PCS status.currentGenerationHash. */
  pcsHash: string | undefined;
  /** The spec flow completed with no gated pods left (§4.2: only then observedGeneration moves). */
  specCompleted: boolean;
  /** updateProgress as the update step left it (default: the stored one). */
  updateProgress?: PodCliqueStatus["updateProgress"] | null;
  now: Date;
}

export function computePclqStatus(input: PclqStatusInput): PodCliqueStatus {
  const { pclq, pods } = input;
  const prev = pclq.status;
  const labels = pclq.metadata.labels ?? {};
  const labelHash = labels[LabelPodTemplateHash];
  const progress = input.updateProgress === null ? undefined : (input.updateProgress ?? prev?.updateProgress);
  const expectedHash = progress?.podTemplateHash ?? labelHash ?? prev?.currentPodTemplateHash;
  let terminating = 0;
  let ready = 0;
  let gated = 0;
  let scheduled = 0;
  let updated = 0;
  let errored = 0;
  let startedNotReady = 0;
  for (const p of pods) {
    const sched = isPodScheduled(p);
    if (sched) scheduled++;
    else if (isPodGated(p)) gated++;
    if (isTerminating(p)) terminating++;
    if (isPodReady(p)) ready++;
    else if (sched && isPodErrored(p)) errored++;
    else if (sched && isPodStartedNotReady(p)) startedNotReady++;
    if (
      !isTerminating(p) &&
      expectedHash !== undefined &&
      p.metadata.labels?.[LabelPodTemplateHash] === expectedHash
    )
      updated++;
  }
  const replicas = pods.length - terminating;
  const status: PodCliqueStatus = {
    ...(prev ?? {}),
    replicas,
    readyReplicas: ready,
    scheduleGatedReplicas: gated,
    scheduledReplicas: scheduled,
    updatedReplicas: updated,
  } as PodCliqueStatus;
  if (progress) status.updateProgress = progress;
  else delete status.updateProgress;
  const autoUpdating = progress !== undefined && progress.updateEndedAt === undefined;
  if (!autoUpdating && updated === replicas) {
    if (!progress && labelHash !== undefined) {
      status.currentPodTemplateHash = labelHash;
      if (input.pcsHash) status.currentPodCliqueSetGenerationHash = input.pcsHash;
    } else if (progress) {
      status.currentPodTemplateHash = progress.podTemplateHash;
      status.currentPodCliqueSetGenerationHash = progress.podCliqueSetGenerationHash;
    }
  }
  if (!labels[LabelPodCliqueScalingGroup])
    status.hpaPodSelector = podCliquePodSelector(labels[LabelPartOf] ?? "", pclq.metadata.name ?? "");
  if (input.specCompleted && pclq.metadata.generation !== undefined)
    status.observedGeneration = pclq.metadata.generation;
  if (status.observedGeneration !== undefined) {
    const min = pclq.spec.minAvailable ?? pclq.spec.replicas;
    let conditions = setCondition(
      prev?.conditions,
      scheduled >= min
        ? {
            type: ConditionPodCliqueScheduled,
            status: "True",
            reason: ReasonSufficientScheduledPods,
            message: `${scheduled} scheduled pods, minAvailable ${min}`,
          }
        : {
            type: ConditionPodCliqueScheduled,
            status: "False",
            reason: ReasonInsufficientScheduledPods,
            message: `${scheduled} scheduled pods, minAvailable ${min}`,
          },
      input.now,
    );
    const available = scheduled - errored - startedNotReady;
    conditions = setCondition(
      conditions,
      autoUpdating
        ? {
            type: ConditionMinAvailableBreached,
            status: "Unknown",
            reason: ReasonUpdateInProgress,
            message: "Update in progress",
          }
        : scheduled < min
          ? {
              type: ConditionMinAvailableBreached,
              status: "True",
              reason: ReasonScheduledReplicasBelowMinAvailable,
              message: `${scheduled} scheduled pods < minAvailable ${min}`,
            }
          : available < min
            ? {
                type: ConditionMinAvailableBreached,
                status: "True",
                reason: ReasonInsufficientReadyPods,
                message: `${available} ready or starting pods < minAvailable ${min}`,
              }
            : {
                type: ConditionMinAvailableBreached,
                status: "False",
                reason: ReasonSufficientReadyPods,
                message: `${available} ready or starting pods, minAvailable ${min}`,
              },
      input.now,
    );
    status.conditions = conditions;
  }
  return status;
}
