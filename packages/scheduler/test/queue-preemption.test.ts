// KAI's queue boundary for priority preemption (queue-boundary.ts, README "Preemption"): with
// Queues served, a gang preempts lower-priority gangs of its own queue only; another queue's gangs
// are reclaim's, and only above that queue's fair share. Pods of no queue keep priority alone.
// Against the in-process API server; no kubelet runs, so the test deletes terminating pods itself.
import { type Client, type KubeObject, PodType, PriorityClassType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  getPod,
  inQueue,
  type K,
  kaiQueue,
  node,
  pod,
  podGang,
  priorityClass,
  startScheduler,
} from "./harness.js";

const cpuQueue = (name: string, quota: number) => {
  const q = kaiQueue(name) as KubeObject & { spec?: Record<string, unknown> };
  q.spec = { ...(q.spec ?? {}), resources: { cpu: { quota, limit: -1, overQuotaWeight: 1 } } };
  return q;
};

/** Queues as given, classes low (10) and mid (50), `nodes` nodes of 1 cpu. */
async function start(queues: KubeObject[], nodes: number): Promise<Client> {
  const { client: c } = await startScheduler({
    queues,
    before: async (c) => {
      for (const [name, value] of [
        ["low", 10],
        ["mid", 50],
      ] as const)
        await c.create(PriorityClassType, priorityClass(name, value));
    },
  });
  await createAll(c, { nodes: Array.from({ length: nodes }, (_, i) => node({ name: `n${i}`, cpu: "1" })) });
  return c;
}

/** Gang `name` of 2 pods (1 cpu each, both needed) of class `pc`, in `queue` (none: no label). */
function gang(name: string, pc: string, queue?: string) {
  const pods = [`${name}-0`, `${name}-1`];
  return {
    gangs: [podGang(name, [{ name: `${name}-w`, pods, min: 2 }], { priorityClassName: pc })],
    pods: pods.map((p) => {
      const x = pod({ name: p, gang: name, cpu: "1", priorityClassName: pc });
      return queue ? inQueue(x, queue) : x;
    }),
  };
}

const all = async (c: Client) => (await c.list<K<Pod>>(PodType, { namespace: "default" })).items;
const terminating = async (c: Client) =>
  (await all(c))
    .filter((p) => p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name ?? "")
    .sort();
const bound = async (c: Client) =>
  (await all(c))
    .filter((p) => p.spec?.nodeName && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name ?? "")
    .sort();
const disruption = async (c: Client, name: string) =>
  (await getPod(c, name)).status?.conditions?.find((x) => x.type === "DisruptionTarget");
const podScheduled = async (c: Client, name: string) =>
  (await getPod(c, name)).status?.conditions?.find((x) => x.type === "PodScheduled");
const finish = async (c: Client, names: string[]) => {
  for (const n of names) await c.delete(PodType, n, "default", { gracePeriodSeconds: 0 });
};

describe("KAI queues: priority preemption stays inside a queue", () => {
  it("a higher-priority gang of another queue does not evict a within-share queue's gang; one of the same queue does", async () => {
    // 8 cpu: team-a (quota 6) runs three low gangs, its whole share; two low pods of no queue.
    const c = await start([cpuQueue("team-a", 6000), cpuQueue("team-b", 0)], 8);
    await createAll(c, gang("a-0", "low", "team-a"));
    await createAll(c, gang("a-1", "low", "team-a"));
    await createAll(c, gang("a-2", "low", "team-a"));
    await createAll(c, gang("free", "low"));
    await eventually(async () => expect(await bound(c)).toHaveLength(8));
    // team-b's mid gang: one team-a gang would be the cheapest set (one gang, not two), but it is
    // another queue's, within its share, so not a victim. The pods of no queue are (priority alone).
    await createAll(c, gang("b-0", "mid", "team-b"));
    await eventually(async () => expect(await terminating(c)).toEqual(["free-0", "free-1"]));
    expect((await disruption(c, "free-0"))?.message).toBe(
      "grove-scheduler: preempting to accommodate a higher priority podgang default/b-0",
    );
    await finish(c, ["free-0", "free-1"]);
    await eventually(async () => expect(await bound(c)).toEqual(expect.arrayContaining(["b-0-0", "b-0-1"])));

    // Another team-b mid gang: only team-a's low gangs could make room, and they are out of reach.
    await createAll(c, gang("b-1", "mid", "team-b"));
    const msg = await eventually(async () => {
      const m = (await podScheduled(c, "b-1-0"))?.message ?? "";
      expect(m).toContain("preemption:");
      return m;
    });
    expect(msg).toContain(
      'preemption: no running gang of priority below 50 in queue "team-b" or of no queue may be preempted (preemption stays inside a queue)',
    );
    expect(await terminating(c)).toEqual([]);
    await finish(c, ["b-1-0", "b-1-1"]);

    // team-a's own mid gang preempts one of its low gangs, and says priority, not reclaim.
    await createAll(c, gang("a-3", "mid", "team-a"));
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(2);
      return t;
    });
    expect(victims[0]).toMatch(/^a-[012]-0$/);
    expect((await disruption(c, victims[0] ?? ""))?.message).toBe(
      "grove-scheduler: preempting to accommodate a higher priority podgang default/a-3",
    );
    await finish(c, victims);
    await eventually(async () => expect(await bound(c)).toEqual(expect.arrayContaining(["a-3-0", "a-3-1"])));
    expect(await bound(c)).toEqual(expect.arrayContaining(["b-0-0", "b-0-1"]));
  });

  it("across queues a higher-priority gang still reclaims from a queue above its fair share", async () => {
    // 6 cpu: team-a (quota 2) holds all of it with low gangs; team-b (quota 4) arrives with mid.
    const c = await start([cpuQueue("team-a", 2000), cpuQueue("team-b", 4000)], 6);
    await createAll(c, gang("a-0", "low", "team-a"));
    await createAll(c, gang("a-1", "low", "team-a"));
    await createAll(c, gang("a-2", "low", "team-a"));
    await eventually(async () => expect(await bound(c)).toHaveLength(6));
    await createAll(c, gang("b-0", "mid", "team-b"));
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(2);
      return t;
    });
    expect(victims[0]).toMatch(/^a-[012]-0$/);
    // Of another queue: taken by reclaim, and its condition says so, though its priority is lower.
    expect((await disruption(c, victims[0] ?? ""))?.message).toBe(
      "grove-scheduler: reclaiming resources of a queue above its fair share for podgang default/b-0",
    );
    await finish(c, victims);
    await eventually(async () => expect(await bound(c)).toEqual(expect.arrayContaining(["b-0-0", "b-0-1"])));
  });
});
