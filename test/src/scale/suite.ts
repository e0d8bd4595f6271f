// Grove's scale tests (grove-behaviour.md §19.2) as phase lists over a ScaleEnv. Each test gets a
// fresh environment; its result carries the phases, the request tally and the final-check verdict.
import { PodCliqueSetType } from "@grove-ts/api";
import type { KubeObject } from "@grove-ts/runtime";
import type { ClusterSpec, ControlPlaneMode } from "@grove-ts/simulator";
import { type RequestCounts, WRITE_VERBS, writesPerPod } from "./counting.js";
import type { Mode, ScaleEnv } from "./env.js";
import { awaitInvariants } from "./invariants.js";
import { PODS_PER_REPLICA, scaleWorkload } from "./manifests.js";
import { watchPods } from "./pod-view.js";
import { type PodTimeline, startPodSampler } from "./sampler.js";
import { conditions, type Phase, type PhaseResult, TimelineTracker, timer } from "./timeline.js";
import { type ProcessUsage, startUsageSampler } from "./usage.js";

export interface SuiteKnobs {
  /** Steady-state window of ScaleTest_1000 (upstream 30 s). */
  steadyMs: number;
  soakBase: number;
  soakPeak: number;
  soakCycles: number;
  /** SoakChurn's hold-peak and hold-base (upstream 30 s). */
  soakHoldMs: number;
  /** Final-check convergence wait (upstream ≤60 s). */
  finalCheckMs: number;
}

export const UPSTREAM_KNOBS: SuiteKnobs = {
  steadyMs: 30_000,
  soakBase: 25,
  soakPeak: 50,
  soakCycles: 10,
  soakHoldMs: 30_000,
  finalCheckMs: 60_000,
};

export interface ScaleTestDef {
  name: string;
  /** Schedulable nodes (of 100). */
  nodes: number;
  /** PodCliqueSet name (upstream's fixture name). */
  pcs: string;
  memory: string;
  /** Replicas the PCS is created with. */
  initial: number;
  timeoutMs: number;
  phases(ctx: TestCtx): Phase[];
  /** The cluster (default: upstream's 100 nodes, all but `nodes` cordoned). */
  cluster?: ClusterSpec;
  /** Pods per PodCliqueSet replica (default PODS_PER_REPLICA, upstream's 2). */
  podsPerReplica?: number;
  /** The PodCliqueSet (default: `scaleWorkload`, upstream's shape). */
  workload?(o: { name: string; namespace: string; replicas: number }): object;
  /** Milestone poll interval (default 100 ms, upstream's). */
  pollMs?: number;
}

export interface TestCtx {
  env: ScaleEnv;
  knobs: SuiteKnobs;
  cond: ReturnType<typeof conditions>;
  create(): Promise<void>;
  scale(replicas: number): Promise<void>;
  remove(): Promise<void>;
  /** Final checks at `replicas` (throws with every violation). */
  finalCheck(replicas: number): Phase;
}

const NS = "default";

export class InvariantViolation extends Error {
  readonly code = "InvariantViolation";
  constructor(
    readonly test: string,
    readonly violations: string[],
  ) {
    super(
      `${test}: ${violations.length} invariant violation(s):\n  ${violations.slice(0, 20).join("\n  ")}${violations.length > 20 ? "\n  ..." : ""}`,
    );
  }
}

function scaleUpDown(
  name: string,
  nodes: number,
  pcs: string,
  from: number,
  to: number,
  timeoutMs = 15 * 60_000,
): ScaleTestDef {
  return {
    name,
    nodes,
    pcs,
    memory: "1Mi",
    initial: from,
    timeoutMs,
    phases: (c) => {
      const fromPods = from * PODS_PER_REPLICA;
      const toPods = to * PODS_PER_REPLICA;
      const deploy: Phase = {
        name: "deploy",
        action: c.create,
        milestones:
          from === 0
            ? [c.cond.podsAtCount("pods-at-zero", 0)]
            : [
                c.cond.podsCreated("initial-pods-created", fromPods),
                c.cond.podsReady("initial-pods-ready", fromPods),
              ],
      };
      const change: Phase =
        to > from
          ? {
              name: "scale-up",
              action: () => c.scale(to),
              milestones: [
                c.cond.podsCreated("all-pods-created", toPods),
                c.cond.podsReady("all-pods-ready", toPods),
              ],
            }
          : {
              name: "scale-down",
              action: () => c.scale(to),
              milestones: [c.cond.podsAtCount("pods-at-target", toPods)],
            };
      return [
        deploy,
        change,
        c.finalCheck(to),
        { name: "delete", action: c.remove, milestones: [c.cond.pcsDeleted("pcs-deleted")] },
      ];
    },
  };
}

