// Preferred pod constraints as node preferences (README "Pod constraints"): a pod's preferred pod
// affinity and anti-affinity and its ScheduleAnyway topology spread constraints, scored against
// the pods already bound or assumed as kube-scheduler's InterPodAffinity and PodTopologySpread
// Score plugins rank nodes, become preferred node-affinity terms on the node's topology label
// (placement README "Node preferences": they order the nodes inside the domain the gang's
// constraints chose and never make a gang unplaceable).
// - preferred affinity (weight w): the nodes of domains holding a matching pod score w;
// - preferred anti-affinity (weight w): the nodes outside such domains score w;
// - ScheduleAnyway spread: the nodes of domains holding fewer matching pods score more (one
//   term per count below the highest, so the emptiest domains come first).
import type { Gang, PreferredSchedulingTerm } from "@grove-ts/placement";
import type { Pod, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import type { PodWorld } from "./pod-filters.js";
import { changeGroups } from "./pod-preferences.js";
import { compileTerm, nodeMatchesPod, termMatches, toleratesNode, withLabelKeys } from "./pod-terms.js";

/** At most this many count tiers per ScheduleAnyway constraint. */
const MAX_TIERS = 10;

/** The preferred node-affinity terms `pod`'s preferred pod constraints give, against `world`'s placed pods. */
export function softTerms(pod: Pod, world: PodWorld): PreferredSchedulingTerm[] {
  const a = pod.spec?.affinity;
  const aff = a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const anti = a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const spread = (pod.spec?.topologySpreadConstraints ?? []).filter(
    (c) => c.whenUnsatisfiable === "ScheduleAnyway",
  );
  if (aff.length === 0 && anti.length === 0 && spread.length === 0) return [];
  const placed = world.placed();
  const labelOf = (node: string, key: string) => world.node(node)?.metadata?.labels?.[key];
  const out: PreferredSchedulingTerm[] = [];
  const matchingDomains = (w: WeightedPodAffinityTerm) => {
    const t = compileTerm(w.podAffinityTerm, pod);
    const values = new Set<string>();
    for (const e of placed)
      if (!e.pod.metadata?.deletionTimestamp && termMatches(t, e.pod, world.namespaceLabels)) {
        const v = labelOf(e.node, t.topologyKey);
        if (v !== undefined) values.add(v);
      }
    return { key: t.topologyKey, values: [...values].sort() };
  };
  for (const w of aff) {
    const { key, values } = matchingDomains(w);
    if (values.length > 0)
      out.push({ weight: w.weight, preference: { matchExpressions: [{ key, operator: "In", values }] } });
  }
  for (const w of anti) {
    const { key, values } = matchingDomains(w);
    if (values.length > 0)
      out.push({ weight: w.weight, preference: { matchExpressions: [{ key, operator: "NotIn", values }] } });
  }
  const ns = pod.metadata?.namespace ?? "";
  for (const c of spread) {
    const key = c.topologyKey;
    const selector = withLabelKeys(c.labelSelector, c.matchLabelKeys, undefined, pod);
    const honorAffinity = (c.nodeAffinityPolicy ?? "Honor") === "Honor";
    const honorTaints = c.nodeTaintsPolicy === "Honor";
    const counts = new Map<string, number>();
    const eligible = new Set<string>();
    for (const n of world.nodes()) {
      const v = n.metadata?.labels?.[key];
      if (v === undefined) continue;
      if (honorAffinity && !nodeMatchesPod(pod, n)) continue;
      if (honorTaints && !toleratesNode(pod, n)) continue;
      eligible.add(n.metadata?.name ?? "");
      if (!counts.has(v)) counts.set(v, 0);
    }
    for (const e of placed) {
      if (!eligible.has(e.node) || e.pod.metadata?.deletionTimestamp) continue;
      if ((e.pod.metadata?.namespace ?? "") !== ns || !selector.matches(e.pod.metadata?.labels ?? {}))
        continue;
      const v = labelOf(e.node, key) as string;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const levels = [...new Set(counts.values())]
      .sort((x, y) => x - y)
      .slice(0, -1)
      .slice(0, MAX_TIERS);
    const weight = Math.max(1, Math.floor(100 / Math.max(1, levels.length)));
    for (const level of levels) {
      const values = [...counts].filter(([, n]) => n <= level).map(([v]) => v);
      out.push({
        weight,
        preference: { matchExpressions: [{ key, operator: "In", values: values.sort() }] },
      });
    }
  }
  return out;
}

/** `gang` with each group's preferred pod constraints added to its preferences; the same object when none. */
export function withSoftPreferences(
  gang: Gang,
  first: (group: string) => Pod | undefined,
  world: PodWorld,
): Gang {
  return changeGroups(gang, first, (g, pod) => {
    const terms = softTerms(pod, world);
    if (terms.length === 0) return undefined;
    const prefs = g.preferences ?? {};
    return { ...g, preferences: { ...prefs, nodeAffinity: [...(prefs.nodeAffinity ?? []), ...terms] } };
  });
}
