// KAI's Queue (scheduling.run.ai/v2) served: a pod whose `kai.scheduler/queue` names a Queue that
// does not exist stays pending, PodScheduled=False/Unschedulable naming the queue, with a
// FailedScheduling Event; creating the Queue lets it in. Queues not served: the label is not checked.
import { KaiQueueType } from "@grove-ts/api";
import { type Client, EventType, type KubeObject } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  getPod,
  inQueue,
  kaiQueue,
  node,
  nodesOf,
  pod,
  podGang,
  startScheduler,
} from "./harness.js";

async function start(queuesServed: boolean): Promise<Client> {
  return (await startScheduler(queuesServed ? { queues: [] } : {})).client;
}

const queued = (name: string, queue: string, gang?: string) =>
  inQueue(pod({ name, ...(gang ? { gang } : {}) }), queue);

describe("KAI queues", () => {
  it("keeps a pod whose queue does not exist pending, says why, and places it once the queue exists", async () => {
    const c = await start(true);
    await c.create(KaiQueueType, kaiQueue("test"));
    await createAll(c, {
      nodes: [node({ name: "n1", cpu: "4" })],
      gangs: [podGang("g", [{ name: "g-w", pods: ["g-0", "g-1"], min: 2 }])],
      pods: [
        queued("lone", "missing"),
        queued("g-0", "team-a", "g"),
        queued("g-1", "team-a", "g"),
        queued("ok", "test"),
      ],
    });
    expect(
      await eventually(() => nodesOf(c, ["ok"]).then((n) => n[0] ?? Promise.reject(new Error("unbound")))),
    ).toBe("n1");
    const waiting = async (name: string) => {
      const p = await getPod(c, name);
      expect(p.spec?.nodeName).toBeUndefined();
      const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
      expect([cond?.status, cond?.reason]).toEqual(["False", "Unschedulable"]);
      return cond?.message;
    };
    expect(await eventually(() => waiting("lone"))).toBe(
      'queue "missing" (label kai.scheduler/queue) does not exist',
    );
    expect(await eventually(() => waiting("g-0"))).toBe(
      'gang default/g: queue "team-a" (label kai.scheduler/queue) does not exist',
    );
    await eventually(async () => {
      const events = await c.list<
        KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }
      >(EventType, { namespace: "default" });
      expect(
        events.items.some(
          (e) =>
            e.involvedObject?.name === "lone" &&
            e.reason === "FailedScheduling" &&
            e.message?.includes('"missing"'),
        ),
      ).toBe(true);
    });
    await c.create(KaiQueueType, kaiQueue("team-a"));
    await eventually(async () =>
      expect((await nodesOf(c, ["g-0", "g-1"])).every((n) => n === "n1")).toBe(true),
    );
    expect((await getPod(c, "lone")).spec?.nodeName).toBeUndefined();
  });

  it("does not check the label when Queues are not served", async () => {
    const c = await start(false);
    await createAll(c, { nodes: [node({ name: "n1" })], pods: [queued("p", "missing")] });
    expect(
      await eventually(() => nodesOf(c, ["p"]).then((n) => n[0] ?? Promise.reject(new Error("unbound")))),
    ).toBe("n1");
  });
});
