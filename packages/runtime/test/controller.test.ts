import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Controller,
  ExponentialBackoffRateLimiter,
  type KubeObject,
  Manager,
  mapToController,
  memoryLogger,
  PodType,
  type ReconcileContext,
  ReconcileError,
  RequeueAfterError,
  ServiceType,
} from "../src/index.js";
import { MemoryClient, settle, until } from "./memory-client.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A reconcile that blocks until released, to observe what runs at the same time. */
function gated() {
  const active = new Set<string>();
  const calls: string[] = [];
  let maxParallel = 0;
  let overlapSameKey = false;
  const gates: (() => void)[] = [];
  const reconcile = async ({ key }: ReconcileContext) => {
    if (active.has(key)) overlapSameKey = true;
    active.add(key);
    calls.push(key);
    maxParallel = Math.max(maxParallel, active.size);
    await new Promise<void>((r) => gates.push(r));
    active.delete(key);
  };
  const releaseAll = () => {
    for (const g of gates.splice(0)) g();
  };
  return {
    reconcile,
    calls,
    gates,
    releaseAll,
    stats: () => ({ maxParallel, overlapSameKey, active: active.size }),
  };
}

describe("Controller", () => {
  it("never runs more than `concurrency` reconciles, never two for one key, and re-runs a key changed meanwhile", async () => {
    const g = gated();
    const ctl = new Controller({ name: "t", reconciler: g.reconcile, concurrency: 3 });
    for (const k of ["a", "b", "c", "d", "e"]) ctl.enqueue(k);
    ctl.start();
    await until(() => g.gates.length === 3, "three in flight");
    ctl.enqueue("a"); // a is being processed: must wait for it
    ctl.enqueue("a");
    await settle();
    expect(g.stats().active).toBe(3);
    for (let i = 0; i < 10 && (g.gates.length > 0 || ctl.queue.len() > 0); i++) {
      g.releaseAll();
      await settle();
    }
    expect(g.stats()).toEqual({ maxParallel: 3, overlapSameKey: false, active: 0 });
    expect([...g.calls].sort()).toEqual(["a", "a", "b", "c", "d", "e"]);
    await ctl.stop();
  });

  it.each([
    ["requeueAfter", async () => ({ requeueAfter: 3000 }), [0, 3000, 6000]],
    [
      "RequeueAfterError",
      async () => {
        throw new RequeueAfterError("not yet", 2000);
      },
      [0, 2000, 4000],
    ],
    [
      "error -> per-key backoff",
      async () => {
        throw new ReconcileError("ERR_X", "broken");
      },
      [0, 100, 300],
    ],
    ["requeue: true -> backoff without an error", async () => ({ requeue: true }), [0, 100, 300]],
  ] as const)("%s schedules the next reconcile", async (_, result, want) => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const times: number[] = [];
    const ctl = new Controller({
      name: "t",
      rateLimiter: new ExponentialBackoffRateLimiter(100, 10_000),
      reconciler: async () => {
        times.push(Date.now());
        return result();
      },
    });
    ctl.enqueue("k");
    ctl.start();
    for (let t = 0; t < 7000 && times.length < 3; t += 50) await vi.advanceTimersByTimeAsync(50);
    expect(times.slice(0, 3)).toEqual(want);
    await ctl.stop();
  });

  it("success forgets the failure count; errors are logged with their stable code", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { logger, records } = memoryLogger();
    let n = 0;
    const ctl = new Controller({
      name: "pcs",
      logger,
      rateLimiter: new ExponentialBackoffRateLimiter(100, 10_000),
      reconciler: async () => {
        n++;
        if (n <= 2) throw new ReconcileError("ERR_SYNC", `fail ${n}`);
      },
    });
    ctl.enqueue("ns/a");
    ctl.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(n).toBe(3);
    expect(ctl.queue.numRequeues("ns/a")).toBe(0);
    expect(ctl.stats).toEqual({ reconciles: 3, errors: 2, requeues: 0 });
    const errs = records.filter((r) => r.level === "error");
    expect(errs.map((r) => r.values)).toEqual([
      { controller: "pcs", key: "ns/a", code: "ERR_SYNC", error: "fail 1", retries: 0 },
      { controller: "pcs", key: "ns/a", code: "ERR_SYNC", error: "fail 2", retries: 1 },
    ]);
    await ctl.stop();
  });

  it("passes namespace and name split from the key", async () => {
    const seen: [string, string][] = [];
    const ctl = new Controller({ name: "t", reconciler: async (c) => void seen.push([c.namespace, c.name]) });
    ctl.enqueue("ns/a");
    ctl.enqueue("cluster-scoped");
    ctl.start();
    await until(() => seen.length === 2, "two reconciles");
    expect(seen).toEqual([
      ["ns", "a"],
      ["", "cluster-scoped"],
    ]);
    await ctl.stop();
  });

  it("stop waits for the reconcile in flight, aborts its signal and takes no new keys", async () => {
    let signal: AbortSignal | undefined;
    let release: () => void = () => {};
    let finished = false;
    const ctl = new Controller({
      name: "t",
      reconciler: async (c) => {
        signal = c.signal;
        await new Promise<void>((r) => {
          release = r;
        });
        finished = true;
      },
    });
    ctl.enqueue("a");
    ctl.start();
    await until(() => signal !== undefined, "in flight");
    const stopping = ctl.stop();
    await settle();
    expect(signal?.aborted).toBe(true);
    ctl.enqueue("b");
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(ctl.queue.len()).toBe(0);
  });

  it.each([0, 1.5, -1])("refuses concurrency %d", (c) => {
    expect(() => new Controller({ name: "t", reconciler: async () => {}, concurrency: c })).toThrow(
      "concurrency",
    );
  });
});

