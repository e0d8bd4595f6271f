// KAI's Queue `spec.preemptMinRuntime` and `spec.reclaimMinRuntime` (README "Queues"): a running
// gang of a queue is not chosen as a victim of that kind of eviction (priority preemption inside
// its queue, or reclaim by another queue) until it has run that long. The value is the victim's
// own queue's, else the nearest ancestor's that sets one (`spec.parentQueue`); a Go duration
// ("30s", "5m", "1h30m"); unset, "0" or not a duration: no minimum. A gang has run since the
// newest `status.startTime` of its running pods (a pod without one has only just started), so a
// gang whose pods were recreated is protected again, as KAI counts from the job's last start.
import { LabelKaiQueue, parseGoDuration } from "@grove-ts/api";
import type { ClusterView } from "./pending.js";
import type { VictimCandidate } from "./victims.js";

export type MinRuntimeField = "preemptMinRuntime" | "reclaimMinRuntime";

interface QueueSpec {
  parentQueue?: string;
  preemptMinRuntime?: string;
  reclaimMinRuntime?: string;
}

/** The minimum runtime in ms `queue` (or its nearest ancestor setting one) asks for; 0: none. */
export function queueMinRuntimeMs(
  view: Pick<ClusterView, "queues">,
  queue: string,
  field: MinRuntimeField,
): number {
  const seen = new Set<string>();
  for (let q: string | undefined = queue; q !== undefined && !seen.has(q); ) {
    seen.add(q);
    const spec: QueueSpec | undefined = (view.queues?.get(q) as { spec?: QueueSpec } | undefined)?.spec;
    const v = spec?.[field];
    if (v !== undefined && v !== "") {
      const ns = parseGoDuration(v);
      return ns === undefined || ns <= 0 ? 0 : ns / 1e6;
    }
    q = spec?.parentQueue;
  }
  return 0;
}

/** How long `c` has run at `now` (ms): since the newest start of its pods. */
export function runtimeMs(c: Pick<VictimCandidate, "objects">, now: number): number {
  let newest = Number.NEGATIVE_INFINITY;
  for (const p of c.objects) {
    const t = p.status?.startTime ? Date.parse(p.status.startTime) : now;
    newest = Math.max(newest, Number.isNaN(t) ? now : t);
  }
  return Number.isFinite(newest) ? Math.max(0, now - newest) : 0;
}

/**
 * True when `c` may be chosen for an eviction of kind `field`: it is in no existing Queue (only
 * pods of ours carry one), or it has run at least its queue's minimum.
 */
export function ranLongEnough(
  view: Pick<ClusterView, "queues" | "ours">,
  c: VictimCandidate,
  field: MinRuntimeField,
  now = Date.now(),
): boolean {
  const p = c.objects[0];
  const q = p && view.queues && view.ours(p) ? p.metadata?.labels?.[LabelKaiQueue] : undefined;
  if (q === undefined || !view.queues?.get(q)) return true;
  const min = queueMinRuntimeMs(view, q, field);
  return min === 0 || runtimeMs(c, now) >= min;
}
