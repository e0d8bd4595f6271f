// One Event recorder for every component (controllers, scheduler), with the parts of client-go's
// record.EventRecorder that matter to a caller and to the API server:
// - recording never blocks or fails the caller: `event()` only queues; a background worker writes,
//   and a full queue drops the event with a log line (client-go's broadcaster drops too);
// - a repeated event (same object, type, reason and message from the same component) is one Event
//   whose `count` and `lastTimestamp` are patched, as client-go's EventCorrelator does;
// - similar events (same object, type and reason, ten or more different messages within ten
//   minutes) are combined into one Event "(combined from similar events): <latest message>", as
//   client-go's EventAggregator does;
// - a per-object spam filter: a token bucket per involved object, burst 25 and one token per
//   5 minutes (client-go's defaults), so a hot loop cannot flood the API server;
// - Events are named `<object>.<hex nanosecond timestamp>` and carry `source.component` and
//   `reportingComponent`; cluster-scoped objects get their Events in "default".
// Write errors are logged, never thrown: an Event is a hint for people, not state to converge on.

import type { Client, KubeObject, ObjectMeta } from "./client.js";
import { rfc3339 } from "./conditions.js";
import { isApiError } from "./errors.js";
import { type Logger, noopLogger } from "./logger.js";
import { TokenBucket } from "./rate-limit.js";
import { EventType } from "./resources.js";

export type EventKind = "Normal" | "Warning";

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** core/v1 Event as JSON (the fields a recorder writes). */
export interface CoreEvent extends KubeObject {
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: EventKind;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  eventTime: null;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, e.g. "podcliqueset-controller". */
  component: string;
  /** `source.host` and `reportingInstance`. Default: none and the component name. */
  host?: string;
  logger?: Logger;
  /** Events waiting to be written; more are dropped. Default 1000 (client-go's maxQueuedEvents). */
  queueSize?: number;
  /** Per-object spam filter. Defaults: burst 25, qps 1/300 (client-go's EventSourceObjectSpamFilter). */
  spamBurst?: number;
  spamQps?: number;
  /** Aggregation and spam-filter entries kept (least recently used dropped). Default 4096. */
  cacheSize?: number;
  /** Retries of a write that failed without an API answer (connection errors). Default 3. */
  maxRetries?: number;
  retryDelayMs?: number;
}

export interface EventRecorder {
  /** Queues an Event about `obj`. Never throws, never waits. */
  event(obj: KubeObject, type: EventKind, reason: string, message: string): void;
  /** Resolves when every Event queued so far has been written (or given up on). */
  flush(): Promise<void>;
  /** Stops taking events; resolves after the write in flight. Queued events are dropped. */
  stop(): Promise<void>;
}

interface Pending {
  ref: ObjectReference;
  type: EventKind;
  reason: string;
  message: string;
  at: Date;
}

/** client-go's EventAggregator defaults: 10 distinct messages within 600 s. */
const SIMILAR_MAX = 10;
const SIMILAR_INTERVAL_MS = 600_000;
export const COMBINED_PREFIX = "(combined from similar events): ";

