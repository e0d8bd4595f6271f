// Pod constraints turned into what the solver understands, so gangs are placed rather than only
// refused by the safety net (pod-filters.ts). Per group of a placement gang (its first pending
// pod's terms, as the pods of a group share one template):
// - against pods already bound or assumed: required anti-affinity both ways (the group's own terms,
//   and placed pods' terms that select the group's pods) forbids the nodes of their domains;
//   required affinity allows only the nodes of domains holding a matching pod. Both become a
//   node-affinity `matchFields` requirement on `metadata.name` (NotIn / In).
// - among the gang's own pods, where the term's key names single nodes (kubernetes.io/hostname):
//   required anti-affinity becomes "at most one pod of these groups per node", and a DoNotSchedule
//   spread constraint a per-node cap from the current counts (global minimum + maxSkew, raised only
//   when the pods cannot fit under it); both ride on a per-call counted resource the gang's pods
//   request one unit of and each node offers its cap of.
// - required affinity the gang satisfies by itself (no placed pod matches, the gang's pods do) on a
//   topology level's key becomes a `required` constraint at that level (on the group when only its
//   own pods match, else on the gang).
// - the same among the gang's own pods on a key whose domains hold several nodes (a rack, a zone):
//   the solver's per-domain caps (Gang.domainCaps; spread caps from spread-caps.ts).
// The safety net still checks every placement.
import type { DomainCap, Gang, NodeSelectorTerm, PodGroup, TopologyLevel } from "@grove-ts/placement";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { WorkGang, WorkGroup } from "./gangs.js";
import { globalMin, type PodWorld, placedAntiAffinity, spreadCounts } from "./pod-filters.js";
import { hasTerms, podTerms, termMatches } from "./pod-terms.js";
import { spreadCaps } from "./spread-caps.js";

/** Prefix of the counted resources the translation adds for one call (never a real resource). */
export const CAP_RESOURCE_PREFIX = "pod-constraints.grove.io/";
const UNLIMITED = 1_000_000;

/** Per node name, what it offers of each counted resource. */
export type ExtraCapacity = Map<string, Record<string, number>>;

export interface Constrained {
  gang: Gang;
  /** Counted resources the gang's groups request; the nodes' offers. */
  extra?: ExtraCapacity | undefined;
  /** Set when no node can ever satisfy a group's constraints as the cluster stands. */
  unplaceable?: string | undefined;
  /** What the counted resources and node restrictions stand for, for the reason of a gang that does not fit. */
  notes?: string[] | undefined;
}

