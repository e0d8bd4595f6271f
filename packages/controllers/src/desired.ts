// Pure builders of the desired PodCliques and PodCliqueScalingGroups (grove-behaviour.md §3.5, §5.3,
// §11.1) and the clique helpers the other builders share: given the PodCliqueSet, what objects should
// exist and what they look like. The PodGangs are built in desired-gangs.ts, the PCS's own children
// in desired-pcs.ts. The reconcilers compare these with their caches; nothing here does I/O.
import {
  AnnotationTopologyName,
  basePodGangName,
  CliqueStartupTypeExplicit,
  CliqueStartupTypeInOrder,
  ComponentPCSG,
  FinalizerPodClique,
  FinalizerPodCliqueScalingGroup,
  LabelComponent,
  LabelName,
  LabelPodCliqueSetReplicaIndex,
  managedLabels,
  type PodCliqueScalingGroupConfig,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  type PodCliqueTemplateSpec,
  PodCliqueType,
  pcsgEnvVars,
  pcsgMemberPodCliqueName,
  pcsgTemplateNumPods,
  podCliqueLabels,
  podCliqueName,
  podCliqueScalingGroupName,
  podGangNameForPCSGReplica,
  podTemplateHash,
  withEnvVars,
} from "@grove-ts/api";
import { controllerReference, type KubeObject } from "@grove-ts/runtime";
import { pcsgAnnotationsWithMNNVL } from "./mnnvl.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "./types.js";

export const cliqueByName = (pcs: PodCliqueSet, name: string): PodCliqueTemplateSpec | undefined =>
  pcs.spec.template.cliques.find((c) => c.name === name);

const pcsgConfigs = (pcs: PodCliqueSet): PodCliqueScalingGroupConfig[] =>
  pcs.spec.template.podCliqueScalingGroups ?? [];

/** The PCSG config a clique belongs to, if any. */
export const pcsgOfClique = (pcs: PodCliqueSet, clique: string): PodCliqueScalingGroupConfig | undefined =>
  pcsgConfigs(pcs).find((g) => g.cliqueNames.includes(clique));

/** Cliques that belong to no scaling group. */
export const standaloneCliques = (pcs: PodCliqueSet): PodCliqueTemplateSpec[] =>
  pcs.spec.template.cliques.filter((c) => !pcsgOfClique(pcs, c.name));

export const pcsgMinAvailable = (cfg: { minAvailable?: number }): number => cfg.minAvailable ?? 1;

/** The scheduler backend: the first non-empty clique schedulerName, else the default (§6.2). */
export function schedulerNameOf(pcs: PodCliqueSet, defaultSchedulerName: string): string {
  for (const c of pcs.spec.template.cliques)
    if (c.spec.podSpec.schedulerName) return c.spec.podSpec.schedulerName;
  return defaultSchedulerName;
}

/**
 * Template hashes of frozen clique templates (the informer cache's, which never change: a new PCS
 * version is a new object), by priority class: the PCS reconcile builds every replica's PodClique
 * and needs the same hash for each (hashing the pod template per replica per reconcile was most of
 * the PCS controller's time at 500+ replicas, issue 15).
 */
const templateHashes = new WeakMap<PodCliqueTemplateSpec, Map<string, string>>();
/**
 * The same for unfrozen PodCliqueSets from the API server (a status write's answer, used until the
 * cache catches up), by uid, generation (which every spec change moves), clique and priority class.
 */
const hashesByGeneration = new Map<string, string>();
const MAX_GENERATION_HASHES = 4096;

const hashOnce = (cache: Map<string, string>, key: string, compute: () => string): string => {
  let h = cache.get(key);
  if (h === undefined) {
    h = compute();
    cache.set(key, h);
  }
  return h;
};

export const cliqueTemplateHash = (pcs: PodCliqueSet, clique: PodCliqueTemplateSpec): string => {
  const priority = pcs.spec.template.priorityClassName;
  const compute = () => podTemplateHash(clique, priority);
  if (Object.isFrozen(clique)) {
    let byPriority = templateHashes.get(clique);
    if (!byPriority) {
      byPriority = new Map();
      templateHashes.set(clique, byPriority);
    }
    return hashOnce(byPriority, priority ?? "", compute);
  }
  const { uid, generation } = pcs.metadata;
  if (!uid || generation === undefined) return compute();
  if (hashesByGeneration.size >= MAX_GENERATION_HASHES) hashesByGeneration.clear();
  return hashOnce(
    hashesByGeneration,
    JSON.stringify([uid, generation, clique.name, priority ?? ""]),
    compute,
  );
};

