// A small list/watch store for the informer's unit tests. It exists to make the failure paths the
// real servers cannot be driven into deterministically (410 at a chosen moment, a stream ending,
// a failing list) happen on cue. The same behaviours run against both real clients in
// test/contract.
import type {
  Client,
  KubeObject,
  ListOptions,
  ObjectList,
  ResourceType,
  Status,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "../src/index.js";
import { ApiError, keyOf, objectKey, parseLabelSelector } from "../src/index.js";

interface Watcher {
  opts: WatchOptions;
  cb: (ev: WatchEvent) => void;
  end: () => void;
  fail: (err: unknown) => void;
}

export class MemoryClient implements Client {
  rv = 1;
  readonly objects = new Map<string, KubeObject>();
  private readonly log: { rv: number; ev: WatchEvent }[] = [];
  private readonly watchers = new Set<Watcher & { kind: string }>();
  /** Watches from a version below this get ERROR 410 Expired and end. */
  expiredBelow = 0;
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  /** watch() never answers, as a server that does not flush the headers of a watch. */
  hangWatches = false;
  /** Thrown by the next list calls, in order. */
  readonly listFailures: unknown[] = [];

  get activeWatches(): number {
    return this.watchers.size;
  }

  private matches(
    obj: KubeObject,
    opts: { namespace?: string; labelSelector?: string },
    kind?: string,
  ): boolean {
    if (kind !== undefined && obj.kind !== kind) return false;
    if (opts.namespace && obj.metadata.namespace !== opts.namespace) return false;
    return !opts.labelSelector || parseLabelSelector(opts.labelSelector).matches(obj.metadata.labels);
  }

  async list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    this.listCalls.push(options);
    if (this.listFailures.length > 0) throw this.listFailures.shift();
    const all = [...this.objects.values()].filter((o) => this.matches(o, options, type.kind));
    const start = options.continue ? Number(options.continue) : 0;
    const end = options.limit ? start + options.limit : all.length;
    return {
      items: structuredClone(all.slice(start, end)) as T[],
      resourceVersion: String(this.rv),
      ...(end < all.length ? { continue: String(end) } : {}),
    };
  }

  async watch<T extends KubeObject>(
    type: ResourceType,
    opts: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    this.watchCalls.push(opts);
    if (this.hangWatches) return new Promise<never>(() => {});
    const cb = onEvent as (ev: WatchEvent) => void;
    let w: Watcher | undefined;
    const done = new Promise<void>((resolve, reject) => {
      w = { opts, cb, end: resolve, fail: reject };
    });
    const watcher = { ...(w as Watcher), kind: type.kind };
    const from = Number(opts.resourceVersion ?? this.rv);
    const stop = (): void => {
      this.watchers.delete(watcher);
      watcher.end();
    };
    if (from < this.expiredBelow) {
      cb({
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          reason: "Expired",
          code: 410,
          message: `too old resource version: ${from}`,
        } as unknown as KubeObject,
      });
      watcher.end();
      return { stop: () => {}, done };
    }
    for (const e of this.log)
      if (e.rv > from && this.matches(e.ev.object, opts, type.kind)) cb(structuredClone(e.ev));
    this.watchers.add(watcher);
    return { stop, done };
  }

  private emit(ev: WatchEvent): void {
    this.log.push({ rv: this.rv, ev });
    for (const w of this.watchers) if (this.matches(ev.object, w.opts, w.kind)) w.cb(structuredClone(ev));
  }

  /** Creates or replaces; returns the stored version. */
  put(obj: KubeObject): KubeObject {
    this.rv++;
    const key = `${obj.kind}|${objectKey(obj)}`;
    const had = this.objects.has(key);
    const stored = structuredClone({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(this.rv) },
    });
    this.objects.set(key, stored);
    this.emit({ type: had ? "MODIFIED" : "ADDED", object: stored });
    return stored;
  }

  /** Changes state without any watcher hearing of it (as if the events fell out of the window). */
  putSilently(obj: KubeObject): void {
    this.rv++;
    this.objects.set(`${obj.kind}|${objectKey(obj)}`, {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(this.rv) },
    });
  }

  removeSilently(name: string, namespace?: string, kind = "Pod"): void {
    this.rv++;
    this.objects.delete(`${kind}|${keyOf(name, namespace)}`);
  }

  remove(name: string, namespace?: string, kind = "Pod"): void {
    const key = `${kind}|${keyOf(name, namespace)}`;
    const old = this.objects.get(key);
    if (!old) throw new Error(`no ${key}`);
    this.rv++;
    this.objects.delete(key);
    this.emit({
      type: "DELETED",
      object: { ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } },
    });
  }

  bookmark(): void {
    this.rv++;
    for (const w of this.watchers)
      if (w.opts.allowWatchBookmarks)
        w.cb({ type: "BOOKMARK", object: { metadata: { resourceVersion: String(this.rv) } } });
  }

  /** Ends every open watch cleanly, as a server timeout would. */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.end();
    }
  }

  /** Breaks every open watch with an error, as a dropped connection would. */
  breakWatches(err: unknown): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.fail(err);
    }
  }

  /** Sends an ERROR event carrying `status` on every open watch (the stream stays open). */
  sendStatus(status: Status): void {
    for (const w of this.watchers) w.cb({ type: "ERROR", object: status as unknown as KubeObject });
  }

  /** Sends an ERROR 410 on every open watch and ends it, as a compacted history would. */
  expireWatches(): void {
    for (const w of [...this.watchers]) {
      w.cb({
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          reason: "Expired",
          code: 410,
        } as unknown as KubeObject,
      });
      this.watchers.delete(w);
      w.end();
    }
  }

  private unsupported(): never {
    throw new ApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 405,
      reason: "MethodNotAllowed",
      message: "MemoryClient serves list and watch only",
    });
  }
  get = async <T extends KubeObject>(t: ResourceType, name: string, ns?: string): Promise<T | undefined> =>
    this.objects.get(`${t.kind}|${keyOf(name, ns)}`) as T | undefined;
  create = async (): Promise<never> => this.unsupported();
  update = async (): Promise<never> => this.unsupported();
  updateStatus = async (): Promise<never> => this.unsupported();
  patch = async (): Promise<never> => this.unsupported();
  getScale = async (): Promise<never> => this.unsupported();
  updateScale = async (): Promise<never> => this.unsupported();
  delete = async (): Promise<never> => this.unsupported();
  bind = async (): Promise<never> => this.unsupported();
}

/** Lets every pending promise chain settle (no clock involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Settles until `cond` holds; fails after `rounds` rounds of the event loop (never on time). */
export async function until(cond: () => boolean, what: string, rounds = 500): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}
