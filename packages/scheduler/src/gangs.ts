// What a scheduling cycle works on: each pending gang with its pods sorted into bound and
// schedulable ones, and its translation into one gang of the placement problem
// (grove-behaviour.md §6.3; placement-problem.md).
import type { PodGang, PodGangTopologyConstraint } from "@grove-ts/api";
import type {
  Gang,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodGroup,
  SubGroup,
  TopologyConstraint,
  TopologyLevel,
} from "@grove-ts/placement";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podRequests, type Requests, toQuantities } from "./requests.js";

export interface WorkGroup {
  /** The group's name in the placement problem: `<namespace>/<podgroup>`. */
  name: string;
  podGroup: string;
  bound: Pod[];
  /** Unbound, ungated pods this scheduler answers for, in the order they receive nodes. */
  pending: Pod[];
  /** Pods still needed for the gang's minimum: max(0, minReplicas - bound). */
  neededMin: number;
  constraint?: PodGangTopologyConstraint | undefined;
}

export interface WorkGang {
  /** `<namespace>/<name>`: the PodGang's, or the lone pod's for a pod in no PodGang. */
  key: string;
  namespace: string;
  podGang?: PodGang | undefined;
  groups: WorkGroup[];
  /** Node-label keys the gang's constraints use. */
  keys: Set<string>;
  createdAt: string;
  /** Base gangs before scaled ones: scaled gangs are placed only once their base holds. */
  scaled: boolean;
  /**
   * The highest `spec.priority` of its pods, or its PodGang's priorityClassName's value when that
   * is higher (Grove copies the PodCliqueSet's class onto the PodGang, not the pods). Default 0.
   */
  priority?: number | undefined;
  /**
   * A scaled gang's first try: only nodes whose label `key` is one of `values`, the domains its base
   * gang's bound pods hold at the base's top-level constraint level (see `baseDomains`).
   */
  within?: Within | undefined;
  /**
   * Domains to keep off on a first try (PCS replica spreading, replica-spread.ts): the ones other
   * replicas of its PodCliqueSet hold at the annotated level. Dropped when that try does not place it.
   */
  avoid?: Within | undefined;
  /**
   * A base gang's scaled gangs that are ready but wait for it to hold: its first try places them
   * with it (only its own pods are bound), so it takes a domain with room for them too.
   */
  companions?: WorkGang[] | undefined;
}

/** Domains of one node-label key a gang is asked to stay inside. */
export interface Within {
  key: string;
  values: string[];
}

export function constraintKeys(g: WorkGang): Set<string> {
  const keys = new Set<string>();
  const add = (c: PodGangTopologyConstraint | undefined): void => {
    if (c?.packConstraint?.required) keys.add(c.packConstraint.required);
    if (c?.packConstraint?.preferred) keys.add(c.packConstraint.preferred);
  };
  add(g.podGang?.spec.topologyConstraint);
  for (const cfg of g.podGang?.spec.topologyConstraintGroupConfigs ?? []) add(cfg.topologyConstraint);
  for (const gr of g.groups) add(gr.constraint);
  return keys;
}

/** A gang whose inputs cannot form a valid problem (e.g. a malformed quantity). */
export class GangBuildError extends Error {
  readonly code = "InvalidGang";
  constructor(message: string) {
    super(message);
    this.name = "GangBuildError";
  }
}

function maxRequests(pods: Pod[]): Requests {
  const out: Requests = new Map();
  for (const p of pods) for (const [k, v] of podRequests(p)) if (v > (out.get(k) ?? 0)) out.set(k, v);
  return out;
}

interface Translation {
  constraint(
    c: PodGangTopologyConstraint | undefined,
    pins: Pins,
    pods: Pod[],
  ): TopologyConstraint | undefined;
}

/** nodeSelector entries that keep later pods of a gang in the domains its bound pods already took. */
type Pins = Record<string, string>;

/**
 * The placement gang for `g` over `levels`. `labelsOf(node)` gives a bound pod's node labels, so a
 * required constraint already met by bound pods pins the rest to that domain.
 */
