// Label and annotation keys and values, finalizers and the scheduling gate (grove-api.md §12).

export const LabelManagedBy = "app.kubernetes.io/managed-by";
export const LabelPartOf = "app.kubernetes.io/part-of";
export const LabelName = "app.kubernetes.io/name";
export const LabelComponent = "app.kubernetes.io/component";
export const LabelPodClique = "grove.io/podclique";
export const LabelPodGang = "grove.io/podgang";
export const LabelBasePodGang = "grove.io/base-podgang";
export const LabelPodCliqueSetReplicaIndex = "grove.io/podcliqueset-replica-index";
export const LabelPodCliqueScalingGroup = "grove.io/podcliquescalinggroup";
export const LabelPodCliqueScalingGroupReplicaIndex = "grove.io/podcliquescalinggroup-replica-index";
export const LabelPodCliquePodIndex = "grove.io/podclique-pod-index";
export const LabelPodTemplateHash = "grove.io/pod-template-hash";
export const LabelSchedulerName = "grove.io/scheduler-name";
export const LabelMNNVLGroup = "grove.io/mnnvl-group";
export const LabelKaiSubgroupName = "kai.scheduler/subgroup-name";
export const LabelKaiQueue = "kai.scheduler/queue";

/** Value of app.kubernetes.io/managed-by on every object the operator manages. */
export const ManagedByValue = "grove-operator";

/** app.kubernetes.io/component values. */
export const ComponentPCSPodClique = "pcs-podclique";
export const ComponentPCSGPodClique = "pcsg-podclique";
export const ComponentPCSG = "pcs-podcliquescalinggroup";
export const ComponentPodGang = "podgang";
export const ComponentHeadlessService = "pcs-headless-service";
export const ComponentHPA = "pcs-hpa";
export const ComponentPodRole = "pod-role";
export const ComponentPodRoleBinding = "pod-role-binding";
export const ComponentPodServiceAccount = "pod-service-account";
export const ComponentPodSATokenSecret = "pod-sa-token-secret";
export const ComponentResourceClaim = "resource-claim";
export const ComponentComputeDomain = "pcs-computedomain";

export const AnnotationMNNVLGroup = "grove.io/mnnvl-group";
export const AnnotationTopologyName = "grove.io/topology-name";
export const AnnotationLegacyKaiTopology = "kai.scheduler/topology";
export const AnnotationDisableManagedResourceProtection = "grove.io/disable-managed-resource-protection";
export const AnnotationReconcileTrigger = "grove.io/reconcile-trigger";
export const AnnotationKaiQueue = "kai.scheduler/queue";
export const AnnotationVolcanoQueue = "scheduling.grove.io/volcano-queue";
export const AnnotationKaiSkipPodGrouper = "kai.scheduler/skip-podgrouper";
export const AnnotationKaiPodGroupName = "pod-group-name";
export const AnnotationK8sGroupName = "scheduling.k8s.io/group-name";
export const AnnotationVolcanoGroupName = "scheduling.volcano.sh/group-name";
export const AnnotationServiceAccountName = "kubernetes.io/service-account.name";
/**
 * grove-ts's own (not Grove's): on a PodCliqueSet, spread its replicas over the domains of this
 * ClusterTopologyBinding level (a domain name, e.g. `zone`): each replica's base PodGang prefers a
 * domain no other replica of the PCS uses. Copied to its PodGangs with the PCS's other annotations.
 */
export const AnnotationSpreadReplicas = "grove-ts.dev/spread-replicas";
/** Removed legacy annotation; ignored. */
export const AnnotationLegacyAutoMNNVL = "grove.io/auto-mnnvl";
/** `grove.io/mnnvl-group` value that opts a layer out of MNNVL. */
export const MNNVLGroupNone = "none";
/** Volcano queue used when no annotation names one. */
export const DefaultVolcanoQueue = "default";

export const FinalizerPodCliqueSet = "grove.io/podcliqueset.grove.io";
export const FinalizerPodClique = "grove.io/podclique.grove.io";
export const FinalizerPodCliqueScalingGroup = "grove.io/podcliquescalinggroup.grove.io";
export const FinalizerComputeDomain = "grove.io/computedomain-finalizer";

/** Scheduling gate on every new pod, removed once the pod is referenced by its PodGang. */
export const SchedulingGatePodGangPendingCreation = "grove.io/podgang-pending-creation";

/** Labels on every managed object: managed-by and part-of. */
export const managedLabels = (pcs: string): Record<string, string> => ({
  [LabelManagedBy]: ManagedByValue,
  [LabelPartOf]: pcs,
});

