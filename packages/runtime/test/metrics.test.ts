import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Controller,
  type ControllerMetrics,
  type ControllerMetricsProvider,
  type ReconcileOutcome,
  RequeueAfterError,
  WorkQueue,
} from "../src/index.js";
import { until } from "./memory-client.js";

afterEach(() => {
  vi.useRealTimers();
});

/** Records what the hooks are told, per metric and queue/controller name. */
class Recorder implements ControllerMetricsProvider {
  readonly counts = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly observations = new Map<string, number[]>();

  private counter(id: string) {
    return { inc: () => this.counts.set(id, (this.counts.get(id) ?? 0) + 1) };
  }
  private gauge(id: string) {
    const add = (d: number) => this.gauges.set(id, (this.gauges.get(id) ?? 0) + d);
    return { inc: () => add(1), dec: () => add(-1), set: (v: number) => this.gauges.set(id, v) };
  }
  private histogram(id: string) {
    return {
      observe: (s: number) => this.observations.set(id, [...(this.observations.get(id) ?? []), s]),
    };
  }

  newDepthMetric = (name: string) => this.gauge(`depth/${name}`);
  newAddsMetric = (name: string) => this.counter(`adds/${name}`);
  newLatencyMetric = (name: string) => this.histogram(`latency/${name}`);
  newWorkDurationMetric = (name: string) => this.histogram(`work/${name}`);
  newRetriesMetric = (name: string) => this.counter(`retries/${name}`);
  newControllerMetrics = (controller: string): ControllerMetrics => ({
    maxConcurrentReconciles: this.gauge(`max/${controller}`),
    activeWorkers: this.gauge(`active/${controller}`),
    reconciled: (outcome: ReconcileOutcome, seconds: number) => {
      this.counter(`reconcile/${controller}/${outcome}`).inc();
      this.histogram(`reconcileTime/${controller}`).observe(seconds);
    },
  });
}

describe("WorkQueue metrics (client-go's queue metrics)", () => {
  it("counts adds that were not deduplicated, keeps depth, and times queue wait and work", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const r = new Recorder();
    const q = new WorkQueue<string>({ name: "q", metrics: r });
    q.add("a");
    q.add("a"); // deduplicated: no add, no depth
    q.add("b");
    expect(r.counts.get("adds/q")).toBe(2);
    expect(r.gauges.get("depth/q")).toBe(2);

    vi.advanceTimersByTime(100);
    expect(await q.get()).toBe("a");
    expect(r.gauges.get("depth/q")).toBe(1);
    expect(r.observations.get("latency/q")).toEqual([0.1]);

    q.add("a"); // while processing: counted and in depth, as client-go does, handed out after done
    expect(r.counts.get("adds/q")).toBe(3);
    expect(r.gauges.get("depth/q")).toBe(2);
    vi.advanceTimersByTime(50);
    q.done("a");
    expect(r.observations.get("work/q")).toEqual([0.05]);

    vi.advanceTimersByTime(25);
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBe("a");
    expect(r.gauges.get("depth/q")).toBe(0);
    // b waited 175 ms since its add; a 75 ms since its re-add.
    expect(r.observations.get("latency/q")).toEqual([0.1, 0.175, 0.075]);
  });

  it("counts every delayed or rate-limited add as a retry (client-go's AddAfter)", () => {
    vi.useFakeTimers({ now: 0 });
    const r = new Recorder();
    const q = new WorkQueue<string>({ name: "q", metrics: r });
    q.addAfter("a", 1000);
    q.addAfter("a", 500);
    q.addRateLimited("b");
    expect(r.counts.get("retries/q")).toBe(3);
    expect(r.counts.get("adds/q")).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(r.counts.get("adds/q")).toBe(2);
    q.shutDown();
    q.addAfter("c", 10);
    expect(r.counts.get("retries/q")).toBe(3);
  });

  it("refuses metrics without a queue name", () => {
    expect(() => new WorkQueue({ metrics: new Recorder() })).toThrow(/^name: required when metrics/);
  });
});

describe("Controller metrics (controller-runtime's reconcile metrics)", () => {
  it("reports each reconcile's outcome and time, the worker count and the active workers", async () => {
    const r = new Recorder();
    let activeSeen = 0;
    const ctl = new Controller({
      name: "things",
      concurrency: 2,
      metrics: r,
      reconciler: async ({ name }) => {
        activeSeen = Math.max(activeSeen, r.gauges.get("active/things") ?? 0);
        if (name === "ok") return;
        if (name === "after") return { requeueAfter: 60_000 };
        if (name === "again") return r.counts.has("reconcile/things/requeue") ? undefined : { requeue: true };
        if (name === "hint") throw new RequeueAfterError("waiting", 60_000);
        throw new Error("boom");
      },
    });
    for (const k of ["ok", "after", "again", "hint", "fail"]) ctl.enqueue(k);
    ctl.start();
    expect(r.gauges.get("max/things")).toBe(2);
    await until(
      () => (r.counts.get("reconcile/things/success") ?? 0) >= 2 && r.counts.has("reconcile/things/error"),
      "reconciles reported",
      5000,
    );
    await ctl.stop();
    expect(r.counts.get("reconcile/things/requeue_after")).toBe(2);
    expect(r.counts.get("reconcile/things/requeue")).toBe(1);
    expect(r.counts.get("reconcile/things/success")).toBe(2); // ok, then again's second run
    expect(r.counts.get("reconcile/things/error")).toBeGreaterThanOrEqual(1);
    const total = [...r.counts]
      .filter(([k]) => k.startsWith("reconcile/things/"))
      .reduce((n, [, v]) => n + v, 0);
    expect(r.observations.get("reconcileTime/things")).toHaveLength(total);
    expect(activeSeen).toBeGreaterThanOrEqual(1);
    expect(r.gauges.get("active/things")).toBe(0);
    // The queue is reported under the controller's name.
    expect(r.counts.get("adds/things")).toBeGreaterThanOrEqual(5);
    expect(r.counts.get("retries/things")).toBeGreaterThanOrEqual(4);
  });
});
