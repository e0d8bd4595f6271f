// PodCliqueSet status as a pure function of the PCS and its children (grove-behaviour.md §3.6).
import {
  ConditionTopologyLevelsUnavailable,
  LabelPodCliqueSetReplicaIndex,
  LabelPodTemplateHash,
  type PodCliqueSetStatus,
  podCliqueSetGenerationHash,
  podCliqueSetPodSelector,
  ReasonAllClusterTopologyLevelsAvailable,
  ReasonClusterTopologyLevelsUnavailable,
  ReasonClusterTopologyNotFound,
  ReasonTopologyAwareSchedulingDisabled,
  ReasonTopologyNameMissing,
  type TopologyConstraint,
} from "@grove-ts/api";
import { type ConditionInput, removeCondition, setCondition } from "@grove-ts/runtime";
import { liveByPcsReplica } from "../by-replica.js";
import { cliqueByName, cliqueTemplateHash, pcsgMinAvailable, standaloneCliques } from "../desired.js";
import { topologyNameOf } from "../desired-gangs.js";
import { pclqUpdateComplete, planPcsUpdate } from "../rolling-update.js";
import type { ClusterTopologyBinding, PodClique, PodCliqueScalingGroup, PodCliqueSet } from "../types.js";
import { intLabel, isTerminating } from "../util.js";

export interface PcsStatusInput {
  pcs: PodCliqueSet;
  standalone: readonly PodClique[];
  pcsgs: readonly PodCliqueScalingGroup[];
  ctb: (name: string) => ClusterTopologyBinding | undefined;
  topologyAwareScheduling: boolean;
  /** Set when the spec flow completed (observedGeneration moves only then). */
  specCompleted: boolean;
  now: Date;
}

function allConstraints(pcs: PodCliqueSet): TopologyConstraint[] {
  const t = pcs.spec.template;
  return [
    t.topologyConstraint,
    ...(t.podCliqueScalingGroups ?? []).map((g) => g.topologyConstraint),
    ...t.cliques.map((c) => c.topologyConstraint),
  ].filter((c): c is TopologyConstraint => c !== undefined);
}

/** TopologyLevelsUnavailable (§3.6 table); undefined means "remove the condition". */
export function topologyCondition(
  pcs: PodCliqueSet,
  ctbOf: (name: string) => ClusterTopologyBinding | undefined,
  tas: boolean,
): ConditionInput | undefined {
  const cs = allConstraints(pcs);
  const type = ConditionTopologyLevelsUnavailable;
  if (!tas)
    return cs.length === 0
      ? undefined
      : {
          type,
          status: "Unknown",
          reason: ReasonTopologyAwareSchedulingDisabled,
          message: "Topology aware scheduling is disabled",
        };
  if (cs.length === 0)
    return {
      type,
      status: "False",
      reason: ReasonAllClusterTopologyLevelsAvailable,
      message: "No topology constraints defined",
    };
  const name = topologyNameOf(pcs);
  if (!name)
    return {
      type,
      status: "Unknown",
      reason: ReasonTopologyNameMissing,
      message: "No topologyName set on any constraint",
    };
  const ctb = ctbOf(name);
  if (!ctb)
    return {
      type,
      status: "Unknown",
      reason: ReasonClusterTopologyNotFound,
      message: `ClusterTopologyBinding ${name} not found`,
    };
  const domains = new Set(ctb.spec.levels.map((l) => l.domain));
  const missing = [
    ...new Set(
      cs
        .flatMap((c) => [c.pack?.required ?? c.packDomain, c.pack?.preferred])
        .filter((d): d is string => !!d && !domains.has(d)),
    ),
  ];
  if (missing.length > 0)
    return {
      type,
      status: "True",
      reason: ReasonClusterTopologyLevelsUnavailable,
      message: `topology domains not in ClusterTopologyBinding ${name}: ${missing.join(", ")}`,
    };
  return {
    type,
    status: "False",
    reason: ReasonAllClusterTopologyLevelsAvailable,
    message: "All topology levels are available",
  };
}

