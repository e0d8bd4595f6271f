// The simulated kubelet's half of Dynamic Resource Allocation: as the real kubelet does before it
// prepares a pod's resources, a bound pod does not start while one of the ResourceClaims it names
// (`spec.resourceClaims[].resourceClaimName`) is missing, not allocated, or not reserved for it
// (status.reservedFor by uid); it stays Pending, a Warning Event `FailedPrepareDynamicResources`
// says which claim and why (once per reason), and it is looked at again shortly. A claim made from a
// ResourceClaimTemplate (`resourceClaimTemplateName`) is the one pod.status.resourceClaimStatuses
// names for that pod claim, waited for until recorded; an entry naming no claim needs none.
import { type Client, type EventRecorder, type KubeObject, ResourceClaimType } from "@grove-ts/runtime";

export const EventReasonClaimsNotReady = "FailedPrepareDynamicResources";
/** How soon a pod waiting for its claims is looked at again (claim events do not wake it). */
export const CLAIM_RETRY_MS = 500;

interface ClaimPod extends KubeObject {
  spec?: {
    resourceClaims?: { name: string; resourceClaimName?: string; resourceClaimTemplateName?: string }[];
  } & Record<string, unknown>;
  status?: { resourceClaimStatuses?: { name: string; resourceClaimName?: string }[] } & Record<
    string,
    unknown
  >;
}
type Claim = KubeObject & { status?: { allocation?: unknown; reservedFor?: { uid?: string }[] } };

/** Why `pod` cannot start yet (naming the claim), or undefined when every claim it names is ready for it. */
export async function claimsNotReady(client: Client, pod: ClaimPod): Promise<string | undefined> {
  const ns = pod.metadata.namespace ?? "";
  for (const r of pod.spec?.resourceClaims ?? []) {
    let name = r.resourceClaimName;
    if (!name && r.resourceClaimTemplateName) {
      const st = pod.status?.resourceClaimStatuses?.find((s) => s.name === r.name);
      if (!st)
        return `ResourceClaim of pod claim ${r.name} (from ResourceClaimTemplate ${ns}/${r.resourceClaimTemplateName}) is not created yet`;
      name = st.resourceClaimName;
    }
    if (!name) continue;
    const c = await client.get<Claim>(ResourceClaimType, name, ns).catch(() => undefined);
    if (!c) return `ResourceClaim ${ns}/${name} (pod claim ${r.name}) does not exist`;
    if (!c.status?.allocation) return `ResourceClaim ${ns}/${name} (pod claim ${r.name}) is not allocated`;
    if (!(c.status.reservedFor ?? []).some((x) => x.uid === pod.metadata.uid))
      return `ResourceClaim ${ns}/${name} (pod claim ${r.name}) is not reserved for this pod`;
  }
  return undefined;
}

/**
 * The kubelet's gate: true when `pod` may start; otherwise records the Event (once per message per
 * pod, remembered in `warned`) and asks for a retry through `later`.
 */
export async function claimsGate(
  client: Client,
  pod: ClaimPod,
  events: EventRecorder,
  warned: Map<string, Set<string>>,
  later: (ms: number) => void,
): Promise<boolean> {
  if (!pod.spec?.resourceClaims?.some((r) => r.resourceClaimName || r.resourceClaimTemplateName)) return true;
  const why = await claimsNotReady(client, pod);
  if (!why) return true;
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const seen = warned.get(key) ?? new Set<string>();
  warned.set(key, seen);
  if (!seen.has(why)) {
    seen.add(why);
    events.event(pod, "Warning", EventReasonClaimsNotReady, why);
  }
  later(CLAIM_RETRY_MS);
  return false;
}
