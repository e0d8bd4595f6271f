// Pure builders of the PodCliqueSet's own children (grove-behaviour.md §3.5): ServiceAccount, Role,
// RoleBinding, SA token Secret, headless Services and HPAs. Nothing here does I/O.
import {
  AnnotationServiceAccountName,
  ComponentHeadlessService,
  ComponentHPA,
  ComponentPodRole,
  ComponentPodRoleBinding,
  ComponentPodSATokenSecret,
  ComponentPodServiceAccount,
  headlessServiceName,
  LabelComponent,
  LabelName,
  LabelPodCliqueSetReplicaIndex,
  managedLabels,
  PodCliqueSetType,
  PodCliqueType,
  podCliqueName,
  podCliqueScalingGroupName,
  roleBindingName,
  roleLabelName,
  roleName,
  saTokenSecretName,
  serviceAccountName,
} from "@grove-ts/api";
import { controllerReference, type KubeObject } from "@grove-ts/runtime";
import { standaloneCliques } from "./desired.js";
import type { PodCliqueSet } from "./types.js";

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
