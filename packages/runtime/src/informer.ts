// A shared informer over any Client: list, then watch from the list's resourceVersion; relist when
// the watch ends or its version is gone (410 / Expired); back off on errors. The cache holds
// frozen copies: a handler or reconciler that wants to change an object must copy it first
// (structuredClone), exactly as client-go's cache contract demands, only enforced.
//
// Handlers are notification only, for level-based controllers (STYLE habit 1): they should map the
// object to a key and queue it. Each sees, per object, add -> update* -> delete in resourceVersion
// order; after a relist, objects that vanished meanwhile get onDelete with their last known state.

import { Cache, type IndexFunc, objectKey } from "./cache.js";
import type { Client, KubeObject, ResourceType, WatchEvent, WatchHandle } from "./client.js";
import { deepFreeze } from "./deep-equal.js";
import { ApiError, isGone, type Status } from "./errors.js";
import { parseFieldSelector } from "./field-selectors.js";
import { type Logger, noopLogger } from "./logger.js";
import { sleep } from "./rate-limit.js";
import { errorCode } from "./reconcile-errors.js";
import { parseLabelSelector, type Selector } from "./selectors.js";

export interface EventHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the last state the informer saw (it may predate the deletion). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  logger?: Logger;
  /** First delay after a failed list or watch; doubles per failure up to maxBackoffMs. Default 200. */
  initialBackoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /** List in pages of this size (limit/continue). Default: one request. */
  pageSize?: number;
  /** Every this many ms, onUpdate(obj, obj) for every cached object. Default: never. */
  resyncPeriodMs?: number;
}

export class InformerStoppedError extends Error {
  readonly code = "InformerStopped";
  constructor(kind: string) {
    super(`informer for ${kind} stopped before it synced`);
    this.name = "InformerStoppedError";
  }
}

/** The read side controllers see. */
export interface Informer<T extends KubeObject = KubeObject> {
  readonly type: ResourceType;
  readonly cache: Cache<T>;
  /** Returns a function that removes the handler. Added after sync, it first sees onAdd for each cached object. */
  addEventHandler(handler: EventHandler<T>): () => void;
  addIndexer(name: string, fn: IndexFunc<T>): void;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
  /** The resourceVersion the cache reflects (last list, event or bookmark). */
  lastSyncResourceVersion(): string | undefined;
  start(): void;
  stop(): Promise<void>;
}

const isObjectEvent = (t: string): t is "ADDED" | "MODIFIED" | "DELETED" =>
  t === "ADDED" || t === "MODIFIED" || t === "DELETED";

/** Objects that an informer's selectors would not return must not enter its cache. */
interface Filter {
  label?: Selector;
  field?: ReturnType<typeof parseFieldSelector>;
}

