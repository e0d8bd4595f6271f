// From node-label keys (what a PodGang's constraints name) to the placement problem's ordered
// levels. The authority is a ClusterTopologyBinding: the one the PodGang's grove.io/topology-name
// annotation names, else one that lists every key the gang uses. Without one, the keys are ordered
// broadest first by how few distinct values the nodes carry for them, which is the hierarchy's
// shape (a zone holds blocks, a block holds racks) in any real cluster.
import type { ClusterTopologyBinding } from "@grove-ts/api";
import type { TopologyLevel } from "@grove-ts/placement";
import type { Node } from "kubernetes-types/core/v1.js";

export function levelsFor(
  keys: ReadonlySet<string>,
  topologyName: string | undefined,
  bindings: readonly ClusterTopologyBinding[],
  nodes: Iterable<Node> | (() => Iterable<Node>),
  /** Distinct node values per key, kept by the caller while the nodes' labels do not change. */
  memo?: Map<string, number>,
): TopologyLevel[] {
  if (keys.size === 0) return [];
  const covers = (ct: ClusterTopologyBinding): boolean => {
    const ks = new Set(ct.spec.levels.map((l) => l.key));
    for (const k of keys) if (!ks.has(k)) return false;
    return true;
  };
  const named = topologyName ? bindings.find((b) => b.metadata?.name === topologyName) : undefined;
  const ct = named && covers(named) ? named : bindings.find(covers);
  if (ct) return ct.spec.levels.map((l) => ({ domain: l.domain, key: l.key }));
  const counts = memo ?? new Map<string, number>();
  const missing = [...keys].filter((k) => !counts.has(k));
  if (missing.length > 0) {
    const distinct = new Map(missing.map((k) => [k, new Set<string>()]));
    for (const n of typeof nodes === "function" ? nodes() : nodes)
      for (const k of missing) {
        const v = n.metadata?.labels?.[k];
        if (v !== undefined) distinct.get(k)?.add(v);
      }
    for (const [k, vs] of distinct) counts.set(k, vs.size);
  }
  return [...keys]
    .sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || a.localeCompare(b))
    .map((key) => ({ domain: key, key }));
}
