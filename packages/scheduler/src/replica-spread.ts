// PodCliqueSet replica spreading (README "Policies"): a PCS annotated `grove-ts.dev/spread-replicas:
// <domain>` (copied by the operator to its PodGangs with its other non-grove.io annotations) asks
// that each replica's base gang prefer a domain of that ClusterTopologyBinding level where no other
// replica of the PCS runs. A preference, not a requirement: the gang is first tried with a node
// affinity `NotIn` the used domains, and when that does not place it, without (cycle.ts). Each
// replica is still kept together by its own constraint. Replicas of one PCS are placed one per
// cycle, so the next one sees the domains the previous one took (its pods are assumed at once).
import {
  AnnotationSpreadReplicas,
  AnnotationTopologyName,
  type ClusterTopologyBinding,
  LabelBasePodGang,
  LabelPartOf,
  LabelPodCliqueSetReplicaIndex,
  LabelPodGang,
} from "@grove-ts/api";
import type { Gang, NodeSelectorRequirement, NodeSelectorTerm } from "@grove-ts/placement";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Within, WorkGang } from "./gangs.js";
import type { ClusterView } from "./pending.js";

/**
 * The node-label key of `domain`: in the binding `topologyName` names when it has that level, else
 * in the first binding (by name) that has it. Undefined when none does (the PCS webhook rejects
 * such a value; one that became unknown later is ignored).
 */
export function spreadKey(
  domain: string,
  topologyName: string | undefined,
  bindings: readonly ClusterTopologyBinding[],
): string | undefined {
  const level = (b: ClusterTopologyBinding | undefined) => b?.spec.levels.find((l) => l.domain === domain);
  const named = level(bindings.find((b) => b.metadata?.name === topologyName));
  if (named) return named.key;
  const sorted = [...bindings].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  for (const b of sorted) {
    const l = level(b);
    if (l) return l.key;
  }
  return undefined;
}

/** The PCS replica a pod belongs to: its replica index, else its (base) PodGang. */
const replicaOf = (p: Pod): string | undefined => {
  const l = p.metadata?.labels;
  const idx = l?.[LabelPodCliqueSetReplicaIndex];
  if (idx !== undefined) return `index:${idx}`;
  const gang = l?.[LabelBasePodGang] ?? l?.[LabelPodGang];
  return gang !== undefined ? `gang:${gang}` : undefined;
};

interface Ask {
  pcs: string;
  replica: string;
  key: string;
}

/** What `w` asks for: a base gang of a PCS whose PodGang carries the annotation with a known domain. */
function askOf(view: ClusterView, w: WorkGang): Ask | undefined {
  const ann = w.podGang?.metadata?.annotations;
  const domain = ann?.[AnnotationSpreadReplicas];
  if (!domain || w.scaled) return undefined;
  const first = w.groups.flatMap((g) => [...g.pending, ...g.bound])[0];
  const pcs = first?.metadata?.labels?.[LabelPartOf] ?? w.podGang?.metadata?.labels?.[LabelPartOf];
  const replica = first ? replicaOf(first) : undefined;
  if (!pcs || !replica) return undefined;
  const key = spreadKey(domain, ann?.[AnnotationTopologyName], view.bindings.list());
  return key ? { pcs: `${w.namespace}/${pcs}`, replica, key } : undefined;
}

/** The domains (values of `ask.key`) that placed pods of the PCS's other replicas take. */
function usedDomains(view: ClusterView, namespace: string, ask: Ask): string[] {
  const used = new Set<string>();
  for (const p of view.pods.list()) {
    if ((p.metadata.namespace ?? "") !== namespace) continue;
    if (`${namespace}/${p.metadata.labels?.[LabelPartOf]}` !== ask.pcs) continue;
    if (replicaOf(p) === ask.replica || !view.isPlaced(p)) continue;
    const node = view.snapshot.boundNode(p);
    const v = node ? view.snapshot.node(node)?.metadata?.labels?.[ask.key] : undefined;
    if (v !== undefined) used.add(v);
  }
  return [...used].sort();
}

/**
 * Marks each spreading gang of `work` with no pod placed yet with the domains to avoid
 * (`WorkGang.avoid`), and keeps one such gang per PCS in this cycle: the others are `deferred` to
 * the next one.
 */
export function spreadReplicas(
  view: ClusterView,
  work: WorkGang[],
): { work: WorkGang[]; deferred: string[] } {
  const seen = new Set<string>();
  const out: WorkGang[] = [];
  const deferred: string[] = [];
  for (const w of work) {
    const ask = askOf(view, w);
    // A replica with pods already placed stays where they are: its own constraints pin it.
    if (!ask || w.groups.some((g) => g.bound.length > 0)) {
      out.push(w);
      continue;
    }
    if (seen.has(ask.pcs)) {
      deferred.push(w.key);
      continue;
    }
    seen.add(ask.pcs);
    const values = usedDomains(view, w.namespace, ask);
    out.push(values.length > 0 ? { ...w, avoid: { key: ask.key, values } } : w);
  }
  return { work: out, deferred };
}

/** `gang` with every group kept off the `avoid` domains: a `NotIn` on each required node-affinity term. */
export function avoidDomains(gang: Gang, avoid: Within): Gang {
  const notIn: NodeSelectorRequirement = { key: avoid.key, operator: "NotIn", values: [...avoid.values] };
  return {
    ...gang,
    groups: gang.groups.map((g) => {
      const req = g.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      const terms: NodeSelectorTerm[] = req?.nodeSelectorTerms?.length ? req.nodeSelectorTerms : [{}];
      return {
        ...g,
        affinity: {
          ...(g.affinity ?? {}),
          nodeAffinity: {
            ...(g.affinity?.nodeAffinity ?? {}),
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: terms.map((t) => ({
                ...t,
                matchExpressions: [...(t.matchExpressions ?? []), notIn],
              })),
            },
          },
        },
      };
    }),
  };
}