export class SharedInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly cache: Cache<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly log: Logger;
  private readonly filter: Filter;
  private synced = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private syncWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private rv: string | undefined;
  private watchHandle: WatchHandle | undefined;
  private endWatch: (() => void) | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  /** Lists done so far (the first one included): a relist count for tests and metrics. */
  lists = 0;

  constructor(
    private readonly client: Client,
    readonly type: ResourceType,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.cache = new Cache<T>(options.indexers ?? {});
    this.log = (options.logger ?? noopLogger).with({ informer: `${type.plural}.${type.apiVersion}` });
    // Parsed here so a bad selector fails at construction, naming the field.
    this.filter = {
      ...(options.labelSelector ? { label: parseLabelSelector(options.labelSelector) } : {}),
      ...(options.fieldSelector ? { field: parseFieldSelector(options.fieldSelector) } : {}),
    };
  }

  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const o of this.cache.list()) this.call(handler, "onAdd", o);
    return () => this.handlers.delete(handler);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndexer(name, fn);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  lastSyncResourceVersion(): string | undefined {
    return this.rv;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new InformerStoppedError(this.type.kind));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      // The abort listener lives only as long as the wait: a signal shared by many waits (a
      // manager's) must not keep one listener per wait after sync (a leak, and Node's
      // MaxListenersExceededWarning).
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (e: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run();
    if (this.options.resyncPeriodMs) {
      this.resyncTimer = setInterval(() => {
        if (!this.synced) return;
        for (const o of this.cache.list()) this.emit("onUpdate", o, o);
      }, this.options.resyncPeriodMs);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.running;
    this.stopped = true;
    this.abort.abort(new InformerStoppedError(this.type.kind));
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watchHandle?.stop();
    this.endWatch?.();
    const ws = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of ws) w.reject(new InformerStoppedError(this.type.kind));
    await this.running;
  }

  private async run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = initial;
    // 410s in a row with no event between them: the first relists at once, later ones back off, so
    // a server that expires every fresh version cannot make us spin.
    let goneStreak = 0;
    while (!this.stopped) {
      let failed = false;
      try {
        await this.listAndReplace();
        if (this.stopped) break;
        const { events, gone } = await this.watchOnce();
        if (gone) {
          if (events > 0) goneStreak = 0;
          failed = goneStreak > 0;
          goneStreak++;
        } else {
          goneStreak = 0;
          // A clean end with no traffic may be a server closing at once: do not spin on it either.
          failed = events === 0;
        }
      } catch (err) {
        if (this.stopped) break;
        failed = !isGone(err) || goneStreak > 0;
        goneStreak = isGone(err) ? goneStreak + 1 : 0;
        this.log.warn("list/watch failed", { code: errorCode(err), error: err, backoffMs: backoff });
      }
      if (!failed) {
        backoff = initial;
        continue;
      }
      try {
        await sleep(backoff, this.abort.signal);
      } catch {
        break;
      }
      backoff = Math.min(max, backoff * 2);
    }
  }

  private async listAndReplace(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.client.list<T>(this.type, {
        ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
        ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
        ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
        ...(this.options.pageSize ? { limit: this.options.pageSize } : {}),
        ...(cont ? { continue: cont } : {}),
      });
      if (this.stopped) return;
      items.push(...page.items);
      rv = page.resourceVersion;
      cont = page.continue || undefined;
    } while (cont);
    this.lists++;
    this.replace(items);
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      const ws = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of ws) w.resolve();
    }
  }

  /** Watches from the current version until the stream ends; 410 ends it with gone=true. */
  private async watchOnce(): Promise<{ events: number; gone: boolean }> {
    let events = 0;
    let gone = false;
    let failure: ApiError | undefined;
    let handle: WatchHandle | undefined;
    const ended = new Promise<void>((resolve) => {
      this.endWatch = resolve;
    });
    const finish = (): void => {
      handle?.stop();
      this.endWatch?.();
    };
    const onEvent = (ev: WatchEvent<T>): void => {
      if (this.stopped || gone || failure) return;
      if (ev.type === "ERROR") {
        const status = ev.object as unknown as Status;
        const err = new ApiError({
          ...status,
          kind: "Status",
          apiVersion: "v1",
          metadata: status.metadata ?? {},
        });
        if (isGone(err)) gone = true;
        else failure = err;
        finish();
        return;
      }
      const rv = ev.object?.metadata?.resourceVersion;
      events++;
      if (ev.type === "BOOKMARK") {
        if (rv) this.rv = rv;
        return;
      }
      if (!isObjectEvent(ev.type)) return;
      if (ev.type === "DELETED") this.remove(ev.object);
      else this.upsert(ev.object);
      if (rv) this.rv = rv;
    };
    const opening = this.client.watch<T>(
      this.type,
      {
        ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
        ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
        ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
        ...(this.rv ? { resourceVersion: this.rv } : {}),
        allowWatchBookmarks: true,
        // client-go's reflector: the server ends each watch after 5 to 10 minutes (spread so
        // informers do not reconnect in step), and the informer resumes from its version.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      onEvent,
    );
    try {
      // stop() must not wait for a server that is slow to answer the watch request.
      handle = await Promise.race([opening, ended.then(() => undefined)]);
    } catch (err) {
      if (isGone(err)) return { events, gone: true };
      throw err;
    }
    if (handle === undefined) {
      opening.then(
        (h) => h.stop(),
        () => {},
      );
      this.endWatch = undefined;
      if (failure) throw failure;
      return { events, gone };
    }
    this.watchHandle = handle;
    if (this.stopped || gone || failure) handle.stop();
    try {
      await Promise.race([handle.done, ended]);
    } catch (err) {
      if (!gone && !this.stopped) throw err;
    } finally {
      this.watchHandle = undefined;
      this.endWatch = undefined;
    }
    if (failure) throw failure;
    if (gone) this.log.info("watch expired; relisting", { resourceVersion: this.rv });
    return { events, gone };
  }

  private admit(obj: T): boolean {
    if (this.options.namespace && obj.metadata.namespace !== this.options.namespace) return false;
    if (this.filter.label && !this.filter.label.matches(obj.metadata.labels)) return false;
    if (this.filter.field && !this.filter.field.matches(obj)) return false;
    return true;
  }

  /** The cache's own frozen copy of an object from the client (no second copy of a fresh one). */
  private own(raw: T): T {
    return deepFreeze(this.client.freshObjects ? raw : structuredClone(raw));
  }

  private upsert(raw: T): void {
    const obj = this.own(raw);
    if (!this.admit(obj)) {
      // It left the selection (a server that does not send DELETED for that): drop it.
      const old = this.cache.delete(objectKey(obj));
      if (old) this.emit("onDelete", old);
      return;
    }
    const old = this.cache.set(obj);
    if (!old) this.emit("onAdd", obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit("onUpdate", old, obj);
  }

  private remove(raw: T): void {
    const old = this.cache.delete(objectKey(raw));
    this.emit("onDelete", old ?? this.own(raw));
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      this.upsert(item);
    }
    for (const key of this.cache.keys()) {
      if (seen.has(key)) continue;
      const old = this.cache.delete(key);
      if (old) this.emit("onDelete", old);
    }
  }

  private emit(kind: "onAdd" | "onDelete", obj: T): void;
  private emit(kind: "onUpdate", oldObj: T, newObj: T): void;
  private emit(kind: keyof EventHandler<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandler<T>, kind: keyof EventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === "onUpdate") h.onUpdate?.(a, b as T);
      else h[kind]?.(a);
    } catch (err) {
      // A throwing handler must not stop the informer nor starve the other handlers.
      this.log.error("event handler threw", {
        handler: kind,
        key: objectKey(a),
        code: errorCode(err),
        error: err,
      });
    }
  }
}
