import { LabelPartOf } from "@grove-ts/api";
// Cache lookups of a PodCliqueSet's children. Children are found through the part-of label index
// and kept only when controlled by the given owner uid, so objects of a deleted-and-recreated PCS of
// the same name (or foreign objects carrying our labels) are never adopted.

import { type Informer, isControlledBy, type KubeObject } from "@grove-ts/runtime";
import { type ControllerContext, INDEX_CONTROLLER_UID, INDEX_PART_OF } from "./context.js";
import type { Pod } from "./kube-types.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet, PodGang } from "./types.js";

export const partOfKey = (namespace: string | undefined, pcs: string): string => `${namespace ?? ""}/${pcs}`;

export function childrenOf<T extends KubeObject>(
  informer: Informer<T>,
  pcs: PodCliqueSet,
  ownerUid?: string,
): T[] {
  const uid = ownerUid ?? pcs.metadata.uid ?? "";
  return informer.cache
    .byIndex(INDEX_PART_OF, partOfKey(pcs.metadata.namespace, pcs.metadata.name ?? ""))
    .filter((o) => isControlledBy(o, uid));
}

/** Every PodClique of the PCS: standalone ones and PCSG members. */
export function allPodCliquesOf(ctx: ControllerContext, pcs: PodCliqueSet): PodClique[] {
  return ctx.informers.pclq.cache.byIndex(
    INDEX_PART_OF,
    partOfKey(pcs.metadata.namespace, pcs.metadata.name ?? ""),
  );
}

export const standalonePodCliquesOf = (ctx: ControllerContext, pcs: PodCliqueSet): PodClique[] =>
  childrenOf(ctx.informers.pclq, pcs);

export const pcsgsOf = (ctx: ControllerContext, pcs: PodCliqueSet): PodCliqueScalingGroup[] =>
  childrenOf(ctx.informers.pcsg, pcs);

export const podGangsOf = (ctx: ControllerContext, pcs: PodCliqueSet): PodGang[] =>
  childrenOf(ctx.informers.podgang, pcs);

/** Pods controlled by the PodClique (terminating ones included). */
export const podsOf = (ctx: ControllerContext, pclq: PodClique): Pod[] =>
  ctx.informers.pod.cache.byIndex(INDEX_CONTROLLER_UID, pclq.metadata.uid ?? "");

/** The PCS named by a child's part-of label, from the cache. */
export function owningPcs(ctx: ControllerContext, child: KubeObject): PodCliqueSet | undefined {
  const name = child.metadata.labels?.[LabelPartOf];
  return name ? ctx.informers.pcs.cache.get(name, child.metadata.namespace) : undefined;
}
