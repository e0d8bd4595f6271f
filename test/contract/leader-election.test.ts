// runtime's LeaderElector against every target (targets.ts): our API server in process and over
// HTTP (project "grove"), the real kube-apiserver (project "kube"). The elector lives in
// @grove-ts/runtime, which cannot have @grove-ts/apiserver even as a devDependency (apiserver
// depends on runtime: a cycle turbo refuses), so its cases against real servers live here.
// Durations are short (lease 2 s, renew deadline 1.5 s, retry 0.3 s); waits are bounded polls.
import {
  type Client,
  LeaderElector,
  type LeaderElectorOptions,
  type Lease,
  LeaseType,
  memoryLogger,
} from "@grove-ts/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Target, targets } from "./targets.js";

const NS = "default";
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

let leaseCounter = 0;

type Mode = "ok" | "fail" | "hang" | "slow";

/** A Client whose calls fail, never answer or answer 300 ms late, on cue: renewals that go wrong. */
function faulty(inner: Client): { client: Client; mode: { value: Mode }; pending: { value: number } } {
  const mode = { value: "ok" as Mode };
  const pending = { value: 0 };
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        if (mode.value === "fail") return Promise.reject(new Error("injected: API server unreachable"));
        if (mode.value === "hang") return new Promise(() => {});
        if (mode.value === "slow") {
          pending.value++;
          return new Promise((r) => setTimeout(r, 300))
            .then(() => v.apply(target, args))
            .finally(() => pending.value--);
        }
        return v.apply(target, args);
      };
    },
  });
  return { client, mode, pending };
}

interface Candidate {
  elector: LeaderElector;
  events: string[];
  signal(): AbortSignal | undefined;
}

