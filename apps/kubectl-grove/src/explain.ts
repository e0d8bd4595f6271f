// `kubectl grove explain-placement PODGANG`: the domains the gang's pods hold at each topology
// level, and the alternatives at the level its constraint decides on. The scheduler records the
// reasons of unplaced gangs only (status and Events), nothing about the domains it passed over, so
// the alternatives are computed here from the cluster as it is now with @grove-ts/placement: every
// other domain of that level is asked, with the gang's pods, requests, tolerations, node selectors
// and constraints and the capacity other pods hold, whether the gang would fit there, and why not.
// Pod affinity and spread are not part of that question: a "fits" is capacity and constraints only.
import { AnnotationTopologyName } from "@grove-ts/api";
import { type Gang, type PlacementNode, type PodGroup, solve } from "@grove-ts/placement";
import { PluginError } from "./cluster.js";
import {
  domainsOf,
  holdsCapacity,
  levelsFor,
  natural,
  type Obj,
  type Pod,
  podRequest,
  podsOfGang,
  type Snapshot,
  type TopologyLevel,
} from "./model.js";

interface PackKeys {
  required?: string;
  preferred?: string;
}
interface PodGroupSpec {
  name: string;
  podReferences?: { name: string; namespace?: string }[];
  minReplicas?: number;
  topologyConstraint?: { packConstraint?: PackKeys };
}

export interface LevelChoice {
  level: string;
  /** Domain to the number of the gang's bound pods in it. */
  domains: Record<string, number>;
}

export interface Alternative {
  domain: string;
  chosen: boolean;
  fits: boolean;
  /** The solver's reason when it does not fit. */
  reason: string | null;
}

export interface Explanation {
  namespace: string;
  name: string;
  phase: string;
  pods: { total: number; bound: number };
  /** The gang's constraint as levels (the PodGang names node-label keys). */
  constraint: { required: string | null; preferred: string | null };
  /** The constraints of its groups of PodGroups (a scaling group replica's cliques). */
  groupConstraints: { name: string; required: string | null; preferred: string | null }[];
  chosen: LevelChoice[];
  /** The level the alternatives are domains of, or null when the cluster has no topology. */
  decisionLevel: string | null;
  alternatives: Alternative[];
}

const levelOfKey = (levels: TopologyLevel[], key: string | undefined): string | null =>
  key === undefined ? null : (levels.find((l) => l.key === key)?.domain ?? key);

function toMilli(q: number): string {
  return `${Math.round(q)}m`;
}

/** The gang as the solver sees it: one group per PodGroup, requests of its first pod. */
interface GroupConfig {
  name: string;
  podGroupNames?: string[];
  topologyConstraint?: { packConstraint?: PackKeys };
}
interface PodGangSpec {
  podgroups?: PodGroupSpec[];
  topologyConstraint?: { packConstraint?: PackKeys };
  topologyConstraintGroupConfigs?: GroupConfig[];
}

function gangOf(pg: Obj, pods: Pod[], levels: TopologyLevel[]): Gang {
  const spec = pg.spec as PodGangSpec;
  const level = (k?: string) => (k ? (levels.find((l) => l.key === k)?.domain ?? undefined) : undefined);
  const constraintOf = (p?: PackKeys) => {
    const c: { required?: string; preferred?: string } = {};
    const r = level(p?.required);
    const f = level(p?.preferred);
    if (r) c.required = r;
    if (f) c.preferred = f;
    return Object.keys(c).length ? c : undefined;
  };
  const groups: PodGroup[] = (spec.podgroups ?? []).map((g) => {
    const names = new Set((g.podReferences ?? []).map((r) => r.name));
    const first = pods.find((p) => names.has(p.metadata.name));
    const requests: Record<string, string> = {};
    for (const c of [...(first?.spec?.containers ?? []), ...(first?.spec?.initContainers ?? [])])
      for (const r of Object.keys(c.resources?.requests ?? {}))
        if (first) requests[r] = toMilli(podRequest(first, r));
    const group: PodGroup = {
      name: g.name,
      count: Math.max(1, names.size),
      minCount: Math.max(1, g.minReplicas ?? names.size),
    };
    if (Object.keys(requests).length) group.requests = requests;
    const c = constraintOf(g.topologyConstraint?.packConstraint);
    if (c) group.constraint = c;
    if (first?.spec?.nodeSelector) group.nodeSelector = first.spec.nodeSelector;
    if (first?.spec?.tolerations) group.tolerations = first.spec.tolerations as PodGroup["tolerations"];
    return group;
  });
  const gang: Gang = { name: pg.metadata.name, groups };
  const c = constraintOf(spec.topologyConstraint?.packConstraint);
  if (c) gang.constraint = c;
  // A scaling group replica's cliques packed together (the PodGang's group configs).
  const subGroups = (spec.topologyConstraintGroupConfigs ?? []).flatMap((g) => {
    const sc = constraintOf(g.topologyConstraint?.packConstraint);
    const members = (g.podGroupNames ?? []).filter((n) => groups.some((x) => x.name === n));
    return members.length ? [{ name: g.name, groups: members, ...(sc ? { constraint: sc } : {}) }] : [];
  });
  if (subGroups.length) gang.subGroups = subGroups;
  return gang;
}

