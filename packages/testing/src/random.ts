// Seeded random placement problems: heterogeneous nodes (resources, allocated capacity, cordons,
// taints, labels, occasionally a missing topology label) and gangs with constraints at every level,
// sub-groups, tolerations, selectors and every node-affinity operator. Same seed, same problem.
import type { RConstraint, RGang, RGroup, RNode, RProblem, RRequirement } from "./contract.js";

export interface RandomProblemOptions {
  /** Topology levels, 0 to 4 (default: 1 to 4, from the seed). */
  levels?: number;
  /** Node count (default: 1 to 60, from the seed). */
  nodes?: number;
  /** Gang count (default: 1 to 12, from the seed). */
  gangs?: number;
  /** Groups per gang at most (default 4). */
  maxGroups?: number;
  /** Pods per group at most (default 6). */
  maxPods?: number;
  /** Taints, tolerations, selectors and affinity (default true). */
  filters?: boolean;
  /** Set options.spread (default: from the seed, 20%). */
  spread?: boolean;
  /**
   * Node preferences on some groups (default false). Drawn from a stream of their own after the
   * problem, so the same seed gives the same problem plus preferences.
   */
  preferences?: boolean;
  /** Domain caps on some gangs (default false), from a stream of their own like `preferences`. */
  domainCaps?: boolean;
}

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVEL_SETS: string[][] = [
  [],
  ["rack"],
  ["block", "rack"],
  ["block", "rack", "host"],
  ["zone", "block", "rack", "host"],
];
const KEYS: Record<string, string> = {
  zone: "topology.kubernetes.io/zone",
  block: "example.com/block",
  rack: "example.com/rack",
  host: "kubernetes.io/hostname",
};

