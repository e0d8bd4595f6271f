// Evicting running pods to make room, as kube-scheduler's preemption does (its PrepareCandidate):
// each victim pod gets the DisruptionTarget condition (True, PreemptionByScheduler) through the
// status subresource, a Normal "Preempted" Event naming the preemptor, and a graceful delete (the
// pod's own grace period; a pod already gone is fine). Preemption (preemption.ts) and queue reclaim
// evict through here, each with its own condition message and Event text.
import { type Client, isConflict, isNotFound, type Logger, PodType, rfc3339 } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { pk } from "./pending.js";

/** The pod condition kube's disruption controller and kubelet read (v1.DisruptionTarget). */
export const ConditionDisruptionTarget = "DisruptionTarget";
/** v1.PodReasonPreemptionByScheduler. */
export const ReasonPreemptionByScheduler = "PreemptionByScheduler";
/** kube-scheduler's Event reason on a preempted pod. */
export const EventReasonPreempted = "Preempted";

/** Records an Event on a pod (the status writer's recorder, by the given scheduler name). */
export type PodEventSink = (
  pod: Pod,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  component?: string,
) => void;

export interface Eviction {
  /** The pods to delete, whole gangs at a time (the caller chose them). */
  pods: Pod[];
  /** DisruptionTarget's message, e.g. kube's "<scheduler>: preempting to accommodate a higher priority pod". */
  condition: string;
  /** The Event's message for one pod (kube: "Preempted by pod <uid> on node <node>"). */
  event: (pod: Pod) => string;
  /** The Events' source: the preemptor's scheduler name. */
  component: string;
}

export class Evictor {
  /** Evictions in flight (stop() waits for them). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: Client,
    private readonly events: PodEventSink,
    private readonly log: Logger,
    /** Pods evicted at once. */
    private readonly concurrency = 16,
  ) {}

  /** Starts evicting in the background; the returned promise settles when every pod was handled. */
  evict(e: Eviction): Promise<void> {
    const run = this.run(e).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
    return run;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async run(e: Eviction): Promise<void> {
    const queue = [...e.pods];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) await this.one(p, e);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  private async one(pod: Pod, e: Eviction): Promise<void> {
    const name = pod.metadata?.name ?? "";
    const ns = pod.metadata?.namespace;
    try {
      await this.client.patch(
        PodType,
        name,
        ns,
        {
          type: "strategic",
          body: {
            status: {
              conditions: [
                {
                  type: ConditionDisruptionTarget,
                  status: "True",
                  reason: ReasonPreemptionByScheduler,
                  message: e.condition,
                  lastTransitionTime: rfc3339(new Date()),
                },
              ],
            },
          },
        },
        { subresource: "status" },
      );
      this.events(pod, "Normal", EventReasonPreempted, e.event(pod), e.component);
      await this.client.delete(PodType, name, ns, {
        ...(pod.metadata?.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
      });
    } catch (err) {
      // Gone already, or replaced by a pod of the same name: nothing left to evict.
      if (isNotFound(err) || isConflict(err)) return;
      this.log.warn("could not evict pod", { pod: pk(pod), error: err });
    }
  }
}