/** The computed status, minus lastErrors (the controller adds them). */
export function computePcsStatus(input: PcsStatusInput): PodCliqueSetStatus {
  const { pcs } = input;
  const prev = pcs.status;
  const replicas = pcs.spec.replicas ?? 0;
  const hash = podCliqueSetGenerationHash(pcs);
  const status: PodCliqueSetStatus = {
    ...(prev ?? {}),
    replicas,
    availableReplicas: 0,
    updatedReplicas: 0,
    hpaPodSelector: podCliqueSetPodSelector(pcs.metadata.name ?? ""),
    currentGenerationHash: hash,
  } as PodCliqueSetStatus;
  const progress = planPcsUpdate({
    pcs,
    hash,
    standalone: input.standalone,
    pcsgs: input.pcsgs,
    now: input.now,
  });
  if (progress) {
    const live = input.standalone.filter(
      (p) => !isTerminating(p) && (intLabel(p, LabelPodCliqueSetReplicaIndex) ?? replicas) < replicas,
    );
    const groups = input.pcsgs.filter(
      (g) => !isTerminating(g) && (intLabel(g, LabelPodCliqueSetReplicaIndex) ?? replicas) < replicas,
    );
    progress.updatedPodCliquesCount = live.filter((p) => pclqUpdateComplete(pcs, p, hash)).length;
    progress.totalPodCliquesCount = replicas * standaloneCliques(pcs).length;
    progress.updatedPodCliqueScalingGroupsCount = groups.filter(
      (g) => g.status?.currentPodCliqueSetGenerationHash === hash,
    ).length;
    progress.totalPodCliqueScalingGroupsCount =
      replicas * (pcs.spec.template.podCliqueScalingGroups ?? []).length;
    status.updateProgress = progress;
  }
  if (input.specCompleted && pcs.metadata.generation !== undefined)
    status.observedGeneration = pcs.metadata.generation;

  const cliques = standaloneCliques(pcs);
  const cfgs = pcs.spec.template.podCliqueScalingGroups ?? [];
  let available = 0;
  let updated = 0;
  // Each child read once, by replica; each clique's template hash computed once.
  const pclqsByReplica = liveByPcsReplica(input.standalone);
  const pcsgsByReplica = liveByPcsReplica(input.pcsgs);
  const expectedHashes = new Map<string, string | undefined>();
  const expectedHash = (clique: string) => {
    if (!expectedHashes.has(clique)) {
      const tpl = cliqueByName(pcs, clique);
      expectedHashes.set(clique, tpl ? cliqueTemplateHash(pcs, tpl) : undefined);
    }
    return expectedHashes.get(clique);
  };
  for (let i = 0; i < replicas; i++) {
    const pclqs = pclqsByReplica.get(i) ?? [];
    const pcsgs = pcsgsByReplica.get(i) ?? [];
    const pclqOk =
      pclqs.length === cliques.length &&
      pclqs.every((p) => (p.status?.readyReplicas ?? 0) >= (p.spec.minAvailable ?? p.spec.replicas));
    const pcsgOk =
      pcsgs.length === cfgs.length &&
      pcsgs.every((g) => (g.status?.availableReplicas ?? 0) >= (g.spec.minAvailable ?? pcsgMinAvailable({})));
    if (!(pclqOk && pcsgOk)) continue;
    available++;
    const pclqUpdated = pclqs.every((p) => {
      const expected = expectedHash(p.metadata.name?.slice(`${pcs.metadata.name}-${i}-`.length) ?? "");
      const min = p.spec.minAvailable ?? p.spec.replicas;
      return (
        p.metadata.labels?.[LabelPodTemplateHash] === expected &&
        p.status?.currentPodTemplateHash === expected &&
        p.status?.currentPodCliqueSetGenerationHash === hash &&
        (p.status?.updatedReplicas ?? 0) >= min &&
        (p.status?.readyReplicas ?? 0) >= min
      );
    });
    const pcsgUpdated = pcsgs.every((g) => g.status?.currentPodCliqueSetGenerationHash === hash);
    if (pclqUpdated && pcsgUpdated) updated++;
  }
  status.availableReplicas = available;
  status.updatedReplicas = updated;

  const cond = topologyCondition(pcs, input.ctb, input.topologyAwareScheduling);
  const conditions = cond
    ? setCondition(prev?.conditions, cond, input.now)
    : removeCondition(prev?.conditions, ConditionTopologyLevelsUnavailable);
  if (conditions.length > 0) status.conditions = conditions;
  else delete status.conditions;
  return status;
}
