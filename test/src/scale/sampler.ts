// A sampled pod timeline for the scale suite: every `intervalMs` (500 ms by default) the pods of the
// test's PodCliqueSet that exist, are ungated, bound and Ready, in seconds from the test's start, so a
// report can draw pods created / ready over time beside the milestones. Samples read the bench's
// watch of those pods (pod-view.ts); until 2026-12-07 each was a list, and a list slower than the
// interval skipped ticks.
import type { PodView } from "./pod-view.js";
import { isReady } from "./timeline.js";

/** Columnar so a long soak stays small in the results file; index i of each array is one sample. */
export interface PodTimeline {
  intervalSeconds: number;
  /** Seconds from the test's start (the phases' `durationFromTestStartSeconds` clock). */
  seconds: number[];
  /** Pods of the PodCliqueSet (`app.kubernetes.io/part-of=<pcs>`) that exist at that moment. */
  pods: number[];
  /** Of those, the ones with condition Ready=True. */
  ready: number[];
  /** Of those, the ones without scheduling gates (absent before 2026-12-07 17:00 UTC). */
  ungated?: number[];
  /** Of those, the ones bound to a node (spec.nodeName; absent before 2026-12-07 17:00 UTC). */
  bound?: number[];
}

export interface PodSampler {
  /** Stops sampling (after one last sample) and returns the timeline. */
  stop(): Promise<PodTimeline>;
}

export function startPodSampler(view: PodView, opts: { testStart: number; intervalMs?: number }): PodSampler {
  const intervalMs = opts.intervalMs ?? 500;
  const out = {
    intervalSeconds: intervalMs / 1000,
    seconds: [] as number[],
    pods: [] as number[],
    ready: [] as number[],
    ungated: [] as number[],
    bound: [] as number[],
  } satisfies PodTimeline;
  const sample = () => {
    const items = view.pods();
    out.seconds.push(Math.round(performance.now() - opts.testStart) / 1000);
    out.pods.push(items.length);
    out.ready.push(items.filter(isReady).length);
    out.ungated.push(items.filter((p) => (p.spec?.schedulingGates?.length ?? 0) === 0).length);
    out.bound.push(items.filter((p) => !!p.spec?.nodeName).length);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      sample();
      return out;
    },
  };
}
