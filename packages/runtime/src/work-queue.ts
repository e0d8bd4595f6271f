// A work queue with client-go's guarantees, which the controller's correctness rests on:
// - dedupe: a key added while it waits in the queue is queued once;
// - a key is handed to at most one worker at a time; added again while processing, it is queued
//   again when that worker calls done(), so the newest state is always reconciled after;
// - delayed adds (addAfter) keep only the earliest pending time per key;
// - rate-limited adds back off per key (see rate-limit.ts) until forget();
// - a key added with `{ high: true }` is handed out before every key added without (controller-
//   runtime's priority queue has the same idea: a handler may say some events matter more); a key
//   already waiting moves up. Within a lane, first in, first out.
// With a metrics provider it reports as client-go's queue does (metrics.ts); without one it keeps
// no timestamps.
import {
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  secondsSince,
  type WorkQueueMetricsProvider,
} from "./metrics.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limit.js";

export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  /** The queue's name in metrics (client-go's workqueue name). Required with `metrics`. */
  name?: string;
  metrics?: WorkQueueMetricsProvider;
}

class QueueMetrics<K> {
  readonly depth: GaugeMetric;
  readonly adds: CounterMetric;
  readonly latency: HistogramMetric;
  readonly work: HistogramMetric;
  readonly retries: CounterMetric;
  /** When each queued key was first added, and when each in-flight key was handed out. */
  private readonly addTimes = new Map<K, number>();
  private readonly startTimes = new Map<K, number>();

  constructor(p: WorkQueueMetricsProvider, name: string) {
    this.depth = p.newDepthMetric(name);
    this.adds = p.newAddsMetric(name);
    this.latency = p.newLatencyMetric(name);
    this.work = p.newWorkDurationMetric(name);
    this.retries = p.newRetriesMetric(name);
  }

  added(key: K): void {
    this.adds.inc();
    this.depth.inc();
    if (!this.addTimes.has(key)) this.addTimes.set(key, performance.now());
  }

  handedOut(key: K): void {
    this.depth.dec();
    const at = this.addTimes.get(key);
    if (at !== undefined) {
      this.latency.observe(secondsSince(at));
      this.addTimes.delete(key);
    }
    this.startTimes.set(key, performance.now());
  }

  finished(key: K): void {
    const at = this.startTimes.get(key);
    if (at === undefined) return;
    this.work.observe(secondsSince(at));
    this.startTimes.delete(key);
  }
}

/** One FIFO lane; an entry is stale when its key was handed out from the other lane meanwhile. */
class Lane<K> {
  private items: K[] = [];
  private head = 0;
  push(key: K): void {
    this.items.push(key);
  }
  shift(): K | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head] as K;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}

export interface AddOptions {
  /** Hand the key out before keys added without it (it moves up if it is waiting already). */
  high?: boolean;
}

export class WorkQueue<K = string> {
  private readonly normal = new Lane<K>();
  private readonly urgent = new Lane<K>();
  /** Queued keys (dirty, not in flight), each with the lane it is to be handed out from. */
  private readonly queued = new Map<K, "normal" | "high">();
  /** Keys added while in flight with { high: true }: requeued into the high lane by done(). */
  private readonly highAfterDone = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiting = new Map<K, { at: number; timer: ReturnType<typeof setTimeout> }>();
  private getters: (() => void)[] = [];
  private idle: (() => void)[] = [];
  private shutting = false;
  readonly rateLimiter: RateLimiter<K>;
  private readonly metrics: QueueMetrics<K> | undefined;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>();
    if (options.metrics) {
      if (!options.name)
        throw new RangeError("name: required when metrics is given (the queue's metric label)");
      this.metrics = new QueueMetrics(options.metrics, options.name);
    }
  }

  get shuttingDown(): boolean {
    return this.shutting;
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight ones). */
  len(): number {
    return this.queued.size;
  }

  /** Keys handed out and not yet done. */
  inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for their addAfter delay. */
  delayed(): number {
    return this.waiting.size;
  }

  add(key: K, options: AddOptions = {}): void {
    if (this.shutting) return;
    if (this.dirty.has(key)) {
      if (!options.high) return;
      if (this.processing.has(key)) this.highAfterDone.add(key);
      else if (this.queued.get(key) === "normal") {
        this.queued.set(key, "high");
        this.urgent.push(key);
      }
      return;
    }
    this.metrics?.added(key);
    this.dirty.add(key);
    if (this.processing.has(key)) {
      if (options.high) this.highAfterDone.add(key);
      return;
    }
    this.enqueue(key, options.high ? "high" : "normal");
  }

  private enqueue(key: K, lane: "normal" | "high"): void {
    this.queued.set(key, lane);
    (lane === "high" ? this.urgent : this.normal).push(key);
    this.wake();
  }

  /** The next queued key, high lane first; skips entries of keys handed out from the other lane. */
  private next(): K | undefined {
    for (const [lane, name] of [
      [this.urgent, "high"],
      [this.normal, "normal"],
    ] as const) {
      for (let key = lane.shift(); key !== undefined; key = lane.shift())
        if (this.queued.get(key) === name) return key;
    }
    return undefined;
  }

  /** Adds `key` after `ms`; if it is already waiting, the earlier time wins. */
  addAfter(key: K, ms: number): void {
    if (this.shutting) return;
    this.metrics?.retries.inc();
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const prev = this.waiting.get(key);
    if (prev !== undefined) {
      if (prev.at <= at) return;
      clearTimeout(prev.timer);
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay for it (one more failure counted). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears `key`'s failure count (it succeeded, or retrying is given up). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key, waiting if none is queued; undefined once shut down and empty. The caller owns
   * the key until done(key).
   */
  async get(): Promise<K | undefined> {
    while (this.len() === 0) {
      if (this.shutting) return undefined;
      await new Promise<void>((resolve) => this.getters.push(resolve));
    }
    const key = this.next() as K;
    this.queued.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.handedOut(key);
    return key;
  }

  /** Marks `key` processed; if it was added meanwhile, it is queued again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    this.metrics?.finished(key);
    const high = this.highAfterDone.delete(key);
    if (this.dirty.has(key)) this.enqueue(key, high ? "high" : "normal");
    this.checkIdle();
  }

  /** Refuses new keys and drops delayed ones; queued keys are still handed out, then get() ends. */
  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    const gs = this.getters;
    this.getters = [];
    for (const g of gs) g();
    this.checkIdle();
  }

  /**
   * shutDown(), then resolves when every queued key has been handed out and done. Workers must
   * keep calling get() meanwhile.
   */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.checkIdle();
    });
  }

  private wake(): void {
    const g = this.getters.shift();
    g?.();
  }

  private checkIdle(): void {
    if (!this.shutting || this.len() > 0 || this.processing.size > 0) return;
    const is = this.idle;
    this.idle = [];
    for (const i of is) i();
  }
}