describe.each(targets)("LeaderElector over the $name", ({ start, serverKnobs }) => {
  let target: Target;
  let c: Client;
  const running: LeaderElector[] = [];

  beforeAll(async () => {
    target = await start();
    c = target.client;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });
  afterAll(async () => {
    await target.close();
  });

  const leaseName = () => `le-${++leaseCounter}`;

  function candidate(name: string, identity: string, over: Partial<LeaderElectorOptions> = {}): Candidate {
    const events: string[] = [];
    let signal: AbortSignal | undefined;
    const elector = new LeaderElector({
      client: c,
      namespace: NS,
      name,
      identity,
      ...FAST,
      onStartedLeading: (s) => {
        signal = s;
        events.push("started");
        s.addEventListener("abort", () => events.push("aborted"));
      },
      onStoppedLeading: () => events.push("stopped"),
      onNewLeader: (id) => events.push(`leader:${id}`),
      ...over,
    });
    running.push(elector);
    return { elector, events, signal: () => signal };
  }

  const getLease = async (name: string): Promise<Lease> => {
    const l = await c.get<Lease>(LeaseType, name, NS);
    if (!l) throw new Error(`lease ${name} missing`);
    return l;
  };

  it("one of two electors leads; the Lease names it with MicroTimes; stop() releases and the other takes over", async () => {
    const name = leaseName();
    // A long lease: the standby can only take over in time if stop() released the Lease.
    const slow = { leaseDurationMs: 60_000, renewDeadlineMs: 1500, retryPeriodMs: 300 };
    const a = candidate(name, "a", slow);
    const b = candidate(name, "b", slow);
    a.elector.start();
    b.elector.start();
    await eventually(() => a.elector.isLeader() || b.elector.isLeader(), "a leader", 10_000);
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    // Sampled over several renewals: never two leaders.
    for (let i = 0; i < 20; i++) {
      expect(a.elector.isLeader() && b.elector.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(standby.elector.isLeader()).toBe(false);
    const held = await getLease(name);
    expect(held.spec?.holderIdentity).toBe(leader.elector.identity);
    expect(held.spec?.leaseDurationSeconds).toBe(60);
    expect(held.spec?.leaseTransitions).toBe(0);
    expect(held.spec?.acquireTime).toMatch(MICRO_TIME);
    expect(held.spec?.renewTime).toMatch(MICRO_TIME);
    await eventually(
      () => standby.events.includes(`leader:${leader.elector.identity}`),
      "the standby reports the leader",
    );
    expect(leader.events).toEqual([`leader:${leader.elector.identity}`, "started"]);

    await leader.elector.stop();
    expect(leader.events.slice(2)).toEqual(["aborted", "stopped"]);
    expect(leader.signal()?.aborted).toBe(true);
    expect(leader.elector.isLeader()).toBe(false);
    await eventually(() => standby.elector.isLeader(), "the standby leads after the release", 10_000);
    const taken = await getLease(name);
    expect(taken.spec?.holderIdentity).toBe(standby.elector.identity);
    expect(taken.spec?.leaseTransitions).toBe(1);
    expect(standby.events).toContain("started");
  });

  it("a renewal that fails until the renew deadline stops leading; its signal aborts; another then takes over", async () => {
    const name = leaseName();
    const f = faulty(c);
    const a = candidate(name, "a", { client: f.client });
    a.elector.start();
    await eventually(() => a.elector.isLeader(), "a leads", 10_000);
    f.mode.value = "fail";
    await eventually(() => a.events.includes("stopped"), "a stops leading", 10_000);
    expect(a.signal()?.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events.filter((e) => e === "started" || e === "aborted" || e === "stopped")).toEqual([
      "started",
      "aborted",
      "stopped",
    ]);
    await a.elector.done;
    // Nobody released the Lease: b takes it once it has seen it unchanged for leaseDuration.
    const b = candidate(name, "b");
    b.elector.start();
    await eventually(() => b.elector.isLeader(), "b takes the expired lease", 15_000);
    expect((await getLease(name)).spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("a renewal that hangs still ends leadership at the renew deadline", async () => {
    const name = leaseName();
    const f = faulty(c);
    const a = candidate(name, "a", { client: f.client });
    a.elector.start();
    await eventually(() => a.elector.isLeader(), "a leads", 10_000);
    f.mode.value = "hang";
    await eventually(() => a.events.includes("stopped"), "a stops leading", 10_000);
    expect(a.signal()?.aborted).toBe(true);
    await a.elector.done;
  });

  it("stop() while the first attempt is in flight leaves the Lease released, not held", async () => {
    const name = leaseName();
    const f = faulty(c);
    f.mode.value = "slow";
    const a = candidate(name, "a", { client: f.client });
    a.elector.start();
    // The read (then the create) is still on its way: it lands after stop() was called.
    await a.elector.stop();
    await eventually(() => f.pending.value === 0, "the slow calls to land");
    expect(a.events).not.toContain("started");
    const l = await c.get<Lease>(LeaseType, name, NS);
    expect(l?.spec?.holderIdentity ?? "").toBe("");
  });

  it("a Lease taken by another writer ends leadership at the leader's next renewal", async () => {
    const name = leaseName();
    const a = candidate(name, "a");
    a.elector.start();
    await eventually(() => a.elector.isLeader(), "a leads", 10_000);
    // A third writer (not an elector) overwrites the holder: a must not keep reconciling.
    for (;;) {
      const l = await getLease(name);
      try {
        await c.update<Lease>(LeaseType, {
          ...l,
          spec: { ...l.spec, holderIdentity: "thief", leaseDurationSeconds: 30 },
        });
        break;
      } catch {
        // a renewed in between (409): read again
      }
    }
    await eventually(() => a.events.includes("stopped"), "a stops leading", 10_000);
    expect(a.signal()?.aborted).toBe(true);
    expect(a.events).toContain("leader:thief");
    expect((await getLease(name)).spec?.holderIdentity).toBe("thief");
  });

  it("a dead holder's Lease is taken only after leaseDuration on the local clock, whatever its renewTime says", async () => {
    const name = leaseName();
    // renewTime from 2001: an elector that trusted the other host's clock would take it at once.
    await c.create<Lease>(LeaseType, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: NS },
      spec: {
        holderIdentity: "dead",
        leaseDurationSeconds: 2,
        acquireTime: "2001-01-01T00:00:00.000000Z",
        renewTime: "2001-01-01T00:00:00.000000Z",
        leaseTransitions: 4,
      },
    });
    const b = candidate(name, "b");
    b.elector.start();
    await eventually(() => b.events.includes("leader:dead"), "b sees the dead holder");
    // Less than the 2 s lease after b first read it: still the dead holder's.
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.elector.isLeader()).toBe(false);
    expect((await getLease(name)).spec?.holderIdentity).toBe("dead");
    await eventually(() => b.elector.isLeader(), "b takes the expired lease", 10_000);
    const l = await getLease(name);
    expect(l.spec).toMatchObject({ holderIdentity: "b", leaseDurationSeconds: 2, leaseTransitions: 5 });
    expect(l.spec?.acquireTime).not.toBe("2001-01-01T00:00:00.000000Z");
  });

  it("leaseTransitions counts changes of holder, not renewals", async () => {
    const name = leaseName();
    const a = candidate(name, "a");
    a.elector.start();
    await eventually(() => a.elector.isLeader(), "a leads", 10_000);
    const first = await getLease(name);
    // Several renewals later: the same acquireTime and count, a newer renewTime.
    await eventually(
      async () => (await getLease(name)).spec?.renewTime !== first.spec?.renewTime,
      "a renews",
      10_000,
    );
    const renewed = await getLease(name);
    expect(renewed.spec?.leaseTransitions).toBe(0);
    expect(renewed.spec?.acquireTime).toBe(first.spec?.acquireTime);
    await a.elector.stop();
    const released = await getLease(name);
    expect(released.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
    const b = candidate(name, "b");
    b.elector.start();
    await eventually(() => b.elector.isLeader(), "b leads", 10_000);
    await b.elector.stop();
    const c2 = candidate(name, "c");
    c2.elector.start();
    await eventually(() => c2.elector.isLeader(), "c leads", 10_000);
    expect((await getLease(name)).spec).toMatchObject({ holderIdentity: "c", leaseTransitions: 2 });
  });

  it("a Lease without a duration or holder reads as expired and is taken", async () => {
    const name = leaseName();
    await c.create<Lease>(LeaseType, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: NS },
      spec: { holderIdentity: "someone" },
    });
    const a = candidate(name, "a");
    a.elector.start();
    await eventually(() => a.elector.isLeader(), "a leads", 10_000);
    expect((await getLease(name)).spec).toMatchObject({ holderIdentity: "a", leaseTransitions: 1 });
  });

  // kube-apiserver refuses a Lease with wrongly typed fields at the door; ours stores built-in
  // kinds without a schema, so the elector must survive reading one.
  it.skipIf(!serverKnobs)(
    "a Lease with garbage fields does not crash the elector: logged, then replaced",
    async () => {
      const name = leaseName();
      await c.create(LeaseType, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: NS },
        spec: { holderIdentity: 42, leaseDurationSeconds: "soon", renewTime: {}, leaseTransitions: -3 },
      } as unknown as Lease);
      const { logger, records } = memoryLogger();
      const a = candidate(name, "a", { logger });
      a.elector.start();
      await eventually(() => a.elector.isLeader(), "a leads", 10_000);
      const l = await getLease(name);
      expect(l.spec).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 2, leaseTransitions: 1 });
      expect(l.spec?.renewTime).toMatch(MICRO_TIME);
      const warn = records.find((r) => r.msg.includes("malformed"));
      expect(warn?.values.fields).toEqual([
        "spec.holderIdentity",
        "spec.leaseDurationSeconds",
        "spec.leaseTransitions",
        "spec.renewTime",
      ]);
    },
  );

  it("refuses options that break client-go's rules, naming the field", () => {
    const base = {
      client: c,
      namespace: NS,
      name: "x",
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(
      /leaseDurationMs: must be greater than renewDeadlineMs/,
    );
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(
      /renewDeadlineMs: must be greater than retryPeriodMs \* 1.2/,
    );
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 }),
    ).toThrow(/leaseDurationMs: must be at least 1000/);
    expect(() => new LeaderElector({ ...base, identity: "" })).toThrow(/identity: must not be empty/);
    expect(new LeaderElector(base).identity).toMatch(/^.+_[0-9a-f-]{36}$/);
  });
});
