import { getEventListeners, setMaxListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  type EventHandler,
  InformerStoppedError,
  indexByControllerUid,
  indexByLabel,
  type KubeObject,
  memoryLogger,
  PodType,
  SharedInformer,
} from "../src/index.js";
import { MemoryClient, settle, until } from "./memory-client.js";

const pod = (
  name: string,
  labels: Record<string, string> = {},
  ns = "default",
  extra: Partial<KubeObject["metadata"]> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels, ...extra },
});

type Ev = [string, string, string?];
function recorder(): { events: Ev[]; handler: EventHandler<KubeObject> } {
  const events: Ev[] = [];
  const rv = (o: KubeObject): string => `${o.metadata.name}@${o.metadata.resourceVersion}`;
  return {
    events,
    handler: {
      onAdd: (o) => events.push(["add", rv(o)]),
      onUpdate: (a, b) => events.push(["update", rv(a), rv(b)]),
      onDelete: (o) => events.push(["delete", rv(o)]),
    },
  };
}

let informers: SharedInformer[] = [];
function make(
  client: MemoryClient,
  opts: ConstructorParameters<typeof SharedInformer>[2] = {},
): SharedInformer {
  const inf = new SharedInformer(client, PodType, opts);
  informers.push(inf);
  return inf;
}
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(informers.map((i) => i.stop()));
  informers = [];
});

