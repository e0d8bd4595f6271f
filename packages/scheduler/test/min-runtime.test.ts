// KAI's Queue preemptMinRuntime / reclaimMinRuntime (min-runtime.ts, README "Queues"): a gang of a
// queue is not a victim of that kind of eviction until it has run that long. The resolution and
// the runtime as functions; then each field end to end against the in-process API server (no
// kubelet runs, so bound pods have no startTime: they have only just started, and a minimum of an
// hour protects them until the Queue is changed).
import { KaiQueueType } from "@grove-ts/api";
import { type Client, type KubeObject, PodType, PriorityClassType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { queueMinRuntimeMs, ranLongEnough, runtimeMs } from "../src/min-runtime.js";
import type { VictimCandidate } from "../src/victims.js";
import {
  createAll,
  eventually,
  inQueue,
  type K,
  kaiQueue,
  node,
  pod,
  podGang,
  priorityClass,
  startScheduler,
} from "./harness.js";

type Spec = Record<string, unknown>;
const queue = (name: string, spec: Spec) => {
  const q = kaiQueue(name) as KubeObject & { spec?: Spec };
  q.spec = { ...(q.spec ?? {}), ...spec };
  return q;
};

/** A view with these Queues (by name) whose every pod is ours. */
const viewOf = (queues: KubeObject[]) => ({
  queues: { get: (n: string) => queues.find((q) => q.metadata.name === n) } as never,
  ours: () => true,
});

const candidate = (q: string | undefined, starts: (string | undefined)[]): VictimCandidate => ({
  name: "default/g",
  priority: 0,
  pods: [],
  objects: starts.map((startTime) => ({
    metadata: { name: "p", labels: q ? { "kai.scheduler/queue": q } : {} },
    status: startTime ? { startTime } : {},
  })) as Pod[],
});

describe("queueMinRuntimeMs / runtimeMs / ranLongEnough", () => {
  const queues = [
    queue("root", { preemptMinRuntime: "1h", reclaimMinRuntime: "90s" }),
    queue("team-a", { parentQueue: "root", preemptMinRuntime: "5m" }),
    queue("team-b", { parentQueue: "root", reclaimMinRuntime: "soon" }),
    queue("team-c", { parentQueue: "root", preemptMinRuntime: "0" }),
  ];
  const view = viewOf(queues);

  it.each([
    ["team-a", "preemptMinRuntime", 300_000],
    ["team-a", "reclaimMinRuntime", 90_000],
    ["team-b", "preemptMinRuntime", 3_600_000],
    ["team-b", "reclaimMinRuntime", 0],
    ["team-c", "preemptMinRuntime", 0],
    ["missing", "preemptMinRuntime", 0],
  ] as const)("%s %s: %d ms (own value, else the nearest ancestor's; not a duration: none)", (q, f, ms) => {
    expect(queueMinRuntimeMs(view, q, f)).toBe(ms);
  });

  it("counts a gang's runtime from its newest pod start; a pod without one has only just started", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(runtimeMs(candidate("team-a", ["2026-12-07T09:50:00Z", "2026-12-07T09:58:00Z"]), now)).toBe(
      120_000,
    );
    expect(runtimeMs(candidate("team-a", ["2026-12-07T09:50:00Z", undefined]), now)).toBe(0);
  });

  it("lets a gang go once it ran its queue's minimum; gangs of no queue always", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    const fourMin = candidate("team-a", ["2026-12-07T09:56:00Z"]);
    expect(ranLongEnough(view, fourMin, "preemptMinRuntime", now)).toBe(false);
    expect(ranLongEnough(view, fourMin, "reclaimMinRuntime", now)).toBe(true);
    expect(ranLongEnough(view, candidate(undefined, [undefined]), "preemptMinRuntime", now)).toBe(true);
    expect(ranLongEnough(view, candidate("missing", [undefined]), "preemptMinRuntime", now)).toBe(true);
  });
});

