// Hierarchical resource sharing (grove-api.md §2.7, §11.3; grove-behaviour.md §3.5, §4.4, §5.3): the
// ResourceClaims a PodCliqueSet, a PodCliqueScalingGroup or a PodClique owns from its `resourceSharing`
// entries, and the claims each pod references. Pure: names, labels and owners from the objects; the
// claim spec comes from the resolved template (resource-claims-sync.ts).
import {
  ComponentResourceClaim,
  LabelComponent,
  LabelPodClique,
  LabelPodCliquePodIndex,
  LabelPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodCliqueSetReplicaIndex,
  managedLabels,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  pcsgMemberPodCliqueName,
  podCliqueName,
  podCliqueScalingGroupName,
  type ResourceSharingScope,
  resourceClaimName,
} from "@grove-ts/api";
import {
  controllerReference,
  type KubeObject,
  type OwnerReference,
  type ResourceType,
} from "@grove-ts/runtime";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "./types.js";

/** One `resourceSharing` entry, whatever its level (the filter is read by the pod wiring only). */
export interface SharingEntry {
  name: string;
  namespace?: string;
  scope: ResourceSharingScope;
  filter?: { childCliqueNames?: string[]; childScalingGroupNames?: string[] };
}

/** A claim that should exist: its name, labels and owner, and the sharing entry it comes from. */
export interface WantedClaim {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: OwnerReference;
  entry: SharingEntry;
}

/** Where a PodClique sits in its PodCliqueSet: what its pods' claim references depend on. */
export interface CliquePlace {
  pcsReplica: number;
  /** The clique template's name. */
  clique: string;
  /** Set for a PCSG member: the config name, the PCSG's name and the member's PCSG replica. */
  pcsg?: { config: string; name: string; replica: number };
}

const entriesOf = (list: readonly unknown[] | undefined): SharingEntry[] => (list ?? []) as SharingEntry[];

export const pcsSharing = (pcs: PodCliqueSet): SharingEntry[] => entriesOf(pcs.spec.template.resourceSharing);

const pcsgConfig = (pcs: PodCliqueSet, config: string) =>
  (pcs.spec.template.podCliqueScalingGroups ?? []).find((g) => g.name === config);

const cliqueTemplate = (pcs: PodCliqueSet, clique: string) =>
  pcs.spec.template.cliques.find((c) => c.name === clique);

/**
 * The claims of one owner for one list of entries: AllReplicas once, PerReplica for every index in
 * [0, count). `indexLabel` names the label that carries a PerReplica claim's index.
 */
function claimsOf(
  owner: KubeObject,
  type: ResourceType,
  entries: readonly SharingEntry[],
  count: number,
  base: Record<string, string>,
  indexLabel: string,
): WantedClaim[] {
  const ownerName = owner.metadata.name ?? "";
  const namespace = owner.metadata.namespace ?? "";
  const ref = controllerReference(owner, type);
  const out: WantedClaim[] = [];
  for (const entry of entries) {
    if (entry.scope === "AllReplicas") {
      const name = resourceClaimName(ownerName, "AllReplicas", entry.name);
      out.push({ name, namespace, labels: { ...base }, owner: ref, entry });
      continue;
    }
    for (let i = 0; i < count; i++) {
      const name = resourceClaimName(ownerName, "PerReplica", entry.name, i);
      out.push({ name, namespace, labels: { ...base, [indexLabel]: String(i) }, owner: ref, entry });
    }
  }
  return out;
}

const claimLabels = (pcs: string): Record<string, string> => ({
  ...managedLabels(pcs),
  [LabelComponent]: ComponentResourceClaim,
});

/** PCS level: `<pcs>-all-<tpl>` and `<pcs>-<i>-<tpl>` per PCS replica, owned by the PCS. */
export function pcsClaims(pcs: PodCliqueSet): WantedClaim[] {
  return claimsOf(
    pcs,
    PodCliqueSetType,
    pcsSharing(pcs),
    pcs.spec.replicas ?? 0,
    claimLabels(pcs.metadata.name ?? ""),
    LabelPodCliqueSetReplicaIndex,
  );
}

/** PCSG level: `<pcsg>-all-<tpl>` and `<pcsg>-<j>-<tpl>` per PCSG replica, owned by the PCSG. */
export function pcsgClaims(pcs: PodCliqueSet, pcsg: PodCliqueScalingGroup, config: string): WantedClaim[] {
  const labels = pcsg.metadata.labels ?? {};
  return claimsOf(
    pcsg,
    PodCliqueScalingGroupType,
    entriesOf(pcsgConfig(pcs, config)?.resourceSharing),
    pcsg.spec.replicas,
    {
      ...claimLabels(pcs.metadata.name ?? ""),
      [LabelPodCliqueSetReplicaIndex]: labels[LabelPodCliqueSetReplicaIndex] ?? "",
      [LabelPodCliqueScalingGroup]: pcsg.metadata.name ?? "",
    },
    LabelPodCliqueScalingGroupReplicaIndex,
  );
}

/** PodClique level: `<pclq>-all-<tpl>` and `<pclq>-<k>-<tpl>` per pod index k < replicas, owned by it. */
export function pclqClaims(pcs: PodCliqueSet, pclq: PodClique, place: CliquePlace): WantedClaim[] {
  const labels = pclq.metadata.labels ?? {};
  const base: Record<string, string> = {
    ...claimLabels(pcs.metadata.name ?? ""),
    [LabelPodCliqueSetReplicaIndex]: String(place.pcsReplica),
    [LabelPodClique]: pclq.metadata.name ?? "",
  };
  if (place.pcsg) base[LabelPodCliqueScalingGroup] = labels[LabelPodCliqueScalingGroup] ?? place.pcsg.name;
  return claimsOf(
    pclq,
    PodCliqueType,
    entriesOf(cliqueTemplate(pcs, place.clique)?.resourceSharing),
    pclq.spec.replicas,
    base,
    LabelPodCliquePodIndex,
  );
}

