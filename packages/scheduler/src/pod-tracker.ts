// What a scheduling cycle need not look at again, kept from the pod informer's events so that a
// cycle's cost follows what changed, not the size of the cluster (issue 15 item 5):
// - settled PodGangs: every referenced pod exists and is bound (spec.nodeName), none gated, being
//   deleted or finished. Nothing of theirs is left to place, so the cycle's look at the pending
//   gangs (ClusterView.collect) and the pending count (StatusWriter.reportPending) skip them
//   without reading their pods. An entry is kept per PodGang object (the informer's objects are
//   never changed in place: a spec change is a new object) and forgotten on any event of a pod it
//   references;
// - schedulable pods: every pod that was ours, unbound, ungated and not finished at its last event
//   (a superset of the lone pods a cycle may place, each checked again when read);
// - pods with required pod anti-affinity, not finished: none, and no placed pod can refuse a gang
//   (pod-cycle.ts skips its pass over every placed pod);
// - what the nodes say that a cycle asks (some node has a PreferNoSchedule taint), until a node
//   changes.
// Without `track()` (no informer events delivered) nothing is kept and every look is a full one.
import type { PodGang } from "@grove-ts/api";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podKey } from "./snapshot.js";

export interface SettledGang {
  /** Every PodGroup has at least minReplicas pods bound. */
  holds: boolean;
}

export class PodTracker {
  private tracking = false;
  private readonly settled = new Map<string, SettledGang & { pg: PodGang }>();
  /** pod key -> keys of settled gangs that reference it. */
  private readonly gangsOf = new Map<string, Set<string>>();
  /** pod key -> [namespace, name] of pods schedulable at their last event. */
  private readonly candidates = new Map<string, [string, string]>();
  /** Keys of unfinished pods with required pod anti-affinity. */
  private readonly anti = new Set<string>();
  /** Facts about the nodes, cleared by nodeChanged(). */
  readonly nodeFacts: { preferNoSchedule?: boolean } = {};

  /** Pod events are delivered from now on (onPod / onPodDeleted for every pod, the initial list included). */
  track(): void {
    this.tracking = true;
  }

  get tracked(): boolean {
    return this.tracking;
  }

  /** The settled entry of gang `key` when it was computed from this very object. */
  settledGang(key: string, pg: PodGang): SettledGang | undefined {
    const s = this.settled.get(key);
    return s && s.pg === pg ? s : undefined;
  }

  /** `pg` (gang `key`) has every pod in `pods` bound; `holds`: each group has its minimum. */
  settle(key: string, pg: PodGang, pods: readonly string[], holds: boolean): void {
    if (!this.tracking) return;
    this.settled.set(key, { pg, holds });
    for (const p of pods) {
      let s = this.gangsOf.get(p);
      if (!s) {
        s = new Set();
        this.gangsOf.set(p, s);
      }
      s.add(key);
    }
  }

  gangDeleted(key: string): void {
    this.settled.delete(key);
  }

  /** A pod was added or changed; `schedulable`: ours, unbound, ungated, not finished. */
  onPod(pod: Pod, schedulable: boolean): void {
    const key = podKey(pod.metadata?.namespace, pod.metadata?.name);
    this.unsettle(key);
    if (schedulable) this.candidates.set(key, [pod.metadata?.namespace ?? "", pod.metadata?.name ?? ""]);
    else this.candidates.delete(key);
    const phase = pod.status?.phase;
    const anti = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if ((anti?.length ?? 0) > 0 && phase !== "Succeeded" && phase !== "Failed") this.anti.add(key);
    else this.anti.delete(key);
  }

  /** Some pod may have required pod anti-affinity (always true while not tracking). */
  mayHaveAntiAffinity(): boolean {
    return !this.tracking || this.anti.size > 0;
  }

  /** A node was added, deleted or changed: what was known about the nodes is not. */
  nodeChanged(): void {
    delete this.nodeFacts.preferNoSchedule;
  }

  onPodDeleted(pod: Pod): void {
    const key = podKey(pod.metadata?.namespace, pod.metadata?.name);
    this.unsettle(key);
    this.candidates.delete(key);
    this.anti.delete(key);
  }

  /** [namespace, name] of the pods that were schedulable at their last event. */
  schedulablePods(): IterableIterator<[string, string]> {
    return this.candidates.values();
  }

  private unsettle(podKey: string): void {
    const gangs = this.gangsOf.get(podKey);
    if (!gangs) return;
    for (const g of gangs) this.settled.delete(g);
    this.gangsOf.delete(podKey);
  }
}
