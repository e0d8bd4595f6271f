// PodCliqueScalingGroup status as a pure function (grove-behaviour.md §5.5).
import {
  ConditionGangTerminationInProgress,
  ConditionMinAvailableBreached,
  ConditionPodCliqueScheduled,
  LabelPartOf,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodTemplateHash,
  type PodCliqueScalingGroupStatus,
  podCliqueScalingGroupPodSelector,
  ReasonInsufficientAvailablePCSGReplicas,
  ReasonSufficientAvailablePCSGReplicas,
  ReasonUpdateInProgress,
} from "@grove-ts/api";
import { isConditionTrue, removeCondition, setCondition } from "@grove-ts/runtime";
import type { PodClique, PodCliqueScalingGroup } from "../types.js";
import { intLabel, isTerminating } from "../util.js";

export interface PcsgStatusInput {
  pcsg: PodCliqueScalingGroup;
  members: readonly PodClique[];
  /** PCS status.currentGenerationHash. */
  pcsHash: string | undefined;
  /** clique name → expected pod-template-hash. */
  expectedHash: (cliqueName: string) => string | undefined;
  specCompleted: boolean;
  now: Date;
  /** updateProgress as the update step left it (default: the stored one). */
  updateProgress?: PodCliqueScalingGroupStatus["updateProgress"] | null;
}

export function computePcsgStatus(input: PcsgStatusInput): PodCliqueScalingGroupStatus {
  const { pcsg, pcsHash } = input;
  const prev = pcsg.status;
  const progress = input.updateProgress === null ? undefined : (input.updateProgress ?? prev?.updateProgress);
  const updating = progress !== undefined && progress.updateEndedAt === undefined;
  const pcsgName = pcsg.metadata.name ?? "";
  const replicas = pcsg.spec.replicas;
  const cliqueNames = pcsg.spec.cliqueNames;
  const minAvailable = pcsg.spec.minAvailable ?? 1;
  const live = input.members.filter((p) => !isTerminating(p));
  const byReplica = (j: number) =>
    cliqueNames
      .map((c) => live.find((p) => p.metadata.name === `${pcsgName}-${j}-${c}`))
      .filter(
        (p): p is PodClique => p !== undefined && intLabel(p, LabelPodCliqueScalingGroupReplicaIndex) === j,
      );
  const min = (p: PodClique) => p.spec.minAvailable ?? p.spec.replicas;
  let scheduled = 0;
  let available = 0;
  let updated = 0;
  let healthy = 0;
  let allCurrent = true;
  for (let j = 0; j < replicas; j++) {
    const ps = byReplica(j);
    const complete = ps.length === cliqueNames.length;
    if (!complete) allCurrent = false;
    if (complete && !ps.some((p) => isConditionTrue(p.status?.conditions, ConditionMinAvailableBreached)))
      healthy++;
    if (!complete) continue;
    const isCurrent = (p: PodClique) => {
      const clique = (p.metadata.name ?? "").slice(`${pcsgName}-${j}-`.length);
      const exp = input.expectedHash(clique);
      return (
        p.metadata.labels?.[LabelPodTemplateHash] === exp &&
        p.status?.currentPodTemplateHash === exp &&
        p.status?.currentPodCliqueSetGenerationHash === pcsHash
      );
    };
    if (!ps.every(isCurrent)) allCurrent = false;
    if (!ps.every((p) => isConditionTrue(p.status?.conditions, ConditionPodCliqueScheduled))) continue;
    scheduled++;
    if (!ps.every((p) => (p.status?.readyReplicas ?? 0) >= min(p))) continue;
    available++;
    if (ps.every((p) => isCurrent(p) && (p.status?.updatedReplicas ?? 0) >= min(p))) updated++;
  }
  const status: PodCliqueScalingGroupStatus = {
    ...(prev ?? {}),
    replicas,
    scheduledReplicas: scheduled,
    availableReplicas: available,
    updatedReplicas: updated,
    selector: podCliqueScalingGroupPodSelector(pcsg.metadata.labels?.[LabelPartOf] ?? "", pcsgName),
  } as PodCliqueScalingGroupStatus;
  if (input.specCompleted && pcsg.metadata.generation !== undefined)
    status.observedGeneration = pcsg.metadata.generation;
  if (allCurrent && pcsHash && !updating) status.currentPodCliqueSetGenerationHash = pcsHash;
  if (progress) {
    const updatedPclqs = live.filter((p) => {
      const j = intLabel(p, LabelPodCliqueScalingGroupReplicaIndex) ?? replicas;
      const clique = (p.metadata.name ?? "").slice(`${pcsgName}-${j}-`.length);
      const exp = input.expectedHash(clique);
      return (
        j < replicas &&
        p.metadata.labels?.[LabelPodTemplateHash] === exp &&
        p.status?.currentPodTemplateHash === exp
      );
    }).length;
    status.updateProgress = {
      ...progress,
      updatedPodCliquesCount: updatedPclqs,
      totalPodCliquesCount: replicas * cliqueNames.length,
    };
  } else delete status.updateProgress;
  const breached = healthy < minAvailable;
  let conditions = setCondition(
    prev?.conditions,
    updating
      ? {
          type: ConditionMinAvailableBreached,
          status: "Unknown",
          reason: ReasonUpdateInProgress,
          message: "Update in progress",
        }
      : breached
        ? {
            type: ConditionMinAvailableBreached,
            status: "True",
            reason: ReasonInsufficientAvailablePCSGReplicas,
            message: `${healthy} of ${replicas} replicas are available, minAvailable is ${minAvailable}`,
          }
        : {
            type: ConditionMinAvailableBreached,
            status: "False",
            reason: ReasonSufficientAvailablePCSGReplicas,
            message: `${healthy} of ${replicas} replicas are available`,
          },
    input.now,
  );
  // Recovery re-arms the next gang-termination episode (§10.2).
  if (!breached && !updating) conditions = removeCondition(conditions, ConditionGangTerminationInProgress);
  status.conditions = conditions;
  return status;
}
