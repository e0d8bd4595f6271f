// The API side of DRA allocation (claims.ts decides): informers on ResourceClaims, ResourceSlices
// and DeviceClasses (only where resource.k8s.io/v1 is served); after each cycle, the cycle's plans
// written to resourceclaims/status (status.allocation + status.reservedFor) BEFORE the gang's pods
// go to the binder, all or nothing per gang: a gang one of whose claims could not be written has
// what was written for it taken back, its pods unassumed and not bound, and is retried with backoff.
// It also does what kube-controller-manager's resourceclaim controller does, which grove-sim does
// not run: reservedFor entries of pods that are gone (deleted, replaced by a pod of another uid, or
// finished) are removed, and a claim reserved for nobody is deallocated.
import {
  type Client,
  DeviceClassType,
  isConflict,
  isNotFound,
  type KubeObject,
  type Logger,
  PodType,
  ResourceClaimType,
  ResourceSliceType,
  SharedInformer,
} from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Binding } from "./binder.js";
import { Claims, claimRefs, EventReasonUnsupportedClaim, type Plan } from "./claims.js";
import type { Claim, DeviceClass, Slice } from "./claims-alloc.js";
import type { ClusterView } from "./pending.js";
import type { Outcome, SchedulingQueue } from "./queue.js";
import { podKey, type Snapshot } from "./snapshot.js";
import type { StatusWriter } from "./status-writer.js";

type Pods = SharedInformer<Pod & KubeObject>;

interface ClaimsRuntimeOptions {
  log: Logger;
  /** A Warning Event on a pod. */
  event: (pod: Pod, reason: string, message: string) => void;
  /** Something changed that may let a parked gang's claims be allocated. */
  wake: () => void;
}

/** Gone for a claim, as the resourceclaim controller judges it: missing, replaced, or done (finished, or deleted unbound). */
const podsGone = (p: Pod | undefined, uid: string): boolean =>
  !p ||
  p.metadata?.uid !== uid ||
  p.status?.phase === "Succeeded" ||
  p.status?.phase === "Failed" ||
  (Boolean(p.metadata?.deletionTimestamp) && !p.spec?.nodeName);

export class ClaimsRuntime {
  readonly claims: Claims;
  private readonly claimInf: SharedInformer<Claim>;
  private readonly sliceInf: SharedInformer<Slice>;
  private readonly classInf: SharedInformer<DeviceClass>;
  private readonly removers: (() => void)[] = [];
  private readonly sweepQueue = new Set<string>();
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  /**
   * The runtime when the server serves resource.k8s.io/v1 ResourceClaims (set as `view.claims`);
   * undefined otherwise.
   */
  static async open(
    client: Client,
    view: ClusterView,
    pods: Pods,
    status: StatusWriter,
    queue: SchedulingQueue,
    log: Logger,
  ): Promise<ClaimsRuntime | undefined> {
    const o: ClaimsRuntimeOptions = {
      log,
      event: (pod, reason, message) => status.event(pod, "Warning", reason, message),
      wake: () => queue.activate("topology"),
    };
    const served = await client.list(ResourceClaimType, { limit: 1 }).then(
      () => true,
      (err: unknown) => {
        o.log.info("ResourceClaims not allocated", {
          reason: err instanceof Error ? err.message : String(err),
        });
        return false;
      },
    );
    if (!served) return undefined;
    const rt = new ClaimsRuntime(client, pods, view.nodes, o);
    view.claims = rt.claims;
    return rt;
  }

  private constructor(
    private readonly client: Client,
    private readonly pods: Pods,
    nodes: ConstructorParameters<typeof Claims>[0]["nodes"],
    private readonly o: ClaimsRuntimeOptions,
  ) {
    const inf = { logger: o.log };
    this.claimInf = new SharedInformer<Claim>(client, ResourceClaimType, inf);
    this.sliceInf = new SharedInformer<Slice>(client, ResourceSliceType, inf);
    this.classInf = new SharedInformer<DeviceClass>(client, DeviceClassType, inf);
    this.claims = new Claims(
      { claims: this.claimInf.cache, slices: this.sliceInf.cache, classes: this.classInf.cache, nodes },
      (pod, message) => o.event(pod, EventReasonUnsupportedClaim, message),
    );
    const wake = () => o.wake();
    this.removers.push(
      this.sliceInf.addEventHandler({ onAdd: wake, onUpdate: wake, onDelete: wake }),
      this.classInf.addEventHandler({ onAdd: wake, onUpdate: wake, onDelete: wake }),
      this.claimInf.addEventHandler({
        onAdd: (c) => {
          this.check(c);
          wake();
        },
        onUpdate: (old, c) => {
          this.claims.seen(c);
          this.check(c);
          const n = (x: Claim) => x.status?.reservedFor?.length ?? 0;
          if ((old.status?.allocation && !c.status?.allocation) || n(c) < n(old)) wake();
        },
        onDelete: wake,
      }),
      pods.addEventHandler({
        onUpdate: (old, p) => {
          if (podsGone(p, p.metadata?.uid ?? "")) this.podGone(p);
          // The resourceclaim controller recorded a claim made from a template: its gang may go on.
          else if (!p.spec?.nodeName && claimRefs(p).length > claimRefs(old).length) wake();
        },
        onDelete: (p) => this.podGone(p),
      }),
    );
  }

