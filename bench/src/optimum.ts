import type { PlacementProblem, PlacementResult } from "./contract.js";
import { Milp } from "./lp.js";
import { type IndexedProblem, indexProblem } from "./model.js";

/**
 * The exact model of a PlacementProblem (placement-problem.md semantics, `preferred` ignored
 * since it never makes a placement invalid):
 *   x[g,n] integer  pods of group g on node n, 0 where n is ineligible for g;
 *   y[G]   binary   gang G placed: minCount(g)*y <= sum_n x[g,n] <= count(g)*y (all-or-nothing);
 *   z[s,d] binary   required scope s (gang, sub-group or group) uses domain d of its level:
 *                   sum_d z[s,d] <= 1 and sum_{n in d} x[g,n] <= count(g)*z[s,d] for g in s;
 *   capacity        sum_g req(g,r)*x[g,n] <= free(n,r) per resource, sum_g x[g,n] <= free pods;
 *   objective       maximise W*pods + gangs with W = gangs+1, so no gang is ever worth a pod.
 * Priority is not modelled: the optimum is the best any order could reach.
 */
export interface Optimum {
  pods: number;
  gangs: number;
  /** HiGHS proved the optimum; otherwise `pods`/`gangs` are the incumbent and `podsBound` the proof. */
  optimal: boolean;
  /** Proven upper bound on placed pods (equals `pods` when optimal). */
  podsBound: number;
  status: string;
  seconds: number;
  columns: number;
  rows: number;
  result: PlacementResult;
}

export async function solveOptimum(problem: PlacementProblem, timeLimitSeconds = 20): Promise<Optimum> {
  const ip = indexProblem(problem);
  const weight = ip.gangs.length + 1;
  const milp = new Milp();

  const y = ip.gangs.map(() => milp.column(0, 1, 1));
  // x[g] maps node index -> column.
  const x = ip.groups.map((group) => {
    const cols = new Map<number, number>();
    group.cap.forEach((cap, n) => {
      if (cap > 0) cols.set(n, milp.column(0, cap, weight));
    });
    return cols;
  });

  ip.groups.forEach((group, g) => {
    const sum: [number, number][] = [...x[g]!.values()].map((c) => [c, 1]);
    milp.row([...sum, [y[group.gang]!, -group.count]], Number.NEGATIVE_INFINITY, 0);
    milp.row([...sum, [y[group.gang]!, -group.minCount]], 0, Number.POSITIVE_INFINITY);
  });

  addScopeRows(milp, ip, x, () => true);
  addCapacityRows(milp, ip, x, ip.free, ip.podsFree);

  const sol = await milp.solve("max", { timeLimitSeconds });
  if (sol.values.length === 0) throw new Error(`MILP found no solution (${sol.status})`);

  const result: PlacementResult = {
    gangs: problem.gangs.map((gang, gi) => {
      const placed = sol.values[y[gi]!] === 1;
      return {
        name: gang.name,
        placed,
        groups: placed
          ? ip.gangs[gi]!.groups.map((g) => ({
              name: ip.groups[g]!.name,
              nodes: expand(ip, x[g]!, sol.values),
            }))
          : [],
        reason: placed ? null : "not placed in the MILP optimum",
      };
    }),
    stats: { engine: "milp" },
  };
  const pods = result.gangs.reduce((s, g) => s + g.groups.reduce((t, gr) => t + gr.nodes.length, 0), 0);
  const gangs = result.gangs.filter((g) => g.placed).length;
  return {
    pods,
    gangs,
    optimal: sol.optimal,
    podsBound: sol.optimal ? pods : Math.floor((sol.bound + 1e-6) / weight),
    status: sol.status,
    seconds: sol.seconds,
    columns: milp.columns,
    rows: milp.rows,
    result,
  };
}

function expand(ip: IndexedProblem, cols: Map<number, number>, values: number[]): string[] {
  const nodes: string[] = [];
  for (const [n, c] of cols) for (let k = 0; k < (values[c] ?? 0); k++) nodes.push(ip.problem.nodes[n]!.name);
  return nodes;
}

/** Domain-choice rows for every required scope of the gangs `include` accepts. */
export function addScopeRows(
  milp: Milp,
  ip: IndexedProblem,
  x: ReadonlyArray<Map<number, number>>,
  include: (gang: number) => boolean,
  counts?: ReadonlyArray<number>,
): void {
  for (const scope of ip.scopes) {
    if (!include(scope.gang)) continue;
    const of = ip.domainOf[scope.level]!;
    const z = new Map<number, number>();
    for (const g of scope.groups) {
      const perDomain = new Map<number, [number, number][]>();
      for (const [n, c] of x[g]!) {
        const d = of[n]!;
        if (d < 0) continue;
        if (!perDomain.has(d)) perDomain.set(d, []);
        perDomain.get(d)!.push([c, 1]);
      }
      const bigM = counts?.[g] ?? ip.groups[g]!.count;
      for (const [d, entries] of perDomain) {
        let zc = z.get(d);
        if (zc === undefined) {
          zc = milp.column(0, 1, 0);
          z.set(d, zc);
        }
        milp.row([...entries, [zc, -bigM]], Number.NEGATIVE_INFINITY, 0);
      }
    }
    if (z.size > 1)
      milp.row(
        [...z.values()].map((c) => [c, 1] as [number, number]),
        Number.NEGATIVE_INFINITY,
        1,
      );
  }
}

/** Capacity rows per node and resource, each divided by the gcd of its integers to keep HiGHS well scaled. */
export function addCapacityRows(
  milp: Milp,
  ip: IndexedProblem,
  x: ReadonlyArray<Map<number, number>>,
  free: number[][],
  podsFree: number[],
): void {
  ip.problem.nodes.forEach((_, n) => {
    const onNode: [number, number][] = [];
    x.forEach((cols, g) => {
      const c = cols.get(n);
      if (c !== undefined) onNode.push([g, c]);
    });
    if (onNode.length === 0) return;
    const pods = podsFree[n]!;
    if (Number.isFinite(pods) && onNode.reduce((s, [g]) => s + ip.groups[g]!.cap[n]!, 0) > pods) {
      milp.row(
        onNode.map(([, c]) => [c, 1] as [number, number]),
        Number.NEGATIVE_INFINITY,
        pods,
      );
    }
    ip.resources.forEach((_, r) => {
      const entries = onNode.filter(([g]) => ip.groups[g]!.request[r]! > 0);
      if (entries.length < 2) return; // one group alone is already bounded by its cap
      let divisor = 0;
      for (const [g] of entries) divisor = gcd(divisor, ip.groups[g]!.request[r]!);
      milp.row(
        entries.map(([g, c]) => [c, ip.groups[g]!.request[r]! / divisor] as [number, number]),
        Number.NEGATIVE_INFINITY,
        Math.floor(free[n]![r]! / divisor),
      );
    });
  });
}

function gcd(a: number, b: number): number {
  while (b > 0) [a, b] = [b, a % b];
  return a;
}
