// Which ResourceClaims a pod uses, as kube-scheduler's DynamicResources plugin resolves them: a
// pod claim naming a claim (`resourceClaimName`) uses it; one made from a ResourceClaimTemplate
// (`resourceClaimTemplateName`) uses the claim the resourceclaim controller made for it and
// recorded in `pod.status.resourceClaimStatuses` [{name, resourceClaimName}] (kube-controller-manager
// on the real control plane, grove-sim's on ours). Until that entry exists the pod waits (the whole
// gang with it); an entry without resourceClaimName means no claim is needed. A claim used through
// a template must be controlled by the pod (kube-scheduler's IsForPod).
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Claim } from "./claims-alloc.js";

interface PodClaim {
  name: string;
  resourceClaimName?: string | null;
  resourceClaimTemplateName?: string | null;
}
type Statuses = { name: string; resourceClaimName?: string | null }[];

// kubernetes-types predates resource.k8s.io/v1's PodResourceClaim fields.
const podClaims = (pod: Pod): PodClaim[] => (pod.spec?.resourceClaims as PodClaim[] | undefined) ?? [];
const statuses = (pod: Pod): Statuses =>
  ((pod.status as { resourceClaimStatuses?: Statuses } | undefined)?.resourceClaimStatuses ?? []) as Statuses;

/** The names of the ResourceClaims `pod` uses now: named ones and those made for it from templates. */
export function claimRefs(pod: Pod): string[] {
  const out: string[] = [];
  let recorded: Statuses | undefined;
  for (const r of podClaims(pod)) {
    if (r.resourceClaimName) out.push(r.resourceClaimName);
    else if (r.resourceClaimTemplateName) {
      recorded ??= statuses(pod);
      const name = recorded.find((s) => s.name === r.name)?.resourceClaimName;
      if (name) out.push(name);
    }
  }
  return out;
}

/** Does `pod` have claims (named, from templates, made or not)? */
export const usesClaims = (pod: Pod): boolean =>
  podClaims(pod).some((r) => r.resourceClaimName || r.resourceClaimTemplateName);

/** Why `pod` waits for the resourceclaim controller (a template claim not made yet), or undefined. */
export function claimNotCreated(pod: Pod): string | undefined {
  const recorded = statuses(pod);
  for (const r of podClaims(pod))
    if (!r.resourceClaimName && r.resourceClaimTemplateName && !recorded.some((s) => s.name === r.name))
      return `waiting for resource claim ${r.name} to be created from ResourceClaimTemplate ${pod.metadata?.namespace ?? ""}/${r.resourceClaimTemplateName} (pod.status.resourceClaimStatuses has no entry for it)`;
  return undefined;
}

/** Why claim `c` (named `name` by `pod`) may not be used by it: one made from a template for another pod. */
export function notForPod(pod: Pod, name: string, c: Claim): string | undefined {
  if (podClaims(pod).some((r) => r.resourceClaimName === name)) return undefined;
  const owner = c.metadata.ownerReferences?.find((o) => o.controller);
  if (owner?.uid === pod.metadata?.uid) return undefined;
  return `ResourceClaim ${c.metadata.namespace ?? ""}/${name} was not created for this pod (its controller is ${owner ? `${owner.kind} ${owner.name}` : "none"})`;
}
