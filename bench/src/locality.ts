import type { PlacementResult } from "./contract.js";
import { Milp } from "./lp.js";
import type { IndexedProblem } from "./model.js";
import { addCapacityRows, addScopeRows } from "./optimum.js";

/**
 * Locality of one placed gang at one topology level: the domains its pods span, against the
 * fewest domains that could hold the same pods (same count per group, same required constraints
 * and eligibility) on the problem's cluster without the other gangs. A node without the level's
 * label counts as a domain of its own.
 */
export interface GangLocality {
  gang: string;
  level: string;
  spanned: number;
  fewest: number;
  /** The MILP proved `fewest`; otherwise it is its proven lower bound. */
  proven: boolean;
}

export class FewestCache {
  private readonly cache = new Map<string, { fewest: number; proven: boolean }>();

  constructor(
    private readonly ip: IndexedProblem,
    private readonly timeLimitSeconds = 5,
  ) {}

  async locality(result: PlacementResult, level: number): Promise<GangLocality[]> {
    const out: GangLocality[] = [];
    const nodeIndex = new Map(this.ip.problem.nodes.map((n, i) => [n.name, i]));
    for (const gang of result.gangs) {
      if (!gang.placed) continue;
      const gi = this.ip.gangs.findIndex((g) => g.name === gang.name);
      if (gi < 0) continue;
      const counts = new Map<number, number>();
      const spanned = new Set<string>();
      for (const group of gang.groups) {
        const g = this.ip.gangs[gi]!.groups.find((k) => this.ip.groups[k]!.name === group.name);
        if (g === undefined) continue;
        counts.set(g, (counts.get(g) ?? 0) + group.nodes.length);
        for (const name of group.nodes) spanned.add(this.domainKey(level, nodeIndex.get(name) ?? -1, name));
      }
      if (spanned.size === 0) continue;
      const key = `${gi}|${level}|${[...counts].map(([g, c]) => `${g}:${c}`).join(",")}`;
      let fewest = this.cache.get(key);
      if (fewest === undefined && spanned.size === 1) fewest = { fewest: 1, proven: true };
      if (fewest === undefined) {
        fewest = await this.solveFewest(gi, level, counts);
        this.cache.set(key, fewest);
      }
      out.push({ gang: gang.name, level: this.ip.levelNames[level]!, spanned: spanned.size, ...fewest });
    }
    return out;
  }

  private domainKey(level: number, n: number, name: string): string {
    const d = n < 0 ? -1 : this.ip.domainOf[level]![n]!;
    return d < 0 ? `node:${name}` : `d:${d}`;
  }

  private async solveFewest(
    gang: number,
    level: number,
    counts: Map<number, number>,
  ): Promise<{ fewest: number; proven: boolean }> {
    const ip = this.ip;
    const milp = new Milp();
    const x = ip.groups.map((group, g) => {
      const cols = new Map<number, number>();
      const want = counts.get(g) ?? 0;
      if (group.gang !== gang || want === 0) return cols;
      group.cap.forEach((cap, n) => {
        if (cap > 0) cols.set(n, milp.column(0, Math.min(cap, want), 0));
      });
      return cols;
    });
    for (const [g, want] of counts) {
      milp.row(
        [...x[g]!.values()].map((c) => [c, 1] as [number, number]),
        want,
        want,
      );
    }
    addScopeRows(
      milp,
      ip,
      x,
      (gi) => gi === gang,
      ip.groups.map((_, g) => counts.get(g) ?? 0),
    );
    addCapacityRows(milp, ip, x, ip.free, ip.podsFree);

    const total = [...counts.values()].reduce((s, c) => s + c, 0);
    const perDomain = new Map<string, [number, number][]>();
    x.forEach((cols) => {
      for (const [n, c] of cols) {
        const key = this.domainKey(level, n, ip.problem.nodes[n]!.name);
        if (!perDomain.has(key)) perDomain.set(key, []);
        perDomain.get(key)!.push([c, 1]);
      }
    });
    for (const entries of perDomain.values()) {
      const u = milp.column(0, 1, 1);
      milp.row([...entries, [u, -total]], Number.NEGATIVE_INFINITY, 0);
    }
    const sol = await milp.solve("min", { timeLimitSeconds: this.timeLimitSeconds });
    if (sol.optimal) return { fewest: Math.round(sol.objective), proven: true };
    return { fewest: Math.max(1, Math.ceil(sol.bound - 1e-6)), proven: false };
  }
}
