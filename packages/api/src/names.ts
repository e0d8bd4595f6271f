// Names of generated objects (grove-api.md §11). Pure and deterministic: the operator, the simulator
// and the tests derive every name from here.
import type { ResourceSharingScope } from "./constants.js";

/** Standalone PodClique: `<pcs>-<i>-<clique>`. */
export const podCliqueName = (pcs: string, pcsReplica: number, clique: string): string =>
  `${pcs}-${pcsReplica}-${clique}`;

/** PodCliqueScalingGroup ("PCSG FQN"): `<pcs>-<i>-<sg>`. */
export const podCliqueScalingGroupName = (pcs: string, pcsReplica: number, scalingGroup: string): string =>
  `${pcs}-${pcsReplica}-${scalingGroup}`;

/** PodClique of a scaling-group replica: `<pcsgFQN>-<j>-<clique>`. */
export const pcsgMemberPodCliqueName = (pcsgName: string, pcsgReplica: number, clique: string): string =>
  `${pcsgName}-${pcsgReplica}-${clique}`;

/** `metadata.generateName` of a pod: `<pclqFQN>-`. */
export const podGenerateName = (pclqName: string): string => `${pclqName}-`;

/** `spec.hostname` of the pod with index k: `<pclqFQN>-<k>`. */
export const podHostname = (pclqName: string, podIndex: number): string => `${pclqName}-${podIndex}`;

/** `spec.subdomain` of every pod of PCS replica i (= the headless Service name). */
export const podSubdomain = (pcs: string, pcsReplica: number): string => `${pcs}-${pcsReplica}`;

/** Headless Service, one per PCS replica: `<pcs>-<i>`. */
export const headlessServiceName = (pcs: string, pcsReplica: number): string => `${pcs}-${pcsReplica}`;

/** The cluster domain is hard-coded upstream. */
export const CLUSTER_DOMAIN = "cluster.local";

/** DNS name of the headless Service: `<pcs>-<i>.<ns>.svc.cluster.local`. */
export const headlessServiceAddress = (pcs: string, pcsReplica: number, namespace: string): string =>
  `${headlessServiceName(pcs, pcsReplica)}.${namespace}.svc.${CLUSTER_DOMAIN}`;

/** DNS name of a pod: `<pclqFQN>-<k>.<pcs>-<i>.<ns>.svc.cluster.local`. */
export const podDnsName = (
  pclqName: string,
  podIndex: number,
  pcs: string,
  pcsReplica: number,
  namespace: string,
): string => `${podHostname(pclqName, podIndex)}.${headlessServiceAddress(pcs, pcsReplica, namespace)}`;

/** Base PodGang of PCS replica i: `<pcs>-<i>`. */
export const basePodGangName = (pcs: string, pcsReplica: number): string => `${pcs}-${pcsReplica}`;

/**
 * Scaled PodGang of PCSG replica j (j >= minAvailable): `<pcsgFQN>-<j - minAvailable>`. Note the index
 * is shifted: `<pcs>-<i>-<sg>-0` is the gang of PCSG replica `minAvailable`, not of replica 0.
 */
export function scaledPodGangName(pcsgName: string, pcsgReplica: number, minAvailable: number): string {
  if (pcsgReplica < minAvailable)
    throw new RangeError(
      `PCSG replica ${pcsgReplica} < minAvailable ${minAvailable} belongs to the base PodGang`,
    );
  return `${pcsgName}-${pcsgReplica - minAvailable}`;
}

/** The PodGang a PCSG replica belongs to: the base gang below minAvailable, else its scaled gang. */
export const podGangNameForPCSGReplica = (
  pcs: string,
  pcsReplica: number,
  scalingGroup: string,
  pcsgReplica: number,
  minAvailable: number,
): string =>
  pcsgReplica < minAvailable
    ? basePodGangName(pcs, pcsReplica)
    : scaledPodGangName(podCliqueScalingGroupName(pcs, pcsReplica, scalingGroup), pcsgReplica, minAvailable);

