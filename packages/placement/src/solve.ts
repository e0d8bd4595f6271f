import type { WasmBuild } from "@grove-ts/placement-wasm";
import { type CheckedGang, type CheckedLevel, type CheckedNode, checkProblem } from "./check.js";
import { decode } from "./decode.js";
import { CallEncoding, ClusterEncoding } from "./encode.js";
import { type Engine, type EngineName, engine } from "./engines.js";
import type { PlacementOptions, PlacementProblem, PlacementResult } from "./types.js";

export interface SolveOptions extends PlacementOptions {
  /** "wasm" (default) or "js", the TypeScript reference; both give the same result. */
  engine?: EngineName;
  /** Which WebAssembly build runs the wasm engine (default "release"). */
  wasmBuild?: WasmBuild;
}

export function resourceNames(nodes: CheckedNode[], gangs: CheckedGang[]): Set<string> {
  const names = new Set<string>();
  for (const n of nodes) for (const r of n.allocatable.keys()) names.add(r);
  for (const g of gangs) for (const gr of g.groups) for (const r of gr.requests.keys()) names.add(r);
  return names;
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
  const cluster = new ClusterEncoding(p.levels, p.nodes, resourceNames(p.nodes, p.gangs), eng);
  try {
    return placeEncoded(eng, cluster, p.levels, p.gangs, options.spread ?? p.options.spread, t0).result;
  } finally {
    eng.release(cluster.region);
  }
}