export function toPlacementGang(
  g: WorkGang,
  levels: TopologyLevel[],
  nodeOf: (pod: Pod) => string | undefined,
  labelsOf: (node: string) => Record<string, string> | undefined,
): Gang {
  // `within` is one more pin, laid under the gang's own: a required domain its bound pods already
  // took wins over the base's (the gang's own required constraints always hold). Several domains
  // (a base placed under `preferred` only) cannot be a nodeSelector entry and become an `In`
  // requirement on every node-affinity term instead.
  const within = g.within && g.within.values.length > 0 ? g.within : undefined;
  const domainOf = new Map(levels.map((l) => [l.key, l.domain]));
  const pinFor = (key: string, pods: Pod[]): string | undefined => {
    for (const p of pods) {
      const n = nodeOf(p);
      const v = n ? labelsOf(n)?.[key] : undefined;
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const t: Translation = {
    constraint(c, pins, pods) {
      const req = c?.packConstraint?.required;
      const pref = c?.packConstraint?.preferred;
      if (!req && !pref) return undefined;
      if (req) {
        const v = pinFor(req, pods);
        if (v !== undefined) pins[req] = v;
      }
      const out: TopologyConstraint = {};
      if (req) out.required = domainOf.get(req) ?? req;
      if (pref) out.preferred = domainOf.get(pref) ?? pref;
      return out;
    },
  };
  const allBound = g.groups.flatMap((gr) => gr.bound);
  const gangPins: Pins = within?.values.length === 1 ? { [within.key]: within.values[0] as string } : {};
  const gangConstraint = t.constraint(g.podGang?.spec.topologyConstraint, gangPins, allBound);
  const groupPins = new Map<string, Pins>();
  const subGroups: SubGroup[] = [];
  const live = new Set(g.groups.filter((gr) => gr.pending.length > 0).map((gr) => gr.podGroup));
  for (const cfg of g.podGang?.spec.topologyConstraintGroupConfigs ?? []) {
    const members = cfg.podGroupNames.filter((n) => live.has(n));
    const pins: Pins = {};
    const bound = g.groups.filter((gr) => cfg.podGroupNames.includes(gr.podGroup)).flatMap((gr) => gr.bound);
    const c = t.constraint(cfg.topologyConstraint, pins, bound);
    for (const m of members) groupPins.set(m, { ...(groupPins.get(m) ?? {}), ...pins });
    if (members.length === 0) continue;
    subGroups.push({
      name: `${g.namespace}/${cfg.name}`,
      groups: members.map((m) => `${g.namespace}/${m}`),
      ...(c ? { constraint: c } : {}),
    });
  }
  const groups: PodGroup[] = [];
  for (const gr of g.groups) {
    if (gr.pending.length === 0) continue;
    const first = gr.pending[0] as Pod;
    const spec = first.spec;
    const pins: Pins = { ...gangPins, ...(groupPins.get(gr.podGroup) ?? {}) };
    const c = t.constraint(gr.constraint, pins, gr.bound);
    let requests: Requests;
    try {
      requests = maxRequests(gr.pending);
    } catch (err) {
      throw new GangBuildError(`pod ${first.metadata?.name}: ${(err as Error).message}`);
    }
    const nodeSelector = { ...(spec?.nodeSelector ?? {}), ...pins };
    let required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution as
      | { nodeSelectorTerms: NodeSelectorTerm[] }
      | undefined;
    if (within && within.values.length > 1 && !(within.key in pins)) {
      const inBase: NodeSelectorRequirement = { key: within.key, operator: "In", values: [...within.values] };
      const terms = required?.nodeSelectorTerms?.length ? required.nodeSelectorTerms : [{}];
      required = {
        nodeSelectorTerms: terms.map((t) => ({
          ...t,
          matchExpressions: [...(t.matchExpressions ?? []), inBase],
        })),
      };
    }
    groups.push({
      name: gr.name,
      count: gr.pending.length,
      minCount: gr.neededMin,
      requests: toQuantities(requests),
      ...(c ? { constraint: c } : {}),
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      ...(required
        ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } }
        : {}),
      ...(spec?.tolerations ? { tolerations: spec.tolerations as PodGroup["tolerations"] } : {}),
    } as PodGroup);
  }
  return {
    name: g.key,
    ...(g.priority ? { priority: g.priority } : {}),
    ...(gangConstraint ? { constraint: gangConstraint } : {}),
    groups,
    ...(subGroups.length > 0 ? { subGroups } : {}),
  };
}