const selector = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** PCS `status.hpaPodSelector`: `app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=<pcs>`. */
export const podCliqueSetPodSelector = (pcs: string): string => selector(managedLabels(pcs));

/** Standalone PCLQ `status.hpaPodSelector` (PCSG members publish none). */
export const podCliquePodSelector = (pcs: string, pclqName: string): string =>
  selector({ ...managedLabels(pcs), [LabelPodClique]: pclqName });

/** PCSG `status.selector`. */
export const podCliqueScalingGroupPodSelector = (pcs: string, pcsgName: string): string =>
  selector({ ...managedLabels(pcs), [LabelPodCliqueScalingGroup]: pcsgName });

export interface PodCliqueLabelInput {
  pcsName: string;
  pcsReplicaIndex: number;
  pclqName: string;
  podGangName: string;
  podTemplateHash: string;
  /** Labels of the clique template, copied first (Grove's labels win on conflict). */
  templateLabels?: Record<string, string>;
  /** For PCSG members. `basePodGangName` is set only for replicas in a scaled PodGang. */
  pcsg?: { name: string; replicaIndex: number; basePodGangName?: string };
}

/** Labels of a generated PodClique (§12.1); pods carry these plus podclique and pod-index. */
export function podCliqueLabels(input: PodCliqueLabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    ...(input.templateLabels ?? {}),
    ...managedLabels(input.pcsName),
    [LabelName]: input.pclqName,
    [LabelComponent]: input.pcsg ? ComponentPCSGPodClique : ComponentPCSPodClique,
    [LabelPodCliqueSetReplicaIndex]: String(input.pcsReplicaIndex),
    [LabelPodGang]: input.podGangName,
    [LabelPodTemplateHash]: input.podTemplateHash,
  };
  if (input.pcsg) {
    labels[LabelPodCliqueScalingGroup] = input.pcsg.name;
    labels[LabelPodCliqueScalingGroupReplicaIndex] = String(input.pcsg.replicaIndex);
    if (input.pcsg.basePodGangName !== undefined) labels[LabelBasePodGang] = input.pcsg.basePodGangName;
  }
  return labels;
}

/** Labels of a pod: its PodClique's labels plus `grove.io/podclique` and `grove.io/podclique-pod-index`. */
export const podLabels = (
  pclqLabels: Record<string, string>,
  pclqName: string,
  podIndex: number,
): Record<string, string> => ({
  ...pclqLabels,
  [LabelPodClique]: pclqName,
  [LabelPodCliquePodIndex]: String(podIndex),
});

/** Labels of a generated PodCliqueScalingGroup. */
export const podCliqueScalingGroupLabels = (
  pcs: string,
  pcsReplicaIndex: number,
  pcsgName: string,
): Record<string, string> => ({
  ...managedLabels(pcs),
  [LabelName]: pcsgName,
  [LabelComponent]: ComponentPCSG,
  [LabelPodCliqueSetReplicaIndex]: String(pcsReplicaIndex),
});

const isGroveKey = (key: string): boolean => key.startsWith("grove.io/");

/**
 * Labels of a PodGang (§12.1): the PCS's labels except `grove.io/` ones, the PodGang's existing
 * `grove.io/` labels, then managed-by, part-of, component=podgang and the scheduler backend name.
 */
export function podGangLabels(
  pcs: string,
  schedulerName: string,
  pcsLabels: Record<string, string> = {},
  existing: Record<string, string> = {},
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(pcsLabels)) if (!isGroveKey(k)) labels[k] = v;
  for (const [k, v] of Object.entries(existing)) if (isGroveKey(k)) labels[k] = v;
  return {
    ...labels,
    ...managedLabels(pcs),
    [LabelComponent]: ComponentPodGang,
    [LabelSchedulerName]: schedulerName,
  };
}

/**
 * Annotations of a PodGang (§12.1): the PCS's annotations except `grove.io/` ones, the PodGang's
 * existing `grove.io/` annotations, and `grove.io/topology-name` when translated constraints exist.
 */
export function podGangAnnotations(
  pcsAnnotations: Record<string, string> = {},
  existing: Record<string, string> = {},
  topologyName?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pcsAnnotations)) if (!isGroveKey(k)) out[k] = v;
  for (const [k, v] of Object.entries(existing)) if (isGroveKey(k)) out[k] = v;
  if (topologyName !== undefined) out[AnnotationTopologyName] = topologyName;
  return out;
}
