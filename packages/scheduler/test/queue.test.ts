// The scheduling queue on runtime's WorkQueue and rate limiter, driven by fake timers: which gang a
// cycle is handed and when, per outcome (Unschedulable, Unresolvable, Error) and per cluster event.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Outcome, SchedulingQueue, type SchedulingQueueOptions } from "../src/queue.js";

let q: SchedulingQueue | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  q?.shutDown();
  q = undefined;
  vi.useRealTimers();
});

const make = (o: SchedulingQueueOptions = {}): SchedulingQueue => {
  q = new SchedulingQueue({
    coalesceMs: 1,
    capacityCoalesceMs: 1,
    initialBackoffMs: 1000,
    maxBackoffMs: 60_000,
    ...o,
  });
  return q;
};

/** The next batch, with `ms` of fake time to get there; undefined when none came by then. */
async function batchWithin(queue: SchedulingQueue, ms: number): Promise<string[] | undefined> {
  let got: string[] | undefined;
  const p = queue.pop().then((keys) => {
    got = keys;
  });
  await vi.advanceTimersByTimeAsync(ms);
  if (got === undefined) {
    queue.add("__end__");
    await vi.advanceTimersByTimeAsync(10);
    await p;
    const keys = (got ?? []) as string[];
    queue.release(keys);
    return keys.includes("__end__") && keys.length === 1 ? undefined : keys.filter((k) => k !== "__end__");
  }
  return got;
}

/** Hands `key` to a cycle and records `outcome` for it, as the scheduler's loop does. */
async function attempt(queue: SchedulingQueue, key: string, outcome: Outcome): Promise<void> {
  queue.add(key);
  const keys = await batchWithin(queue, 5);
  expect(keys).toEqual([key]);
  queue.done(key, outcome);
  queue.release(keys as string[]);
}

describe("scheduling queue", () => {
  it("backs off per gang: a gang that never fits does not delay another gang's retry", async () => {
    const queue = make();
    await attempt(queue, "default/never", "Error");
    // Each retry comes after the gang's own doubling delay: 1 s, 2 s, 4 s, 8 s.
    for (let i = 0; i < 4; i++) {
      const keys = await batchWithin(queue, 1000 * 2 ** i + 10);
      expect(keys).toEqual(["default/never"]);
      queue.done("default/never", "Error");
      queue.release(keys as string[]);
    }
    expect(queue.failures("default/never")).toBe(5);
    await attempt(queue, "default/once", "Error");
    expect(queue.failures("default/once")).toBe(1);
    // default/once's own first delay (1 s), not never's fifth (16 s), and never is not in it.
    expect(await batchWithin(queue, 1005)).toEqual(["default/once"]);
  });

  it("resets a gang's backoff when it is placed", async () => {
    const queue = make();
    await attempt(queue, "default/g", "Error");
    expect(queue.failures("default/g")).toBe(1);
    queue.done("default/g", "Scheduled");
    expect(queue.failures("default/g")).toBe(0);
    expect(queue.state("default/g")).toBe("none");
  });

  it("re-activates an unschedulable gang on a node event, before its backoff ends", async () => {
    const queue = make({ initialBackoffMs: 60_000 });
    await attempt(queue, "default/g", "Unschedulable");
    expect(queue.state("default/g")).toBe("parked");
    expect(await batchWithin(queue, 1000)).toBeUndefined();
    queue.activate("node");
    expect(await batchWithin(queue, 5)).toEqual(["default/g"]);
  });

  it.each(["node", "topology", "freed"] as const)(
    "wakes an Unschedulable gang on a %s event",
    async (event) => {
      const queue = make({ initialBackoffMs: 60_000 });
      await attempt(queue, "default/g", "Unschedulable");
      queue.activate(event);
      expect(await batchWithin(queue, 5)).toEqual(["default/g"]);
    },
  );

  it("does not retry an Unresolvable gang by timer, nor on freed capacity; a node event wakes it", async () => {
    const queue = make({ initialBackoffMs: 10, maxBackoffMs: 10 });
    await attempt(queue, "default/huge", "Unresolvable");
    expect(queue.state("default/huge")).toBe("unresolvable");
    // Far past any backoff, short of the flush.
    expect(await batchWithin(queue, 60_000)).toBeUndefined();
    queue.activate("freed");
    expect(await batchWithin(queue, 1000)).toBeUndefined();
    queue.activate("node");
    expect(await batchWithin(queue, 5)).toEqual(["default/huge"]);
  });

  it("retries an Unschedulable gang on its backoff even without an event", async () => {
    const queue = make({ initialBackoffMs: 1000 });
    await attempt(queue, "default/g", "Unschedulable");
    expect(await batchWithin(queue, 1005)).toEqual(["default/g"]);
  });

  it("flushes gangs parked longer than maxUnschedulableMs", async () => {
    const queue = make({ maxUnschedulableMs: 120_000 });
    await attempt(queue, "default/huge", "Unresolvable");
    expect(await batchWithin(queue, 60_000)).toBeUndefined();
    // Looked for every 30 s, as kube-scheduler does: by 120 s + 30 s at the latest.
    expect(await batchWithin(queue, 90_000)).toEqual(["default/huge"]);
  });

  it("tries a gang again at once when an event that can help it came while it was being placed", async () => {
    const queue = make({ initialBackoffMs: 60_000 });
    queue.add("default/g");
    const keys = (await batchWithin(queue, 5)) as string[];
    queue.activate("node");
    queue.done("default/g", "Unschedulable");
    queue.release(keys);
    expect(await batchWithin(queue, 5)).toEqual(["default/g"]);
  });

  it("hands out a gang's own new work at once, parked or not", async () => {
    const queue = make({ initialBackoffMs: 60_000 });
    await attempt(queue, "default/g", "Unresolvable");
    queue.add("default/g");
    expect(await batchWithin(queue, 5)).toEqual(["default/g"]);
  });

  it("forgets a removed gang", async () => {
    const queue = make({ initialBackoffMs: 60_000 });
    await attempt(queue, "default/g", "Unschedulable");
    queue.remove("default/g");
    expect(queue.state("default/g")).toBe("none");
    queue.activate("node");
    expect(await batchWithin(queue, 5)).toBeUndefined();
  });
});

describe("scheduling queue options", () => {
  it.each([
    [{ initialBackoffMs: 0 }, /^initialBackoffMs: must be a number >= 1, got 0$/],
    [
      { initialBackoffMs: 100, maxBackoffMs: 50 },
      /^maxBackoffMs: must be >= initialBackoffMs \(100\), got 50$/,
    ],
    [{ maxUnschedulableMs: 0 }, /^maxUnschedulableMs: must be a number >= 1, got 0$/],
    [{ coalesceMs: -1 }, /^coalesceMs: must be a number >= 0, got -1$/],
    [{ capacityCoalesceMs: Number.NaN }, /^capacityCoalesceMs: must be a number >= 0, got NaN$/],
  ])("refuses %o, naming the option", (o, message) => {
    expect(() => new SchedulingQueue(o)).toThrow(message);
  });
});
