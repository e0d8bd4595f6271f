// Composition of informers and controllers with an orderly life: informers start and sync before
// any controller works (a reconcile must never see a half-filled cache), and stop after every
// controller has finished its current key.
import type { Client, KubeObject, ResourceType } from "./client.js";
import type { Controller } from "./controller.js";
import { type Informer, type InformerOptions, SharedInformer } from "./informer.js";
import { type Logger, noopLogger } from "./logger.js";

export interface ManagerOptions {
  client: Client;
  logger?: Logger;
  /** Defaults for every informer the manager makes (backoff, page size, resync). */
  informerDefaults?: Pick<
    InformerOptions<KubeObject>,
    "initialBackoffMs" | "maxBackoffMs" | "pageSize" | "resyncPeriodMs"
  >;
}

export type SharedInformerSelection = Pick<
  InformerOptions<KubeObject>,
  "namespace" | "labelSelector" | "fieldSelector"
>;

export class Manager {
  readonly client: Client;
  readonly logger: Logger;
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private state: "new" | "starting" | "running" | "stopped" = "new";
  private readonly abort = new AbortController();

  constructor(private readonly options: ManagerOptions) {
    this.client = options.client;
    this.logger = options.logger ?? noopLogger;
  }

  private get stopped(): boolean {
    return this.state === "stopped";
  }

  /** The one shared informer for this type and selection; made on first request. */
  informer<T extends KubeObject>(type: ResourceType, selection: SharedInformerSelection = {}): Informer<T> {
    const id = [
      type.apiVersion,
      type.plural,
      selection.namespace ?? "",
      selection.labelSelector ?? "",
      selection.fieldSelector ?? "",
    ].join("|");
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new SharedInformer<KubeObject>(this.client, type, {
        ...this.options.informerDefaults,
        ...selection,
        logger: this.logger,
      });
      this.informers.set(id, inf);
      if (this.state === "starting" || this.state === "running") inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  /** Every informer has synced (what a readiness check asks); false before start(). */
  hasSynced(): boolean {
    if (this.state === "new") return false;
    for (const inf of this.informers.values()) if (!inf.hasSynced()) return false;
    return true;
  }

  add(controller: Controller): void {
    this.controllers.push(controller);
    if (this.state === "running") controller.start();
  }

  /** Starts every informer, waits until all have synced, then starts the controllers. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`manager: start() called in state ${this.state}`);
    this.state = "starting";
    for (const inf of this.informers.values()) inf.start();
    this.logger.info("waiting for informers to sync", { informers: this.informers.size });
    // Informers made while waiting join in.
    for (;;) {
      const pending = [...this.informers.values()].filter((i) => !i.hasSynced());
      if (pending.length === 0) break;
      try {
        await this.untilStopped(Promise.all(pending.map((i) => i.waitForSync())));
      } catch (err) {
        if (this.stopped) return;
        throw err;
      }
    }
    if (this.stopped) return;
    this.state = "running";
    for (const c of this.controllers) c.start();
    this.logger.info("manager running", { controllers: this.controllers.map((c) => c.name) });
  }

  /**
   * `p`, or the stop reason as soon as stop() is called: one abort listener for all the informers
   * awaited (one per informer on the shared signal would trip Node's MaxListenersExceededWarning
   * from eleven on), removed when `p` settles.
   */
  private untilStopped<T>(p: Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    p.catch(() => {}); // stop() rejects the waits it leaves behind
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** Stops the controllers (letting current reconciles finish), then the informers. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.abort.abort(new Error("manager stopping"));
    await Promise.all(this.controllers.map((c) => c.stop()));
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.logger.info("manager stopped");
  }
}
