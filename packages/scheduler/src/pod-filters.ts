// The safety net before binding: a gang's placement checked pod by pod, in the order the pods would
// be bound, with kube-scheduler's Filter semantics for the constraints the solver does not model in
// full (README "Pod constraints"): InterPodAffinity (the pod's required affinity and
// anti-affinity, and existing pods' required anti-affinity against it) and PodTopologySpread
// (DoNotSchedule). Each pod is checked against the pods already bound or assumed plus the gang's
// pods before it, as kube-scheduler would see the cluster when binding it. A placement that breaks
// one is not bound: the gang stays pending with the reason this returns.
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import {
  hasTerms,
  type NamespaceLabels,
  nodeMatchesPod,
  podTerms,
  type Spread,
  termMatches,
  toleratesNode,
} from "./pod-terms.js";

export interface PlacedPod {
  pod: Pod;
  node: string;
}

/** What the filter reads of the cluster (the scheduler's informer caches and capacity snapshot). */
export interface PodWorld {
  node(name: string): Node | undefined;
  nodes(): readonly Node[];
  /** Pods bound or assumed to a node and not finished. */
  placed(): readonly PlacedPod[];
  /** Some placed pod has required anti-affinity (a cache of it; computed from placed() when absent). */
  placedAntiAffinity?(): boolean;
  namespaceLabels?: NamespaceLabels | undefined;
}

