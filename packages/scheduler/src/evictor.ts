// Evicting running pods to make room, as kube-scheduler's preemption does (its PrepareCandidate):
// each victim pod gets the DisruptionTarget condition (True, PreemptionByScheduler) through the
// status subresource, a Normal "Preempted" Event naming the preemptor, and a graceful delete (the
// pod's own grace period; a pod already gone is fine); a victim PodGang gets DisruptionTarget too
// (gang-disruption.ts). A step the API server refuses (anything but NotFound or Conflict) is
// retried with exponential backoff until it goes through, the eviction is aborted (its nomination
// was dropped) or the evictor stops. Preemption (preemption.ts) and queue reclaim evict through
// here, each with its own condition message and Event text.
import { type Client, isConflict, isNotFound, type Logger, PodType, rfc3339, sleep } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { type DisruptedGangs, markPodGangDisrupted } from "./gang-disruption.js";
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
  /** Victim PodGangs (`[namespace, name]`): DisruptionTarget with the same message, once each. */
  podGangs?: [string, string][];
  /** Aborted: stop retrying (the nomination this eviction serves was dropped). */
  signal?: AbortSignal;
}

export interface EvictorOptions {
  /** Pods evicted at once. Default 16. */
  concurrency?: number;
  /** First retry delay of a refused step; doubles per refusal up to maxBackoffMs. Default 1000. */
  initialBackoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /** Told each victim PodGang's pods before it is marked (its DisruptionTarget is cleared later). */
  disrupted?: DisruptedGangs;
}

export class Evictor {
  /** Evictions in flight (stop() waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Ends every backoff wait at stop(). */
  private readonly stopping = new AbortController();
  private readonly concurrency: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly disrupted: DisruptedGangs | undefined;

  constructor(
    private readonly client: Client,
    private readonly events: PodEventSink,
    private readonly log: Logger,
    options: EvictorOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = Math.max(this.initialBackoffMs, options.maxBackoffMs ?? 30_000);
    this.disrupted = options.disrupted;
  }

  /** Starts evicting in the background; the returned promise settles when every pod was handled. */
  evict(e: Eviction): Promise<void> {
    const run = this.run(e).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
    return run;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.inFlight]);
  }

  private async run(e: Eviction): Promise<void> {
    const message = e.condition;
    this.disrupted?.add(e.podGangs ?? [], e.pods);
    await Promise.all(
      (e.podGangs ?? []).map(([ns, name]) =>
        markPodGangDisrupted(this.client, ns, name, ReasonPreemptionByScheduler, message, this.log),
      ),
    );
    const queue = [...e.pods];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) await this.one(p, e);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  /** Condition, Event, delete; a refused step is retried (with backoff) from where it stopped. */
  private async one(pod: Pod, e: Eviction): Promise<void> {
    const name = pod.metadata?.name ?? "";
    const ns = pod.metadata?.namespace;
    let marked = false;
    for (let delay = this.initialBackoffMs; ; delay = Math.min(2 * delay, this.maxBackoffMs)) {
      try {
        if (!marked) {
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
          marked = true;
          this.events(pod, "Normal", EventReasonPreempted, e.event(pod), e.component);
        }
        await this.client.delete(PodType, name, ns, {
          ...(pod.metadata?.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
        });
        return;
      } catch (err) {
        // Gone already, or replaced by a pod of the same name: nothing left to evict.
        if (isNotFound(err) || isConflict(err)) return;
        this.log.warn("could not evict pod; retrying", { pod: pk(pod), retryInMs: delay, error: err });
      }
      if (e.signal?.aborted || this.stopping.signal.aborted) return;
      try {
        await sleep(
          delay,
          e.signal ? AbortSignal.any([e.signal, this.stopping.signal]) : this.stopping.signal,
        );
      } catch {
        return;
      }
    }
  }
}