/** Every node with the capacity pods outside the gang hold on it. */
function placementNodes(s: Snapshot, gangPods: Set<string>): PlacementNode[] {
  const byNode = new Map<string, Pod[]>();
  for (const p of s.pods)
    if (holdsCapacity(p) && p.spec?.nodeName && !gangPods.has(`${p.metadata.namespace}/${p.metadata.name}`))
      byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p]);
  return s.nodes.map((n) => {
    const allocatable = { ...(n.status?.allocatable ?? {}) };
    const pods = byNode.get(n.metadata.name) ?? [];
    const allocated: Record<string, string> = {};
    for (const r of Object.keys(allocatable)) {
      if (r === "pods") allocated.pods = String(pods.length);
      else allocated[r] = toMilli(pods.reduce((a, p) => a + podRequest(p, r), 0));
    }
    return {
      name: n.metadata.name,
      labels: n.metadata.labels ?? {},
      allocatable,
      allocated,
      ...(n.spec?.unschedulable ? { unschedulable: true } : {}),
      ...(n.spec?.taints ? { taints: n.spec.taints as PlacementNode["taints"] } : {}),
    };
  });
}

export function buildExplanation(s: Snapshot, name: string): Explanation {
  const pg = s.podgangs.find((g) => g.metadata.name === name);
  if (!pg)
    throw new PluginError(
      `PodGang ${JSON.stringify(name)} not found in ${s.namespace ? `namespace ${JSON.stringify(s.namespace)}` : "any namespace"}`,
    );
  const levels = levelsFor(s, pg.metadata.annotations?.[AnnotationTopologyName]);
  const pods = podsOfGang(s, pg).filter((p) => !p.metadata.deletionTimestamp);
  const bound = pods.filter((p) => p.spec?.nodeName);
  const nodeByName = new Map(s.nodes.map((n) => [n.metadata.name, n]));
  const chosen: LevelChoice[] = levels.map((l) => {
    const domains: Record<string, number> = {};
    for (const p of bound) {
      const d = domainsOf(nodeByName.get(p.spec?.nodeName ?? ""), [l])[l.domain] || "<none>";
      domains[d] = (domains[d] ?? 0) + 1;
    }
    return { level: l.domain, domains };
  });
  const spec = pg.spec as PodGangSpec;
  const pack = spec.topologyConstraint?.packConstraint;
  const required = levelOfKey(levels, pack?.required);
  const preferred = levelOfKey(levels, pack?.preferred);
  const groupConstraints = (spec.topologyConstraintGroupConfigs ?? [])
    .map((g) => ({
      name: g.name,
      required: levelOfKey(levels, g.topologyConstraint?.packConstraint?.required),
      preferred: levelOfKey(levels, g.topologyConstraint?.packConstraint?.preferred),
    }))
    .filter((g) => g.required || g.preferred);
  // The level the placement decided on: the gang's constraint, else its groups', else the
  // narrowest one all its pods share.
  let decision =
    required ?? preferred ?? groupConstraints[0]?.required ?? groupConstraints[0]?.preferred ?? null;
  if (!decision && bound.length > 0)
    decision = [...chosen].reverse().find((c) => Object.keys(c.domains).length === 1)?.level ?? null;
  decision ??= levels[0]?.domain ?? null;
  const alternatives: Alternative[] = [];
  const lvl = levels.find((l) => l.domain === decision);
  if (lvl) {
    const gang = gangOf(pg, pods, levels);
    const all = placementNodes(s, new Set(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)));
    const held = chosen.find((c) => c.level === lvl.domain)?.domains ?? {};
    const values = [...new Set(all.map((n) => n.labels?.[lvl.key]).filter((v): v is string => !!v))].sort(
      natural,
    );
    for (const v of values) {
      const nodes = all.filter((n) => n.labels?.[lvl.key] === v);
      const r = solve({ topology: { levels }, nodes, gangs: [gang] }, { engine: "js" }).gangs[0];
      alternatives.push({
        domain: v,
        chosen: v in held,
        fits: r?.placed === true,
        reason: r?.placed ? null : (r?.reason ?? "not placed"),
      });
    }
  }
  return {
    namespace: pg.metadata.namespace ?? "",
    name,
    phase: String(pg.status?.phase ?? "Pending"),
    pods: { total: pods.length, bound: bound.length },
    constraint: { required, preferred },
    groupConstraints,
    chosen,
    decisionLevel: lvl ? lvl.domain : null,
    alternatives,
  };
}

export function renderExplanation(e: Explanation): string {
  const words = (x: { required: string | null; preferred: string | null }) =>
    [x.required && `required ${x.required}`, x.preferred && `preferred ${x.preferred}`]
      .filter(Boolean)
      .join(", ");
  const c = [words(e.constraint), ...e.groupConstraints.map((g) => `${g.name}: ${words(g)}`)]
    .filter(Boolean)
    .join("; ");
  const out = [
    `PodGang ${e.namespace}/${e.name}: ${e.phase}, ${e.pods.bound}/${e.pods.total} pods bound; constraint: ${c || "none"}`,
  ];
  if (e.pods.bound > 0) {
    out.push("chosen:");
    for (const l of e.chosen) {
      const ds = Object.entries(l.domains)
        .sort(([a], [b]) => natural(a, b))
        .map(([d, n]) => `${d} (${n} pod${n === 1 ? "" : "s"})`);
      out.push(`  ${l.level.padEnd(Math.max(...e.chosen.map((x) => x.level.length)))}  ${ds.join(", ")}`);
    }
  } else out.push("chosen: nothing yet (no pod of the gang is bound)");
  if (e.decisionLevel) {
    out.push(`alternatives at level ${e.decisionLevel} (the cluster now, the gang's own pods taken out):`);
    const w = Math.max(...e.alternatives.map((a) => a.domain.length), 0);
    for (const a of e.alternatives) {
      const verdict = a.chosen ? "chosen" : a.fits ? "fits (not chosen)" : `rejected: ${a.reason}`;
      out.push(`  ${a.domain.padEnd(w)}  ${verdict}`);
    }
  } else out.push("alternatives: the cluster has no ClusterTopologyBinding, so no domains to compare");
  return `${out.join("\n")}\n`;
}