export function randomProblem(seed: number, options: RandomProblemOptions = {}): RProblem {
  const r = rng(seed * 7919 + 17);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const chance = (p: number) => r() < p;

  const nLevels = options.levels ?? int(1, 4);
  const levelNames = LEVEL_SETS[Math.max(0, Math.min(4, nLevels))] ?? [];
  const nNodes = options.nodes ?? int(1, 60);
  const nGangs = options.gangs ?? int(1, 12);
  const maxGroups = options.maxGroups ?? 4;
  const maxPods = options.maxPods ?? 6;
  const filters = options.filters ?? true;

  // Names in an order unrelated to the input order, so tie-breaks by name are exercised.
  const perm = Array.from({ length: nNodes }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
  }

  const nodes: RNode[] = [];
  let zone = 0;
  let block = 0;
  let rack = 0;
  let leftInRack = int(1, 8);
  let leftInBlock = int(1, 4);
  let leftInZone = int(1, 3);
  for (let i = 0; i < nNodes; i++) {
    if (leftInRack === 0) {
      rack++;
      leftInRack = int(1, 8);
      if (--leftInBlock === 0) {
        block++;
        leftInBlock = int(1, 4);
        if (--leftInZone === 0) {
          zone++;
          leftInZone = int(1, 3);
        }
      }
    }
    leftInRack--;
    const name = `node-${String(perm[i]).padStart(4, "0")}`;
    const labels: Record<string, string> = {};
    const values: Record<string, string> = {
      zone: `z${zone}`,
      block: `b${block}`,
      rack: `r${rack}`,
      host: name,
    };
    const dropFrom = chance(0.03) ? int(0, levelNames.length - 1) : levelNames.length;
    levelNames.forEach((lv, li) => {
      if (li < dropFrom || lv === "host") labels[KEYS[lv] as string] = values[lv] as string;
    });
    if (!levelNames.includes("host")) labels[KEYS.host as string] = name;
    labels.pool = pick(["a", "b", "c"]);
    if (chance(0.9)) labels.gen = String(int(1, 5));
    const gpu = chance(0.5);
    const allocatable: Record<string, string | number> = {
      cpu: pick(["8", "16", "32", "64", 48]),
      memory: pick(["32Gi", "64Gi", "128Gi", "256G"]),
      pods: pick(["110", "110", "16", "4", 32]),
    };
    if (gpu) allocatable["nvidia.com/gpu"] = pick(["4", "8", 8]);
    if (chance(0.1)) allocatable["example.com/fpga"] = "2";
    const node: RNode = { name, labels, allocatable };
    if (chance(0.3)) {
      node.allocated = { cpu: pick(["2500m", "1", "4"]), memory: pick(["1Gi", "8Gi"]), pods: int(1, 3) };
      if (gpu && chance(0.5)) node.allocated["nvidia.com/gpu"] = "1";
    }
    if (chance(0.05)) node.unschedulable = true;
    if (filters && chance(0.2)) {
      node.taints = [
        pick([
          { key: "gpu", value: "true", effect: "NoSchedule" },
          { key: "dedicated", value: "infer", effect: "NoExecute" },
          { key: "spot", effect: "PreferNoSchedule" },
          { key: "dedicated", value: "train", effect: "NoSchedule" },
        ]),
      ];
    }
    nodes.push(node);
  }
  // Input order unrelated to topology order.
  for (let i = nodes.length - 1; i > 0; i--) {
    if (chance(0.3)) {
      const j = Math.floor(r() * (i + 1));
      [nodes[i], nodes[j]] = [nodes[j] as RNode, nodes[i] as RNode];
    }
  }

  // A constraint no broader than `floor` (index of the broadest level allowed; -1: any).
  const constraint = (floor: number, p: number): RConstraint | undefined => {
    if (levelNames.length === 0 || !chance(p)) return undefined;
    const lo = Math.max(floor, 0);
    const c: RConstraint = {};
    const kind = int(0, 2);
    if (kind !== 1) c.required = levelNames[int(lo, levelNames.length - 1)];
    if (kind !== 0) {
      const reqIdx = c.required ? levelNames.indexOf(c.required) : lo;
      c.preferred = levelNames[int(reqIdx, levelNames.length - 1)];
    }
    return c;
  };
  const reqIndex = (c: RConstraint | undefined, floor: number) =>
    c?.required !== undefined ? Math.max(floor, levelNames.indexOf(c.required)) : floor;

  const gangs: RGang[] = [];
  for (let k = 0; k < nGangs; k++) {
    const gname = `gang-${k}`;
    const gang: RGang = { name: gname, groups: [] };
    if (chance(0.6)) gang.priority = int(0, 3);
    const gc = constraint(-1, 0.6);
    if (gc) gang.constraint = gc;
    const floor = reqIndex(gc, -1);
    const nGroups = int(1, maxGroups);
    const subOf: number[] = [];
    const subs: { name: string; groups: string[]; constraint?: RConstraint }[] = [];
    if (nGroups >= 2 && chance(0.5)) {
      const nSubs = int(1, Math.min(2, nGroups - 1));
      for (let s = 0; s < nSubs; s++) {
        const sc = constraint(floor, 0.8);
        subs.push(
          sc
            ? { name: `${gname}-sg${s}`, groups: [], constraint: sc }
            : { name: `${gname}-sg${s}`, groups: [] },
        );
      }
    }
    for (let g = 0; g < nGroups; g++) {
      const name = `${gname}-g${g}`;
      const s = subs.length > 0 && chance(0.7) ? int(0, subs.length - 1) : -1;
      subOf.push(s);
      const parentFloor = s >= 0 ? reqIndex(subs[s]?.constraint, floor) : floor;
      const count = int(1, maxPods);
      const group: RGroup = { name, count };
      if (chance(0.5)) group.minCount = int(0, count);
      const requests: Record<string, string | number> = {
        cpu: pick(["500m", "1", "2", "4", 8, "250m"]),
        memory: pick(["1Gi", "2Gi", "8Gi", "16Gi", "1500M"]),
      };
      if (chance(0.4)) requests["nvidia.com/gpu"] = int(1, 4);
      if (chance(0.05)) requests["example.com/fpga"] = "1";
      group.requests = requests;
      const c = constraint(parentFloor, 0.35);
      if (c) group.constraint = c;
      if (filters) {
        if (chance(0.3))
          group.tolerations = [
            pick([
              { key: "gpu", operator: "Exists", effect: "NoSchedule" } as const,
              { operator: "Exists" } as const,
              { key: "dedicated", operator: "Equal", value: "infer", effect: "NoExecute" } as const,
              { key: "dedicated", value: "train" } as const,
            ]),
          ];
        if (chance(0.12)) group.nodeSelector = { pool: pick(["a", "b"]) };
        if (chance(0.2)) {
          const expr = (): RRequirement =>
            pick<RRequirement>([
              { key: "pool", operator: "In", values: [pick(["a", "b", "c"]), "zz"] },
              { key: "pool", operator: "NotIn", values: [pick(["a", "b"])] },
              { key: "gen", operator: "Exists" },
              { key: "gen", operator: "DoesNotExist" },
              { key: "gen", operator: "Gt", values: [String(int(0, 4))] },
              { key: "gen", operator: "Lt", values: [String(int(2, 6))] },
            ]);
          const terms = Array.from({ length: int(1, 2) }, () => ({
            matchExpressions: Array.from({ length: int(1, 2) }, expr),
          }));
          group.affinity = {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
          };
        }
      }
      gang.groups.push(group);
      if (s >= 0) subs[s]?.groups.push(name);
    }
    const usedSubs = subs.filter((s) => s.groups.length > 0);
    if (usedSubs.length > 0) gang.subGroups = usedSubs;
    gangs.push(gang);
  }

  const problem: RProblem = { nodes, gangs };
  if (levelNames.length > 0)
    problem.topology = { levels: levelNames.map((d) => ({ domain: d, key: KEYS[d] as string })) };
  const spread = options.spread ?? chance(0.2);
  if (spread) problem.options = { spread: true };
  if (options.preferences) addPreferences(problem, seed);
  if (options.domainCaps) addDomainCaps(problem, seed);
  return problem;
}