/** Gang `name` of 2 pods (1 cpu each, both needed) of class `pc` in `q`. */
function gang(name: string, q: string, pc?: string) {
  const pods = [`${name}-0`, `${name}-1`];
  return {
    gangs: [podGang(name, [{ name: `${name}-w`, pods, min: 2 }], pc ? { priorityClassName: pc } : {})],
    pods: pods.map((p) =>
      inQueue(pod({ name: p, gang: name, cpu: "1", ...(pc ? { priorityClassName: pc } : {}) }), q),
    ),
  };
}

const terminating = async (c: Client) =>
  (await c.list<K<Pod>>(PodType, { namespace: "default" })).items
    .filter((p) => p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name ?? "")
    .sort();

const boundCount = async (c: Client) =>
  (await c.list<K<Pod>>(PodType, { namespace: "default" })).items.filter(
    (p) => p.spec?.nodeName && !p.metadata.deletionTimestamp,
  ).length;

/** Waits until pod `name` says why it waits, with preemption's verdict. */
const preemptionVerdict = (c: Client, name: string) =>
  eventually(async () => {
    const p = await c.get<K<Pod>>(PodType, name, "default");
    const m = p?.status?.conditions?.find((x) => x.type === "PodScheduled")?.message ?? "";
    expect(m).toContain("preemption:");
    return m;
  });

async function setQueue(c: Client, name: string, spec: Spec) {
  const q = (await c.get<KubeObject & { spec?: Spec }>(KaiQueueType, name)) as KubeObject & { spec?: Spec };
  await c.update(KaiQueueType, { ...q, spec: { ...(q.spec ?? {}), ...spec } });
}

describe("KAI Queue min runtimes, end to end", () => {
  it("preemptMinRuntime: a running gang of the queue is not preempted before it has run that long", async () => {
    const { client: c } = await startScheduler({
      queues: [queue("team-a", { preemptMinRuntime: "1h" })],
      before: async (c) => {
        await c.create(PriorityClassType, priorityClass("low", 10));
        await c.create(PriorityClassType, priorityClass("mid", 50));
      },
    });
    await createAll(c, { nodes: Array.from({ length: 4 }, (_, i) => node({ name: `n${i}`, cpu: "1" })) });
    await createAll(c, gang("a-0", "team-a", "low"));
    await createAll(c, gang("a-1", "team-a", "low"));
    await eventually(async () => expect(await boundCount(c)).toBe(4));
    await createAll(c, gang("a-2", "team-a", "mid"));
    await preemptionVerdict(c, "a-2-0");
    expect(await terminating(c)).toEqual([]);
    // The minimum lowered: the same gang now preempts one low gang (a Queue change wakes it).
    await setQueue(c, "team-a", { preemptMinRuntime: "0s" });
    await eventually(async () => expect(await terminating(c)).toHaveLength(2));
  });

  it("reclaimMinRuntime: a queue above its share keeps its gangs until they have run that long", async () => {
    const cpu = (quota: number) => ({ resources: { cpu: { quota, limit: -1, overQuotaWeight: 1 } } });
    const { client: c } = await startScheduler({
      queues: [queue("team-a", { ...cpu(6000), reclaimMinRuntime: "1h" }), queue("team-b", cpu(4000))],
    });
    await createAll(c, { nodes: Array.from({ length: 10 }, (_, i) => node({ name: `n${i}`, cpu: "1" })) });
    for (let i = 0; i < 5; i++) await createAll(c, gang(`a-${i}`, "team-a"));
    await eventually(async () => expect(await boundCount(c)).toBe(10));
    await createAll(c, gang("b-0", "team-b"));
    await preemptionVerdict(c, "b-0-0");
    expect(await terminating(c)).toEqual([]);
    await setQueue(c, "team-a", { reclaimMinRuntime: "0s" });
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(2);
      return t;
    });
    for (const v of victims) expect(v).toMatch(/^a-\d-[01]$/);
  });
});