const podName = (p: Pod): string => `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;

/** `gang` (built from `w`) restricted by its pods' constraints; `seq` makes its resource names unique in a call. */
export function constrainGang(
  w: WorkGang,
  gang: Gang,
  world: PodWorld,
  levels: readonly TopologyLevel[],
  seq: number,
): Constrained {
  const work = new Map<string, WorkGroup>();
  for (const x of [w, ...(w.companions ?? [])]) for (const g of x.groups) work.set(g.name, g);
  const pendingPods = gang.groups.flatMap((g) => work.get(g.name)?.pending ?? []);
  const anyPlacedAnti = placedAntiAffinity(world);
  if (!anyPlacedAnti && !pendingPods.some((p) => hasTerms(podTerms(p)))) return { gang };
  const placed = world.placed();

  const nodes = world.nodes();
  const byValue = new Map<string, Map<string, string[]>>();
  const domainNodes = (key: string): Map<string, string[]> => {
    let m = byValue.get(key);
    if (!m) {
      m = new Map();
      for (const n of nodes) {
        const v = n.metadata?.labels?.[key];
        if (v === undefined) continue;
        const list = m.get(v) ?? [];
        list.push(n.metadata?.name ?? "");
        m.set(v, list);
      }
      byValue.set(key, m);
    }
    return m;
  };
  const singleNode = (key: string): boolean => [...domainNodes(key).values()].every((l) => l.length === 1);
  const labelOn = (node: string, key: string) => world.node(node)?.metadata?.labels?.[key];
  const firstOf = (g: PodGroup) => work.get(g.name)?.pending[0];
  const levelOf = (key: string) => levels.findIndex((l) => l.key === key);

  const out: Gang = { ...gang, groups: gang.groups.map((g) => ({ ...g })) };
  const extra: ExtraCapacity = new Map();
  let resources = 0;
  const notes: string[] = [];
  const domainCaps: DomainCap[] = [];
  /** Adds a counted resource: `members` request 1 each, node `n` offers `cap(n)`. */
  const addCap = (members: PodGroup[], cap: (node: string) => number, note: string) => {
    const r = `${CAP_RESOURCE_PREFIX}g${seq}-${resources++}`;
    notes.push(`${note} (groups ${members.map((m) => m.name).join(", ")})`);
    for (const g of members) g.requests = { ...(g.requests ?? {}), [r]: 1 };
    for (const n of nodes) {
      const name = n.metadata?.name ?? "";
      const rec = extra.get(name) ?? {};
      rec[r] = cap(name);
      extra.set(name, rec);
    }
  };

  for (const g of out.groups) {
    const first = firstOf(g);
    if (!first) continue;
    const pods = work.get(g.name)?.pending ?? [];
    const forbidden = new Set<string>();
    let allowed: Set<string> | undefined;
    const forbidDomain = (key: string, node: string) => {
      const v = labelOn(node, key);
      if (v !== undefined) for (const n of domainNodes(key).get(v) ?? []) forbidden.add(n);
    };
    for (const e of placed)
      for (const t of podTerms(e.pod).antiAffinity)
        if (pods.some((p) => termMatches(t, p, world.namespaceLabels, true)))
          forbidDomain(t.topologyKey, e.node);
    const terms = podTerms(first);
    for (const t of terms.antiAffinity) {
      for (const e of placed)
        if (termMatches(t, e.pod, world.namespaceLabels, true)) forbidDomain(t.topologyKey, e.node);
      const members = out.groups.filter((h) => {
        const p = firstOf(h);
        return p !== undefined && termMatches(t, p, world.namespaceLabels, true);
      });
      if (members.length > 0) {
        const inSet = [...new Set([g, ...members])];
        const key = t.topologyKey;
        const note = `required pod anti-affinity (${t.text}): at most one pod per ${key} domain`;
        if (singleNode(key)) addCap(inSet, (n) => (labelOn(n, key) === undefined ? UNLIMITED : 1), note);
        else {
          domainCaps.push({ key, groups: inSet.map((m) => m.name), max: 1 });
          notes.push(`${note} (groups ${inSet.map((m) => m.name).join(", ")})`);
        }
      }
    }
    if (terms.affinity.length > 0) {
      const matches = terms.affinity.map((t) => {
        const values = new Set<string>();
        for (const e of placed)
          if (termMatches(t, e.pod, world.namespaceLabels)) {
            const v = labelOn(e.node, t.topologyKey);
            if (v !== undefined) values.add(v);
          }
        return values;
      });
      if (matches.some((s) => s.size > 0)) {
        allowed = new Set(
          nodes
            .filter((n) =>
              terms.affinity.every((t, i) => {
                const v = n.metadata?.labels?.[t.topologyKey];
                return v !== undefined && (matches[i] as Set<string>).has(v);
              }),
            )
            .map((n) => n.metadata?.name ?? ""),
        );
        if (allowed.size === 0)
          return {
            gang,
            unplaceable: `group ${g.name}: required pod affinity (${terms.affinity.map((t) => t.text).join("; ")}): no node is in a domain holding a matching pod for every term`,
          };
      } else {
        for (const t of terms.affinity) {
          const selfOnly = termMatches(t, first);
          const inGang = pendingPods.some((p) => termMatches(t, p, world.namespaceLabels));
          if (!inGang)
            return {
              gang,
              unplaceable: `group ${g.name}: required pod affinity (${t.text}): no pod matches it (pod ${podName(first)})`,
            };
          const li = levelOf(t.topologyKey);
          const level = levels[li];
          if (!level) continue;
          const others = out.groups.some((h) => h !== g && matchesGroup(t, h));
          const target = others ? out : g;
          if (!others && !selfOnly) continue;
          const cur = target.constraint?.required;
          const ci = cur === undefined ? -1 : levels.findIndex((l) => l.domain === cur);
          if (ci < li) target.constraint = { ...(target.constraint ?? {}), required: level.domain };
        }
      }
    }
    for (const c of terms.spread) {
      const ns = first.metadata?.namespace ?? "";
      const members = out.groups.filter((h) => {
        const p = firstOf(h);
        return (
          p !== undefined &&
          (p.metadata?.namespace ?? "") === ns &&
          c.selector.matches(p.metadata?.labels ?? {})
        );
      });
      if (!members.includes(g)) continue;
      const counts = spreadCounts(first, c, terms.spread, placed, world);
      if (!singleNode(c.topologyKey)) {
        const sizes = new Map([...domainNodes(c.topologyKey)].map(([v, l]) => [v, l.length]));
        const want = members.reduce((sum, h) => sum + (h.minCount ?? h.count), 0);
        const cap = spreadCaps(c, counts, sizes, want);
        domainCaps.push({ key: c.topologyKey, groups: members.map((h) => h.name), ...cap.cap });
        notes.push(`${cap.note} (groups ${members.map((h) => h.name).join(", ")})`);
        continue;
      }
      const want = members.reduce((s, h) => s + h.count, 0);
      let level = globalMin(counts, c.minDomains) + c.maxSkew;
      const room = (t: number) => [...counts.values()].reduce((s, n) => s + Math.max(0, t - n), 0);
      for (let i = 0; i < want && room(level) < want; i++) level++;
      const key = c.topologyKey;
      addCap(
        members,
        (n) => {
          const v = labelOn(n, key);
          return v === undefined || !counts.has(v) ? 0 : Math.max(0, level - (counts.get(v) ?? 0));
        },
        `topology spread constraint (topologyKey ${key}, maxSkew ${c.maxSkew}): at most ${level} matching pods per ${key} domain`,
      );
    }
    if (forbidden.size > 0 || allowed) {
      restrictNodes(g, forbidden, allowed);
      if (forbidden.size > 0)
        notes.push(
          `group ${g.name}: ${forbidden.size} node(s) excluded by required pod anti-affinity with running pods`,
        );
      if (allowed)
        notes.push(
          `group ${g.name}: only the ${allowed.size} node(s) in domains holding the pods its required pod affinity selects`,
        );
    }
  }

  function matchesGroup(t: Parameters<typeof termMatches>[0], h: PodGroup): boolean {
    const p = firstOf(h);
    return p !== undefined && termMatches(t, p, world.namespaceLabels);
  }

  if (domainCaps.length > 0) out.domainCaps = domainCaps;
  return { gang: out, ...(extra.size > 0 ? { extra } : {}), ...(notes.length > 0 ? { notes } : {}) };
}

/** Adds `metadata.name NotIn forbidden` / `In allowed` to every required node-affinity term of `g`. */
function restrictNodes(g: PodGroup, forbidden: Set<string>, allowed: Set<string> | undefined): void {
  const fields: NonNullable<NodeSelectorTerm["matchFields"]> = [];
  if (allowed) {
    const ok = [...allowed].filter((n) => !forbidden.has(n)).sort();
    fields.push({ key: "metadata.name", operator: "In", values: ok.length > 0 ? ok : [""] });
  } else fields.push({ key: "metadata.name", operator: "NotIn", values: [...forbidden].sort() });
  const req = g.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = req?.nodeSelectorTerms?.length ? req.nodeSelectorTerms : [{}];
  g.affinity = {
    ...(g.affinity ?? {}),
    nodeAffinity: {
      ...(g.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({ ...t, matchFields: [...(t.matchFields ?? []), ...fields] })),
      },
    },
  };
}
