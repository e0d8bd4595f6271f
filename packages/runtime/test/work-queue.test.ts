import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  sleep,
  TokenBucket,
  WorkQueue,
} from "../src/index.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Keys handed out right now, without waiting (get() on a non-empty queue settles in a microtask). */
async function drainNow(q: WorkQueue<string>): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) out.push((await q.get()) as string);
  return out;
}

describe("TokenBucket", () => {
  it("gives burst tokens at once, then one per 1/qps, and reserves into debt", () => {
    const b = new TokenBucket(10, 3);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    expect(b.reserve()).toBe(100);
    expect(b.reserve()).toBe(200);
    vi.advanceTimersByTime(200);
    expect(b.tryTake()).toBe(false);
    vi.advanceTimersByTime(100);
    expect(b.tryTake()).toBe(true);
  });

  it("never refills above burst", () => {
    const b = new TokenBucket(100, 2);
    vi.advanceTimersByTime(60_000);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it("take() waits for its reservation", async () => {
    const b = new TokenBucket(1, 1);
    await b.take();
    let done = false;
    const p = b.take().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it.each([
    [0, 1, "qps"],
    [1, 0, "burst"],
    [1, 1.5, "burst"],
  ])("refuses qps=%d burst=%d naming %s", (qps, burst, field) => {
    expect(() => new TokenBucket(qps, burst)).toThrow(field);
  });

  it("sleep rejects with the abort reason", async () => {
    const ac = new AbortController();
    const p = sleep(1000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
});

describe("rate limiters", () => {
  it("exponential backoff doubles per failure up to the cap, per item, until forget", () => {
    const r = new ExponentialBackoffRateLimiter<string>(5, 100);
    expect([r.when("a"), r.when("a"), r.when("a"), r.when("a"), r.when("a"), r.when("a")]).toEqual([
      5, 10, 20, 40, 80, 100,
    ]);
    expect(r.when("b")).toBe(5);
    expect(r.numRequeues("a")).toBe(6);
    r.forget("a");
    expect(r.numRequeues("a")).toBe(0);
    expect(r.when("a")).toBe(5);
  });

  it("caps even after thousands of failures", () => {
    const r = new ExponentialBackoffRateLimiter<string>(5, 1000);
    for (let i = 0; i < 2000; i++) r.when("a");
    expect(r.when("a")).toBe(1000);
  });

  it("max-of takes the longest delay: the overall bucket throttles many distinct keys", () => {
    const r = new MaxOfRateLimiter<string>(
      new ExponentialBackoffRateLimiter(5, 1000),
      new BucketRateLimiter(10, 2),
    );
    expect([r.when("a"), r.when("b"), r.when("c"), r.when("d")]).toEqual([5, 5, 100, 200]);
  });

  it("the default is 5 ms doubling with a 10 qps / 100 burst bucket", () => {
    const r = defaultControllerRateLimiter<string>();
    expect([r.when("x"), r.when("x"), r.when("x")]).toEqual([5, 10, 20]);
  });
});

describe("WorkQueue", () => {
  it("dedupes a key added while queued and keeps FIFO order", async () => {
    const q = new WorkQueue<string>();
    for (const k of ["a", "b", "a", "c", "b"]) q.add(k);
    expect(q.len()).toBe(3);
    expect(await drainNow(q)).toEqual(["a", "b", "c"]);
  });

  it("a key re-added while processing is not handed out twice, and comes back after done", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    const k = await q.get();
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    q.done(k as string);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("a high add is handed out before normal ones, moves a waiting key up, and keeps dedupe", async () => {
    const q = new WorkQueue<string>();
    for (const k of ["a", "b", "c"]) q.add(k);
    q.add("d", { high: true });
    q.add("b", { high: true }); // waiting: moves up, behind d
    q.add("d", { high: true }); // already high: once
    q.add("a"); // already queued: once
    expect(q.len()).toBe(4);
    expect(await drainNow(q)).toEqual(["d", "b", "a", "c"]);
    expect(q.len()).toBe(0);
  });

  it("a high add while processing requeues the key in the high lane at done()", async () => {
    const q = new WorkQueue<string>();
    q.add("x");
    const x = (await q.get()) as string;
    q.add("y");
    q.add("x", { high: true });
    q.done(x);
    expect(await drainNow(q)).toEqual(["x", "y"]);
    // A normal re-add while processing stays normal.
    q.add("z");
    q.add("w");
    const z = (await q.get()) as string;
    expect(z).toBe("z");
    q.add("z");
    q.add("v", { high: true });
    q.done(z);
    expect(await drainNow(q)).toEqual(["v", "w", "z"]);
  });

  it("a key handed out from the high lane is not handed out again from its stale normal entry", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    q.add("a", { high: true });
    const a = (await q.get()) as string;
    expect(a).toBe("a");
    q.done(a);
    expect(await drainNow(q)).toEqual(["b"]);
    // Re-added after: handed out once.
    q.add("a");
    expect(await drainNow(q)).toEqual(["a"]);
  });

  it("get() waits for an add", async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.add("x");
    expect(await p).toBe("x");
  });

  it("addAfter fires after the delay; the earlier of two delays wins", async () => {
    const q = new WorkQueue<string>();
    q.addAfter("a", 1000);
    q.addAfter("a", 300);
    q.addAfter("a", 2000);
    expect(q.delayed()).toBe(1);
    vi.advanceTimersByTime(299);
    expect(q.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(await drainNow(q)).toEqual(["a"]);
    q.addAfter("b", 0);
    expect(q.len()).toBe(1);
  });

  it("addRateLimited backs off per key until forget", async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ExponentialBackoffRateLimiter(100, 10_000) });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = Date.now();
      q.addRateLimited("k");
      while (q.len() === 0) vi.advanceTimersByTime(1);
      delays.push(Date.now() - start);
      q.done((await q.get()) as string);
    }
    expect(delays).toEqual([100, 200, 400, 800]);
    expect(q.numRequeues("k")).toBe(4);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
  });

  it("shutDown refuses adds, drops delayed keys, hands out queued ones, then get() ends", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.addAfter("later", 100);
    q.shutDown();
    q.add("b");
    vi.advanceTimersByTime(1000);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBeUndefined();
  });

  it("shutDown wakes a waiting get()", async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.shutDown();
    expect(await p).toBeUndefined();
  });

  it("shutDownWithDrain resolves only once queued and in-flight keys are done", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    const first = (await q.get()) as string;
    let drained = false;
    const d = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    const second = (await q.get()) as string;
    q.done(first);
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(second);
    await d;
    expect(drained).toBe(true);
    expect([first, second]).toEqual(["a", "b"]);
  });
});
