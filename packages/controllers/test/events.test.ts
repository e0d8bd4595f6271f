// Events: runtime's recorder (client-go's naming, aggregation, spam filter, never failing the
// caller) against the in-process API server, then the Events Grove's PCS, PCSG and PCLQ controllers
// record on the right objects, and a reconcile that goes on when Event writes fail.
import { PodCliqueScalingGroupType, PodCliqueSetType, PodCliqueType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  ApiError,
  type Client,
  COMBINED_PREFIX,
  type CoreEvent,
  createEventRecorder,
  EventType,
  type KubeObject,
  memoryLogger,
  PodType,
} from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  EventComponentPodClique,
  EventComponentPodCliqueScalingGroup,
  EventComponentPodCliqueSet,
  type GroveControllers,
} from "../src/index.js";
import type { PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import {
  createPcs,
  fastControllers,
  type Harness,
  NS,
  runToReady,
  startHarness,
  waitFor,
} from "./harness.js";

const events = async (client: Client, namespace = NS): Promise<CoreEvent[]> =>
  (await client.list<CoreEvent>(EventType, { namespace })).items;

const about = (evs: CoreEvent[], name: string, reason?: string) =>
  evs.filter((e) => e.involvedObject.name === name && (reason === undefined || e.reason === reason));

const pod = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS, uid: `uid-${name}` },
});

/** A client whose Event writes fail as `fail` says; everything else goes through. */
function failingEvents(inner: Client, fail: () => Error, counter?: { n: number }): Client {
  return new Proxy(inner, {
    get: (target, prop, recv) => {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== "function") return v;
      if (prop !== "create" && prop !== "patch") return v.bind(target);
      return async (...args: unknown[]) => {
        if ((args[0] as { kind?: string }).kind === "Event") {
          if (counter) counter.n++;
          throw fail();
        }
        return v.apply(target, args);
      };
    },
  });
}

