// What the solver sees of ResourceClaims (claims.ts): node restrictions (`restrict`) and device
// counts. The solver does not know devices, so a gang's pods whose claims are their own
// (unallocated, used by one pending pod of the gang) would all fit on a node with devices for one
// of them. Such pods request their claims' device count of one counted resource for the call, and
// each node offers its free devices matching any of those claims' requests (an upper bound when the
// claims ask for different devices; the allocation after placement, claims.ts `reserve`, stays the
// judge).
import type { PodGroup } from "@grove-ts/placement";
import {
  type Claim,
  type Device,
  type DeviceClass,
  deviceKey,
  type NodeInfo,
  reachable,
  requestMatchers,
} from "./claims-alloc.js";
import type { ExtraCapacity } from "./pod-constraints.js";

type Classes = (name: string) => DeviceClass | undefined;

/** How many devices `c` takes at least (All counts 1); 0 when it cannot be matched. */
export function deviceDemand(c: Claim, classes: Classes): number {
  try {
    const ms = requestMatchers(c, classes);
    return typeof ms === "string" ? 0 : ms.reduce((n, m) => n + (m.count ?? 1), 0);
  } catch {
    return 0;
  }
}

/** Per node, resource -> its free devices that one of `claims` could take. */
export function deviceOffers(
  resource: string,
  claims: readonly Claim[],
  devices: readonly Device[],
  taken: { has(key: string): boolean },
  nodes: readonly NodeInfo[],
  classes: Classes,
): ExtraCapacity {
  const ms = claims.flatMap((c) => {
    try {
      const m = requestMatchers(c, classes);
      return typeof m === "string" ? [] : m;
    } catch {
      return [];
    }
  });
  const free = devices.filter((d) => !taken.has(deviceKey(d)) && ms.some((m) => m.matches(d)));
  const onNode = new Map<string, number>();
  const elsewhere: Device[] = [];
  for (const d of free)
    if (d.nodeName !== undefined) onNode.set(d.nodeName, (onNode.get(d.nodeName) ?? 0) + 1);
    else elsewhere.push(d);
  const out: ExtraCapacity = new Map();
  for (const n of nodes)
    out.set(n.name, {
      [resource]: (onNode.get(n.name) ?? 0) + elsewhere.filter((d) => reachable(d, n)).length,
    });
  return out;
}

/** `a` and `b` together (a node's records merged). */
export function mergeExtra(a: ExtraCapacity | undefined, b: ExtraCapacity): ExtraCapacity {
  if (!a) return b;
  const out: ExtraCapacity = new Map(a);
  for (const [n, r] of b) out.set(n, { ...(out.get(n) ?? {}), ...r });
  return out;
}

/** `g` allowed only on `nodes` (added to each of its required node-affinity terms). */
export function restrict(g: PodGroup, nodes: string[]): PodGroup {
  const req = { key: "metadata.name", operator: "In" as const, values: nodes };
  const terms = g.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const next = terms?.length
    ? terms.map((t) => ({ ...t, matchFields: [...(t.matchFields ?? []), req] }))
    : [{ matchFields: [req] }];
  return {
    ...g,
    affinity: {
      ...g.affinity,
      nodeAffinity: {
        ...g.affinity?.nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: next },
      },
    },
  };
}
