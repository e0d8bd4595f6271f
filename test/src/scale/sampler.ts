// A sampled pod timeline for the scale suite: every `intervalMs` (500 ms by default) the pods of the
// test's PodCliqueSet that exist, are ungated, bound and Ready, in seconds from the test's start, so a
// report can draw pods created / ready over time beside the milestones. One list in flight at a
// time: a list slower than the interval skips ticks instead of piling up.
import { type Client, type KubeObject, PodType } from "@grove-ts/runtime";
import { isReady } from "./timeline.js";

type Pod = KubeObject & { spec?: { schedulingGates?: unknown[]; nodeName?: string } };

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

export function startPodSampler(
  client: Client,
  namespace: string,
  pcs: string,
  opts: { testStart: number; intervalMs?: number },
): PodSampler {
  const intervalMs = opts.intervalMs ?? 500;
  const out = {
    intervalSeconds: intervalMs / 1000,
    seconds: [] as number[],
    pods: [] as number[],
    ready: [] as number[],
    ungated: [] as number[],
    bound: [] as number[],
  } satisfies PodTimeline;
  let inFlight: Promise<void> | undefined;
  const sample = async () => {
    try {
      const { items } = await client.list<Pod>(PodType, {
        namespace,
        labelSelector: `app.kubernetes.io/part-of=${pcs}`,
      });
      out.seconds.push(Math.round(performance.now() - opts.testStart) / 1000);
      out.pods.push(items.length);
      out.ready.push(items.filter(isReady).length);
      out.ungated.push(items.filter((p) => (p.spec?.schedulingGates?.length ?? 0) === 0).length);
      out.bound.push(items.filter((p) => !!p.spec?.nodeName).length);
    } catch {
      // A failed list is a missing sample, not a failed test: the milestones decide that.
    }
  };
  const tick = () => {
    if (inFlight) return;
    inFlight = sample().finally(() => {
      inFlight = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await inFlight;
      await sample();
      return out;
    },
  };
}