const withoutTopologyName = (a: Record<string, string> | undefined): Record<string, string> | undefined => {
  if (!a) return undefined;
  const { [AnnotationTopologyName]: _drop, ...rest } = a;
  return Object.keys(rest).length > 0 ? rest : undefined;
};

// ---- startsAfter (§11.1) -------------------------------------------------------------------------

/** The parent clique names of `clique` per the PCS's cliqueStartupType. */
function parentCliques(pcs: PodCliqueSet, clique: PodCliqueTemplateSpec): string[] {
  const t = pcs.spec.template.cliqueStartupType;
  if (t === CliqueStartupTypeInOrder) {
    const i = pcs.spec.template.cliques.findIndex((c) => c.name === clique.name);
    const prev = i > 0 ? pcs.spec.template.cliques[i - 1] : undefined;
    return prev ? [prev.name] : [];
  }
  if (t === CliqueStartupTypeExplicit) return [...(clique.spec.startsAfter ?? [])];
  return [];
}

/**
 * startsAfter as PodClique FQNs. `pcsgReplica` is given for PCSG members; a member of a scaled gang
 * (replica ≥ minAvailable) keeps only parents in its own PCSG replica ("ordering only within a PodGang").
 */
export function resolveStartsAfter(
  pcs: PodCliqueSet,
  pcsReplica: number,
  clique: PodCliqueTemplateSpec,
  member?: { cfg: PodCliqueScalingGroupConfig; replica: number },
): string[] {
  const pcsName = pcs.metadata.name ?? "";
  const out: string[] = [];
  const scaled = member !== undefined && member.replica >= pcsgMinAvailable(member.cfg);
  for (const parent of parentCliques(pcs, clique)) {
    const parentGroup = pcsgOfClique(pcs, parent);
    if (scaled) {
      if (parentGroup?.name !== member.cfg.name) continue;
      const pcsg = podCliqueScalingGroupName(pcsName, pcsReplica, member.cfg.name);
      out.push(pcsgMemberPodCliqueName(pcsg, member.replica, parent));
    } else if (!parentGroup) {
      out.push(podCliqueName(pcsName, pcsReplica, parent));
    } else {
      const pcsg = podCliqueScalingGroupName(pcsName, pcsReplica, parentGroup.name);
      for (let j = 0; j < pcsgMinAvailable(parentGroup); j++)
        out.push(pcsgMemberPodCliqueName(pcsg, j, parent));
    }
  }
  return out;
}

// ---- PodCliques ----------------------------------------------------------------------------------

export interface DesiredPodClique {
  /** The full object to create. */
  object: PodClique;
  /** What an existing object must contain (replicas is creation-only, so it is not in here). */
  patch: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown>;
  };
}

function podCliqueFrom(
  pcs: PodCliqueSet,
  clique: PodCliqueTemplateSpec,
  name: string,
  labels: Record<string, string>,
  owner: KubeObject,
  ownerType: typeof PodCliqueSetType | typeof PodCliqueScalingGroupType,
  startsAfter: string[],
  podSpec: PodClique["spec"]["podSpec"],
): DesiredPodClique {
  const { replicas, startsAfter: _tpl, ...rest } = clique.spec;
  const spec: Record<string, unknown> = { ...rest, podSpec };
  if (startsAfter.length > 0) spec.startsAfter = startsAfter;
  const annotations = withoutTopologyName(clique.annotations);
  const object: PodClique = {
    apiVersion: PodCliqueType.apiVersion,
    kind: PodCliqueType.kind,
    metadata: {
      name,
      namespace: pcs.metadata.namespace,
      labels,
      ...(annotations ? { annotations } : {}),
      ownerReferences: [controllerReference(owner, ownerType)],
      finalizers: [FinalizerPodClique],
    },
    spec: { ...(spec as PodClique["spec"]), replicas },
  } as PodClique;
  return { object, patch: { metadata: { labels, ...(annotations ? { annotations } : {}) }, spec } };
}

