// Who may be evicted to make room for a pending gang: the running gangs (bound, not terminating pods
// of ours grouped by their PodGang label) and every other bound pod as a gang of one, each with a
// priority, filtered by a VictimPolicy. Preemption (preemption.ts) uses `priorityVictimPolicy`;
// queue reclaim can hand the same eviction path (evictor.ts) its own policy.
import { LabelPodGang } from "@grove-ts/api";
import type { RunningGang } from "@grove-ts/placement";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { WorkGang } from "./gangs.js";
import type { ClusterView } from "./pending.js";
import { podRequests, toQuantities } from "./requests.js";
import { holdsCapacity } from "./snapshot.js";

/** KAI's rule: a pod of priority >= 100 is not preemptible (the default of `nonPreemptiblePriority`). */
export const DEFAULT_NON_PREEMPTIBLE_PRIORITY = 100;

/** A running gang the solver may evict, with the pods it stands for. */
export interface VictimCandidate extends RunningGang {
  /** `<namespace>/<podgang>` for a PodGang's pods, `<namespace>/pod/<pod>` for any other pod. */
  name: string;
  /** Its live bound pods (what eviction deletes), in the order of `pods`. */
  objects: Pod[];
  /** The PodGang's name for a gang of ours, undefined for a lone pod. */
  podGang?: string | undefined;
}

/** Whether `candidate` may be evicted for `preemptor` (priority, policy and queue rules). */
export type VictimPolicy = (preemptor: WorkGang, candidate: VictimCandidate) => boolean;

/**
 * Preemption's rule (kube-scheduler's and KAI's): strictly lower priority than the preemptor, and
 * below `nonPreemptible` (KAI: priority >= 100 is never preempted; null: every priority is).
 */
export function priorityVictimPolicy(
  nonPreemptible: number | null = DEFAULT_NON_PREEMPTIBLE_PRIORITY,
): VictimPolicy {
  return (preemptor, c) =>
    c.priority < (preemptor.priority ?? 0) && (nonPreemptible === null || c.priority < nonPreemptible);
}

/** A pod holding its node's room and not on its way out: what eviction can still free. */
const running = (p: Pod): boolean => holdsCapacity(p) && !p.metadata?.deletionTimestamp;

/**
 * Every running gang and lone pod, `preemptor`'s own pods left out (when given). A PodGang's
 * priority is the highest of its class's value and its pods' (as for a pending gang: pending.ts).
 */
export function runningGangs(view: ClusterView, preemptor?: WorkGang): VictimCandidate[] {
  const own = new Set(
    preemptor?.groups.flatMap((g) => [...g.bound, ...g.pending]).map((p) => p.metadata?.uid),
  );
  const byGang = new Map<string, VictimCandidate>();
  const out: VictimCandidate[] = [];
  for (const p of view.pods.list()) {
    if (!running(p) || own.has(p.metadata.uid)) continue;
    const ns = p.metadata.namespace ?? "";
    const gang = view.ours(p) ? p.metadata.labels?.[LabelPodGang] : undefined;
    const entry = { node: p.spec?.nodeName ?? "", requests: requestsOf(p) };
    const priority = view.podPriority(p);
    if (!gang) {
      out.push({ name: `${ns}/pod/${p.metadata.name}`, priority, pods: [entry], objects: [p] });
      continue;
    }
    const name = `${ns}/${gang}`;
    if (name === preemptor?.key) continue;
    let c = byGang.get(name);
    if (!c) {
      const pg = view.gangs.get(gang, ns);
      c = {
        name,
        priority: view.classValue(pg?.spec.priorityClassName),
        pods: [],
        objects: [],
        podGang: gang,
      };
      byGang.set(name, c);
      out.push(c);
    }
    c.pods.push(entry);
    c.objects.push(p);
    c.priority = Math.max(c.priority, priority);
  }
  return out;
}

function requestsOf(p: Pod): RunningGang["pods"][number]["requests"] {
  try {
    return toQuantities(podRequests(p));
  } catch {
    return {};
  }
}
