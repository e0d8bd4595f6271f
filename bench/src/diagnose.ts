import type { PlacementProblem, PlacementResult } from "./contract.js";
import { contractOrder, extendedPods, fitsInFootprint, solveOptimum } from "./optimum.js";
import { milli } from "./quantity.js";

/**
 * Where a solver result first falls behind the precedence optimum, walking the gangs in contract
 * order. Before that gang both placed the same gangs, so the loss starts there:
 *  - `rejected-fits-as-placed`: the solver rejected a gang that fits on the capacity its own
 *    earlier placements left (the solver's search missed a fit);
 *  - `rejected-fits-without-surplus`: it does not fit beside the earlier gangs' final pods, but
 *    does once some of their surplus is taken back, no pod moving (the solver places minimums
 *    before any surplus, so at its decision it most likely saw this room: a search miss, or a
 *    minimum that sat on other nodes than the footprint suggests);
 *  - `rejected-needs-rearrangement`: the gang fits only if earlier gangs' pods move (what a
 *    rip-up-and-re-place phase would recover);
 *  - `surplus-room-left`: the same gangs placed, fewer pods, and more pods fit without moving any
 *    placed pod (the surplus phase stopped short);
 *  - `surplus-needs-rearrangement`: the same gangs, fewer pods, and more pods need placed pods to
 *    move (minimums spread where they block surplus);
 *  - `solver-placed-more`: the solver placed a gang the precedence optimum did not (only possible
 *    when a decision timed out);
 *  - `none`: same gangs, same pods.
 */
export interface Divergence {
  kind:
    | "none"
    | "rejected-fits-as-placed"
    | "rejected-fits-without-surplus"
    | "rejected-needs-rearrangement"
    | "surplus-room-left"
    | "surplus-needs-rearrangement"
    | "solver-placed-more";
  /** The first gang placed differently, its position in contract order and its shape. */
  gang?: string;
  position?: number;
  shape?: string;
  reason?: string | null;
  /** Pattern key: kind plus the solver's reason with names and numbers masked. */
  pattern: string;
  podsLost: number;
  gangsLost: number;
  /** surplus kinds: the most pods the solver's gang set reaches keeping every placed pod. */
  extendedPods?: number;
}

export async function firstDivergence(
  problem: PlacementProblem,
  solver: PlacementResult,
  precedence: PlacementResult,
  timeLimitSeconds: number,
): Promise<Divergence> {
  const order = contractOrder(problem);
  const count = (r: PlacementResult) => ({
    pods: r.gangs.reduce((s, g) => s + g.groups.reduce((t, gr) => t + gr.nodes.length, 0), 0),
    gangs: r.gangs.filter((g) => g.placed).length,
  });
  const s = count(solver);
  const p = count(precedence);
  const lost = { podsLost: p.pods - s.pods, gangsLost: p.gangs - s.gangs };
  for (let pos = 0; pos < order.length; pos++) {
    const gi = order[pos]!;
    const mine = solver.gangs[gi]!;
    const best = precedence.gangs[gi]!;
    if (mine.placed === best.placed) continue;
    const gang = problem.gangs[gi]!;
    const base = {
      gang: gang.name,
      position: pos,
      shape: shapeOf(problem, gi),
      reason: mine.reason,
      ...lost,
    };
    if (mine.placed) return { kind: "solver-placed-more", pattern: "solver-placed-more", ...base };
    const earlier = order.slice(0, pos);
    const kept = earlier.filter((e) => solver.gangs[e]!.placed);
    const kind = (await fitsAsPlaced(problem, solver, earlier, gi, timeLimitSeconds))
      ? "rejected-fits-as-placed"
      : (await fitsInFootprint(problem, solver, kept, gi, timeLimitSeconds))
        ? "rejected-fits-without-surplus"
        : "rejected-needs-rearrangement";
    return { kind, pattern: `${kind}: ${maskReason(mine.reason)}`, ...base };
  }
  if (s.pods < p.pods) {
    const more = await extendedPods(problem, solver, timeLimitSeconds);
    const kind = more !== undefined && more > s.pods ? "surplus-room-left" : "surplus-needs-rearrangement";
    return { kind, pattern: kind, ...lost, ...(more !== undefined ? { extendedPods: more } : {}) };
  }
  return { kind: "none", pattern: "none", ...lost };
}

/** Does gang `gi` fit alone on the capacity the solver's placements of `earlier` gangs left? */
async function fitsAsPlaced(
  problem: PlacementProblem,
  solver: PlacementResult,
  earlier: number[],
  gi: number,
  timeLimitSeconds: number,
): Promise<boolean> {
  const used = problem.nodes.map(() => new Map<string, number>());
  const nodeIndex = new Map(problem.nodes.map((n, k) => [n.name, k]));
  for (const e of earlier) {
    const gang = problem.gangs[e]!;
    for (const placement of solver.gangs[e]!.groups) {
      const group = gang.groups.find((g) => g.name === placement.name)!;
      for (const nodeName of placement.nodes) {
        const u = used[nodeIndex.get(nodeName)!]!;
        u.set("pods", (u.get("pods") ?? 0) + 1000);
        for (const [r, q] of Object.entries(group.requests ?? {}))
          if (r !== "pods") u.set(r, (u.get(r) ?? 0) + milli(q));
      }
    }
  }
  const rest: PlacementProblem = {
    ...problem,
    nodes: problem.nodes.map((node, n) => {
      const allocated: Record<string, string> = {};
      const keys = new Set([...Object.keys(node.allocated ?? {}), ...used[n]!.keys()]);
      for (const r of keys) {
        const before = node.allocated?.[r];
        allocated[r] = `${(before === undefined ? 0 : milli(before)) + (used[n]!.get(r) ?? 0)}m`;
      }
      return { ...node, allocated };
    }),
    gangs: [problem.gangs[gi]!],
  };
  const alone = await solveOptimum(rest, timeLimitSeconds);
  return alone.gangs === 1;
}

/** A short description of a gang: groups, pods asked, minCount use, required levels, priority. */
function shapeOf(problem: PlacementProblem, gi: number): string {
  const gang = problem.gangs[gi]!;
  const pods = gang.groups.reduce((s, g) => s + g.count, 0);
  const min = gang.groups.reduce((s, g) => s + (g.minCount ?? g.count), 0);
  const required = [
    gang.constraint?.required ? `gang:${gang.constraint.required}` : "",
    ...(gang.subGroups ?? []).map((sg) => (sg.constraint?.required ? `sub:${sg.constraint.required}` : "")),
    ...gang.groups.map((g) => (g.constraint?.required ? `group:${g.constraint.required}` : "")),
  ].filter((r) => r !== "");
  return `${gang.groups.length} groups, ${min}/${pods} pods, required ${required.length > 0 ? [...new Set(required)].join(",") : "none"}, priority ${gang.priority ?? 0}`;
}

function maskReason(reason: string | null): string {
  if (reason === null) return "(no reason)";
  return reason
    .replace(/\(last: .*\)$/, "(last: ...)")
    .replace(/((?:sub-)?group) [\w.-]+/g, "$1 X")
    .replace(/\d+/g, "N");
}
