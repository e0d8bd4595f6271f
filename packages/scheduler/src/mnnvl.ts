// Auto-MNNVL placement (issue 14 item 4): the pods of one MNNVL group of one PodCliqueSet replica
// share a ComputeDomain, which spans one NVLink domain, so they must land inside one. A pod is
// enrolled when its spec names the `mnnvl-claim` claim (template = the ComputeDomain's name,
// grove-api.md §11.4); the NVLink domain of a node is the label NVIDIA's GPU Feature Discovery sets,
// `nvidia.com/gpu.clique`. Where nodes carry it, an enrolled gang gets that key as one more level,
// and the groups of one ComputeDomain a required pack constraint at that level: together in a
// sub-group when several, on the group itself when alone or already in a sub-group (a PodGang's
// topologyConstraintGroupConfigs). Bound pods of the same ComputeDomain in the gang pin the rest to
// their domain. Not kept together: one ComputeDomain's groups spread over different sub-groups of
// a gang, or over different PodGangs (scaled scaling-group replicas) — each stays in one domain.
import type { Gang, SubGroup, TopologyConstraint, TopologyLevel } from "@grove-ts/placement";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { WorkGang } from "./gangs.js";

export const NVLINK_DOMAIN_KEY = "nvidia.com/gpu.clique";
export const MNNVL_CLAIM_NAME = "mnnvl-claim";

/** The ComputeDomain (its claim template) a pod's MNNVL claim names, if any. */
export function mnnvlTemplate(pod: Pod): string | undefined {
  // kubernetes-types predates resourceClaimTemplateName (resource.k8s.io/v1's PodResourceClaim).
  const claims = pod.spec?.resourceClaims as
    | { name: string; resourceClaimTemplateName?: string }[]
    | undefined;
  return claims?.find((r) => r.name === MNNVL_CLAIM_NAME)?.resourceClaimTemplateName ?? undefined;
}

const enrolled = (w: WorkGang): boolean => w.groups.some((g) => g.pending.some((p) => mnnvlTemplate(p)));

/** The gang's level keys with the NVLink-domain key added when it has enrolled pods and nodes carry it. */
export function withNvlinkKey(
  keys: ReadonlySet<string>,
  w: WorkGang,
  nodes: readonly Node[],
): ReadonlySet<string> {
  if (keys.has(NVLINK_DOMAIN_KEY) || !enrolled(w)) return keys;
  if (!nodes.some((n) => n.metadata?.labels?.[NVLINK_DOMAIN_KEY] !== undefined)) return keys;
  return new Set([...keys, NVLINK_DOMAIN_KEY]);
}

/**
 * `gang` (built from `w` over `levels`) with each ComputeDomain's groups held to one NVLink domain.
 * `domainOf(pod)` is the NVLink domain of a bound pod's node.
 */
export function keepMnnvlTogether(
  gang: Gang,
  w: WorkGang,
  levels: readonly TopologyLevel[],
  domainOf: (pod: Pod) => string | undefined,
): Gang {
  const li = levels.findIndex((l) => l.key === NVLINK_DOMAIN_KEY);
  const level = levels[li];
  if (!level) return gang;
  const tplOf = new Map<string, string>();
  const pin = new Map<string, string>();
  for (const gr of w.groups) {
    const first = gr.pending[0];
    const t = first ? mnnvlTemplate(first) : undefined;
    if (t) tplOf.set(gr.name, t);
    for (const p of gr.bound) {
      const bt = mnnvlTemplate(p);
      const v = bt ? domainOf(p) : undefined;
      if (bt && v !== undefined && !pin.has(bt)) pin.set(bt, v);
    }
  }
  if (tplOf.size === 0) return gang;
  const rank = (domain: string | undefined) =>
    domain === undefined ? -1 : levels.findIndex((l) => l.domain === domain);
  /** Required at the NVLink level unless already required at it or a narrower one. */
  const narrow = (c: TopologyConstraint | undefined): TopologyConstraint =>
    c && rank(c.required) >= li ? c : { ...(c ?? {}), required: level.domain };
  const subGroups: SubGroup[] = (gang.subGroups ?? []).map((s) => {
    const ts = new Set(s.groups.map((g) => tplOf.get(g)));
    return ts.size === 1 && !ts.has(undefined) ? { ...s, constraint: narrow(s.constraint) } : s;
  });
  const inSub = new Set(subGroups.flatMap((s) => s.groups));
  const free = new Map<string, string[]>();
  for (const [g, t] of tplOf) if (!inSub.has(g)) free.set(t, [...(free.get(t) ?? []), g]);
  const groups = gang.groups.map((g) => {
    const t = tplOf.get(g.name);
    if (!t) return g;
    let out = g;
    const v = pin.get(t);
    if (v !== undefined && out.nodeSelector?.[NVLINK_DOMAIN_KEY] === undefined)
      out = { ...out, nodeSelector: { ...(out.nodeSelector ?? {}), [NVLINK_DOMAIN_KEY]: v } };
    if (inSub.has(g.name) || (free.get(t)?.length ?? 0) <= 1)
      out = { ...out, constraint: narrow(out.constraint) };
    return out;
  });
  for (const [t, names] of free)
    if (names.length > 1)
      subGroups.push({
        name: `${w.namespace}/mnnvl:${t}`,
        groups: names,
        constraint: { required: level.domain },
      });
  return { ...gang, groups, ...(subGroups.length > 0 ? { subGroups } : {}) };
}
