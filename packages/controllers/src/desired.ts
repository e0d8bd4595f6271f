// Pure builders of the desired children (grove-behaviour.md §3.5, §5.3, §9, §11.1, §14.1): given the
// PodCliqueSet (and live PCSG replica counts), what objects should exist and what they look like.
// The reconcilers compare these with their caches; nothing here does I/O.
import {
  AnnotationServiceAccountName,
  AnnotationTopologyName,
  basePodGangName,
  CliqueStartupTypeExplicit,
  CliqueStartupTypeInOrder,
  ComponentHeadlessService,
  ComponentHPA,
  ComponentPCSG,
  ComponentPodGang,
  ComponentPodRole,
  ComponentPodRoleBinding,
  ComponentPodSATokenSecret,
  ComponentPodServiceAccount,
  FinalizerPodClique,
  FinalizerPodCliqueScalingGroup,
  headlessServiceName,
  LabelComponent,
  LabelName,
  LabelPodCliqueSetReplicaIndex,
  LabelSchedulerName,
  managedLabels,
  type PodCliqueScalingGroupConfig,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  type PodCliqueTemplateSpec,
  PodCliqueType,
  type PodGangTopologyConstraint,
  type PodGroup,
  pcsgEnvVars,
  pcsgMemberPodCliqueName,
  pcsgTemplateNumPods,
  podCliqueLabels,
  podCliqueName,
  podCliqueScalingGroupName,
  podGangNameForPCSGReplica,
  podTemplateHash,
  roleBindingName,
  roleLabelName,
  roleName,
  SCHEDULER_API_VERSION,
  saTokenSecretName,
  scaledPodGangName,
  serviceAccountName,
  type TopologyConstraint,
  topologyConstraintGroupConfigName,
  withEnvVars,
} from "@grove-ts/api";
import { controllerReference, type KubeObject } from "@grove-ts/runtime";
import type {
  ClusterTopologyBinding,
  PodClique,
  PodCliqueScalingGroup,
  PodCliqueSet,
  PodGang,
} from "./types.js";
import { withoutGroveKeys } from "./util.js";

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

export const cliqueTemplateHash = (pcs: PodCliqueSet, clique: PodCliqueTemplateSpec): string =>
  podTemplateHash(clique, pcs.spec.template.priorityClassName);

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
  const annotations =
    cfg.annotations && Object.keys(cfg.annotations).length > 0 ? cfg.annotations : undefined;
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
    const base: DesiredPodGang = { name: basePodGangName(pcsName, i), groups: [] };
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

// ---- per-PCS objects (§3.5) ----------------------------------------------------------------------

const childMeta = (
  pcs: PodCliqueSet,
  name: string,
  component: string,
  extra: Record<string, string> = {},
) => ({
  name,
  namespace: pcs.metadata.namespace,
  labels: {
    ...managedLabels(pcs.metadata.name ?? ""),
    [LabelComponent]: component,
    [LabelName]: name,
    ...extra,
  },
  ownerReferences: [controllerReference(pcs, PodCliqueSetType)],
});

export function desiredServiceAccount(pcs: PodCliqueSet): KubeObject & Record<string, unknown> {
  const name = serviceAccountName(pcs.metadata.name ?? "");
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: childMeta(pcs, name, ComponentPodServiceAccount),
    automountServiceAccountToken: true,
  };
}

export function desiredRole(pcs: PodCliqueSet): KubeObject & Record<string, unknown> {
  const p = pcs.metadata.name ?? "";
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: {
      ...childMeta(pcs, roleName(p), ComponentPodRole),
      labels: { ...childMeta(pcs, roleName(p), ComponentPodRole).labels, [LabelName]: roleLabelName(p) },
    },
    rules: [{ apiGroups: [""], resources: ["pods", "pods/status"], verbs: ["get", "list", "watch"] }],
  };
}

export function desiredRoleBinding(pcs: PodCliqueSet): KubeObject & Record<string, unknown> {
  const p = pcs.metadata.name ?? "";
  const meta = childMeta(pcs, roleBindingName(p), ComponentPodRoleBinding);
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { ...meta, labels: { ...meta.labels, [LabelName]: roleLabelName(p) } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName(p) },
    subjects: [{ kind: "ServiceAccount", name: serviceAccountName(p), namespace: pcs.metadata.namespace }],
  };
}

export function desiredTokenSecret(pcs: PodCliqueSet): KubeObject & Record<string, unknown> {
  const p = pcs.metadata.name ?? "";
  const meta = childMeta(pcs, saTokenSecretName(p), ComponentPodSATokenSecret);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { ...meta, annotations: { [AnnotationServiceAccountName]: serviceAccountName(p) } },
    type: "kubernetes.io/service-account-token",
  };
}

export function desiredService(
  pcs: PodCliqueSet,
  pcsReplica: number,
): KubeObject & { spec: Record<string, unknown> } {
  const p = pcs.metadata.name ?? "";
  const name = headlessServiceName(p, pcsReplica);
  const idx = { [LabelPodCliqueSetReplicaIndex]: String(pcsReplica) };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(pcs, name, ComponentHeadlessService, idx),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: pcs.spec.template.headlessServiceConfig?.publishNotReadyAddresses ?? true,
      selector: { ...managedLabels(p), ...idx },
    },
  };
}

/** HPAs: per replica, one per standalone clique with autoScalingConfig and per PCSG with scaleConfig. */
export function desiredHpas(pcs: PodCliqueSet): (KubeObject & { spec: Record<string, unknown> })[] {
  const p = pcs.metadata.name ?? "";
  const out: (KubeObject & { spec: Record<string, unknown> })[] = [];
  const hpa = (
    i: number,
    target: string,
    kind: string,
    cfg: { minReplicas?: number; maxReplicas: number; metrics?: unknown[] },
  ) =>
    out.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: childMeta(pcs, target, ComponentHPA, { [LabelPodCliqueSetReplicaIndex]: String(i) }),
      spec: {
        scaleTargetRef: { apiVersion: PodCliqueType.apiVersion, kind, name: target },
        ...(cfg.minReplicas !== undefined ? { minReplicas: cfg.minReplicas } : {}),
        maxReplicas: cfg.maxReplicas,
        ...(cfg.metrics ? { metrics: cfg.metrics } : {}),
      },
    });
  for (let i = 0; i < (pcs.spec.replicas ?? 0); i++) {
    for (const c of standaloneCliques(pcs))
      if (c.spec.autoScalingConfig)
        hpa(i, podCliqueName(p, i, c.name), "PodClique", c.spec.autoScalingConfig);
    for (const g of pcs.spec.template.podCliqueScalingGroups ?? [])
      if (g.scaleConfig)
        hpa(i, podCliqueScalingGroupName(p, i, g.name), "PodCliqueScalingGroup", g.scaleConfig);
  }
  return out;
}