export const SCALE_TESTS: ScaleTestDef[] = [
  {
    name: "ScaleTest_1000",
    nodes: 100,
    pcs: "scale-test-1000",
    memory: "1Mi",
    initial: 500,
    timeoutMs: 10 * 60_000,
    phases: (c) => [
      {
        name: "deploy",
        action: c.create,
        milestones: [
          c.cond.podsCreated("pods-created", 1000),
          c.cond.podsReady("pods-ready", 1000),
          c.cond.pcsAvailable("pcs-available", 1),
        ],
      },
      {
        name: "steady-state-reconcile",
        action: async () => {
          await c.env.client.patch(PodCliqueSetType, "scale-test-1000", NS, {
            type: "merge",
            body: { metadata: { annotations: { "grove.io/reconcile-trigger": new Date().toISOString() } } },
          });
        },
        milestones: [
          c.cond.pcsAvailable("pcs-still-available", 1),
          timer("steady-window", c.knobs.steadyMs),
          c.cond.pcsAvailable("pcs-available-after-window", 1),
        ],
      },
      { name: "delete", action: c.remove, milestones: [c.cond.pcsDeleted("pcs-deleted")] },
    ],
  },
  scaleUpDown("ScaleUp_Tiny", 5, "scale-up-tiny", 0, 5),
  scaleUpDown("ScaleUp_FromZero", 30, "scale-up-from-zero", 0, 500),
  scaleUpDown("ScaleUp", 30, "scale-up", 250, 500),
  scaleUpDown("ScaleDown_Tiny", 5, "scale-down-tiny", 5, 0),
  scaleUpDown("ScaleDown_ToZero", 30, "scale-down-to-zero", 500, 0),
  scaleUpDown("ScaleDown", 30, "scale-down", 500, 250),
  {
    name: "SoakChurn",
    nodes: 30,
    pcs: "soak-churn",
    memory: "10Mi",
    initial: UPSTREAM_KNOBS.soakBase,
    timeoutMs: 60 * 60_000,
    phases: (c) => {
      const { soakBase: base, soakPeak: peak, soakCycles: cycles, soakHoldMs: hold } = c.knobs;
      const phases: Phase[] = [
        {
          name: "deploy",
          action: c.create,
          milestones: [c.cond.podsReady("base-pods-ready", base * PODS_PER_REPLICA)],
        },
      ];
      for (let i = 1; i <= cycles; i++) {
        phases.push(
          {
            name: `cycle-${i}-scale-up`,
            action: () => c.scale(peak),
            milestones: [c.cond.podsReady("peak-pods-ready", peak * PODS_PER_REPLICA)],
          },
          { name: `cycle-${i}-hold-peak`, milestones: [timer("hold", hold)] },
          {
            name: `cycle-${i}-scale-down`,
            action: () => c.scale(base),
            milestones: [c.cond.podsAtCount("base-pods-restored", base * PODS_PER_REPLICA)],
          },
          { name: `cycle-${i}-hold-base`, milestones: [timer("hold", hold)] },
        );
      }
      phases.push(c.finalCheck(base), {
        name: "delete",
        action: c.remove,
        milestones: [c.cond.pcsDeleted("pcs-deleted")],
      });
      return phases;
    },
  },
];

export interface PhaseRequests {
  phase: string;
  requests: RequestCounts;
  writesPerPodCreated: number | null;
}

export interface K8sClientLimits {
  qps: number;
  burst: number;
  rateLimitPer?: "resource";
}

