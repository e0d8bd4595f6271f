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
  nodes: Iterable<Node>,
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
  const distinct = new Map<string, Set<string>>();
  for (const k of keys) distinct.set(k, new Set());
  for (const n of nodes)
    for (const k of keys) {
      const v = n.metadata?.labels?.[k];
      if (v !== undefined) distinct.get(k)?.add(v);
    }
  return [...keys]
    .sort((a, b) => (distinct.get(a)?.size ?? 0) - (distinct.get(b)?.size ?? 0) || a.localeCompare(b))
    .map((key) => ({ domain: key, key }));
}