describe("event recorder", () => {
  let api: InProcessApiServer;
  beforeEach(() => {
    api = createApiServer();
  });
  afterEach(async () => {
    await api.close();
  });

  it("names the Event <object>.<hex ns timestamp> and fills source, reporting component and the object", async () => {
    const r = createEventRecorder(api.client, { component: "podclique-controller" });
    r.event(pod("p1"), "Normal", "PodCreateSuccessful", "Created Pod: p1");
    await r.flush();
    const [e] = await events(api.client);
    expect(e?.metadata.name).toMatch(/^p1\.[0-9a-f]{15,}$/);
    expect(e).toMatchObject({
      involvedObject: { apiVersion: "v1", kind: "Pod", name: "p1", namespace: NS, uid: "uid-p1" },
      type: "Normal",
      reason: "PodCreateSuccessful",
      message: "Created Pod: p1",
      source: { component: "podclique-controller" },
      reportingComponent: "podclique-controller",
      count: 1,
    });
    expect(e?.firstTimestamp).toBe(e?.lastTimestamp);
  });

  it("aggregates a repeated event into one Event with count 2; another message is another Event", async () => {
    const r = createEventRecorder(api.client, { component: "c" });
    r.event(pod("p1"), "Normal", "R", "same");
    await r.flush();
    const first = (await events(api.client))[0];
    r.event(pod("p1"), "Normal", "R", "same");
    r.event(pod("p1"), "Normal", "R", "different");
    await r.flush();
    const evs = about(await events(api.client), "p1", "R");
    expect(evs).toHaveLength(2);
    const same = evs.find((e) => e.message === "same");
    expect(same?.metadata.name).toBe(first?.metadata.name);
    expect(same?.count).toBe(2);
    expect(same?.firstTimestamp).toBe(first?.firstTimestamp);
    expect(Date.parse(same?.lastTimestamp ?? "")).toBeGreaterThanOrEqual(
      Date.parse(first?.lastTimestamp ?? ""),
    );
    expect(evs.find((e) => e.message === "different")?.count).toBe(1);
  });

  it("an aggregated Event that was deleted meanwhile is written anew under its name", async () => {
    const r = createEventRecorder(api.client, { component: "c" });
    r.event(pod("p1"), "Warning", "R", "m");
    await r.flush();
    const name = (await events(api.client))[0]?.metadata.name ?? "";
    await api.client.delete(EventType, name, NS);
    r.event(pod("p1"), "Warning", "R", "m");
    await r.flush();
    const evs = await events(api.client);
    expect(evs.map((e) => [e.metadata.name, e.count])).toEqual([[name, 2]]);
  });

  it("the spam filter keeps a burst per object and drops the rest; other objects are not affected", async () => {
    const r = createEventRecorder(api.client, { component: "c", spamBurst: 3 });
    for (let i = 0; i < 6; i++) r.event(pod("hot"), "Normal", "R", `m${i}`);
    r.event(pod("cold"), "Normal", "R", "m");
    await r.flush();
    const evs = await events(api.client);
    expect(
      about(evs, "hot")
        .map((e) => e.message)
        .sort(),
    ).toEqual(["m0", "m1", "m2"]);
    expect(about(evs, "cold")).toHaveLength(1);
  });

  it("combines similar events (same object and reason, 10+ distinct messages) into one Event, as client-go", async () => {
    const r = createEventRecorder(api.client, { component: "c" });
    for (let i = 0; i < 12; i++)
      r.event(pod("many"), "Normal", "PodCreateSuccessful", `Created Pod: many-${i}`);
    await r.flush();
    const evs = about(await events(api.client), "many");
    expect(evs).toHaveLength(10);
    const combined = evs.filter((e) => e.message.startsWith(COMBINED_PREFIX));
    expect(combined.map((e) => [e.message, e.count])).toEqual([
      [`${COMBINED_PREFIX}Created Pod: many-11`, 3],
    ]);
    expect(evs.filter((e) => e.count === 1)).toHaveLength(9);
  });

  it("a cluster-scoped object's Events go to default", async () => {
    const r = createEventRecorder(api.client, { component: "c" });
    r.event({ apiVersion: "v1", kind: "Node", metadata: { name: "n1", uid: "u" } }, "Normal", "R", "m");
    await r.flush();
    expect(about(await events(api.client, "default"), "n1")).toHaveLength(1);
  });

  it("never throws or blocks the caller: a failing write is retried, then logged", async () => {
    const { logger, records } = memoryLogger();
    const attempts = { n: 0 };
    const client = failingEvents(api.client, () => new Error("connect ECONNREFUSED"), attempts);
    const r = createEventRecorder(client, { component: "c", logger, maxRetries: 2, retryDelayMs: 1 });
    expect(() => r.event(pod("p1"), "Normal", "R", "m")).not.toThrow();
    await r.flush();
    expect(attempts.n).toBe(3);
    expect(records.find((x) => x.msg === "event not recorded")?.values).toMatchObject({ reason: "R" });
  });

  it("an API refusal is not retried", async () => {
    const attempts = { n: 0 };
    const forbidden = () =>
      new ApiError({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        reason: "Forbidden",
        code: 403,
      });
    const r = createEventRecorder(failingEvents(api.client, forbidden, attempts), { component: "c" });
    r.event(pod("p1"), "Normal", "R", "m");
    await r.flush();
    expect(attempts.n).toBe(1);
  });

  it("a full queue drops the event with a log line", async () => {
    const { logger, records } = memoryLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = new Proxy(api.client, {
      get: (target, prop, recv) => {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== "function") return v;
        if (prop !== "create") return v.bind(target);
        return async (...args: unknown[]) => {
          await gate;
          return v.apply(target, args);
        };
      },
    });
    const r = createEventRecorder(slow, { component: "c", logger, queueSize: 1 });
    // The first is taken by the worker at once (in flight), the second waits, the third finds the queue full.
    r.event(pod("a"), "Normal", "R", "m");
    r.event(pod("b"), "Normal", "R", "m");
    r.event(pod("c"), "Normal", "R", "m");
    release();
    await r.flush();
    expect(records.some((x) => x.msg === "event dropped: queue full" && x.values.object === "c")).toBe(true);
    expect((await events(api.client)).map((e) => e.involvedObject.name).sort()).toEqual(["a", "b"]);
  });

  it("rejects a recorder without a component, naming the option", () => {
    expect(() => createEventRecorder(api.client, { component: "" })).toThrow(/component/);
  });
});