/** The PCSG config name a PCSG object was generated from (names are built, never sliced apart). */
export function pcsgConfigName(pcs: PodCliqueSet, pcsg: PodCliqueScalingGroup): string | undefined {
  const replica = Number(pcsg.metadata.labels?.[LabelPodCliqueSetReplicaIndex]);
  return (pcs.spec.template.podCliqueScalingGroups ?? []).find(
    (g) => podCliqueScalingGroupName(pcs.metadata.name ?? "", replica, g.name) === pcsg.metadata.name,
  )?.name;
}

/** Where a PodClique sits: its clique template and, for a PCSG member, its scaling group and replica. */
export function cliquePlace(pcs: PodCliqueSet, pclq: PodClique): CliquePlace | undefined {
  const labels = pclq.metadata.labels ?? {};
  const pcsReplica = Number(labels[LabelPodCliqueSetReplicaIndex]);
  if (!Number.isInteger(pcsReplica)) return undefined;
  const pcsName = pcs.metadata.name ?? "";
  const name = pclq.metadata.name ?? "";
  const pcsgName = labels[LabelPodCliqueScalingGroup];
  if (!pcsgName) {
    const c = pcs.spec.template.cliques.find((t) => podCliqueName(pcsName, pcsReplica, t.name) === name);
    return c ? { pcsReplica, clique: c.name } : undefined;
  }
  const replica = Number(labels[LabelPodCliqueScalingGroupReplicaIndex]);
  for (const g of pcs.spec.template.podCliqueScalingGroups ?? []) {
    if (podCliqueScalingGroupName(pcsName, pcsReplica, g.name) !== pcsgName) continue;
    const c = g.cliqueNames.find((n) => pcsgMemberPodCliqueName(pcsgName, replica, n) === name);
    if (c) return { pcsReplica, clique: c, pcsg: { config: g.name, name: pcsgName, replica } };
  }
  return undefined;
}

/** A PCS entry's filter: absent, or naming the pod's clique or its scaling group. */
const pcsFilterMatches = (e: SharingEntry, place: CliquePlace): boolean =>
  !e.filter ||
  (e.filter.childCliqueNames ?? []).includes(place.clique) ||
  (place.pcsg !== undefined && (e.filter.childScalingGroupNames ?? []).includes(place.pcsg.config));

/** A PCSG entry's filter: absent, or naming the pod's clique. */
const pcsgFilterMatches = (e: SharingEntry, place: CliquePlace): boolean =>
  !e.filter || (e.filter.childCliqueNames ?? []).includes(place.clique);

/** A claim a pod references, with the entry it comes from (to name its template when it is missing). */
export interface PodClaimRef {
  name: string;
  entry: SharingEntry;
  level: "PodCliqueSet" | "PodCliqueScalingGroup" | "PodClique";
}

/** The claims pod k of a PodClique references, PCS level first, then PCSG, then PodClique (§11.3). */
export function podClaimRefs(
  pcs: PodCliqueSet,
  pclqName: string,
  place: CliquePlace,
  podIndex: number,
): PodClaimRef[] {
  const pcsName = pcs.metadata.name ?? "";
  const name = (owner: string, e: SharingEntry, index: number) =>
    resourceClaimName(owner, e.scope, e.name, e.scope === "PerReplica" ? index : undefined);
  const out: PodClaimRef[] = [];
  for (const e of pcsSharing(pcs))
    if (pcsFilterMatches(e, place))
      out.push({ name: name(pcsName, e, place.pcsReplica), entry: e, level: "PodCliqueSet" });
  if (place.pcsg) {
    const { name: pcsgName, replica, config } = place.pcsg;
    for (const e of entriesOf(pcsgConfig(pcs, config)?.resourceSharing))
      if (pcsgFilterMatches(e, place))
        out.push({ name: name(pcsgName, e, replica), entry: e, level: "PodCliqueScalingGroup" });
  }
  for (const e of entriesOf(cliqueTemplate(pcs, place.clique)?.resourceSharing))
    out.push({ name: name(pclqName, e, podIndex), entry: e, level: "PodClique" });
  return out;
}

interface ClaimedContainer {
  resources?: { claims?: { name: string }[] } & Record<string, unknown>;
}

/**
 * Adds the claims to `pod.spec.resourceClaims` as `{name, resourceClaimName}` and to `resources.claims`
 * of every container and init container present (§11.3). Claims already listed are not repeated.
 */
export function withClaimRefs<S extends { containers: object[]; initContainers?: object[] }>(
  spec: S,
  claims: readonly string[],
): S {
  if (claims.length === 0) return spec;
  const withClaims = <C extends object>(c: C): C => {
    const cc = c as ClaimedContainer;
    const have = new Set((cc.resources?.claims ?? []).map((x) => x.name));
    const add = claims.filter((n) => !have.has(n)).map((n) => ({ name: n }));
    return { ...c, resources: { ...cc.resources, claims: [...(cc.resources?.claims ?? []), ...add] } };
  };
  const s = spec as S & { resourceClaims?: { name: string; resourceClaimName?: string }[] };
  const listed = new Set((s.resourceClaims ?? []).map((r) => r.name));
  return {
    ...spec,
    resourceClaims: [
      ...(s.resourceClaims ?? []),
      ...claims.filter((n) => !listed.has(n)).map((n) => ({ name: n, resourceClaimName: n })),
    ],
    containers: spec.containers.map(withClaims),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(withClaims) } : {}),
  };
}