/** A standalone PodClique `<pcs>-<i>-<clique>`, owned by the PCS. */
export function desiredStandalonePodClique(
  pcs: PodCliqueSet,
  pcsReplica: number,
  clique: PodCliqueTemplateSpec,
): DesiredPodClique {
  const pcsName = pcs.metadata.name ?? "";
  const name = podCliqueName(pcsName, pcsReplica, clique.name);
  const labels = podCliqueLabels({
    pcsName,
    pcsReplicaIndex: pcsReplica,
    pclqName: name,
    podGangName: basePodGangName(pcsName, pcsReplica),
    podTemplateHash: cliqueTemplateHash(pcs, clique),
    ...(clique.labels ? { templateLabels: clique.labels } : {}),
  });
  return podCliqueFrom(
    pcs,
    clique,
    name,
    labels,
    pcs,
    PodCliqueSetType,
    resolveStartsAfter(pcs, pcsReplica, clique),
    clique.spec.podSpec,
  );
}

/** A PCSG member PodClique `<pcsg>-<j>-<clique>`, owned by the PCSG, with the PCSG env vars. */
export function desiredMemberPodClique(
  pcs: PodCliqueSet,
  pcsg: PodCliqueScalingGroup,
  cfg: PodCliqueScalingGroupConfig,
  pcsgReplica: number,
  clique: PodCliqueTemplateSpec,
): DesiredPodClique {
  const pcsName = pcs.metadata.name ?? "";
  const pcsReplica = Number(pcsg.metadata.labels?.[LabelPodCliqueSetReplicaIndex] ?? 0);
  const pcsgName = pcsg.metadata.name ?? "";
  const name = pcsgMemberPodCliqueName(pcsgName, pcsgReplica, clique.name);
  const min = pcsg.spec.minAvailable ?? pcsgMinAvailable(cfg);
  const gang = podGangNameForPCSGReplica(pcsName, pcsReplica, cfg.name, pcsgReplica, min);
  const labels = podCliqueLabels({
    pcsName,
    pcsReplicaIndex: pcsReplica,
    pclqName: name,
    podGangName: gang,
    podTemplateHash: cliqueTemplateHash(pcs, clique),
    ...(clique.labels ? { templateLabels: clique.labels } : {}),
    pcsg: {
      name: pcsgName,
      replicaIndex: pcsgReplica,
      ...(pcsgReplica >= min ? { basePodGangName: basePodGangName(pcsName, pcsReplica) } : {}),
    },
  });
  const vars = pcsgEnvVars(pcsgTemplateNumPods(pcs, cfg));
  const ps = clique.spec.podSpec;
  const podSpec = {
    ...ps,
    containers: ps.containers.map((c) => withEnvVars(c, vars)),
    ...(ps.initContainers ? { initContainers: ps.initContainers.map((c) => withEnvVars(c, vars)) } : {}),
  };
  return podCliqueFrom(
    pcs,
    clique,
    name,
    labels,
    pcsg,
    PodCliqueScalingGroupType,
    resolveStartsAfter(pcs, pcsReplica, clique, { cfg, replica: pcsgReplica }),
    podSpec,
  );
}

// ---- PCSGs ---------------------------------------------------------------------------------------

export function desiredPcsg(
  pcs: PodCliqueSet,
  pcsReplica: number,
  cfg: PodCliqueScalingGroupConfig,
): { object: PodCliqueScalingGroup; patch: Record<string, unknown> } {
  const pcsName = pcs.metadata.name ?? "";
  const name = podCliqueScalingGroupName(pcsName, pcsReplica, cfg.name);
  const labels = {
    ...managedLabels(pcsName),
    [LabelComponent]: ComponentPCSG,
    [LabelName]: name,
    [LabelPodCliqueSetReplicaIndex]: String(pcsReplica),
  };
  // The PCS's grove.io/mnnvl-group is inherited by the PCSG object (grove-api.md §12.2).
  const own = pcsgAnnotationsWithMNNVL(pcs, cfg.annotations as Record<string, string> | undefined);
  const annotations = own && Object.keys(own).length > 0 ? own : undefined;
  const syncedSpec = { minAvailable: pcsgMinAvailable(cfg), cliqueNames: cfg.cliqueNames };
  const object = {
    apiVersion: PodCliqueScalingGroupType.apiVersion,
    kind: PodCliqueScalingGroupType.kind,
    metadata: {
      name,
      namespace: pcs.metadata.namespace,
      labels,
      ...(annotations ? { annotations } : {}),
      ownerReferences: [controllerReference(pcs, PodCliqueSetType)],
      finalizers: [FinalizerPodCliqueScalingGroup],
    },
    spec: { replicas: cfg.replicas ?? 1, ...syncedSpec },
  } as PodCliqueScalingGroup;
  return {
    object,
    patch: { metadata: { labels, ...(annotations ? { annotations } : {}) }, spec: syncedSpec },
  };
}
