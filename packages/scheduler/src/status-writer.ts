// What the scheduler writes besides bindings: per pod it cannot place, PodScheduled=False and a
// FailedScheduling Event (once per distinct message); a Scheduled Event per bound pod; PodGang
// status (phase and the Scheduled condition, written only when it changed, as a JSON patch that
// leaves the operator's Initialized condition alone: podGangStatusOps);
// and the pending-gang metrics. Status passes run one at a time, coalesced, apart from the cycle:
// a slow status write never holds back a placement.
import { LabelBasePodGang, type PodGang, PodGangConditionScheduled, PodGangType } from "@grove-ts/api";
import {
  type Client,
  type Condition,
  createEventRecorder,
  type EventRecorder,
  findCondition,
  type JsonPatchOp,
  type KubeObject,
  type Logger,
  PodType,
  rfc3339,
  StatusMemory,
  setCondition,
  statusPatchOps,
} from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { clearDisruptionOps, type DisruptedGangs } from "./gang-disruption.js";
import type { WorkGang } from "./gangs.js";
import { type GangSchedulerMetrics, PENDING_REASONS, type PendingReason } from "./metrics.js";
import { type ClusterView, pk, splitKey } from "./pending.js";

export const DEFAULT_SCHEDULER_NAME = "grove-scheduler";
export const ReasonUnschedulable = "Unschedulable";
export const ReasonScheduled = "Scheduled";
/** The PodGang's Scheduled=False reason while the victims of its preemption terminate. */
export const ReasonPreempting = "Preempting";
export const EventReasonFailedScheduling = "FailedScheduling";
export const EventReasonScheduled = "Scheduled";

/**
 * The scheduler's part of a PodGang's status as an RFC 6902 patch (runtime's statusPatchOps): `phase`
 * and the Scheduled condition, the operator's Initialized condition left alone. A PodGang with no
 * status yet is the operator's to start (it writes the first one, with Initialized): a lone
 * `phase: Pending` would only race it.
 */
export function podGangStatusOps(
  base: KubeObject & { status?: { conditions?: Condition[] } },
  want: { phase?: string; condition?: Condition | undefined },
): JsonPatchOp[] {
  const { phase, condition } = want;
  if (!base.status && !condition && (phase === undefined || phase === "Pending")) return [];
  return statusPatchOps(base, {
    ...(phase !== undefined ? { fields: { phase } } : {}),
    ...(condition ? { condition } : {}),
  });
}

interface Verdict {
  message: string;
  /** The Scheduled condition's reason; default Unschedulable (Preempting: preemption.ts). */
  reason?: string;
  /** The gang could not be built (an "error" attempt, an "invalid" pending gang). */
  invalid?: boolean;
}

export interface StatusWriterOptions {
  log: Logger;
  /** Delay that coalesces status passes. */
  coalesceMs: number;
  metrics?: GangSchedulerMetrics | undefined;
  /** Victim PodGangs: their DisruptionTarget goes False once they hold anew (gang-disruption.ts). */
  disrupted?: DisruptedGangs | undefined;
  /** Where Events go; default the status client. */
  eventClient?: Client | undefined;
}

