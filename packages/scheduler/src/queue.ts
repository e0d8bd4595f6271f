// The scheduling queue of gangs, in kube-scheduler's three parts (pkg/scheduler/backend/queue):
// - active: gangs to try in the next cycle (runtime's WorkQueue: a key queued once, handed to one
//   cycle at a time, queued again after that cycle when it was added meanwhile);
// - backoff: gangs that failed wait out their own exponential delay (runtime's per-key rate
//   limiter, reset when the gang is placed), so a gang that cannot fit delays no other gang;
// - unschedulable: gangs the solver could not place, parked until a cluster event that can help
//   them (a node added or changed, capacity freed, a topology binding changed) or the periodic
//   flush (kube-scheduler's podMaxInUnschedulablePodsDuration, 5 min).
// Keys are a PodGang's `<namespace>/<name>` or a lone pod's `pod:<namespace>/<name>`.
import type { GangCode } from "@grove-ts/placement";
import { ExponentialBackoffRateLimiter, sleep, WorkQueue } from "@grove-ts/runtime";

/** Why a gang was not placed: the solver's closed set (`@grove-ts/placement` GangPlacement.code). */
export type FailureCode = GangCode;

/** What happened to a gang in a cycle. */
export type Outcome = "Scheduled" | FailureCode;

/**
 * The cluster events that re-activate parked gangs (kube-scheduler's ClusterEvent):
 * - node: a node added, deleted, made schedulable, or its capacity, labels or taints changed;
 * - topology: a ClusterTopologyBinding changed (the levels a gang is placed under);
 * - freed: a pod deleted or finished, so its node has room again;
 * - queue: a KAI Queue created, changed or deleted (a gang may have waited for its queue).
 * Unschedulable gangs wake on any of them; Unresolvable ones (no node as it is could ever hold
 * them) only on node and topology events.
 */
export type ClusterEvent = "node" | "topology" | "freed" | "queue";

export interface SchedulingQueueOptions {
  /** Delay that coalesces bursts of events into one cycle. Default 10 ms. */
  coalesceMs?: number;
  /** Quiet time after an event that freed capacity, extended up to 4x while more come. Default 200. */
  capacityCoalesceMs?: number;
  /** First retry delay of a gang that failed; doubles per failure up to maxBackoffMs. Default 1000. */
  initialBackoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /**
   * How long a gang stays parked as unschedulable before the periodic flush retries it even
   * without an event (kube-scheduler's podMaxInUnschedulablePodsDuration). Default 300 000.
   */
  maxUnschedulableMs?: number;
}

interface Parked {
  code: "Unschedulable" | "Unresolvable";
  since: number;
}

export class SchedulingQueue {
  private readonly active: WorkQueue<string>;
  private readonly backoff: ExponentialBackoffRateLimiter<string>;
  private readonly parked = new Map<string, Parked>();
  private readonly coalesceMs: number;
  private readonly capacityMs: number;
  private readonly maxParkedMs: number;
  /** The next batch is held until then (a capacity burst, see capacityCoalesceMs). */
  private holdUntil = 0;
  private burstStart: number | undefined;
  /** Events seen so far (any, and node or topology ones), and as of the current batch's start. */
  private events = { any: 0, node: 0 };
  private batchEvents = { any: 0, node: 0 };
  private readonly abort = new AbortController();
  private readonly flushTimer: ReturnType<typeof setInterval>;

  constructor(options: SchedulingQueueOptions = {}) {
    this.coalesceMs = options.coalesceMs ?? 10;
    this.capacityMs = options.capacityCoalesceMs ?? 200;
    this.maxParkedMs = options.maxUnschedulableMs ?? 300_000;
    const initial = options.initialBackoffMs ?? 1000;
    const max = options.maxBackoffMs ?? 30_000;
    for (const [name, v, min] of [
      ["coalesceMs", this.coalesceMs, 0],
      ["capacityCoalesceMs", this.capacityMs, 0],
      ["maxUnschedulableMs", this.maxParkedMs, 1],
      ["initialBackoffMs", initial, 1],
    ] as const)
      if (!(v >= min)) throw new RangeError(`${name}: must be a number >= ${min}, got ${v}`);
    if (!(max >= initial))
      throw new RangeError(`maxBackoffMs: must be >= initialBackoffMs (${initial}), got ${max}`);
    this.backoff = new ExponentialBackoffRateLimiter(initial, max);
    this.active = new WorkQueue({ rateLimiter: this.backoff });
    // kube-scheduler looks for leftovers every 30 s; never less often than the limit itself.
    this.flushTimer = setInterval(() => this.flush(), Math.min(30_000, this.maxParkedMs));
    this.flushTimer.unref?.();
  }

