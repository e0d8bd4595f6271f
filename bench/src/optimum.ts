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
 * Priority is not modelled: the optimum is the best any order could reach (it may drop an earlier
 * gang to place more pods, which the contract forbids the solver). `solvePrecedenceOptimum` below
 * is the optimum with the contract's order kept.
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
  const model = buildModel(ip, {
    yLower: ip.gangs.map(() => 0),
    yUpper: ip.gangs.map(() => 1),
    yCost: ip.gangs.map(() => 1),
    podCost: weight,
  });
  const sol = await model.milp.solve("max", { timeLimitSeconds });
  if (sol.values.length === 0) throw new Error(`MILP found no solution (${sol.status})`);
  const result = toResult(ip, model, sol.values, "not placed in the MILP optimum");
  const { pods, gangs } = countResult(result);
  return {
    pods,
    gangs,
    optimal: sol.optimal,
    podsBound: sol.optimal ? pods : Math.floor((sol.bound + 1e-6) / weight),
    status: sol.status,
    seconds: sol.seconds,
    columns: model.milp.columns,
    rows: model.milp.rows,
    result,
  };
}

/**
 * The optimum under the contract's precedence (placement-problem.md: gangs are placed in input
 * order, a higher priority first, earlier placements consuming capacity), without the solver's
 * greediness: walking the gangs in that order, a gang is placed exactly when some placement of it
 * together with every gang already placed exists (earlier gangs' pods may move anywhere their own
 * constraints allow). That is the lexicographic maximum of the placed-gang vector in contract
 * order; among placements of that gang set, the most pods (surplus above minCount) is the last
 * term. Solved as a sequence of MILPs with earlier decisions fixed, so no weight can overflow:
 *  - gang i is decided by a feasibility MILP with y[i] = 1 and every decided y fixed; its objective
 *    (later gangs placed) only steers which feasible point comes back, so that a later gang already
 *    placed in the last feasible point is accepted without a solve (that point satisfies every
 *    decision made so far, so it proves the later gang fits);
 *  - then one MILP with every y fixed maximises pods.
 * A decision whose MILP ran out of time with no feasible point is counted as not placed and
 * `optimal` is false.
 */
export interface PrecedenceOptimum extends Optimum {
  /** Gang indices in the contract's order (priority descending, then input order). */
  order: number[];
  /** MILPs solved (decisions plus the final pods step). */
  solves: number;
  /** Decisions that timed out without a feasible point (counted as not placed). */
  undecided: number;
}

export async function solvePrecedenceOptimum(
  problem: PlacementProblem,
  timeLimitSeconds = 20,
): Promise<PrecedenceOptimum> {
  const ip = indexProblem(problem);
  const order = contractOrder(problem);
  const k = ip.gangs.length;
  const yLower = ip.gangs.map(() => 0);
  const yUpper = ip.gangs.map(() => 1);
  let seconds = 0;
  let solves = 0;
  let undecided = 0;
  // The last feasible point found; it satisfies every decision taken so far.
  let incumbent: number[] | undefined;
  let incumbentY: number[] = [];

  for (let pos = 0; pos < order.length; pos++) {
    const gi = order[pos]!;
    if (incumbent !== undefined && incumbentY[gi] === 1) {
      yLower[gi] = 1;
      continue;
    }
    const lower = [...yLower];
    lower[gi] = 1;
    // Later gangs weigh by position so the point returned favours the next decisions.
    const yCost = ip.gangs.map(() => 0);
    order.slice(pos + 1).forEach((g, j) => {
      yCost[g] = k - j;
    });
    const model = buildModel(ip, { yLower: lower, yUpper, yCost, podCost: 0 });
    const sol = await model.milp.solve("max", { timeLimitSeconds, mipRelGap: 1 });
    seconds += sol.seconds;
    solves++;
    // HiGHS hands back column values even for an infeasible model: trust the status, and a
    // time-limited run only with a finite incumbent objective.
    const feasible =
      !sol.infeasible &&
      sol.values.length === model.milp.columns &&
      (sol.optimal || Number.isFinite(sol.objective)) &&
      sol.values[model.y[gi]!] === 1;
    if (feasible) {
      yLower[gi] = 1;
      incumbent = sol.values;
      incumbentY = model.y.map((c) => sol.values[c]!);
    } else {
      if (!sol.infeasible) undecided++;
      yUpper[gi] = 0;
    }
  }

  const model = buildModel(ip, { yLower, yUpper: yLower, yCost: ip.gangs.map(() => 0), podCost: 1 });
  const sol = await model.milp.solve("max", { timeLimitSeconds });
  seconds += sol.seconds;
  solves++;
  if (sol.values.length === 0) throw new Error(`precedence MILP found no solution (${sol.status})`);
  const result = toResult(ip, model, sol.values, "not placeable with the gangs before it in contract order");
  const { pods, gangs } = countResult(result);
  return {
    pods,
    gangs,
    optimal: sol.optimal && undecided === 0,
    podsBound: sol.optimal ? pods : Math.floor(sol.bound + 1e-6),
    status: sol.status,
    seconds,
    columns: model.milp.columns,
    rows: model.milp.rows,
    result,
    order,
    solves,
    undecided,
  };
}