export interface ScaleTestResult {
  testName: string;
  mode: Mode;
  /** Whose API server the test ran on (absent in results recorded before it was: "grove"). */
  controlPlane?: ControlPlaneMode;
  runID: string;
  namespace: string;
  pcsCount: number;
  nodes: number;
  /**
   * The external operator's client limits. `rateLimitPer`: "resource" since 2026-12-07 (one
   * bucket per resource, as Grove's controller-runtime client); absent before: one bucket for all
   * of the controllers' requests.
   */
  k8sClient: K8sClientLimits | null;
  phases: (PhaseResult & {
    requests: RequestCounts;
    writesPerPodCreated: number | null;
    /** CPU seconds each process spent in this phase (absent before 2026-12-07 and off Linux). */
    cpuSeconds?: Record<string, number>;
  })[];
  testDurationSeconds: number;
  /** Over the whole test. */
  requests: RequestCounts;
  writesPerPodCreated: number | null;
  finalCheck: { passed: boolean; violations: string[] } | null;
  /** Pods existing / Ready every 500 ms over the whole test (absent in results recorded before it was). */
  timeline?: PodTimeline;
  /** Peak RSS and CPU time of each process over the test (absent before 2026-12-07 and off Linux). */
  processes?: ProcessUsage[];
  /** `grove-sim nodes --shard I/N` processes the nodes ran in (absent: in grove-sim's process). */
  nodeShards?: number;
  /** A milestone timed out, an action failed, or the final check found violations. */
  error?: string;
}

const ratio = (r: RequestCounts) =>
  r.podsCreated > 0 ? Math.round((r.writes / r.podsCreated) * 100) / 100 : null;

function mergeCounts(all: RequestCounts[]): RequestCounts {
  const out: RequestCounts = {
    byVerb: {},
    requests: 0,
    writes: 0,
    podsCreated: 0,
    podsDeleted: 0,
    noopWrites: {},
    repeatedWrites: {},
    failedWrites: {},
    needlessExamples: {},
    writesByWriter: {},
    writesPerPodByWriter: {},
  };
  const add = (dst: Record<string, number>, src: Record<string, number>) => {
    for (const [k, n] of Object.entries(src)) dst[k] = (dst[k] ?? 0) + n;
  };
  for (const r of all) {
    for (const [verb, row] of Object.entries(r.byVerb)) {
      const dst = out.byVerb[verb] ?? {};
      out.byVerb[verb] = dst;
      add(dst, row);
    }
    out.requests += r.requests;
    out.writes += r.writes;
    out.podsCreated += r.podsCreated;
    out.podsDeleted += r.podsDeleted;
    add(out.noopWrites, r.noopWrites);
    add(out.repeatedWrites, r.repeatedWrites);
    add(out.failedWrites, r.failedWrites);
    for (const [k, xs] of Object.entries(r.needlessExamples ?? {})) {
      const dst = out.needlessExamples[k] ?? [];
      out.needlessExamples[k] = dst;
      for (const x of xs) if (dst.length < 3) dst.push(x);
    }
    for (const [w, row] of Object.entries(r.writesByWriter ?? {})) {
      const dst = out.writesByWriter[w] ?? {};
      out.writesByWriter[w] = dst;
      add(dst, row);
    }
  }
  out.writesPerPodByWriter = writesPerPod(out.writesByWriter, out.podsCreated);
  return out;
}