export class StatusWriter {
  /** One Event recorder per scheduler name (the Events' source.component). */
  private readonly recorders = new Map<string, EventRecorder>();
  /** Last unschedulable message per gang key (drives the Scheduled=False condition). */
  private readonly verdicts = new Map<string, Verdict>();
  /** Last message written per pod (uid), so a retry that fails the same way writes nothing. */
  private readonly podMessages = new Map<string, string>();
  /** PodGangs whose status may be stale. */
  private readonly dirty = new Set<string>();
  /** The PodGang each status write of ours returned, until the cache shows it. */
  private readonly gangWrites = new StatusMemory();
  /** PodGang uids whose scheduling latency was observed (only kept with metrics). */
  private readonly latencyObserved = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly client: Client,
    private readonly view: ClusterView,
    private readonly options: StatusWriterOptions,
  ) {
    this.log = options.log;
  }

  // ---- outcomes of a cycle and of bindings ---------------------------------------------------

  /** `w` did not fit (or, with result "error", could not be built): say why on its pods. */
  async unplaced(
    w: WorkGang,
    reason: string,
    result: "unschedulable" | "error" = "unschedulable",
  ): Promise<void> {
    this.options.metrics?.scheduleAttempt(result);
    if (w.podGang && this.verdicts.get(w.key)?.message !== reason) this.markDirty(w.key);
    this.verdicts.set(w.key, { message: reason, ...(result === "error" ? { invalid: true } : {}) });
    const message = w.podGang ? `gang ${w.key}: ${reason}` : reason;
    for (const gr of w.groups) for (const pod of gr.pending) await this.markPod(pod, message);
  }

  /**
   * `w` preempted running gangs and waits for them to go: the PodGang's Scheduled=False condition
   * says `Preempting` (preemption.ts), its pods say why they wait.
   */
  async nominated(w: WorkGang, message: string): Promise<void> {
    this.options.metrics?.scheduleAttempt("unschedulable");
    if (w.podGang && this.verdicts.get(w.key)?.message !== message) this.markDirty(w.key);
    this.verdicts.set(w.key, { message, reason: ReasonPreempting });
    const text = w.podGang ? `gang ${w.key}: ${message}` : message;
    for (const gr of w.groups) for (const pod of gr.pending) await this.markPod(pod, text);
  }

  /** `w`'s minimum was placed. */
  placed(w: WorkGang): void {
    this.options.metrics?.scheduleAttempt("scheduled");
    this.verdicts.delete(w.key);
    if (w.podGang) this.markDirty(w.key);
  }

  /** A pod bound: a Scheduled Event, and a later failure writes its message afresh. */
  bound(pod: Pod, node: string): void {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    if (pod.metadata?.uid) this.podMessages.delete(pod.metadata.uid);
    this.event(pod, "Normal", EventReasonScheduled, `Successfully assigned ${ns}/${name} to ${node}`);
  }

  /** PodScheduled=False/Unschedulable and a FailedScheduling event, once per distinct message. */
  async markPod(pod: Pod, message: string): Promise<void> {
    const uid = pod.metadata?.uid ?? pk(pod);
    if (this.podMessages.get(uid) === message) return;
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
    this.podMessages.set(uid, message);
    if (!(cond?.status === "False" && cond.reason === ReasonUnschedulable && cond.message === message)) {
      try {
        await this.client.patch(
          PodType,
          pod.metadata?.name ?? "",
          pod.metadata?.namespace,
          {
            type: "strategic",
            body: {
              status: {
                conditions: [
                  {
                    type: "PodScheduled",
                    status: "False",
                    reason: ReasonUnschedulable,
                    message,
                    lastProbeTime: null,
                    lastTransitionTime: rfc3339(new Date()),
                  },
                ],
              },
            },
          },
          { subresource: "status" },
        );
      } catch (err) {
        this.podMessages.delete(uid);
        this.log.warn("could not mark pod unschedulable", { pod: pk(pod), error: err });
        return;
      }
    }
    this.event(pod, "Warning", EventReasonFailedScheduling, message);
  }

  // ---- forgetting -------------------------------------------------------------------------------

  podDeleted(pod: Pod, loneKey: string): void {
    if (pod.metadata?.uid) this.podMessages.delete(pod.metadata.uid);
    this.verdicts.delete(loneKey);
  }

  gangDeleted(key: string, uid: string | undefined): void {
    if (uid) this.latencyObserved.delete(uid);
    this.verdicts.delete(key);
    if (uid) this.gangWrites.forget({ metadata: { uid } } as KubeObject);
    this.options.disrupted?.forget(key);
  }

  // ---- PodGang status ---------------------------------------------------------------------------

  /** The PodGang's status may be stale: a status pass after coalesceMs. */
  markDirty(key: string): void {
    this.dirty.add(key);
    if (!this.started || this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pass();
    }, this.options.coalesceMs);
  }

  /** Status passes begin (the informers have synced): one now for what was marked before. */
  start(): void {
    this.started = true;
    const first = this.dirty.values().next();
    if (!first.done) this.markDirty(first.value);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
  }

  /** Counts our PodGangs that do not hold their minimum, by why (see PendingReason). */
  reportPending(): void {
    const m = this.options.metrics;
    if (!m || this.stopped) return;
    const counts = Object.fromEntries(PENDING_REASONS.map((r) => [r, 0])) as Record<PendingReason, number>;
    for (const pg of this.view.gangs.list()) {
      const ns = pg.metadata.namespace ?? "";
      const key = `${ns}/${pg.metadata.name}`;
      // Every pod bound and each group at its minimum: holds, without reading its pods.
      if (this.view.tracker.settledGang(key, pg)?.holds) continue;
      const ours = pg.spec.podgroups.some((g) =>
        g.podReferences.some((ref) => {
          const pod = this.view.pods.get(ref.name, ref.namespace || ns);
          return pod !== undefined && this.view.ours(pod);
        }),
      );
      if (!ours || this.view.gangHolds(key, this.view.isBound)) continue;
      const verdict = this.verdicts.get(key);
      const base = pg.metadata.labels?.[LabelBasePodGang];
      const reason: PendingReason = verdict
        ? verdict.invalid
          ? "invalid"
          : "unschedulable"
        : base && base !== pg.metadata.name && !this.view.gangHolds(`${ns}/${base}`, this.view.isBound)
          ? "waiting_for_base"
          : "waiting_for_pods";
      counts[reason]++;
    }
    m.pendingPodGangs(counts);
  }

  private async pass(): Promise<void> {
    if (this.running) {
      // One pass at a time: the keys marked meanwhile get the next one.
      await this.running;
      if (this.dirty.size > 0 && !this.timer && !this.stopped) void this.pass();
      return;
    }
    this.running = this.writeGangStatuses()
      .then(() => this.reportPending())
      .catch((err) => this.log.error("PodGang status pass failed", { error: err }))
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /**
   * Recorded in the background by the recorder of `component` (default the pod's scheduler name),
   * the Events' source.
   */
  event(
    pod: Pod,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    component = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME,
  ): void {
    let recorder = this.recorders.get(component);
    if (!recorder) {
      recorder = createEventRecorder(this.options.eventClient ?? this.client, {
        component,
        logger: this.log,
      });
      this.recorders.set(component, recorder);
    }
    recorder.event(
      { apiVersion: "v1", kind: "Pod", metadata: pod.metadata ?? {} } as KubeObject,
      type,
      reason,
      message,
    );
  }

  /**
   * First time a PodGang is seen holding its minimum: seconds since it was created. A gang whose
   * Scheduled condition is already True was observed before (or by an earlier process).
   */
  private observeLatency(pg: PodGang & KubeObject, m: GangSchedulerMetrics): void {
    const uid = pg.metadata.uid;
    if (!uid || this.latencyObserved.has(uid)) return;
    this.latencyObserved.add(uid);
    const scheduled = findCondition(
      pg.status?.conditions as Condition[] | undefined,
      PodGangConditionScheduled,
    );
    const created = Date.parse(pg.metadata.creationTimestamp ?? "");
    if (scheduled?.status === "True" || Number.isNaN(created)) return;
    m.podGangSchedulingLatency(Math.max(0, (Date.now() - created) / 1000));
  }

  private async writeGangStatuses(): Promise<void> {
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      if (this.stopped) return;
      const [ns, name] = splitKey(key);
      const pg = this.view.gangs.get(name, ns);
      if (!pg) continue;
      let ours = false;
      let all = 0;
      let running = 0;
      for (const g of pg.spec.podgroups)
        for (const ref of g.podReferences) {
          const pod = this.view.pods.get(ref.name, ref.namespace || ns);
          all++;
          if (!pod) continue;
          if (this.view.ours(pod)) ours = true;
          if (pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp) running++;
        }
      if (!ours) continue;
      const holds = all > 0 && this.view.gangHolds(key, this.view.isBound);
      if (holds && this.options.metrics) this.observeLatency(pg, this.options.metrics);
      const phase = !holds ? "Pending" : running === all ? "Running" : "Starting";
      const verdict = this.verdicts.get(key);
      // The newer of the cache and our own last write: a lagging watch must not make us rewrite.
      const base = this.gangWrites.newest(pg);
      const conditions = base.status?.conditions as Condition[] | undefined;
      const condition = holds
        ? setCondition(conditions, {
            type: PodGangConditionScheduled,
            status: "True",
            reason: ReasonScheduled,
            message: "every PodGroup has at least minReplicas pods bound",
          })
        : verdict
          ? setCondition(conditions, {
              type: PodGangConditionScheduled,
              status: "False",
              reason: verdict.reason ?? ReasonUnschedulable,
              message: verdict.message,
            })
          : undefined;
      const ops = podGangStatusOps(base, {
        phase,
        ...(condition ? { condition: findCondition(condition, PodGangConditionScheduled) } : {}),
      });
      const d = this.options.disrupted;
      // Index-based: the ops above replace Scheduled in place or append, never move DisruptionTarget.
      const cleared =
        holds && d
          ? clearDisruptionOps(base, () =>
              this.view.gangHolds(key, (p) => this.view.isBound(p) && d.fresh(key, p)),
            )
          : [];
      ops.push(...cleared);
      if (ops.length === 0) continue;
      try {
        const written = await this.client.patch<PodGang & KubeObject>(
          PodGangType,
          name,
          ns,
          { type: "json", body: ops },
          { subresource: "status" },
        );
        this.gangWrites.record(written);
        if (cleared.length > 0) d?.forget(key);
      } catch (err) {
        // A failed test or a stale resourceVersion means a newer PodGang is on its way: its update
        // event marks it dirty again (runtime's status-patch.ts).
        this.log.debug("PodGang status not written", { podGang: key, error: err });
      }
    }
  }
}
