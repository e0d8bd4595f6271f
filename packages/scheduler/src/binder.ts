// Binding outside the scheduling cycle (kube-scheduler's binding cycle): the cycle assumes each
// placed pod on its node (Snapshot.assume, so the next cycle sees the capacity taken) and hands the
// binding here; at most `concurrency` pods/binding requests are in flight. A failed binding
// releases the assumed capacity and sends the gang back to the queue with backoff; a pod that is
// already bound (by an earlier binding of ours whose answer was lost, or by someone else) is not a
// failure: the informer's view of the pod replaces the assumption.
import { type Client, isConflict, type KubeObject, type Logger, PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podKey, type Snapshot } from "./snapshot.js";

export interface Binding {
  pod: Pod;
  node: string;
  /** The gang the pod was placed with (its queue key). */
  gang: string;
}

export interface BinderHooks {
  /** The pod is bound to `node`. */
  bound(b: Binding): void;
  /** The binding failed; the assumption is already released. */
  failed(b: Binding, err: unknown): void;
}

export class Binder {
  private readonly pending: Binding[] = [];
  private head = 0;
  private workers = 0;
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly snapshot: Snapshot,
    private readonly hooks: BinderHooks,
    private readonly log: Logger,
    private readonly concurrency = 32,
  ) {
    if (!(concurrency >= 1)) throw new RangeError(`bindConcurrency: must be >= 1, got ${concurrency}`);
  }

  /** Binds these (already assumed) pods in the background, in order. */
  add(bindings: readonly Binding[]): void {
    if (this.stopped) return;
    this.pending.push(...bindings);
    while (this.workers < this.concurrency && this.head < this.pending.length) {
      this.workers++;
      void this.work();
    }
  }

  /** Bindings queued or in flight. */
  size(): number {
    return this.pending.length - this.head + this.workers;
  }

  /** Resolves once nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.workers === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Takes no new bindings; resolves when those in flight have ended (queued ones are dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    this.head = 0;
    await this.drained();
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.head < this.pending.length) {
      const b = this.pending[this.head++] as Binding;
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending.splice(0, this.head);
        this.head = 0;
      }
      await this.bind(b);
    }
    this.workers--;
    if (this.workers === 0) {
      const is = this.idle;
      this.idle = [];
      for (const i of is) i();
    }
  }

  private async bind(b: Binding): Promise<void> {
    const ns = b.pod.metadata?.namespace ?? "";
    const name = b.pod.metadata?.name ?? "";
    try {
      await this.client.bind(ns, name, b.node, b.pod.metadata?.uid);
    } catch (err) {
      if (isConflict(err) && (await this.alreadyBound(b))) return;
      this.snapshot.unassume(podKey(ns, name));
      this.log.warn("binding failed", { pod: `${ns}/${name}`, node: b.node, gang: b.gang, error: err });
      this.hooks.failed(b, err);
      return;
    }
    this.hooks.bound(b);
  }

  /** A 409 from pods/binding: is the pod (the same one, by uid) bound already? */
  private async alreadyBound(b: Binding): Promise<boolean> {
    try {
      const now = await this.client.get<Pod & KubeObject>(
        PodType,
        b.pod.metadata?.name ?? "",
        b.pod.metadata?.namespace,
      );
      return Boolean(now?.spec?.nodeName) && now?.metadata?.uid === b.pod.metadata?.uid;
    } catch {
      return false;
    }
  }
}
