// Write economy of status (issue 15): a status is written when it holds, not at each step on the way.
// Three rules, all applied by finishReconcile (status-write.ts) only when the reconcile had no errors
// (lastErrors are written at once), and never to a status whose rolling-update progress changed:
// - always: while this process's own pod writes for a PodClique (creates, deletes, scheduling-gate
//   removals) are not yet in its pod cache, the status computed from that cache is one the object
//   is about to leave: it is not written; the pod events of those writes requeue the PodClique;
// - always: while a PodClique's gated pods wait only for their PodGang to list them (the
//   PodCliqueSet controller of this process does that next, and the gates then come off), for at
//   most LISTING_HOLD_MS (pclq/controller.ts) by this process's clock, and never for a base gang's
//   scheduledReplicas change (its scaled gangs wait on it); the PodGang's update requeues the
//   PodClique;
// - per object, at most one status write per window (`statusCoalesceMs`; off by default, see the README): the first
//   change is written at once, later changes within the window are folded into one write at its end
//   (the reconcile is requeued for then and computes the status anew from the cache).
// The status written is always the one computed last, so the final status is always written; a
// status equal to the newest known one is never written (patchStatusIfChanged). Readers see a
// status at most one window late.

export const DEFAULT_STATUS_COALESCE_MS = 0;
const SWEEP_AT = 1024;

/** Time of each object's last status write, by uid. */
export class StatusCoalescer {
  private readonly lastWrite = new Map<string, number>();
  private sinceSweep = 0;

  /**
   * @param windowMs minimum time between two status writes to one object; 0 writes every change
   *   at once.
   */
  constructor(
    readonly windowMs: number = DEFAULT_STATUS_COALESCE_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Milliseconds until a status write to `uid` may go out; 0 = now. */
  wait(uid: string | undefined): number {
    if (!uid || this.windowMs <= 0) return 0;
    const at = this.lastWrite.get(uid);
    if (at === undefined) return 0;
    const left = at + this.windowMs - this.clock();
    if (left > 0) return left;
    this.lastWrite.delete(uid);
    return 0;
  }

  wrote(uid: string | undefined): void {
    if (!uid || this.windowMs <= 0) return;
    const now = this.clock();
    this.lastWrite.set(uid, now);
    // Entries whose window passed are dropped by wait(), or here for objects not written again.
    if (this.lastWrite.size > SWEEP_AT && ++this.sinceSweep >= SWEEP_AT) {
      this.sinceSweep = 0;
      for (const [k, at] of this.lastWrite) if (now - at >= this.windowMs) this.lastWrite.delete(k);
    }
  }

  forget(uid: string | undefined): void {
    if (uid) this.lastWrite.delete(uid);
  }

  /** Objects remembered (at most SWEEP_AT beyond those written within their window). */
  get size(): number {
    return this.lastWrite.size;
  }
}