/** Per-domain caps (max, per-domain counts, unlabeled nodes none) over topology and other labels. */
function addDomainCaps(problem: RProblem, seed: number): void {
  const r = rng(seed * 15485863 + 5);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const keys = [...Object.values(KEYS), "pool", "gen"];
  for (const gang of problem.gangs) {
    if (r() >= 0.6) continue;
    gang.domainCaps = Array.from({ length: int(1, 2) }, () => {
      const key = pick(keys);
      const values = [...new Set(problem.nodes.map((n) => n.labels?.[key]).filter((v) => v !== undefined))];
      const groups = gang.groups.filter(() => r() < 0.7).map((g) => g.name);
      if (groups.length === 0) groups.push((gang.groups[0] as RGroup).name);
      const domains: Record<string, number> = {};
      if (r() < 0.4) for (const v of values) if (r() < 0.5) domains[v as string] = int(0, 4);
      const max = r() < 0.8 || Object.keys(domains).length === 0 ? int(1, 6) : undefined;
      return {
        key,
        groups,
        ...(max !== undefined ? { max } : {}),
        ...(Object.keys(domains).length > 0 ? { domains } : {}),
        ...(r() < 0.2 ? { unlabeled: "none" as const } : {}),
      };
    });
  }
}

/** Preferred node affinity (weights 1-100 over the pool, gen and host labels) and PreferNoSchedule on some groups. */
function addPreferences(problem: RProblem, seed: number): void {
  const r = rng(seed * 104729 + 3);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const names = problem.nodes.map((n) => n.name);
  for (const gang of problem.gangs)
    for (const group of gang.groups) {
      if (r() >= 0.5) continue;
      const expr = (): RRequirement =>
        pick<RRequirement>([
          { key: "pool", operator: "In", values: [pick(["a", "b", "c"])] },
          { key: "pool", operator: "NotIn", values: [pick(["a", "b"])] },
          { key: "gen", operator: "Gt", values: [String(int(0, 4))] },
          { key: "gen", operator: "Exists" },
          { key: "kubernetes.io/hostname", operator: "In", values: [pick(names)] },
        ]);
      const terms = Array.from({ length: int(0, 3) }, () => ({
        weight: int(1, 100),
        preference: { matchExpressions: Array.from({ length: int(1, 2) }, expr) },
      }));
      const preferNoSchedule = r() < 0.4;
      if (terms.length === 0 && !preferNoSchedule) continue;
      group.preferences = {
        ...(terms.length > 0 ? { nodeAffinity: terms } : {}),
        ...(preferNoSchedule ? { preferNoSchedule } : {}),
      };
    }
}
