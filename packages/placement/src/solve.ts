import type { WasmBuild } from "@grove-ts/placement-wasm";
import { type CheckedGang, type CheckedLevel, type CheckedNode, checkProblem } from "./check.js";
import { decode } from "./decode.js";
import { CallEncoding, ClusterEncoding } from "./encode.js";
import { type Engine, type EngineName, engine } from "./engines.js";
import { solvePreempting } from "./solve-preempt.js";
import type { PlacementOptions, PlacementProblem, PlacementResult } from "./types.js";

export interface SolveOptions extends PlacementOptions {
  /** "wasm" (default) or "js", the TypeScript reference; both give the same result. */
  engine?: EngineName;
  /** Which WebAssembly build runs the wasm engine (default "release"). */
  wasmBuild?: WasmBuild;
}

/** Every resource a node offers or a group asks for. */
export function resourceNames(nodes: readonly CheckedNode[], gangs: readonly CheckedGang[]): Set<string> {
  const names = new Set<string>();
  // Nodes and groups share names lists (check.ts): each list is added once per run.
  let last: readonly string[] | null = null;
  const add = (list: readonly string[]) => {
    if (list === last) return;
    last = list;
    for (const r of list) names.add(r);
  };
  for (const n of nodes) add(n.allocatable.names);
  for (const g of gangs) for (const gr of g.groups) add(gr.requests.names);
  return names;
}

/** Whether a group of the call filters nodes by their labels (nodeSelector, node affinity). */
export function needsLabels(gangs: readonly CheckedGang[]): boolean {
  for (const g of gangs)
    for (const gr of g.groups) if (gr.nodeSelector.length > 0 || gr.terms !== null) return true;
  return false;
}

/** Runs one call on an encoded cluster; the cluster arena is not modified. */
export function placeEncoded(
  eng: Engine,
  cluster: ClusterEncoding,
  levels: CheckedLevel[],
  gangs: CheckedGang[],
  spread: boolean,
  encodeStart: number,
  withIndices = false,
) {
  const call = new CallEncoding(cluster, gangs, spread, eng);
  try {
    const t1 = performance.now();
    eng.run(cluster.region, call.region);
    const t2 = performance.now();
    const d = decode(call, levels, withIndices);
    const t3 = performance.now();
    const result: PlacementResult = {
      gangs: d.gangs,
      stats: {
        engine: eng.name,
        nodes: cluster.nodes.length,
        gangs: gangs.length,
        gangsPlaced: d.gangsPlaced,
        podsWanted: d.podsWanted,
        podsPlaced: d.podsPlaced,
        attempts: d.attempts,
        encodeMs: t1 - encodeStart,
        solveMs: t2 - t1,
        decodeMs: t3 - t2,
      },
    };
    return { result, decoded: d };
  } finally {
    eng.release(call.region);
  }
}

/**
 * Checks and solves a PlacementProblem. Throws PlacementProblemError (naming the field) when the
 * problem breaks the contract. `options` override the problem's own `options`.
 */
export function solve(problem: PlacementProblem | unknown, options: SolveOptions = {}): PlacementResult {
  const eng = engine(options.engine ?? "wasm", options.wasmBuild ?? "release");
  const t0 = performance.now();
  const p = checkProblem(problem);
  if (options.preemption ?? p.options.preemption)
    return solvePreempting(
      problem as PlacementProblem,
      p,
      eng.name,
      options.wasmBuild ?? "release",
      options.spread ?? p.options.spread,
    );
  const resources = resourceNames(p.nodes, p.gangs);
  const cluster = new ClusterEncoding(p.levels, p.nodes, resources, eng, needsLabels(p.gangs));
  try {
    return placeEncoded(eng, cluster, p.levels, p.gangs, options.spread ?? p.options.spread, t0).result;
  } finally {
    eng.release(cluster.region);
  }
}