interface Similar {
  messages: Set<string>;
  last: number;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

/** A Map used as an LRU: get() moves the entry to the back, set() evicts from the front. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
}

/** The API version and kind of an object read from a typed client may be missing; names say enough. */
export function objectReference(obj: KubeObject): ObjectReference {
  const m = obj.metadata;
  return {
    ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
    ...(obj.kind ? { kind: obj.kind } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

// Date.now has millisecond resolution; hrtime supplies the nanoseconds so names made in the same
// millisecond differ, as client-go's `%x` of UnixNano does.
const hrtimeOrigin = process.hrtime.bigint();
const wallOrigin = BigInt(Date.now()) * 1_000_000n;
const unixNanos = (): bigint => wallOrigin + (process.hrtime.bigint() - hrtimeOrigin);

/** client-go's Event name: `<involved object name>.<hex UnixNano>`. */
export function eventName(objectName: string): string {
  return `${objectName}.${unixNanos().toString(16)}`;
}

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms).unref?.();
  });

class QueuedEventRecorder implements EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly aggregates: Lru<Aggregate>;
  private readonly buckets: Lru<TokenBucket>;
  private readonly similar: Lru<Similar>;
  private readonly log: Logger;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly queueSize: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly client: Client,
    private readonly options: EventRecorderOptions,
  ) {
    if (!options.component) throw new RangeError("component: must be a non-empty component name");
    this.queueSize = options.queueSize ?? 1000;
    this.spamBurst = options.spamBurst ?? 25;
    this.spamQps = options.spamQps ?? 1 / 300;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    const cacheSize = options.cacheSize ?? 4096;
    this.aggregates = new Lru(cacheSize);
    this.buckets = new Lru(cacheSize);
    this.similar = new Lru(cacheSize);
    this.log = (options.logger ?? noopLogger).with({ eventRecorder: options.component });
    // Checked here so a bad option fails at construction, naming it.
    new TokenBucket(this.spamQps, this.spamBurst);
  }

  event(obj: KubeObject, type: EventKind, reason: string, message: string): void {
    try {
      if (this.stopped) return;
      const ref = objectReference(obj);
      if (!ref.name) {
        this.log.warn("event not recorded: the object has no name", { reason });
        return;
      }
      // The spam filter's key is the source plus the involved object (client-go getSpamKey).
      const spamKey = [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid].join("\u0000");
      let bucket = this.buckets.get(spamKey);
      if (!bucket) {
        bucket = new TokenBucket(this.spamQps, this.spamBurst);
        this.buckets.set(spamKey, bucket);
      }
      if (!bucket.tryTake()) {
        this.log.debug("event dropped by the spam filter", { object: ref.name, reason });
        return;
      }
      if (this.queue.length >= this.queueSize) {
        this.log.warn("event dropped: queue full", { object: ref.name, reason, queueSize: this.queueSize });
        return;
      }
      this.queue.push({ ref, type, reason, message, at: new Date() });
      this.running ??= this.drain().finally(() => {
        this.running = undefined;
      });
    } catch (err) {
      this.log.warn("event not recorded", { reason, error: err });
    }
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.flush();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      try {
        await this.write(next);
      } catch (err) {
        this.log.warn("event not recorded", { object: next.ref.name, reason: next.reason, error: err });
      }
    }
  }

  private async write(p: Pending): Promise<void> {
    const { component } = this.options;
    const ref = p.ref;
    const similarKey = [
      component,
      ref.apiVersion,
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      p.type,
      p.reason,
    ].join("\u0000");
    // The aggregator: the tenth distinct message of a kind within the interval, and every one after
    // it, goes into one combined Event keyed without its message.
    const at = p.at.getTime();
    let sim = this.similar.get(similarKey);
    if (!sim || at - sim.last > SIMILAR_INTERVAL_MS) sim = { messages: new Set(), last: at };
    sim.last = at;
    sim.messages.add(p.message);
    this.similar.set(similarKey, sim);
    const combined = sim.messages.size >= SIMILAR_MAX;
    if (combined) sim.messages.delete(p.message);
    const message = combined ? `${COMBINED_PREFIX}${p.message}` : p.message;
    const key = combined ? `${similarKey}\u0000combined` : `${similarKey}\u0000${p.message}`;
    const now = rfc3339(p.at);
    const prev = this.aggregates.get(key);
    const namespace = ref.namespace || "default";
    const agg: Aggregate = prev
      ? { ...prev, count: prev.count + 1 }
      : { name: eventName(ref.name ?? ""), namespace, count: 1, firstTimestamp: now };
    const full = (): CoreEvent => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: agg.name, namespace: agg.namespace },
      involvedObject: ref,
      reason: p.reason,
      message,
      type: p.type,
      source: { component, ...(this.options.host ? { host: this.options.host } : {}) },
      reportingComponent: component,
      reportingInstance: this.options.host ?? component,
      firstTimestamp: agg.firstTimestamp,
      lastTimestamp: now,
      count: agg.count,
      eventTime: null,
    });
    // Recorded before the write, as client-go's correlator does: a lost write still counts.
    this.aggregates.set(key, agg);
    for (let attempt = 0; ; attempt++) {
      try {
        if (prev) {
          try {
            await this.client.patch(EventType, agg.name, agg.namespace, {
              type: "strategic",
              body: { count: agg.count, lastTimestamp: now, message },
            });
            return;
          } catch (err) {
            // The Event expired (TTL) or was deleted: write it anew under the same name.
            if (!(isApiError(err) && err.code === 404)) throw err;
          }
        }
        await this.client.create(EventType, full());
        return;
      } catch (err) {
        // An API answer (AlreadyExists, Forbidden, Invalid, ...) will not change on a retry.
        if (isApiError(err) || this.stopped || attempt >= this.maxRetries) throw err;
        await sleep(this.retryDelayMs);
      }
    }
  }
}

/** A recorder for one component. One per controller: the component is the Event's source. */
export function createEventRecorder(client: Client, options: EventRecorderOptions): EventRecorder {
  return new QueuedEventRecorder(client, options);
}