const podName = (p: Pod): string => `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;

/** True when checking `pods` can find anything: some pod has a term, or some placed pod has anti-affinity. */
export function needsCheck(pods: readonly Pod[], world: PodWorld): boolean {
  if (pods.some((p) => hasTerms(podTerms(p)))) return true;
  return placedAntiAffinity(world);
}

/** Some pod placed in `world` has required anti-affinity. */
export function placedAntiAffinity(world: PodWorld): boolean {
  return world.placedAntiAffinity
    ? world.placedAntiAffinity()
    : world.placed().some((e) => podTerms(e.pod).antiAffinity.length > 0);
}

/**
 * The first constraint `bindings` (in binding order) would break, as a sentence naming the pod,
 * the node and the constraint; undefined when kube-scheduler would accept every one of them.
 */
export function checkBindings(bindings: readonly PlacedPod[], world: PodWorld): string | undefined {
  if (
    bindings.length === 0 ||
    !needsCheck(
      bindings.map((b) => b.pod),
      world,
    )
  )
    return undefined;
  const placed = [...world.placed()];
  for (const b of bindings) {
    const why = checkPod(b.pod, b.node, placed, world);
    if (why) return `pod ${podName(b.pod)} on node ${b.node}: ${why}`;
    placed.push(b);
  }
  return undefined;
}

/** Why kube-scheduler's InterPodAffinity or PodTopologySpread Filter refuses `pod` on `nodeName`. */
export function checkPod(
  pod: Pod,
  nodeName: string,
  placed: readonly PlacedPod[],
  world: PodWorld,
): string | undefined {
  const labels = world.node(nodeName)?.metadata?.labels ?? {};
  const labelsOf = (n: string) => world.node(n)?.metadata?.labels ?? {};
  const ns = world.namespaceLabels;
  // Existing pods' required anti-affinity against this pod.
  for (const e of placed) {
    for (const t of podTerms(e.pod).antiAffinity) {
      const v = labels[t.topologyKey];
      if (v === undefined || labelsOf(e.node)[t.topologyKey] !== v) continue;
      if (termMatches(t, pod, ns, true))
        return `pod ${podName(e.pod)} on node ${e.node} has required pod anti-affinity (${t.text}) against it in the same ${t.topologyKey} domain "${v}"`;
    }
  }
  const terms = podTerms(pod);
  // Its own required anti-affinity.
  for (const t of terms.antiAffinity) {
    const v = labels[t.topologyKey];
    if (v === undefined) continue;
    for (const e of placed)
      if (labelsOf(e.node)[t.topologyKey] === v && termMatches(t, e.pod, ns, true))
        return `required pod anti-affinity (${t.text}): pod ${podName(e.pod)} is in the same ${t.topologyKey} domain "${v}"`;
  }
  // Its own required affinity: every term has a matching pod in the node's domain, unless no pod
  // anywhere matches any term and the pod matches all of them itself (the first of a series).
  if (terms.affinity.length > 0) {
    let anyMatch = false;
    let missing: string | undefined;
    for (const t of terms.affinity) {
      const v = labels[t.topologyKey];
      if (v === undefined) return `required pod affinity (${t.text}): the node has no label ${t.topologyKey}`;
      let here = false;
      for (const e of placed) {
        const ev = labelsOf(e.node)[t.topologyKey];
        if (ev === undefined || !termMatches(t, e.pod, ns)) continue;
        anyMatch = true;
        if (ev === v) here = true;
      }
      if (!here && missing === undefined)
        missing = `required pod affinity (${t.text}): no matching pod in ${t.topologyKey} domain "${v}"`;
    }
    if (missing !== undefined && (anyMatch || !terms.affinity.every((t) => termMatches(t, pod))))
      return missing;
  }
  // PodTopologySpread, DoNotSchedule.
  for (const c of terms.spread) {
    const why = checkSpread(pod, labels, c, terms.spread, placed, world);
    if (why) return why;
  }
  return undefined;
}

function checkSpread(
  pod: Pod,
  labels: Record<string, string>,
  c: Spread,
  all: readonly Spread[],
  placed: readonly PlacedPod[],
  world: PodWorld,
): string | undefined {
  const v = labels[c.topologyKey];
  const what = `topology spread constraint (topologyKey ${c.topologyKey}, maxSkew ${c.maxSkew})`;
  if (v === undefined) return `${what}: the node has no label ${c.topologyKey}`;
  const counts = spreadCounts(pod, c, all, placed, world);
  const self = c.selector.matches(pod.metadata?.labels ?? {}) ? 1 : 0;
  const here = counts.get(v) ?? 0;
  const min = globalMin(counts, c.minDomains);
  const skew = here + self - min;
  if (skew > c.maxSkew)
    return `${what}: ${c.topologyKey} "${v}" would hold ${here + self} matching pods against a global minimum of ${min} (skew ${skew})`;
  return undefined;
}

/** Matching pods per domain of `c`'s key over the eligible nodes (every domain seen starts at 0). */
export function spreadCounts(
  pod: Pod,
  c: Spread,
  all: readonly Spread[],
  placed: readonly PlacedPod[],
  world: PodWorld,
): Map<string, number> {
  const counts = new Map<string, number>();
  const eligible = new Set<string>();
  for (const n of world.nodes()) {
    const l = n.metadata?.labels ?? {};
    // A node lacking any of the pod's DoNotSchedule keys takes no part in any of them.
    if (!all.every((x) => l[x.topologyKey] !== undefined)) continue;
    if (c.honorAffinity && !nodeMatchesPod(pod, n)) continue;
    if (c.honorTaints && !toleratesNode(pod, n)) continue;
    eligible.add(n.metadata?.name ?? "");
    const v = l[c.topologyKey] as string;
    if (!counts.has(v)) counts.set(v, 0);
  }
  const ns = pod.metadata?.namespace ?? "";
  for (const e of placed) {
    if (!eligible.has(e.node)) continue;
    if ((e.pod.metadata?.namespace ?? "") !== ns || e.pod.metadata?.deletionTimestamp) continue;
    if (!c.selector.matches(e.pod.metadata?.labels ?? {})) continue;
    const v = world.node(e.node)?.metadata?.labels?.[c.topologyKey] as string;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** The smallest count over the domains, 0 when there are fewer domains than minDomains. */
export function globalMin(counts: ReadonlyMap<string, number>, minDomains: number): number {
  if (counts.size < minDomains) return 0;
  let min = Number.POSITIVE_INFINITY;
  for (const n of counts.values()) if (n < min) min = n;
  return min === Number.POSITIVE_INFINITY ? 0 : min;
}
