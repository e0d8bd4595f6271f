// The solver as the scheduling cycle calls it: one placement call over the current capacity, on an
// encoded `PlacementSnapshot` kept per topology and updated per bound or freed pod (the `incremental`
// option), or solved from scratch; and the translation of a pending gang into the placement
// problem's gang, checked against the contract (placement-problem.md).
import {
  checkProblem,
  createSnapshot,
  type Gang,
  type PlacementResult,
  type PlacementSnapshot,
  type PreemptionResult,
  type RunningGang,
  solve,
  type TopologyLevel,
} from "@grove-ts/placement";
import { toPlacementGang, type WorkGang } from "./gangs.js";
import type { GangSchedulerMetrics } from "./metrics.js";
import { keepMnnvlTogether, NVLINK_DOMAIN_KEY } from "./mnnvl.js";
import { avoidDomains } from "./replica-spread.js";
import { toQuantities } from "./requests.js";
import type { Snapshot } from "./snapshot.js";

export interface PlacerOptions {
  engine?: "wasm" | "js" | undefined;
  /** Keep an encoded snapshot per topology across cycles (default true). */
  incremental?: boolean | undefined;
  metrics?: GangSchedulerMetrics | undefined;
}

export class Placer {
  /** Encoded clusters per topology signature, kept in step with `snapshot`. */
  private readonly placements = new Map<string, PlacementSnapshot>();

  constructor(
    private readonly snapshot: Snapshot,
    private readonly options: PlacerOptions,
  ) {
    snapshot.onUsage((node, requests, sign) => {
      const q = toQuantities(requests);
      for (const [sig, ps] of this.placements) {
        try {
          if (sign > 0) ps.bind(node, q);
          else ps.free(node, q);
        } catch {
          // Out of step (e.g. a pod on a node the encoding lacks): rebuild at the next cycle.
          ps.dispose();
          this.placements.delete(sig);
        }
      }
    });
  }

  /** Forgets the encoding for `levels` (all of them when undefined): a node changed. */
  drop(levels?: TopologyLevel[]): void {
    const sig = levels === undefined ? undefined : JSON.stringify(levels);
    for (const [k, ps] of this.placements)
      if (sig === undefined || k === sig) {
        ps.dispose();
        this.placements.delete(k);
      }
  }

  /**
   * One placement call over the current capacity (solver time reported to the metrics); `spread`:
   * the Spread policy (least-allocated nodes first inside the chosen domain).
   */
  place(levels: TopologyLevel[], gangs: Gang[], spread = false): PlacementResult {
    const m = this.options.metrics;
    if (!m) return this.solve(levels, gangs, spread);
    const started = performance.now();
    try {
      return this.solve(levels, gangs, spread);
    } finally {
      m.solverDuration((performance.now() - started) / 1000);
    }
  }

  /** The placement gang for `w`; throws when the contract rejects it (reported on its pods). */
  toGang(w: WorkGang, levels: TopologyLevel[]): Gang {
    const labelsOf = (n: string) => this.snapshot.node(n)?.metadata?.labels;
    const build = (x: WorkGang) =>
      // An MNNVL group's pods in one NVLink domain (mnnvl.ts).
      keepMnnvlTogether(
        toPlacementGang(x, levels, (p) => this.snapshot.boundNode(p), labelsOf),
        x,
        levels,
        (p) => {
          const n = this.snapshot.boundNode(p);
          return n ? labelsOf(n)?.[NVLINK_DOMAIN_KEY] : undefined;
        },
      );
    const gang = w.avoid ? avoidDomains(build(w), w.avoid) : build(w);
    checkProblem({ topology: { levels }, nodes: [], gangs: [gang] });
    if (!w.companions?.length) return gang;
    // The base gang with its waiting scaled gangs as sub-groups (each keeping its own top-level
    // constraint) under the base's constraint: a domain that holds them all, when one does. Only
    // the base's pods are bound from it; the scaled gangs follow into that domain (`within`).
    const whole: Gang = { ...gang, groups: [...gang.groups], subGroups: [...(gang.subGroups ?? [])] };
    for (const c of w.companions) {
      const cg = build(c);
      if (cg.groups.length === 0) continue;
      whole.groups.push(...cg.groups);
      whole.subGroups?.push({
        name: `scaled:${c.key}`,
        groups: cg.groups.map((g) => g.name),
        ...(cg.constraint ? { constraint: cg.constraint } : {}),
      });
    }
    try {
      checkProblem({ topology: { levels }, nodes: [], gangs: [whole] });
      return whole;
    } catch {
      return gang;
    }
  }

  dispose(): void {
    this.drop();
  }

  /**
   * Preemption's dry run for `gang` (preemption.ts): which `candidates` to evict so it fits, on the
   * kept encoding for `levels` (a fresh one when not incremental); nothing is changed.
   */
  preempt(levels: TopologyLevel[], gang: Gang, candidates: RunningGang[]): PreemptionResult {
    const topology = levels.length > 0 ? { levels } : undefined;
    const engine = this.options.engine ?? "wasm";
    if (this.options.incremental === false) {
      const ps = createSnapshot(topology, this.snapshot.placementNodes(), { engine });
      try {
        return ps.preempt(gang, candidates);
      } finally {
        ps.dispose();
      }
    }
    const sig = JSON.stringify(levels);
    let ps = this.placements.get(sig);
    if (!ps) {
      ps = createSnapshot(topology, this.snapshot.placementNodes(), { engine });
      this.placements.set(sig, ps);
    }
    return ps.preempt(gang, candidates);
  }

  private solve(levels: TopologyLevel[], gangs: Gang[], spread: boolean): PlacementResult {
    const engine = this.options.engine ?? "wasm";
    const topology = levels.length > 0 ? { levels } : undefined;
    if (this.options.incremental === false)
      return solve(
        { ...(topology ? { topology } : {}), nodes: this.snapshot.placementNodes(), gangs },
        { engine, spread },
      );
    const sig = JSON.stringify(levels);
    let ps = this.placements.get(sig);
    if (!ps) {
      ps = createSnapshot(topology, this.snapshot.placementNodes(), { engine });
      this.placements.set(sig, ps);
    }
    return ps.place(gangs, spread ? { spread } : {});
  }
}