/** Gang indices in the contract's order: priority descending (absent = 0), then input order. */
export function contractOrder(problem: PlacementProblem): number[] {
  return problem.gangs
    .map((g, i) => ({ i, p: g.priority ?? 0 }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .map((e) => e.i);
}

interface Model {
  milp: Milp;
  y: number[];
  x: Map<number, number>[];
}

/** The model of the header comment, with the gangs' bounds and the objective given by the caller. */
function buildModel(
  ip: IndexedProblem,
  spec: {
    yLower: number[];
    yUpper: number[];
    yCost: number[];
    podCost: number;
    /** Bounds per group and node, within [0, cap]; default the whole range. */
    xBounds?: (group: number, node: number, cap: number) => [number, number];
  },
): Model {
  const milp = new Milp();
  const y = ip.gangs.map((_, gi) => milp.column(spec.yLower[gi]!, spec.yUpper[gi]!, spec.yCost[gi]!));
  // x[g] maps node index -> column.
  const x = ip.groups.map((group, g) => {
    const cols = new Map<number, number>();
    group.cap.forEach((cap, n) => {
      if (cap <= 0) return;
      const [lo, hi] = spec.xBounds?.(g, n, cap) ?? [0, cap];
      if (hi > 0) cols.set(n, milp.column(lo, hi, spec.podCost));
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
  return { milp, y, x };
}

function toResult(ip: IndexedProblem, model: Model, values: number[], reason: string): PlacementResult {
  return {
    gangs: ip.problem.gangs.map((gang, gi) => {
      const placed = values[model.y[gi]!] === 1;
      return {
        name: gang.name,
        placed,
        groups: placed
          ? ip.gangs[gi]!.groups.map((g) => ({
              name: ip.groups[g]!.name,
              nodes: expand(ip, model.x[g]!, values),
            }))
          : [],
        reason: placed ? null : reason,
      };
    }),
    stats: { engine: "milp" },
  };
}

function countResult(result: PlacementResult): { pods: number; gangs: number } {
  const pods = result.gangs.reduce((s, g) => s + g.groups.reduce((t, gr) => t + gr.nodes.length, 0), 0);
  return { pods, gangs: result.gangs.filter((g) => g.placed).length };
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

/**
 * Diagnostics against a solver's result (`footprint`): pods per group and node it placed.
 *  - `fitsInFootprint`: gang `gi` placed together with the gangs `kept`, each of those on a
 *    sub-multiset of its own footprint (at least its minimum, all its constraints kept); true when
 *    the gang fits once some of the earlier gangs' surplus is taken back, without moving any pod.
 *  - `extendedPods`: the most pods the same gang set reaches when every pod of the footprint
 *    stays where it is and only pods are added (the room the solver's surplus phase left).
 */
export async function fitsInFootprint(
  problem: PlacementProblem,
  footprint: PlacementResult,
  kept: number[],
  gi: number,
  timeLimitSeconds = 20,
): Promise<boolean | undefined> {
  const ip = indexProblem(problem);
  const counts = footprintCounts(ip, footprint);
  const keptSet = new Set(kept);
  const yLower = ip.gangs.map((_, g) => (keptSet.has(g) || g === gi ? 1 : 0));
  const model = buildModel(ip, {
    yLower,
    yUpper: yLower,
    yCost: ip.gangs.map(() => 0),
    podCost: 0,
    xBounds: (g, n, cap) =>
      ip.groups[g]!.gang === gi ? [0, cap] : [0, Math.min(cap, counts[g]!.get(n) ?? 0)],
  });
  const sol = await model.milp.solve("max", { timeLimitSeconds });
  if (sol.infeasible) return false;
  return sol.optimal ? true : undefined;
}

export async function extendedPods(
  problem: PlacementProblem,
  footprint: PlacementResult,
  timeLimitSeconds = 20,
): Promise<number | undefined> {
  const ip = indexProblem(problem);
  const counts = footprintCounts(ip, footprint);
  const y = footprint.gangs.map((g) => (g.placed ? 1 : 0));
  const model = buildModel(ip, {
    yLower: y,
    yUpper: y,
    yCost: ip.gangs.map(() => 0),
    podCost: 1,
    xBounds: (g, n, cap) => [Math.min(cap, counts[g]!.get(n) ?? 0), cap],
  });
  const sol = await model.milp.solve("max", { timeLimitSeconds });
  return sol.optimal ? Math.round(sol.objective) : undefined;
}

function footprintCounts(ip: IndexedProblem, footprint: PlacementResult): Map<number, number>[] {
  const nodeIndex = new Map(ip.problem.nodes.map((n, k) => [n.name, k]));
  return ip.groups.map((group) => {
    const counts = new Map<number, number>();
    const placed = footprint.gangs[group.gang]!;
    for (const gp of placed.groups) {
      if (gp.name !== group.name) continue;
      for (const name of gp.nodes) {
        const n = nodeIndex.get(name)!;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
    }
    return counts;
  });
}
