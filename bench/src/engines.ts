import type { PlacementProblem, PlacementResult } from "./contract.js";

/**
 * The two things the benches take from other workspaces, loaded once and checked at the door:
 * the solver (`solve` from @grove-ts/placement) and the independent checker (`verifyPlacement`
 * from @grove-ts/testing). Both speak the JSON contract, so the bench's own contract types are
 * passed through unchanged.
 */
export type Engine = "wasm" | "js";
export const ENGINES: readonly Engine[] = ["wasm", "js"];

export type SolveFn = (problem: PlacementProblem, options: { engine: Engine }) => PlacementResult;
export type VerifyFn = (problem: PlacementProblem, result: PlacementResult) => string[];

/** The incremental face of the solver: the cluster is encoded once, then gangs are placed on it. */
export interface Snapshot {
  place(gangs: PlacementProblem["gangs"]): PlacementResult;
  dispose(): void;
}
export type CreateSnapshotFn = (
  topology: PlacementProblem["topology"],
  nodes: PlacementProblem["nodes"],
  options: { engine: Engine },
) => Snapshot;

export class MissingDependencyError extends Error {
  readonly code = "BENCH_MISSING_DEPENDENCY";
}

export async function loadSolver(): Promise<{
  solve: SolveFn;
  createSnapshot: CreateSnapshotFn;
  verifyPlacement: VerifyFn;
}> {
  const placement = (await import("@grove-ts/placement")) as unknown as {
    solve?: unknown;
    createSnapshot?: unknown;
  };
  const testing = (await import("@grove-ts/testing")) as unknown as { verifyPlacement?: unknown };
  if (typeof placement.solve !== "function") {
    throw new MissingDependencyError(
      "@grove-ts/placement does not export solve(problem, { engine }); build it first",
    );
  }
  if (typeof placement.createSnapshot !== "function") {
    throw new MissingDependencyError(
      "@grove-ts/placement does not export createSnapshot(topology, nodes, { engine }); build it first",
    );
  }
  if (typeof testing.verifyPlacement !== "function") {
    throw new MissingDependencyError(
      "@grove-ts/testing does not export verifyPlacement(problem, result); build it first",
    );
  }
  const solve = placement.solve as (p: unknown, o: { engine: Engine }) => unknown;
  const verify = testing.verifyPlacement as (p: unknown, r: unknown) => string[];
  return {
    solve: (problem, options) => solve(problem, options) as PlacementResult,
    createSnapshot: placement.createSnapshot as CreateSnapshotFn,
    verifyPlacement: (problem, result) => verify(problem, result),
  };
}

/** Placed pods and gangs of a result. */
export function countPlaced(result: PlacementResult): { pods: number; gangs: number } {
  let pods = 0;
  let gangs = 0;
  for (const gang of result.gangs) {
    if (!gang.placed) continue;
    gangs++;
    for (const group of gang.groups) pods += group.nodes.length;
  }
  return { pods, gangs };
}
