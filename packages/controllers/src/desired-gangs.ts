// Pure builders of the desired PodGangs (grove-behaviour.md §9, §14.1): which gangs a PodCliqueSet
// needs (base and scaled), each gang's object with its podReferences, and the translation of topology
// constraints through the ClusterTopologyBinding. Nothing here does I/O.
import {
  AnnotationTopologyName,
  basePodGangName,
  ComponentPodGang,
  LabelComponent,
  LabelSchedulerName,
  managedLabels,
  PodCliqueSetType,
  type PodGangTopologyConstraint,
  type PodGroup,
  pcsgMemberPodCliqueName,
  podCliqueName,
  podCliqueScalingGroupName,
  SCHEDULER_API_VERSION,
  scaledPodGangName,
  type TopologyConstraint,
  topologyConstraintGroupConfigName,
} from "@grove-ts/api";
import { controllerReference } from "@grove-ts/runtime";
import { cliqueByName, pcsgMinAvailable, standaloneCliques } from "./desired.js";
import type { ClusterTopologyBinding, PodCliqueSet, PodGang } from "./types.js";
import { withoutGroveKeys } from "./util.js";

// ---- topology (§14.1) ----------------------------------------------------------------------------

/** The CT name: the first explicit topologyName found PCS → PCSGs → cliques. */
export function topologyNameOf(pcs: PodCliqueSet): string | undefined {
  const t = pcs.spec.template;
  if (t.topologyConstraint?.topologyName) return t.topologyConstraint.topologyName;
  for (const g of t.podCliqueScalingGroups ?? [])
    if (g.topologyConstraint?.topologyName) return g.topologyConstraint.topologyName;
  for (const c of t.cliques) if (c.topologyConstraint?.topologyName) return c.topologyConstraint.topologyName;
  return undefined;
}

export type Translate = (c: TopologyConstraint | undefined) => PodGangTopologyConstraint | undefined;

/**
 * Domain → node-label-key translation through the CT; undefined when TAS is off, the CT is missing,
 * or no domain of the constraint is known (dropped, not an error).
 */
export function topologyTranslator(ctb: ClusterTopologyBinding | undefined, tasEnabled: boolean): Translate {
  return (c) => {
    if (!tasEnabled || !ctb || !c) return undefined;
    const key = (domain: string | undefined) => ctb.spec.levels.find((l) => l.domain === domain)?.key;
    const required = key(c.pack?.required ?? c.packDomain);
    const preferred = key(c.pack?.preferred);
    if (!required && !preferred) return undefined;
    return { packConstraint: { ...(required ? { required } : {}), ...(preferred ? { preferred } : {}) } };
  };
}

// ---- PodGangs (§9) -------------------------------------------------------------------------------

export interface DesiredPodGang {
  name: string;
  /** The PodCliqueSet replica the gang belongs to (its base gang's and its scaled gangs'). */
  replica: number;
  /** PodGroup name (= PCLQ FQN) → minReplicas and topology. podReferences are filled by the caller. */
  groups: { name: string; minReplicas: number; topologyConstraint?: PodGangTopologyConstraint }[];
  topologyConstraint?: PodGangTopologyConstraint;
  groupConfigs?: { name: string; podGroupNames: string[]; topologyConstraint?: PodGangTopologyConstraint }[];
}

/**
 * Every PodGang the PCS should have: per replica the base gang, and one scaled gang per PCSG replica
 * ≥ minAvailable using the live PCSG replica count (`pcsgReplicas(name)`, template value when absent).
 */
