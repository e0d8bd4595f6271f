// Owner references: how a controller claims its children, and how garbage collection and the
// informer's owner indexes find them. Functions return new arrays (cached objects are frozen).
import type { KubeObject, OwnerReference, ResourceType } from "./client.js";

/** The reference a controller puts on a child it manages: controller=true, blockOwnerDeletion=true. */
export function controllerReference(owner: KubeObject, type: ResourceType): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid)
    throw new TypeError(
      `controllerReference: owner ${type.kind} needs metadata.name and metadata.uid (read it from the server first)`,
    );
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner reference with controller=true, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isOwnedBy(obj: KubeObject, ownerUid: string): boolean {
  return obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid) ?? false;
}

export function isControlledBy(obj: KubeObject, ownerUid: string): boolean {
  return getControllerOf(obj)?.uid === ownerUid;
}

export class OwnerReferenceError extends Error {
  readonly code = "OwnerConflict";
  constructor(message: string) {
    super(message);
    this.name = "OwnerReferenceError";
  }
}

/**
 * Adds `ref` or replaces the reference with its uid. Refuses a second controller reference, as the
 * API server and controller-runtime's SetControllerReference do.
 */
export function upsertOwnerReference(
  refs: readonly OwnerReference[] | undefined,
  ref: OwnerReference,
): OwnerReference[] {
  const list = [...(refs ?? [])];
  if (ref.controller === true) {
    const other = list.find((r) => r.controller === true && r.uid !== ref.uid);
    if (other)
      throw new OwnerReferenceError(
        `ownerReferences: already controlled by ${other.kind} ${other.name} (${other.uid}); cannot add controller ${ref.kind} ${ref.name}`,
      );
  }
  const i = list.findIndex((r) => r.uid === ref.uid);
  if (i >= 0) list[i] = ref;
  else list.push(ref);
  return list;
}

export function removeOwnerReference(
  refs: readonly OwnerReference[] | undefined,
  ownerUid: string,
): OwnerReference[] {
  return (refs ?? []).filter((r) => r.uid !== ownerUid);
}
