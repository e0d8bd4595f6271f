// Preferred pod constraints among one gang's own pods (README "Pod constraints", issue 13 item 4).
// pod-soft.ts scores nodes against pods already placed, which a gang's own pods are not; these
// are the wishes the gang's pods have about each other:
// - preferred anti-affinity matching the gang's pods (on any key, hostname included): a *soft*
//   domain cap, at most one pod of those groups per domain;
// - a ScheduleAnyway spread constraint matching them: soft caps from the same water-fill as
//   DoNotSchedule (spread-caps.ts);
// - preferred affinity only the gang's own pods satisfy, on a key that is a topology level: a
//   `preferred` constraint at that level (the solver's own soft locality: it climbs when the
//   domain does not hold them).
// Soft caps are tried first (`solveSoft`); a gang that does not place every pod under them has its
// anti-affinity caps doubled, then dropped (spread caps: dropped), until every gang is whole or no
// gang short of its pods carries a cap; and when that answer still leaves pods out, the call
// without any soft cap is solved too and the better answer kept (placement's "Locality never
// costs pods" rule: in gang order the first gang one places and the other does not decides, then
// more pods, a tie keeps the soft answer). A wish never costs a pod.
import type { DomainCap, Gang, PlacementResult, PodGroup, TopologyLevel } from "@grove-ts/placement";
import type { Pod, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { type PodWorld, spreadCounts } from "./pod-filters.js";
import { compileSpread, compileTerm, termMatches } from "./pod-terms.js";
import { spreadCaps } from "./spread-caps.js";

export interface SelfSoft {
  /** The gang with preferred self-affinity as `preferred` constraints (the same object when none). */
  gang: Gang;
  /** Soft domain caps, tried first by `solveSoft`; undefined when none. */
  caps?: DomainCap[] | undefined;
}

/** The wishes the pods of `gang` have about each other; `first` gives a group's first pending pod. */
export function selfSoft(
  gang: Gang,
  first: (group: string) => Pod | undefined,
  world: PodWorld,
  levels: readonly TopologyLevel[],
): SelfSoft {
  const firsts = new Map<string, Pod>();
  for (const g of gang.groups) {
    const p = first(g.name);
    if (p && hasSoft(p)) firsts.set(g.name, p);
  }
  if (firsts.size === 0) return { gang };
  const caps = new Map<string, DomainCap>();
  const addCap = (c: DomainCap) => {
    const k = JSON.stringify([c.key, [...c.groups].sort()]);
    if (!caps.has(k)) caps.set(k, c);
  };
  const ns = world.namespaceLabels;
  const pods = gang.groups.flatMap((g) => {
    const p = first(g.name);
    return p ? [{ g, p }] : [];
  });
  const placed = world.placed();
  let out = gang;
  const groupsCopy = () => {
    if (out === gang) out = { ...gang, groups: gang.groups.map((g) => ({ ...g })) };
    return out;
  };
  for (const [name, pod] of firsts) {
    const a = pod.spec?.affinity;
    const term = (w: WeightedPodAffinityTerm) => compileTerm(w.podAffinityTerm, pod);
    for (const w of a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      const t = term(w);
      const members = pods.filter(({ p }) => termMatches(t, p, ns, true)).map(({ g }) => g.name);
      if (members.length === 0) continue;
      addCap({ key: t.topologyKey, groups: [...new Set([name, ...members])].sort(), max: 1 });
    }
    for (const w of a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      const t = term(w);
      const members = pods.filter(({ p }) => termMatches(t, p, ns)).map(({ g }) => g.name);
      // Placed pods it matches: pod-soft.ts already steers the pods to their domains.
      if (members.length === 0 || placed.some((e) => termMatches(t, e.pod, ns))) continue;
      const li = levels.findIndex((l) => l.key === t.topologyKey);
      if (li < 0) continue;
      const o = groupsCopy();
      const self = members.length === 1 && members[0] === name;
      if (!self) prefer(o, li, levels, -1);
      else {
        // A group's constraint may not be broader than the required ones above it.
        const sub = o.subGroups?.find((x) => x.groups.includes(name));
        const above = Math.max(at(levels, o.constraint?.required), at(levels, sub?.constraint?.required));
        prefer(o.groups.find((g) => g.name === name) as PodGroup, li, levels, above);
      }
    }
    for (const c of pod.spec?.topologySpreadConstraints ?? []) {
      if (c.whenUnsatisfiable !== "ScheduleAnyway") continue;
      const s = compileSpread(c, pod);
      const podNs = pod.metadata?.namespace ?? "";
      const members = pods.filter(
        ({ p }) => (p.metadata?.namespace ?? "") === podNs && s.selector.matches(p.metadata?.labels ?? {}),
      );
      if (!members.some(({ g }) => g.name === name)) continue;
      const counts = spreadCounts(pod, s, [s], placed, world);
      if (counts.size === 0) continue;
      const sizes = new Map<string, number>();
      for (const n of world.nodes()) {
        const v = n.metadata?.labels?.[s.topologyKey];
        if (v !== undefined) sizes.set(v, (sizes.get(v) ?? 0) + 1);
      }
      const want = members.reduce((sum, { g }) => sum + g.count, 0);
      const cap = spreadCaps(s, counts, sizes, want).cap;
      addCap({ key: s.topologyKey, groups: members.map(({ g }) => g.name).sort(), ...cap });
    }
  }
  return { gang: out, ...(caps.size > 0 ? { caps: [...caps.values()] } : {}) };
}

function hasSoft(p: Pod): boolean {
  const a = p.spec?.affinity;
  return (
    (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
    (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
    (p.spec?.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === "ScheduleAnyway")
  );
}

const at = (levels: readonly TopologyLevel[], d: string | undefined) =>
  d === undefined ? -1 : levels.findIndex((l) => l.domain === d);

/**
 * Sets `preferred` at level `li` on `x` when that is narrower than what it prefers, its `required`
 * and the required level `above` it (-1: none).
 */
function prefer(x: Gang | PodGroup, li: number, levels: readonly TopologyLevel[], above: number): void {
  const c = x.constraint ?? {};
  if (li <= above || li <= at(levels, c.required) || li <= at(levels, c.preferred)) return;
  x.constraint = { ...c, preferred: (levels[li] as TopologyLevel).domain };
}

/** Every pod of `gang` placed in `r`. */
function whole(r: PlacementResult["gangs"][number] | undefined, gang: Gang): boolean {
  if (!r?.placed) return false;
  const got = new Map(r.groups.map((g) => [g.name, g.nodes.length]));
  return gang.groups.every((g) => (got.get(g.name) ?? 0) >= g.count);
}

const podsOf = (r: PlacementResult) =>
  r.gangs.reduce((s, g) => s + (g.placed ? g.groups.reduce((t, x) => t + x.nodes.length, 0) : 0), 0);

/** True when `b` is a better answer than `a`: in gang order the first gang one places decides, then more pods. */
function better(b: PlacementResult, a: PlacementResult): boolean {
  for (const [i, x] of a.gangs.entries()) {
    const y = b.gangs[i];
    if (!!x.placed !== !!y?.placed) return !!y?.placed;
  }
  return podsOf(b) > podsOf(a);
}

/** `cap` one step weaker for a gang short of pods: max doubled (until it holds them all), else gone. */
function weaken(cap: DomainCap, gang: Gang): DomainCap | undefined {
  if (cap.domains !== undefined || cap.max === undefined) return undefined;
  const pods = gang.groups.filter((g) => cap.groups.includes(g.name)).reduce((s, g) => s + g.count, 0);
  const max = cap.max * 2;
  return max >= pods ? undefined : { ...cap, max };
}

/**
 * One placement call for `gangs` through `place`, with each gang's soft caps (`soft`, by gang name)
 * tried first and weakened for the gangs they leave short (see the file comment).
 */
export function solveSoft(
  gangs: Gang[],
  soft: ReadonlyMap<string, DomainCap[]>,
  place: (gangs: Gang[]) => PlacementResult,
): PlacementResult {
  let caps = gangs.map((g) => soft.get(g.name) ?? []);
  if (caps.every((c) => c.length === 0)) return place(gangs);
  const withCaps = () =>
    gangs.map((g, i) => {
      const c = caps[i] as DomainCap[];
      return c.length === 0 ? g : { ...g, domainCaps: [...(g.domainCaps ?? []), ...c] };
    });
  for (;;) {
    const r = place(withCaps());
    if (gangs.every((g, i) => whole(r.gangs[i], g))) return r;
    let changed = false;
    caps = caps.map((c, i) => {
      const g = gangs[i] as Gang;
      if (c.length === 0 || whole(r.gangs[i], g)) return c;
      changed = true;
      return c.flatMap((x) => weaken(x, g) ?? []);
    });
    if (changed) continue;
    if (caps.every((c) => c.length === 0)) return r;
    const plain = place(gangs);
    return better(plain, r) ? plain : r;
  }
}