export function desiredPodGangs(
  pcs: PodCliqueSet,
  pcsgReplicas: (pcsgName: string) => number | undefined,
  translate: Translate,
): DesiredPodGang[] {
  const pcsName = pcs.metadata.name ?? "";
  const t = pcs.spec.template;
  const out: DesiredPodGang[] = [];
  const minOf = (cliqueName: string) => {
    const c = cliqueByName(pcs, cliqueName);
    return c?.spec.minAvailable ?? c?.spec.replicas ?? 1;
  };
  const topo = (cliqueName: string) => translate(cliqueByName(pcs, cliqueName)?.topologyConstraint);
  const group = (name: string, clique: string) => {
    const tc = topo(clique);
    return { name, minReplicas: minOf(clique), ...(tc ? { topologyConstraint: tc } : {}) };
  };
  const pcsTopo = translate(t.topologyConstraint);
  for (let i = 0; i < (pcs.spec.replicas ?? 0); i++) {
    const base: DesiredPodGang = { name: basePodGangName(pcsName, i), replica: i, groups: [] };
    if (pcsTopo) base.topologyConstraint = pcsTopo;
    for (const c of standaloneCliques(pcs))
      base.groups.push(group(podCliqueName(pcsName, i, c.name), c.name));
    const scaled: DesiredPodGang[] = [];
    for (const cfg of t.podCliqueScalingGroups ?? []) {
      const pcsgName = podCliqueScalingGroupName(pcsName, i, cfg.name);
      const min = pcsgMinAvailable(cfg);
      const replicas = pcsgReplicas(pcsgName) ?? cfg.replicas ?? 1;
      const cfgTopo = translate(cfg.topologyConstraint);
      for (let j = 0; j < replicas; j++) {
        const names = cfg.cliqueNames.map((c) => pcsgMemberPodCliqueName(pcsgName, j, c));
        const groups = cfg.cliqueNames.map((c, k) => group(names[k] as string, c));
        if (j < min) {
          base.groups.push(...groups);
          if (cfgTopo) {
            base.groupConfigs ??= [];
            base.groupConfigs.push({
              name: topologyConstraintGroupConfigName(pcsgName, j),
              podGroupNames: names,
              topologyConstraint: cfgTopo,
            });
          }
        } else {
          const tc = cfgTopo ?? pcsTopo;
          scaled.push({
            name: scaledPodGangName(pcsgName, j, min),
            replica: i,
            groups,
            ...(tc ? { topologyConstraint: tc } : {}),
          });
        }
      }
    }
    out.push(base, ...scaled);
  }
  return out;
}

/** The PodGang object for `d` with its podReferences (names sorted) filled from `refs`. */
export function podGangObject(
  pcs: PodCliqueSet,
  d: DesiredPodGang,
  refs: (podGroupName: string) => string[],
  schedulerName: string,
  topologyName: string | undefined,
  existing?: PodGang,
): PodGang {
  const pcsName = pcs.metadata.name ?? "";
  const ns = pcs.metadata.namespace ?? "";
  const groveOnly = (m: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith("grove.io/")));
  const labels = {
    ...withoutGroveKeys(pcs.metadata.labels),
    ...groveOnly(existing?.metadata.labels),
    ...managedLabels(pcsName),
    [LabelComponent]: ComponentPodGang,
    [LabelSchedulerName]: schedulerName,
  };
  const annotations: Record<string, string> = {
    ...withoutGroveKeys(pcs.metadata.annotations),
    ...groveOnly(existing?.metadata.annotations),
  };
  delete annotations[AnnotationTopologyName];
  const anyTopo =
    d.topologyConstraint !== undefined ||
    (d.groupConfigs?.length ?? 0) > 0 ||
    d.groups.some((g) => g.topologyConstraint !== undefined);
  if (anyTopo && topologyName) annotations[AnnotationTopologyName] = topologyName;
  const podgroups: PodGroup[] = d.groups.map((g) => ({
    name: g.name,
    podReferences: refs(g.name).map((name) => ({ namespace: ns, name })),
    minReplicas: g.minReplicas,
    ...(g.topologyConstraint ? { topologyConstraint: g.topologyConstraint } : {}),
  }));
  const pc = pcs.spec.template.priorityClassName;
  return {
    apiVersion: SCHEDULER_API_VERSION,
    kind: "PodGang",
    metadata: {
      name: d.name,
      namespace: ns,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [controllerReference(pcs, PodCliqueSetType)],
    },
    spec: {
      podgroups,
      ...(d.topologyConstraint ? { topologyConstraint: d.topologyConstraint } : {}),
      ...(d.groupConfigs ? { topologyConstraintGroupConfigs: d.groupConfigs } : {}),
      ...(pc ? { priorityClassName: pc } : {}),
    },
  } as PodGang;
}