/** PodGang TopologyConstraintGroupConfig of PCSG replica j < minAvailable: `<pcsgFQN>-<j>`. */
export const topologyConstraintGroupConfigName = (pcsgName: string, pcsgReplica: number): string =>
  `${pcsgName}-${pcsgReplica}`;

/** HPA: named like its target (standalone PodClique or PCSG). */
export const hpaName = (targetName: string): string => targetName;
/** ServiceAccount used by the init container: `<pcs>`. */
export const serviceAccountName = (pcs: string): string => pcs;
/** Role and RoleBinding: `grove.io:pcs:<pcs>`. */
export const roleName = (pcs: string): string => `grove.io:pcs:${pcs}`;
export const roleBindingName = roleName;
/** `app.kubernetes.io/name` of the Role/RoleBinding: the role name with colons turned into hyphens. */
export const roleLabelName = (pcs: string): string => roleName(pcs).replace(/:/g, "-");
/** ServiceAccount token Secret: `<pcs>-ic-sat`. */
export const saTokenSecretName = (pcs: string): string => `${pcs}-ic-sat`;
/** Legacy token Secret name, migrated away from and deleted. */
export const legacySaTokenSecretName = (pcs: string): string => `${pcs}-initc-sa-token-secret`;
/** ComputeDomain of an MNNVL group in PCS replica i: `<pcs>-<i>-<group>` (also its claim template name). */
export const computeDomainName = (pcs: string, pcsReplica: number, group: string): string =>
  `${pcs}-${pcsReplica}-${group}`;
/** KAI and Volcano PodGroups are named like their PodGang; the KAI Topology like its ClusterTopologyBinding. */
export const backendPodGroupName = (podGangName: string): string => podGangName;
export const kaiTopologyName = (clusterTopologyBindingName: string): string => clusterTopologyBindingName;

/** Name of the MNNVL claim in `pod.spec.resourceClaims` and `resources.claims` (§11.4). */
export const MNNVL_CLAIM_NAME = "mnnvl-claim";

/**
 * ResourceClaim name of a shared claim (§11.3): `<owner>-all-<tpl>` for AllReplicas,
 * `<owner>-<index>-<tpl>` for PerReplica. The owner is the PCS, PCSG or PodClique name; the index is the
 * PCS replica, the PCSG replica or (for PodCliques) the pod index.
 */
export function resourceClaimName(
  owner: string,
  scope: ResourceSharingScope,
  templateName: string,
  index?: number,
): string {
  if (scope === "AllReplicas") return `${owner}-all-${templateName}`;
  if (index === undefined)
    throw new RangeError(`PerReplica claim of ${owner}/${templateName} needs an index`);
  return `${owner}-${index}-${templateName}`;
}

/** Webhook budget for generated pod names (V12, V28): PCS + [PCSG +] clique name lengths. */
export const MAX_COMBINED_NAME_LENGTH = 45;

export interface NameBudget {
  length: number;
  limit: number;
  ok: boolean;
}

/** `len(pcs) + len(clique)` (standalone) or `len(pcs) + len(pcsg) + len(clique)` (PCSG member) vs 45. */
export function combinedNameLength(pcs: string, clique: string, scalingGroup?: string): NameBudget {
  const length = pcs.length + clique.length + (scalingGroup?.length ?? 0);
  return { length, limit: MAX_COMBINED_NAME_LENGTH, ok: length <= MAX_COMBINED_NAME_LENGTH };
}

/** The pod index of a hostname `<pclqFQN>-<k>`, or undefined. */
export function podIndexFromHostname(hostname: string): number | undefined {
  const m = /-(\d+)$/.exec(hostname);
  return m ? Number(m[1]) : undefined;
}

/** The `count` lowest indices not in `used`, ascending (holes are filled first, §11.1). */
export function lowestFreeIndices(used: Iterable<number>, count: number): number[] {
  const taken = new Set(used);
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}
