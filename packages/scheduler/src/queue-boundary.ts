// KAI's boundary between priority preemption and queue reclaim (README "Preemption", "Queues"):
// KAI preempts inside a queue only (strictly lower priority); across queues it only reclaims, and
// only from queues above their fair share (reclaim.ts). So with Queues served, a gang of one queue
// never evicts a gang of another for priority alone. Work of no queue (no `kai.scheduler/queue`
// label, a Queue that does not exist, or a pod of another scheduler: what fair share counts as
// outside every queue) keeps kube-scheduler's rule, priority alone, on either side.
import { LabelKaiQueue } from "@grove-ts/api";
import type { WorkGang } from "./gangs.js";
import { ranLongEnough } from "./min-runtime.js";
import type { ClusterView } from "./pending.js";
import { queueOfGang } from "./queue-share.js";
import { type InFlight, reclaimPolicy } from "./reclaim.js";
import { priorityVictimPolicy, runningGangs, type VictimCandidate, type VictimPolicy } from "./victims.js";

/** The existing Queue `w`'s pods name, when Queues are served; undefined otherwise. */
function queueOfPreemptor(view: ClusterView, w: WorkGang): string | undefined {
  const q = view.queues ? queueOfGang(w) : undefined;
  return q !== undefined && view.queues?.get(q) ? q : undefined;
}

/** The existing Queue a running candidate's pods name (ours only), when Queues are served. */
function queueOfCandidate(view: ClusterView, c: VictimCandidate): string | undefined {
  const p = c.objects[0];
  const q = p && view.queues && view.ours(p) ? p.metadata?.labels?.[LabelKaiQueue] : undefined;
  return q !== undefined && view.queues?.get(q) ? q : undefined;
}

/** Both sides are in Queues, and not the same one: only reclaim may take `c` for `w`. */
export function acrossQueues(view: ClusterView, w: WorkGang, c: VictimCandidate): boolean {
  const mine = queueOfPreemptor(view, w);
  if (mine === undefined) return false;
  const theirs = queueOfCandidate(view, c);
  return theirs !== undefined && theirs !== mine;
}

/** `policy`, confined to the preemptor's own queue when both sides are in one (see acrossQueues). */
export function withinQueue(view: ClusterView, policy: VictimPolicy): VictimPolicy {
  return (w, c) => policy(w, c) && !acrossQueues(view, w, c);
}

/**
 * The scheduler's policies: `priority` (strictly lower priority, below `nonPreemptible`, inside the
 * preemptor's queue, run for its queue's `preemptMinRuntime`) says which victims are preempted;
 * `victim` adds reclaim's across queues (of the gangs run for their queue's `reclaimMinRuntime`:
 * min-runtime.ts).
 */
export function kaiVictimPolicies(
  view: ClusterView,
  nonPreemptible: number | null,
  inFlight: () => InFlight,
): { priority: VictimPolicy; victim: VictimPolicy } {
  const inQueue = withinQueue(view, priorityVictimPolicy(nonPreemptible));
  const priority: VictimPolicy = (w, c) => inQueue(w, c) && ranLongEnough(view, c, "preemptMinRuntime");
  const reclaimable = (w: WorkGang) =>
    runningGangs(view, w).filter((c) => ranLongEnough(view, c, "reclaimMinRuntime"));
  const reclaim = reclaimPolicy(view, reclaimable, inFlight, nonPreemptible);
  return { priority, victim: (w, c) => priority(w, c) || reclaim(w, c) };
}

/** Why no candidate was left for `w`, when it is in a Queue (undefined otherwise). */
export function queueRefusal(view: ClusterView, w: WorkGang): string | undefined {
  const q = queueOfPreemptor(view, w);
  if (q === undefined) return undefined;
  return (
    `no running gang of priority below ${w.priority ?? 0} in queue "${q}" or of no queue may be ` +
    `preempted (preemption stays inside a queue), and none of another queue may be reclaimed ` +
    "(only from queues above their fair share, by a queue within its own)"
  );
}