  /** New work for `key` (its own PodGang or pods changed): tried in the next cycle. */
  add(key: string): void {
    this.parked.delete(key);
    this.active.add(key);
  }

  /** Tries `key` again after `ms` without counting a failure (e.g. held surplus). */
  addAfter(key: string, ms: number): void {
    this.active.addAfter(key, ms);
  }

  /** An event that may help parked gangs: the ones it can help go to active. */
  activate(event: ClusterEvent): void {
    this.events.any++;
    if (event !== "freed") this.events.node++;
    for (const [key, p] of this.parked)
      if (p.code === "Unschedulable" || event !== "freed") {
        this.parked.delete(key);
        this.active.add(key);
      }
    this.holdForCapacity();
  }

  /** The gang is gone: no retries, no failure count. */
  remove(key: string): void {
    this.parked.delete(key);
    this.backoff.forget(key);
  }

  /**
   * Records the outcome of `key`'s attempt in the current batch (see Outcome and FailureCode). A
   * gang that failed while an event that can help it came in is tried again at once, as
   * kube-scheduler does for events that arrive while a pod is in flight.
   */
  done(key: string, outcome: Outcome): void {
    switch (outcome) {
      case "Scheduled":
        this.parked.delete(key);
        this.backoff.forget(key);
        return;
      case "Error":
        this.active.addRateLimited(key);
        return;
      case "Unresolvable":
        if (this.events.node > this.batchEvents.node) this.active.add(key);
        // Retried by node and topology events and the flush only: a timer cannot help it.
        else this.parked.set(key, { code: outcome, since: Date.now() });
        return;
      case "Unschedulable":
        if (this.events.any > this.batchEvents.any) this.active.add(key);
        else {
          this.parked.set(key, { code: outcome, since: Date.now() });
          this.active.addRateLimited(key);
        }
        return;
    }
  }

  /** The gang's state, for tests and metrics. */
  state(key: string): "parked" | "unresolvable" | "backoff-or-active" | "none" {
    const p = this.parked.get(key);
    if (p) return p.code === "Unresolvable" ? "unresolvable" : "parked";
    return this.backoff.numRequeues(key) > 0 ? "backoff-or-active" : "none";
  }

  /** Failures counted for `key` since it was last placed. */
  failures(key: string): number {
    return this.backoff.numRequeues(key);
  }

  /**
   * The next batch: waits for a key, lets events coalesce (coalesceMs, longer while capacity keeps
   * changing), then hands out every active key. undefined once shut down. The caller ends the batch
   * with `release(keys)`.
   */
  async pop(): Promise<string[] | undefined> {
    const first = await this.active.get();
    if (first === undefined) return undefined;
    const keys = [first];
    try {
      await sleep(this.coalesceMs, this.abort.signal);
      for (let wait = this.holdUntil - Date.now(); wait > 0; wait = this.holdUntil - Date.now())
        await sleep(wait, this.abort.signal);
    } catch {
      // Shut down while coalescing: hand out what is there; the caller sees shuttingDown.
    }
    this.burstStart = undefined;
    this.batchEvents = { ...this.events };
    while (this.active.len() > 0) {
      const k = await this.active.get();
      if (k !== undefined) keys.push(k);
    }
    for (const k of keys) this.parked.delete(k);
    return keys;
  }

  /** Ends a batch: keys added while it ran are queued again. */
  release(keys: string[]): void {
    for (const k of keys) this.active.done(k);
  }

  get shuttingDown(): boolean {
    return this.active.shuttingDown;
  }

  shutDown(): void {
    clearInterval(this.flushTimer);
    this.abort.abort();
    this.active.shutDown();
  }

  /** Parked too long: retry without an event (kube-scheduler's flushUnschedulablePodsLeftover). */
  flush(now = Date.now()): void {
    for (const [key, p] of this.parked)
      if (now - p.since >= this.maxParkedMs) {
        this.parked.delete(key);
        this.active.add(key);
      }
  }

  /**
   * Nodes uncordoned together are offered to the pending gangs together: the batch waits for the
   * burst to go quiet, capped at 4x the window from its first event, as a periodic scheduler would.
   */
  private holdForCapacity(): void {
    const now = Date.now();
    this.burstStart ??= now;
    this.holdUntil = Math.min(now + this.capacityMs, this.burstStart + 4 * this.capacityMs);
  }
}
