// Auto-MNNVL (GREP-417, grove-api.md §11.4, §15.9; grove-behaviour.md §3.5): which cliques are
// enrolled in which MNNVL group, the ComputeDomains a PodCliqueSet should own and the claim its
// enrolled pods reference. Pure: everything comes from the PodCliqueSet; mnnvl-sync.ts converges.
import {
  AnnotationMNNVLGroup,
  ComponentComputeDomain,
  computeDomainName,
  FinalizerComputeDomain,
  LabelComponent,
  LabelMNNVLGroup,
  LabelPodCliqueSetReplicaIndex,
  MNNVL_CLAIM_NAME,
  MNNVLGroupNone,
  managedLabels,
  PodCliqueSetType,
  type PodCliqueTemplateSpec,
} from "@grove-ts/api";
import { controllerReference, type KubeObject, type ResourceType } from "@grove-ts/runtime";
import type { DesiredPodClique } from "./desired.js";
import type { PodCliqueSet } from "./types.js";

/** NVIDIA's ComputeDomain (k8s-dra-driver-gpu), served where its CRD is installed. */
export const ComputeDomainType: ResourceType = {
  apiVersion: "resource.nvidia.com/v1beta1",
  kind: "ComputeDomain",
  plural: "computedomains",
  namespaced: true,
};

export type ComputeDomain = KubeObject & {
  spec?: { numNodes?: number; channel?: { resourceClaimTemplate?: { name?: string } } };
};

const GPU = "nvidia.com/gpu";

interface ResourceContainer {
  resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
}

const nonZero = (q: unknown): boolean => q !== undefined && q !== null && String(q) !== "0" && q !== 0;

/** A container asks for GPUs: a non-zero `nvidia.com/gpu` limit or request. */
export const requestsGpu = (c: ResourceContainer): boolean =>
  nonZero(c.resources?.limits?.[GPU]) || nonZero(c.resources?.requests?.[GPU]);

/** Some container or init container of the pod spec asks for GPUs. */
export function podSpecRequestsGpu(ps: { containers: object[]; initContainers?: object[] }): boolean {
  return [...ps.containers, ...(ps.initContainers ?? [])].some((c) => requestsGpu(c as ResourceContainer));
}

const groupOf = (a: Record<string, string> | undefined): string | undefined => a?.[AnnotationMNNVLGroup];

/**
 * The MNNVL group of a clique (§15.9): the first of clique template, its scaling group config, the
 * PodCliqueSet that carries the annotation; `none` opts out; a clique asking for no GPU is never
 * enrolled, even with an explicit annotation. Undefined: not enrolled.
 */
export function cliqueMNNVLGroup(pcs: PodCliqueSet, clique: PodCliqueTemplateSpec): string | undefined {
  if (!podSpecRequestsGpu(clique.spec.podSpec)) return undefined;
  const cfg = (pcs.spec.template.podCliqueScalingGroups ?? []).find((g) =>
    g.cliqueNames.includes(clique.name),
  );
  const g =
    groupOf(clique.annotations) ??
    groupOf(cfg?.annotations as Record<string, string> | undefined) ??
    groupOf(pcs.metadata.annotations);
  return g === undefined || g === "" || g === MNNVLGroupNone ? undefined : g;
}

/** The distinct MNNVL groups of the PodCliqueSet's GPU cliques, sorted. */
export function mnnvlGroups(pcs: PodCliqueSet): string[] {
  const out = new Set<string>();
  for (const c of pcs.spec.template.cliques) {
    const g = cliqueMNNVLGroup(pcs, c);
    if (g) out.add(g);
  }
  return [...out].sort();
}

/** One ComputeDomain per PCS replica × MNNVL group, controlled by the PCS, with Grove's finalizer. */
export function desiredComputeDomains(pcs: PodCliqueSet): ComputeDomain[] {
  const pcsName = pcs.metadata.name ?? "";
  const groups = mnnvlGroups(pcs);
  const out: ComputeDomain[] = [];
  for (let i = 0; i < (pcs.spec.replicas ?? 0); i++)
    for (const g of groups) {
      const name = computeDomainName(pcsName, i, g);
      out.push({
        apiVersion: ComputeDomainType.apiVersion,
        kind: ComputeDomainType.kind,
        metadata: {
          name,
          namespace: pcs.metadata.namespace,
          labels: {
            ...managedLabels(pcsName),
            [LabelComponent]: ComponentComputeDomain,
            [LabelPodCliqueSetReplicaIndex]: String(i),
            [LabelMNNVLGroup]: g,
          },
          ownerReferences: [controllerReference(pcs, PodCliqueSetType)],
          finalizers: [FinalizerComputeDomain],
        },
        spec: { numNodes: 0, channel: { resourceClaimTemplate: { name } } },
      });
    }
  return out;
}

interface ClaimedContainer extends ResourceContainer {
  resources?: ResourceContainer["resources"] & { claims?: { name: string }[] };
}

/**
 * A pod spec with the MNNVL claim (§11.4): `resourceClaims += {mnnvl-claim, template <cd>}` and
 * `resources.claims += {mnnvl-claim}` on every container and init container asking for GPUs.
 */
export function withMNNVLClaim<S extends { containers: object[]; initContainers?: object[] }>(
  spec: S,
  templateName: string,
): S {
  const add = <C extends object>(c: C): C => {
    const cc = c as ClaimedContainer;
    if (!requestsGpu(cc) || (cc.resources?.claims ?? []).some((x) => x.name === MNNVL_CLAIM_NAME)) return c;
    return {
      ...c,
      resources: { ...cc.resources, claims: [...(cc.resources?.claims ?? []), { name: MNNVL_CLAIM_NAME }] },
    };
  };
  const s = spec as S & { resourceClaims?: { name: string }[] };
  const listed = (s.resourceClaims ?? []).filter((r) => r.name !== MNNVL_CLAIM_NAME);
  return {
    ...spec,
    resourceClaims: [...listed, { name: MNNVL_CLAIM_NAME, resourceClaimTemplateName: templateName }],
    containers: spec.containers.map(add),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(add) } : {}),
  };
}

/**
 * A desired PodClique of PCS replica `pcsReplica` with the MNNVL claim in its pod spec when MNNVL is
 * on and its clique is enrolled; unchanged otherwise.
 */
export function withMNNVL(
  d: DesiredPodClique,
  pcs: PodCliqueSet,
  pcsReplica: number,
  clique: PodCliqueTemplateSpec,
  enabled: boolean,
): DesiredPodClique {
  const group = enabled ? cliqueMNNVLGroup(pcs, clique) : undefined;
  if (!group) return d;
  const podSpec = withMNNVLClaim(
    d.object.spec.podSpec,
    computeDomainName(pcs.metadata.name ?? "", pcsReplica, group),
  );
  return {
    object: { ...d.object, spec: { ...d.object.spec, podSpec } },
    patch: { ...d.patch, spec: { ...d.patch.spec, podSpec } },
  };
}

/** PCSG annotations with the PCS's group inherited where the config sets none (§12.2). */
export function pcsgAnnotationsWithMNNVL(
  pcs: PodCliqueSet,
  annotations: Record<string, string> | undefined,
): Record<string, string> | undefined {
  const inherited = groupOf(pcs.metadata.annotations);
  if (inherited === undefined || groupOf(annotations) !== undefined) return annotations;
  return { ...(annotations ?? {}), [AnnotationMNNVLGroup]: inherited };
}
