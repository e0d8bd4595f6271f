// solve() with `options.preemption` (README "Preemption"): the problem is placed as without it,
// then every gang left unplaced, in the gangs' order (priority, then input order), asks preempt()
// which `running` gangs of strictly lower priority to evict, whole. Decisions build on each other
// as if carried out: a gang's victims are gone (and no longer candidates) and its nomination is
// taken for the gangs after it. The gangs placed by the call are never victims (they are not
// `running`). Unplaced gangs stay unplaced: they fit once their victims are gone.
import type { WasmBuild } from "@grove-ts/placement-wasm";
import { amountOf, type CheckedProblem } from "./check.js";
import type { EngineName } from "./engines.js";
import { PlacementProblemError } from "./errors.js";
import { parseQuantity } from "./quantity.js";
import { PlacementSnapshot } from "./snapshot.js";
import type { PlacementProblem, PlacementResult, RunningGang } from "./types.js";

export function solvePreempting(
  problem: PlacementProblem,
  p: CheckedProblem,
  engine: EngineName,
  wasmBuild: WasmBuild,
  spread: boolean,
): PlacementResult {
  const known = new Set(p.nodes.map((n) => n.name));
  checkAllocated(p);
  const snap = new PlacementSnapshot(problem.topology, problem.nodes, { engine, wasmBuild });
  try {
    const result = snap.place(problem.gangs, { spread, commit: true });
    const order = p.gangs.map((_, k) => k);
    order.sort((a, b) => (p.gangs[b]?.priority ?? 0) - (p.gangs[a]?.priority ?? 0) || a - b);
    const evicted = new Set<string>();
    for (const k of order) {
      const placement = result.gangs[k];
      const gang = problem.gangs[k];
      if (placement === undefined || gang === undefined || placement.placed) continue;
      const priority = p.gangs[k]?.priority ?? 0;
      const candidates = p.running.filter((r) => r.priority < priority && !evicted.has(r.name));
      const r = snap.preempt(gang, candidates, { spread });
      placement.victims = r.victims;
      if (!r.placed) continue;
      const gone = new Set(r.victims);
      for (const v of candidates)
        if (gone.has(v.name)) {
          evicted.add(v.name);
          for (const pod of v.pods) if (known.has(pod.node)) snap.free(pod.node, pod.requests ?? {});
        }
      for (const g of r.groups) {
        const requests = gang.groups.find((x) => x.name === g.name)?.requests ?? {};
        for (const node of g.nodes) snap.bind(node, requests);
      }
    }
    return result;
  } finally {
    snap.dispose();
  }
}

/** Every running pod on a known node is counted in its node's `allocated` (its requests, one pod). */
function checkAllocated(p: CheckedProblem): void {
  const nodes = new Map(p.nodes.map((n) => [n.name, n]));
  const sums = new Map<string, Map<string, number>>();
  for (let i = 0; i < p.running.length; i++) {
    const g = p.running[i] as RunningGang;
    for (let j = 0; j < g.pods.length; j++) {
      const pod = g.pods[j] as RunningGang["pods"][number];
      const n = nodes.get(pod.node);
      if (n === undefined) continue;
      const sum = sums.get(n.name) ?? new Map<string, number>();
      sums.set(n.name, sum);
      const add: [string, number][] = [["pods", 1000]];
      for (const [r, q] of Object.entries(pod.requests ?? {}))
        if (r !== "pods") add.push([r, parseQuantity(q, `running[${i}].pods[${j}].requests[${r}]`)]);
      for (const [r, v] of add) {
        const total = (sum.get(r) ?? 0) + v;
        sum.set(r, total);
        if (total > (amountOf(n.allocated, r) ?? 0))
          throw new PlacementProblemError(
            "FieldValueInvalid",
            `running[${i}].pods[${j}]`,
            `the running pods on node ${n.name} ask for more ${r} than its allocated (running pods must be counted in allocated, one "pods" each)`,
          );
      }
    }
  }
}
