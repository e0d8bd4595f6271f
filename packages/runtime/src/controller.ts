// The reconcile loop: informer events become keys in a work queue; `concurrency` workers take keys
// and call the Reconciler. The queue guarantees a key is never reconciled by two workers at once
// and that a key changed during its reconcile is reconciled again afterwards (STYLE habit 1).

import { objectKey, splitKey } from "./cache.js";
import type { KubeObject } from "./client.js";
import type { Informer } from "./informer.js";
import { type Logger, noopLogger } from "./logger.js";
import {
  type ControllerMetrics,
  type ControllerMetricsProvider,
  type ReconcileOutcome,
  secondsSince,
} from "./metrics.js";
import type { RateLimiter } from "./rate-limit.js";
import { errorCode, errorMessage, RequeueAfterError } from "./reconcile-errors.js";
import { type AddOptions, WorkQueue } from "./work-queue.js";

export interface ReconcileResult {
  /** Reconcile again after this many ms (the failure count is reset). */
  requeueAfter?: number;
  /** Reconcile again after the rate limiter's backoff, as after an error but without logging one. */
  requeue?: boolean;
}

export interface ReconcileContext {
  /** "namespace/name" or "name". */
  key: string;
  namespace: string;
  name: string;
  logger: Logger;
  /** Aborted when the controller stops: long work should give up. */
  signal: AbortSignal;
}

/**
 * Level-based: read the current state for `key`, converge, return a hint or throw. Never depends on
 * which event caused the call (there may have been many, or none: a resync or a retry).
 */
export interface Reconciler {
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconciler that returns nothing is the common case
  reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined | void>;
}

export type ReconcileFunc = Reconciler["reconcile"];

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler | ReconcileFunc;
  /** Workers (MaxConcurrentReconciles). Default 1. */
  concurrency?: number;
  rateLimiter?: RateLimiter<string>;
  logger?: Logger;
  /** Reports reconciles and the work queue (named after the controller); none by default. */
  metrics?: ControllerMetricsProvider;
}

/** Maps an object seen by an informer to the keys to reconcile. */
export type MapFunc<T extends KubeObject> = (obj: T) => readonly string[] | string | undefined;

/** Maps a child to its controller owner's key when the owner is of `kind` (same namespace). */
export function mapToController<T extends KubeObject>(kind: string, apiVersion?: string): MapFunc<T> {
  return (obj) => {
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
    if (!ref || ref.kind !== kind || (apiVersion !== undefined && ref.apiVersion !== apiVersion))
      return undefined;
    return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
  };
}

export interface ControllerStats {
  reconciles: number;
  errors: number;
  requeues: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly stats: ControllerStats = { reconciles: 0, errors: 0, requeues: 0 };
  private readonly reconcileFn: ReconcileFunc;
  private readonly concurrency: number;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(options: ControllerOptions) {
    const c = options.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1) throw new RangeError(`concurrency: must be an integer >= 1, got ${c}`);
    this.name = options.name;
    this.concurrency = c;
    const r = options.reconciler;
    this.reconcileFn = typeof r === "function" ? r : (ctx) => r.reconcile(ctx);
    this.queue = new WorkQueue<string>({
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.metrics ? { name: options.name, metrics: options.metrics } : {}),
    });
    this.metrics = options.metrics?.newControllerMetrics(options.name);
    this.log = (options.logger ?? noopLogger).with({ controller: options.name });
  }

  /**
   * Queues keys for the informer's events: by default the object's own key; with `map`, whatever it
   * returns (e.g. mapToController("PodCliqueSet") for children).
   */
  watch<T extends KubeObject>(informer: Informer<T>, map?: MapFunc<T>): this {
    const keys = (obj: T): void => {
      const out = map ? map(obj) : objectKey(obj);
      if (out === undefined) return;
      for (const k of typeof out === "string" ? [out] : out) this.queue.add(k);
    };
    this.unsubscribe.push(
      informer.addEventHandler({
        onAdd: keys,
        onUpdate: (oldObj, newObj) => {
          // With a map, the old object's keys matter too: a child that changed owner.
          if (map) keys(oldObj);
          keys(newObj);
        },
        onDelete: keys,
      }),
    );
    return this;
  }

  /** `{ high: true }`: before keys queued without it (WorkQueue's high lane). */
  enqueue(key: string, options?: AddOptions): void {
    this.queue.add(key, options);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  get running(): boolean {
    return this.workers.length > 0;
  }

  start(): void {
    if (this.workers.length > 0 || this.queue.shuttingDown) return;
    this.log.info("starting workers", { concurrency: this.concurrency });
    this.metrics?.maxConcurrentReconciles.set(this.concurrency);
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.worker());
  }

  /**
   * Stops taking new keys, aborts the context signal, and resolves when every worker has finished
   * its current key. Keys still queued are handed out (with the signal aborted) and so drain fast.
   */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.abort.abort(new Error(`controller ${this.name} stopping`));
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.log.info("stopped", { ...this.stats });
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.reconcileKey(key);
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const logger = this.log.with({ key });
    this.stats.reconciles++;
    const m = this.metrics;
    const started = m ? performance.now() : 0;
    m?.activeWorkers.inc();
    let outcome: ReconcileOutcome = "success";
    try {
      const res = await this.reconcileFn({ key, namespace, name, logger, signal: this.abort.signal });
      if (res?.requeueAfter !== undefined && res.requeueAfter > 0) {
        outcome = "requeue_after";
        this.queue.forget(key);
        this.queue.addAfter(key, res.requeueAfter);
        this.stats.requeues++;
      } else if (res?.requeue) {
        outcome = "requeue";
        this.queue.addRateLimited(key);
        this.stats.requeues++;
      } else {
        this.queue.forget(key);
      }
    } catch (err) {
      if (err instanceof RequeueAfterError) {
        outcome = "requeue_after";
        logger.debug("requeue requested", { code: err.code, reason: err.message, afterMs: err.afterMs });
        this.queue.forget(key);
        this.queue.addAfter(key, err.afterMs);
        this.stats.requeues++;
      } else {
        outcome = "error";
        this.stats.errors++;
        logger.error("reconcile failed", {
          code: errorCode(err),
          error: errorMessage(err),
          retries: this.queue.numRequeues(key),
        });
        this.queue.addRateLimited(key);
      }
    } finally {
      if (m) {
        m.activeWorkers.dec();
        m.reconciled(outcome, secondsSince(started));
      }
      this.queue.done(key);
    }
  }
}