  informers(): SharedInformer<KubeObject>[] {
    return [this.claimInf, this.sliceInf, this.classInf] as SharedInformer<KubeObject>[];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.removers) r();
    await this.sweeping;
  }

  /**
   * Writes the cycle's plans before binding; returns the bindings that may go ahead. A gang whose
   * claims could not all be written gets outcome Error (backoff), its written parts undone and its
   * assumed pods released.
   */
  async commit(bindings: Binding[], outcomes: Map<string, Outcome>, snapshot: Snapshot): Promise<Binding[]> {
    const plans = [...this.claims.planned.values()];
    this.claims.begin();
    if (plans.length === 0) return bindings;
    const failed = new Set<string>();
    const done: Plan[] = [];
    // Up to 8 claims written at once (one write per claim).
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const p = plans[next++] as Plan;
        const err = await this.write(p);
        if (err === undefined) done.push(p);
        else {
          for (const a of p.add) failed.add(a.gang);
          this.o.log.warn("ResourceClaim status not written", { claim: p.key, error: err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, plans.length) }, worker));
    if (failed.size === 0) return bindings;
    // All or nothing per gang: take back what was written for a failed gang.
    for (const p of done) {
      const uids = new Set(p.add.filter((a) => failed.has(a.gang)).map((a) => a.ref.uid));
      if (uids.size > 0) await this.release(p.key, (r) => uids.has(r.uid));
    }
    for (const g of failed) outcomes.set(g, "Error");
    const ok: Binding[] = [];
    for (const b of bindings) {
      if (!failed.has(b.gang)) ok.push(b);
      else snapshot.unassume(podKey(b.pod.metadata?.namespace, b.pod.metadata?.name));
    }
    return ok;
  }

  /** One claim's plan: its allocation (when new) and reservedFor entries; the error, if any. */
  private async write(p: Plan): Promise<unknown> {
    const [ns, name] = splitKey(p.key);
    let cur = this.claims.claim(ns, name);
    for (let attempt = 0; attempt < 4; attempt++) {
      if (!cur) return new Error(`ResourceClaim ${p.key} does not exist`);
      const have = cur.status?.allocation;
      if (p.allocation && have && JSON.stringify(have.devices) !== JSON.stringify(p.allocation.devices))
        return new Error(`ResourceClaim ${p.key} was allocated meanwhile by someone else`);
      const reserved = [...(cur.status?.reservedFor ?? [])];
      for (const a of p.add) if (!reserved.some((r) => r.uid === a.ref.uid)) reserved.push(a.ref);
      const status = { ...(cur.status ?? {}), allocation: have ?? p.allocation, reservedFor: reserved };
      try {
        const out = await this.client.updateStatus<Claim>(ResourceClaimType, { ...cur, status });
        this.claims.wrote(out);
        return undefined;
      } catch (err) {
        if (!isConflict(err)) return err;
        cur = await this.client.get<Claim>(ResourceClaimType, name, ns);
      }
    }
    return new Error(`ResourceClaim ${p.key}: conflicts on every attempt`);
  }

  /** Removes the reservedFor entries `drop` picks; deallocates the claim when none are left. */
  private async release(key: string, drop: (r: { uid: string; name: string }) => boolean): Promise<void> {
    const [ns, name] = splitKey(key);
    for (let attempt = 0; attempt < 4; attempt++) {
      const cur = await this.client.get<Claim>(ResourceClaimType, name, ns).catch(() => undefined);
      const reserved = cur?.status?.reservedFor ?? [];
      const keep = reserved.filter((r) => !drop(r));
      if (!cur || (keep.length === reserved.length && (keep.length > 0 || !cur.status?.allocation))) return;
      const status: Claim["status"] = { ...(cur.status ?? {}), reservedFor: keep };
      if (keep.length === 0) {
        delete status.allocation;
        delete status.reservedFor;
        delete status.devices;
      }
      try {
        this.claims.wrote(await this.client.updateStatus<Claim>(ResourceClaimType, { ...cur, status }));
        return;
      } catch (err) {
        if (!isConflict(err)) {
          if (!isNotFound(err)) this.o.log.warn("ResourceClaim not released", { claim: key, error: err });
          return;
        }
      }
    }
  }

  private podGone(p: Pod): void {
    for (const name of claimRefs(p)) this.queueSweep(`${p.metadata?.namespace ?? ""}/${name}`);
  }

  /** A claim whose reservedFor names pods we do not see (or none while allocated) is swept. */
  private check(c: Claim): void {
    const reserved = c.status?.reservedFor ?? [];
    const ns = c.metadata.namespace ?? "";
    if (
      (c.status?.allocation && reserved.length === 0) ||
      reserved.some((r) => r.resource === "pods" && podsGone(this.pods.cache.get(r.name, ns), r.uid))
    )
      this.queueSweep(`${ns}/${c.metadata.name}`);
  }

  private queueSweep(key: string): void {
    if (this.stopped) return;
    this.sweepQueue.add(key);
    this.sweeping ??= this.sweep().finally(() => {
      this.sweeping = undefined;
    });
  }

  private async sweep(): Promise<void> {
    while (!this.stopped && this.sweepQueue.size > 0) {
      const key = this.sweepQueue.values().next().value as string;
      this.sweepQueue.delete(key);
      const [ns] = splitKey(key);
      const gone = new Map<string, boolean>();
      // Confirmed with the server: the cache may lag behind a pod just created.
      const isGone = async (r: { name: string; uid: string }) => {
        if (!podsGone(this.pods.cache.get(r.name, ns), r.uid)) return false;
        const p = await this.client.get<Pod & KubeObject>(PodType, r.name, ns).catch(() => undefined);
        return podsGone(p, r.uid);
      };
      const [, name] = splitKey(key);
      const cur = this.claimInf.cache.get(name, ns);
      for (const r of cur?.status?.reservedFor ?? [])
        if (r.resource === "pods") gone.set(r.uid, await isGone(r));
      await this.release(key, (r) => gone.get(r.uid) === true);
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