describe("controller Events", () => {
  let h: Harness;
  let ctl: GroveControllers | undefined;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    await h.close();
  });

  it("PCS, PCSG and PCLQ controllers record Grove's Events on the right objects", async () => {
    ctl = fastControllers(h.client);
    await ctl.start();
    await createPcs(
      h.client,
      pcsOf(
        "ev",
        [
          { name: "a", replicas: 2 },
          { name: "b", replicas: 1 },
        ],
        [{ name: "sg", cliqueNames: ["b"], replicas: 2, minAvailable: 1 }],
      ),
    );
    await runToReady(h.client, 4);
    const evs = await waitFor("PodGang events", async () => {
      const e = await events(h.client);
      return about(e, "ev", "PodGangCreateOrUpdateSuccessful").length > 0 && e;
    });
    // On the PodClique: its pods, from podclique-controller.
    const podEvents = about(evs, "ev-0-a", "PodCreateSuccessful");
    expect(podEvents).toHaveLength(2);
    for (const e of podEvents) {
      expect(e.message).toMatch(/^Created Pod: ev-0-a-[a-z0-9]{5}$/);
      expect(e.source.component).toBe(EventComponentPodClique);
      expect(e.involvedObject).toMatchObject({ kind: "PodClique", namespace: NS });
    }
    // On the PodCliqueSet: its PodCliques, PCSG and PodGangs, from podcliqueset-controller.
    const onPcs = about(evs, "ev");
    expect(onPcs.every((e) => e.source.component === EventComponentPodCliqueSet)).toBe(true);
    expect(onPcs.every((e) => e.involvedObject.kind === "PodCliqueSet")).toBe(true);
    expect(about(onPcs, "ev", "PodCliqueCreateOrUpdateSuccessful").map((e) => e.message)).toContain(
      "PodClique default/ev-0-a created successfully",
    );
    expect(about(onPcs, "ev", "PodCliqueScalingGroupCreateSuccessful").map((e) => e.message)).toContain(
      "Created PodCliqueScalingGroup default/ev-0-sg",
    );
    // On the PCSG: its member PodCliques, from podcliquescalinggroup-controller.
    expect(
      about(evs, "ev-0-sg", "PodCliqueCreateSuccessful")
        .map((e) => [e.message, e.source.component])
        .sort(),
    ).toEqual([
      ["PodClique default/ev-0-sg-0-b created successfully", EventComponentPodCliqueScalingGroup],
      ["PodClique default/ev-0-sg-1-b created successfully", EventComponentPodCliqueScalingGroup],
    ]);
    // The base gang is created before its pods exist and patched as they appear: one Event, counted.
    const base = about(onPcs, "ev", "PodGangCreateOrUpdateSuccessful").filter(
      (e) => e.message === "Created/Updated PodGang default/ev-0",
    );
    expect(base).toHaveLength(1);
    expect(base[0]?.count).toBeGreaterThanOrEqual(2);

    // PCSG scale-in: the PCSG controller records the replica delete on the PCS; its PodGang goes too.
    await h.client.patch(PodCliqueScalingGroupType, "ev-0-sg", NS, {
      type: "merge",
      body: { spec: { replicas: 1 } },
    });
    const afterScaleIn = await waitFor("PCSG replica delete event", async () => {
      const e = about(await events(h.client), "ev");
      return (
        e.some((x) => x.reason === "PodCliqueScalingGroupReplicaDeleteSuccessful") &&
        e.some((x) => x.reason === "PodGangDeleteSuccessful") &&
        e
      );
    });
    const replicaDelete = afterScaleIn.find(
      (x) => x.reason === "PodCliqueScalingGroupReplicaDeleteSuccessful",
    );
    expect(replicaDelete).toMatchObject({
      message: "Deleted PodCliqueScalingGroup ev-0-sg replicaIndex: 1",
      source: { component: EventComponentPodCliqueScalingGroup },
      involvedObject: { kind: "PodCliqueSet", name: "ev" },
    });
    expect(afterScaleIn.find((x) => x.reason === "PodGangDeleteSuccessful")?.message).toBe(
      "Deleted PodGang default/ev-0-sg-0",
    );

    // PodClique scale-in: a pod deleted, recorded on the PodClique.
    await h.client.patch(PodCliqueType, "ev-0-a", NS, { type: "merge", body: { spec: { replicas: 1 } } });
    const del = await waitFor("PodDeleteSuccessful", async () => {
      const [e] = about(await events(h.client), "ev-0-a", "PodDeleteSuccessful");
      return e;
    });
    expect(del.message).toMatch(/^Deleted Pod: ev-0-a-[a-z0-9]{5}$/);

    // PCS scale-out and back in: the second replica's PodCliques go, recorded on the PCS.
    await h.client.patch(PodCliqueSetType, "ev", NS, { type: "merge", body: { spec: { replicas: 2 } } });
    await waitFor(
      "replica 1 PodClique",
      async () => (await h.client.get(PodCliqueType, "ev-1-a", NS)) !== undefined,
    );
    await h.client.patch(PodCliqueSetType, "ev", NS, { type: "merge", body: { spec: { replicas: 1 } } });
    const pclqDelete = await waitFor("PodCliqueDeleteSuccessful", async () => {
      const e = about(await events(h.client), "ev", "PodCliqueDeleteSuccessful");
      return e.length > 0 && e;
    });
    expect(pclqDelete.map((e) => e.message)).toContain("Deleted PodClique: ev-1-a");
  });

  it("AllScheduledReplicasLost (Warning) on a PodClique whose scheduled pods all went", async () => {
    ctl = fastControllers(h.client);
    await ctl.start();
    await createPcs(h.client, pcsOf("lost", [{ name: "a", replicas: 1 }]));
    await runToReady(h.client, 1);
    await waitFor("scheduledReplicas 1", async () => {
      const p = await h.client.get<KubeObject & { status?: { scheduledReplicas?: number } }>(
        PodCliqueType,
        "lost-0-a",
        NS,
      );
      return p?.status?.scheduledReplicas === 1;
    });
    // The node goes and takes its pod: the replacement is not scheduled.
    const [p] = (await h.client.list(PodType, { namespace: NS })).items;
    await h.client.delete(PodType, p?.metadata.name ?? "", NS, { gracePeriodSeconds: 0 });
    const lost = await waitFor("AllScheduledReplicasLost", async () => {
      const [e] = about(await events(h.client), "lost-0-a", "AllScheduledReplicasLost");
      return e;
    });
    expect(lost).toMatchObject({ type: "Warning", source: { component: EventComponentPodClique } });
    expect(lost.message).toMatch(/^All scheduled pods lost \(was 1\)\./);
  });

  it("failing Event writes do not fail a reconcile", async () => {
    const attempts = { n: 0 };
    const down = () =>
      new ApiError({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        reason: "InternalError",
        message: "events are down",
        code: 500,
      });
    const client = failingEvents(h.client, down, attempts);
    ctl = fastControllers(client);
    await ctl.start();
    await createPcs(h.client, pcsOf("nev", [{ name: "a", replicas: 2 }]));
    await runToReady(h.client, 2);
    await waitFor("PCS available", async () => {
      const pcs = await h.client.get<PodCliqueSet>(PodCliqueSetType, "nev", NS);
      return pcs?.status?.availableReplicas === 1 && pcs;
    });
    await ctl.flushEvents();
    expect(attempts.n).toBeGreaterThan(0);
    expect(await events(h.client)).toEqual([]);
    const pcs = await h.client.get<PodCliqueSet>(PodCliqueSetType, "nev", NS);
    expect(pcs?.status?.lastErrors ?? []).toEqual([]);
  });
});
