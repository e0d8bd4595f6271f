// Pod construction for a PodClique (grove-api.md §13, grove-behaviour.md §4.3, §11.2).
import {
  commonPodEnvVars,
  LabelPartOf,
  LabelPodCliqueSetReplicaIndex,
  LabelPodGang,
  PodCliqueType,
  podGenerateName,
  podHostname,
  podLabels,
  podSubdomain,
  SchedulingGatePodGangPendingCreation,
  saTokenSecretName,
  withEnvVars,
} from "@grove-ts/api";
import { controllerReference } from "@grove-ts/runtime";
import type { Container, Pod, Volume } from "../kube-types.js";
import { cliquePlace, podClaimRefs, withClaimRefs } from "../resource-claims.js";
import type { PodClique, PodCliqueSet } from "../types.js";

export const InitContainerName = "grove-initc";
export const SATokenVolumeName = "sa-token-secret-vol";
export const PodInfoVolumeName = "pod-info-vol";
export const PodInfoMountPath = "/var/grove/pod-info";
export const SATokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

/** minAvailable of the clique behind a parent PodClique FQN (longest template-name suffix wins). */
function parentMinAvailable(pcs: PodCliqueSet | undefined, parentFqn: string): number {
  let best: { len: number; min: number } | undefined;
  for (const c of pcs?.spec.template.cliques ?? []) {
    if (!parentFqn.endsWith(`-${c.name}`)) continue;
    if (!best || c.name.length > best.len)
      best = { len: c.name.length, min: c.spec.minAvailable ?? c.spec.replicas };
  }
  return best?.min ?? 1;
}

export interface PodBuildInput {
  pclq: PodClique;
  pcs: PodCliqueSet | undefined;
  podIndex: number;
  schedulerName: string;
  initContainerImage: string;
}

export function buildPod(input: PodBuildInput): Pod {
  const { pclq, podIndex } = input;
  const name = pclq.metadata.name ?? "";
  const namespace = pclq.metadata.namespace ?? "";
  const labels = pclq.metadata.labels ?? {};
  const pcsName = labels[LabelPartOf] ?? "";
  const pcsReplica = Number(labels[LabelPodCliqueSetReplicaIndex] ?? 0);
  const vars = commonPodEnvVars({ pcsName, pcsReplicaIndex: pcsReplica, pclqName: name, namespace });
  const src = structuredClone(pclq.spec.podSpec) as NonNullable<Pod["spec"]>;
  const spec: NonNullable<Pod["spec"]> = {
    ...src,
    schedulingGates: [{ name: SchedulingGatePodGangPendingCreation }],
    schedulerName: src.schedulerName || input.schedulerName,
    containers: src.containers.map((c) => withEnvVars(c, vars)),
    ...(src.initContainers ? { initContainers: src.initContainers.map((c) => withEnvVars(c, vars)) } : {}),
    hostname: podHostname(name, podIndex),
    subdomain: podSubdomain(pcsName, pcsReplica),
  };
  // Shared ResourceClaims, PCS → PCSG → PodClique level, before the init container is added (§4.3).
  const place = input.pcs ? cliquePlace(input.pcs, pclq) : undefined;
  const claims = input.pcs && place ? podClaimRefs(input.pcs, name, place, podIndex).map((r) => r.name) : [];
  Object.assign(spec, withClaimRefs(spec, claims));
  const parents = pclq.spec.startsAfter ?? [];
  if (parents.length > 0) {
    const volumes: Volume[] = [
      {
        name: SATokenVolumeName,
        secret: { secretName: saTokenSecretName(pcsName), defaultMode: 0o644 },
      },
      {
        name: PodInfoVolumeName,
        downwardAPI: {
          items: [
            { path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } },
            { path: "podgangname", fieldRef: { fieldPath: `metadata.labels['${LabelPodGang}']` } },
          ],
        },
      },
    ];
    const initc: Container = withEnvVars(
      {
        name: InitContainerName,
        image: input.initContainerImage,
        args: parents.map((p) => `--podcliques=${p}:${parentMinAvailable(input.pcs, p)}`),
        volumeMounts: [
          { name: PodInfoVolumeName, mountPath: PodInfoMountPath, readOnly: true },
          { name: SATokenVolumeName, mountPath: SATokenMountPath, readOnly: true },
        ],
      },
      vars,
    );
    spec.volumes = [...(spec.volumes ?? []), ...volumes];
    spec.initContainers = [...(spec.initContainers ?? []), initc];
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: podGenerateName(name),
      namespace,
      labels: podLabels(labels, name, podIndex),
      ...(pclq.metadata.annotations ? { annotations: { ...pclq.metadata.annotations } } : {}),
      ownerReferences: [controllerReference(pclq, PodCliqueType)],
    },
    spec,
  };
}
