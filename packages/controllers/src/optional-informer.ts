// Informers of kinds a cluster may not serve (resource.k8s.io/v1 ResourceClaims, NVIDIA's
// ComputeDomains): an informer on a kind the API server does not serve never syncs, and the
// controllers, which wait for every informer, would never start. An OptionalInformer takes indexers
// and handlers like any other and is bound to the manager's real informer at start when the API
// server serves the kind; unbound it is an empty, synced cache.
import {
  Cache,
  type Client,
  type EventHandler,
  type IndexFunc,
  type Informer,
  isNotFound,
  type KubeObject,
  type ResourceType,
} from "@grove-ts/runtime";

export class OptionalInformer<T extends KubeObject> implements Informer<T> {
  private real: Informer<T> | undefined;
  private readonly empty = new Cache<T>();
  private readonly handlers: EventHandler<T>[] = [];
  private readonly indexers: [string, IndexFunc<T>][] = [];

  constructor(readonly type: ResourceType) {}

  get cache(): Cache<T> {
    return this.real?.cache ?? this.empty;
  }

  /** Bound to a real informer (the kind is served). */
  get bound(): boolean {
    return this.real !== undefined;
  }

  addEventHandler(handler: EventHandler<T>): () => void {
    if (this.real) return this.real.addEventHandler(handler);
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.empty.addIndexer(name, fn);
    this.indexers.push([name, fn]);
    this.real?.addIndexer(name, fn);
  }

  /** Hands the indexers and handlers registered so far to `real`, which serves from now on. */
  bind(real: Informer<T>): void {
    this.real = real;
    for (const [name, fn] of this.indexers) if (!real.cache.hasIndexer(name)) real.addIndexer(name, fn);
    for (const h of this.handlers.splice(0)) real.addEventHandler(h);
  }

  hasSynced(): boolean {
    return this.real?.hasSynced() ?? true;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.real?.waitForSync(signal) ?? Promise.resolve();
  }

  lastSyncResourceVersion(): string | undefined {
    return this.real?.lastSyncResourceVersion();
  }

  /** The manager starts and stops the real informer. */
  start(): void {}

  async stop(): Promise<void> {}
}

/**
 * The API server serves the kind: only a 404 (no such resource) on a one-item list says it does not.
 * Any other failure (403, a timeout) leaves the kind to its informer, which retries as before.
 */
export async function isServed(client: Client, type: ResourceType): Promise<boolean> {
  try {
    await client.list(type, { limit: 1 });
    return true;
  } catch (err) {
    return !isNotFound(err);
  }
}