/** Runs one test on a fresh environment made by `makeEnv`. */
export async function runScaleTest(
  def: ScaleTestDef,
  env: ScaleEnv,
  knobs: SuiteKnobs,
  opts: { progress?: (line: string) => void; k8sClient: K8sClientLimits | null },
): Promise<ScaleTestResult> {
  const now = new Date();
  const p2 = (n: number) => String(n).padStart(2, "0");
  const runID = `run-${now.getUTCFullYear()}${p2(now.getUTCMonth() + 1)}${p2(now.getUTCDate())}-${p2(now.getUTCHours())}${p2(now.getUTCMinutes())}${p2(now.getUTCSeconds())}`;
  const label = env.controlPlane === "kube" ? `${env.mode}, kube` : env.mode;
  const tracker = new TimelineTracker(`${def.name} [${label}]`, {
    pollMs: def.pollMs ?? 100,
    timeoutMs: def.timeoutMs,
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const initial = def.name === "SoakChurn" ? knobs.soakBase : def.initial;
  // The bench's own (uncounted) client watches the test's pods for the milestones and the timeline.
  const view = await watchPods(env.client, NS, def.pcs);
  let finalCheck: ScaleTestResult["finalCheck"] = null;
  const ctx: TestCtx = {
    env,
    knobs,
    cond: conditions(env.client, NS, def.pcs, view),
    create: async () => {
      await env.client.create(
        PodCliqueSetType,
        (def.workload
          ? def.workload({ name: def.pcs, namespace: NS, replicas: initial })
          : scaleWorkload({
              name: def.pcs,
              namespace: NS,
              replicas: initial,
              memory: def.memory,
            })) as KubeObject,
      );
    },
    scale: async (replicas) => {
      await env.client.patch(PodCliqueSetType, def.pcs, NS, { type: "merge", body: { spec: { replicas } } });
    },
    remove: async () => {
      await env.client.delete(PodCliqueSetType, def.pcs, NS);
    },
    finalCheck: (replicas) => ({
      name: "final-check",
      milestones: [
        {
          name: "invariants-hold",
          check: async () => {
            const v = await awaitInvariants(
              env.client,
              {
                namespace: NS,
                pcs: def.pcs,
                replicas,
                podsPerReplica: def.podsPerReplica ?? PODS_PER_REPLICA,
                cliquesPerReplica: 1,
              },
              knobs.finalCheckMs,
            );
            if (!env.operatorAlive())
              v.push("grove-operator exited during the test (upstream: operator restarted)");
            for (const s of env.fleet?.shards ?? [])
              if (!s.alive()) v.push(`grove-sim nodes --shard ${s.index} exited during the test`);
            finalCheck = { passed: v.length === 0, violations: v };
            // Recorded, not thrown: the timings stand and the PodCliqueSet is still deleted.
            return {
              met: true,
              detail: v.length === 0 ? "all invariants hold" : `${v.length} invariant violation(s)`,
            };
          },
        },
      ],
    }),
  };
  const phases: ScaleTestResult["phases"] = [];
  let error: string | undefined;
  env.requests.reset();
  const sampler = startPodSampler(view, { testStart: tracker.testStart });
  const usage = startUsageSampler(env.processes());
  let cpuBefore: Record<string, number> = {};
  try {
    for (const phase of def.phases(ctx)) {
      const r = await tracker.run(phase);
      // Requests up to this phase's last milestone; work still settling counts toward the next.
      const requests = env.requests.snapshot();
      env.requests.reset();
      const cpuNow = usage.cpuSoFar();
      const cpuSeconds = Object.fromEntries(
        Object.entries(cpuNow).map(([k, v]) => [k, Math.round((v - (cpuBefore[k] ?? 0)) * 100) / 100]),
      );
      cpuBefore = cpuNow;
      phases.push({ ...r, requests, writesPerPodCreated: ratio(requests), cpuSeconds });
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const timeline = await sampler.stop();
  await view.stop();
  const processes = usage.stop();
  const fc = finalCheck as ScaleTestResult["finalCheck"];
  if (!error && fc && !fc.passed) error = new InvariantViolation(def.name, fc.violations).message;
  const total = mergeCounts(phases.map((p) => p.requests));
  return {
    testName: def.name,
    mode: env.mode,
    controlPlane: env.controlPlane,
    runID,
    namespace: NS,
    pcsCount: 1,
    nodes: def.nodes,
    k8sClient: opts.k8sClient,
    phases,
    testDurationSeconds: tracker.totalSeconds(),
    requests: total,
    writesPerPodCreated: ratio(total),
    finalCheck,
    timeline,
    processes,
    ...(env.fleet ? { nodeShards: env.fleet.shards.length } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

export { WRITE_VERBS };