describe("SharedInformer", () => {
  it("lists, syncs, then follows the watch from the list's version with bookmarks asked for", async () => {
    const c = new MemoryClient();
    c.put(pod("a"));
    c.put(pod("b"));
    const inf = make(c);
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(events).toEqual([
      ["add", "a@2"],
      ["add", "b@3"],
    ]);
    await until(() => c.activeWatches === 1, "watch open");
    // The server ends the watch after 5 to 10 minutes, as client-go's reflector asks.
    const { timeoutSeconds, ...rest } = c.watchCalls[0] ?? {};
    expect(rest).toEqual({ resourceVersion: "3", allowWatchBookmarks: true });
    expect(timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(timeoutSeconds).toBeLessThan(600);

    c.put(pod("c"));
    c.put({ ...pod("a"), spec: { x: 1 } } as KubeObject);
    c.remove("b", "default");
    expect(events.slice(2)).toEqual([
      ["add", "c@4"],
      ["update", "a@2", "a@5"],
      ["delete", "b@3"],
    ]);
    expect(inf.cache.keys().sort()).toEqual(["default/a", "default/c"]);
    expect(inf.lastSyncResourceVersion()).toBe("6");
    c.bookmark();
    expect(inf.lastSyncResourceVersion()).toBe("7");
  });

  it("relists on 410 Expired: vanished objects get onDelete, changed get onUpdate, unchanged nothing", async () => {
    const c = new MemoryClient();
    c.put(pod("keep"));
    c.put(pod("change"));
    c.put(pod("gone"));
    const inf = make(c);
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    inf.start();
    await inf.waitForSync();
    await until(() => c.activeWatches === 1, "watch open");
    events.length = 0;

    c.putSilently(pod("change", { v: "2" }));
    c.removeSilently("gone", "default");
    c.putSilently(pod("new"));
    c.expiredBelow = c.rv;
    c.expireWatches();
    await until(() => inf.lists === 2 && c.activeWatches === 1, "relist and rewatch");
    expect(events).toEqual([
      ["update", "change@3", "change@5"],
      ["add", "new@7"],
      ["delete", "gone@4"],
    ]);
    expect(c.watchCalls.at(-1)?.resourceVersion).toBe("7");
  });

  it("relists at once on a refused watch, but backs off when 410s repeat without progress", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const c = new MemoryClient();
    c.put(pod("a"));
    const inf = make(c, { initialBackoffMs: 1000 });
    inf.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.activeWatches).toBe(1);
    c.expiredBelow = 1000; // every watch is now too old
    c.expireWatches();
    await vi.advanceTimersByTimeAsync(0);
    // relist 2 at once; its watch is refused too, so relist 3 waits the backoff.
    expect(inf.lists).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(inf.lists).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(inf.lists).toBe(3);
    c.expiredBelow = 0;
    await vi.advanceTimersByTimeAsync(2000);
    expect(inf.lists).toBe(4);
    expect(c.activeWatches).toBe(1);
  });

  it("relists when the stream ends cleanly", async () => {
    const c = new MemoryClient();
    c.put(pod("a"));
    const inf = make(c);
    inf.start();
    await inf.waitForSync();
    await until(() => c.activeWatches === 1, "watch open");
    c.put(pod("b"));
    c.endWatches();
    await until(() => inf.lists === 2 && c.activeWatches === 1, "relist");
    expect(inf.cache.size).toBe(2);
  });

  it("backs off exponentially on list errors, capped, and resets after success", async () => {
    vi.useFakeTimers({
      now: 0,
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const c = new MemoryClient();
    const boom = new ApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 500,
      reason: "InternalError",
    });
    c.listFailures.push(boom, boom, boom, boom, boom);
    const times: number[] = [];
    const list = c.list.bind(c);
    c.list = (t, o) => {
      times.push(Date.now());
      return list(t, o);
    };
    const { logger, records } = memoryLogger("warn");
    const inf = make(c, { initialBackoffMs: 100, maxBackoffMs: 500, logger });
    inf.start();
    for (let i = 0; i < 40 && !inf.hasSynced(); i++) await vi.advanceTimersByTimeAsync(50);
    expect(times).toEqual([0, 100, 300, 700, 1200, 1700]);
    expect(records.filter((r) => r.msg === "list/watch failed").map((r) => r.values.code)).toEqual(
      Array(5).fill("ERR_API_INTERNALERROR"),
    );
  });

  it("a broken watch stream is an error: back off, then relist", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const c = new MemoryClient();
    const inf = make(c, { initialBackoffMs: 1000 });
    inf.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(inf.hasSynced()).toBe(true);
    expect(c.activeWatches).toBe(1);
    c.breakWatches(new Error("socket hang up"));
    await vi.advanceTimersByTimeAsync(999);
    expect(inf.lists).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(inf.lists).toBe(2);
  });

  it("an ERROR event other than 410 is a failure that backs off", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
    const c = new MemoryClient();
    const inf = make(c, { initialBackoffMs: 1000 });
    inf.start();
    await vi.advanceTimersByTimeAsync(0);
    c.sendStatus({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 500,
      reason: "InternalError",
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(inf.lists).toBe(1);
    expect(c.activeWatches).toBe(0); // the informer closed the failed stream itself
    await vi.advanceTimersByTimeAsync(500);
    expect(inf.lists).toBe(2);
    expect(c.activeWatches).toBe(1);
  });

  it("lists in pages when pageSize is set", async () => {
    const c = new MemoryClient();
    for (let i = 0; i < 5; i++) c.put(pod(`p${i}`));
    const inf = make(c, { pageSize: 2 });
    inf.start();
    await inf.waitForSync();
    expect(c.listCalls.map((o) => [o.limit, o.continue])).toEqual([
      [2, undefined],
      [2, "2"],
      [2, "4"],
    ]);
    expect(inf.cache.size).toBe(5);
  });

  it("indexes by namespace, label and controller uid, and keeps indexes right through updates", async () => {
    const c = new MemoryClient();
    const owned = (uid: string) => ({
      ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid, controller: true }],
    });
    c.put(pod("a", { role: "w" }, "ns1", owned("u1")));
    c.put(pod("b", { role: "w" }, "ns2", owned("u1")));
    c.put(pod("c", { role: "m" }, "ns1", owned("u2")));
    const inf = make(c, { indexers: { role: indexByLabel("role") } });
    inf.addIndexer("owner", indexByControllerUid);
    inf.start();
    await inf.waitForSync();
    const names = (os: KubeObject[]) => os.map((o) => o.metadata.name).sort();
    expect(names(inf.cache.list("ns1"))).toEqual(["a", "c"]);
    expect(names(inf.cache.byIndex("role", "w"))).toEqual(["a", "b"]);
    expect(names(inf.cache.byIndex("owner", "u1"))).toEqual(["a", "b"]);
    await until(() => c.activeWatches === 1, "watch open");
    c.put(pod("a", { role: "m" }, "ns1", owned("u2")));
    expect(names(inf.cache.byIndex("role", "w"))).toEqual(["b"]);
    expect(names(inf.cache.byIndex("owner", "u2"))).toEqual(["a", "c"]);
    c.remove("c", "ns1");
    expect(names(inf.cache.byIndex("role", "m"))).toEqual(["a"]);
    expect(inf.cache.get("a", "ns1")?.metadata.labels).toEqual({ role: "m" });
    expect(() => inf.cache.byIndex("nope", "x")).toThrow("no indexer");
  });

  it("caches frozen copies so a reconciler cannot corrupt the cache", async () => {
    const c = new MemoryClient();
    c.put(pod("a", { x: "1" }));
    const inf = make(c);
    inf.start();
    await inf.waitForSync();
    const a = inf.cache.get("a", "default") as KubeObject;
    expect(() => {
      (a.metadata.labels as Record<string, string>).x = "2";
    }).toThrow(TypeError);
  });

  it("a handler added after sync first sees adds for the cache; a throwing handler harms no other", async () => {
    const c = new MemoryClient();
    c.put(pod("a"));
    const { logger, records } = memoryLogger();
    const inf = make(c, { logger });
    inf.addEventHandler({
      onAdd: () => {
        throw new Error("bad handler");
      },
    });
    inf.start();
    await inf.waitForSync();
    const { events, handler } = recorder();
    const remove = inf.addEventHandler(handler);
    expect(events).toEqual([["add", "a@2"]]);
    await until(() => c.activeWatches === 1, "watch open");
    c.put(pod("b"));
    expect(events.at(-1)).toEqual(["add", "b@3"]);
    expect(records.filter((r) => r.msg === "event handler threw")).toHaveLength(2);
    remove();
    c.put(pod("c"));
    expect(events).toHaveLength(2);
  });

  it("a label-selected informer passes the selector to list and watch and caches only matches", async () => {
    const c = new MemoryClient();
    c.put(pod("a", { app: "x" }));
    c.put(pod("b", { app: "y" }));
    const inf = make(c, { labelSelector: "app=x", namespace: "default" });
    inf.start();
    await inf.waitForSync();
    expect(inf.cache.keys()).toEqual(["default/a"]);
    await until(() => c.activeWatches === 1, "watch open");
    expect(c.watchCalls[0]).toMatchObject({ labelSelector: "app=x", namespace: "default" });
  });

  it("refuses a malformed selector at construction", () => {
    expect(() => new SharedInformer(new MemoryClient(), PodType, { labelSelector: "a in b" })).toThrow(
      "unable to parse requirement: found 'b' expected: '('",
    );
  });

  it("resync calls onUpdate(obj, obj) for every cached object each period", async () => {
    vi.useFakeTimers({
      now: 0,
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const c = new MemoryClient();
    c.put(pod("a"));
    const inf = make(c, { resyncPeriodMs: 1000 });
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    inf.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(events).toEqual([
      ["add", "a@2"],
      ["update", "a@2", "a@2"],
      ["update", "a@2", "a@2"],
    ]);
  });

  it("stop ends the watch, rejects pending waitForSync, and does not restart", async () => {
    const c = new MemoryClient();
    c.listFailures.push(new Error("down"));
    const inf = make(c, { initialBackoffMs: 60_000 });
    inf.start();
    const waiting = inf.waitForSync();
    await settle();
    await inf.stop();
    await expect(waiting).rejects.toBeInstanceOf(InformerStoppedError);
    await expect(inf.waitForSync()).rejects.toBeInstanceOf(InformerStoppedError);

    const c2 = new MemoryClient();
    const inf2 = make(c2);
    inf2.start();
    await inf2.waitForSync();
    await until(() => c2.activeWatches === 1, "watch open");
    await inf2.stop();
    expect(c2.activeWatches).toBe(0);
    inf2.start();
    await settle();
    expect(inf2.lists).toBe(1);
  });

  it("stop does not wait for a watch request the server never answers", async () => {
    const c = new MemoryClient();
    c.hangWatches = true;
    const inf = make(c);
    inf.start();
    await inf.waitForSync();
    await until(() => c.watchCalls.length === 1, "watch requested");
    await inf.stop();
    expect(inf.hasSynced()).toBe(true);
  });

  it("waitForSync honours an abort signal", async () => {
    const c = new MemoryClient();
    const inf = make(c);
    const ac = new AbortController();
    const p = inf.waitForSync(ac.signal);
    ac.abort(new Error("gave up"));
    await expect(p).rejects.toThrow("gave up");
  });

  it("waits on a shared signal leave no abort listener behind, whether they sync or the informer stops", async () => {
    const ac = new AbortController();
    // Twenty waits at once on purpose (a leak would keep them): above Node's warning threshold.
    setMaxListeners(20, ac.signal);
    const c = new MemoryClient();
    const inf = make(c);
    const waits = Array.from({ length: 20 }, () => inf.waitForSync(ac.signal));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(20);
    inf.start();
    await Promise.all(waits);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);

    const down = new MemoryClient();
    down.listFailures.push(new Error("down"));
    const never = make(down, { initialBackoffMs: 60_000 });
    never.start();
    const stopped = Array.from({ length: 20 }, () => never.waitForSync(ac.signal));
    await never.stop();
    for (const w of stopped) await expect(w).rejects.toBeInstanceOf(InformerStoppedError);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });
});