describe("Manager", () => {
  const obj = (kind: string, name: string, owner?: string): KubeObject => ({
    apiVersion: "v1",
    kind,
    metadata: {
      name,
      namespace: "ns",
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: "v1", kind: "Service", name: owner, uid: `uid-${owner}`, controller: true },
            ],
          }
        : {}),
    },
  });

  it("syncs informers before any reconcile, maps children to owners, shares informers, stops in order", async () => {
    const c = new MemoryClient();
    c.put(obj("Service", "s1"));
    c.put(obj("Pod", "p1", "s1"));
    c.put(obj("Pod", "p2", "s2"));
    const mgr = new Manager({ client: c });
    const services = mgr.informer(ServiceType);
    const pods = mgr.informer(PodType);
    expect(mgr.informer(PodType)).toBe(pods);
    expect(mgr.informer(PodType, { labelSelector: "a=b" })).not.toBe(pods);
    const seen: { key: string; cacheSize: number }[] = [];
    const ctl = new Controller({
      name: "svc",
      reconciler: async ({ key }) => {
        seen.push({ key, cacheSize: pods.cache.size });
      },
    })
      .watch(services)
      .watch(pods, mapToController("Service"));
    mgr.add(ctl);
    await mgr.start();
    await until(() => seen.length >= 2, "reconciles");
    expect(seen.map((s) => s.key).sort()).toEqual(["ns/s1", "ns/s2"]);
    // Both informers synced before the first reconcile ran: the pod cache was complete.
    expect(seen.every((s) => s.cacheSize === 2)).toBe(true);
    await mgr.stop();
    expect(c.activeWatches).toBe(0);
    expect(ctl.queue.shuttingDown).toBe(true);
  });

  it("start waits for many informers with one abort listener, removed once they synced", async () => {
    const c = new MemoryClient();
    const mgr = new Manager({ client: c });
    for (let i = 0; i < 20; i++) mgr.informer(PodType, { labelSelector: `i=${i}` });
    // biome-ignore lint/complexity/useLiteralKeys: the manager's private signal, read by this test only
    const signal = mgr["abort"].signal;
    const starting = mgr.start();
    expect(getEventListeners(signal, "abort")).toHaveLength(1);
    await starting;
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    await mgr.stop();
  });

  it("stop during start (informers never synced) ends start quietly", async () => {
    const c = new MemoryClient();
    c.listFailures.push(new Error("down"));
    const mgr = new Manager({ client: c, informerDefaults: { initialBackoffMs: 60_000 } });
    mgr.informer(PodType);
    const starting = mgr.start();
    await settle();
    await mgr.stop();
    await expect(starting).resolves.toBeUndefined();
  });
});
