// KAI Queue status written by the scheduler: requested (live, unfinished pods, bound or not) and
// allocated (bound ones) per queue plus its descendants, childQueues of a parent; a deleted pod
// lowers them; nothing is written when nothing changed.
import { KaiQueueType } from "@grove-ts/api";
import { type Client, type KubeObject, PodType, PriorityClassType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  inQueue,
  kaiQueue,
  node,
  nodesOf,
  pod,
  priorityClass,
  startScheduler,
} from "./harness.js";

type Queue = KubeObject & {
  status?: {
    requested?: Record<string, string>;
    allocated?: Record<string, string>;
    allocatedNonPreemptible?: Record<string, string>;
    childQueues?: string[];
  };
};

const queued = (name: string, queue: string, cpu: string, gpu?: string) => {
  const p = inQueue(pod({ name, cpu, ...(gpu ? { nodeSelector: { gpu: "yes" } } : {}) }), queue);
  if (gpu) {
    const c = p.spec?.containers[0];
    if (c?.resources) c.resources.requests = { ...c.resources.requests, "nvidia.com/gpu": gpu };
  }
  return p;
};

const statusOf = async (c: Client, name: string) => {
  const q = await c.get<Queue>(KaiQueueType, name);
  return {
    requested: q?.status?.requested ?? {},
    allocated: q?.status?.allocated ?? {},
    childQueues: q?.status?.childQueues ?? [],
  };
};

describe("KAI Queue status", () => {
  it("keeps requested and allocated per queue, aggregated at the parent, and childQueues", async () => {
    const { client: c } = await startScheduler({
      queues: [kaiQueue("parent"), kaiQueue("team-b", "parent"), kaiQueue("team-a", "parent")],
    });
    // n1: 4 cpu, no gpu; "gpu" pods need a node labelled gpu=yes, which does not exist: they stay pending.
    await createAll(c, {
      nodes: [node({ name: "n1", cpu: "4" })],
      pods: [
        queued("a-1", "team-a", "1"),
        queued("a-2", "team-a", "500m"),
        queued("a-gpu", "team-a", "1", "2"),
        queued("b-1", "team-b", "2"),
        queued("b-gpu", "team-b", "250m", "1"),
      ],
    });
    await eventually(async () => expect(await nodesOf(c, ["a-1", "a-2", "b-1"])).toEqual(["n1", "n1", "n1"]));
    await eventually(async () =>
      expect(await statusOf(c, "team-a")).toEqual({
        requested: { cpu: "2500m", "nvidia.com/gpu": "2" },
        allocated: { cpu: "1500m" },
        childQueues: [],
      }),
    );
    await eventually(async () =>
      expect(await statusOf(c, "team-b")).toEqual({
        requested: { cpu: "2250m", "nvidia.com/gpu": "1" },
        allocated: { cpu: "2" },
        childQueues: [],
      }),
    );
    await eventually(async () =>
      expect(await statusOf(c, "parent")).toEqual({
        requested: { cpu: "4750m", "nvidia.com/gpu": "3" },
        allocated: { cpu: "3500m" },
        childQueues: ["team-a", "team-b"],
      }),
    );

    // A deleted pod lowers its queue and the parent (no kubelet here: deleted at once; a terminating
    // pod still holds its node and still counts).
    await c.delete(PodType, "b-1", "default", { gracePeriodSeconds: 0 });
    await eventually(async () =>
      expect(await statusOf(c, "parent")).toEqual({
        requested: { cpu: "2750m", "nvidia.com/gpu": "3" },
        allocated: { cpu: "1500m" },
        childQueues: ["team-a", "team-b"],
      }),
    );
    await eventually(async () =>
      expect(await statusOf(c, "team-b")).toEqual({
        requested: { cpu: "250m", "nvidia.com/gpu": "1" },
        allocated: {},
        childQueues: [],
      }),
    );

    // Nothing changed for these three: a pass caused by another queue's pod writes none of them.
    const rv = async () =>
      Promise.all(
        ["parent", "team-a", "team-b"].map(
          async (n) => (await c.get(KaiQueueType, n))?.metadata.resourceVersion,
        ),
      );
    const before = await rv();
    await c.create(KaiQueueType, kaiQueue("other"));
    await createAll(c, { pods: [queued("o-1", "other", "100m")] });
    await eventually(async () => expect((await statusOf(c, "other")).requested).toEqual({ cpu: "100m" }));
    expect(await rv()).toEqual(before);
  });

  it("shows the part of allocated whose pods are not preemptible (priority >= 100) as allocatedNonPreemptible", async () => {
    const { client: c } = await startScheduler({
      queues: [kaiQueue("parent"), kaiQueue("team-a", "parent")],
      before: async (c) => {
        await c.create(PriorityClassType, priorityClass("build", 100));
        await c.create(PriorityClassType, priorityClass("train", 50));
      },
    });
    const withClass = (p: ReturnType<typeof queued>, cls: string) => {
      if (p.spec) p.spec.priorityClassName = cls;
      return p;
    };
    await createAll(c, {
      nodes: [node({ name: "n1", cpu: "4" })],
      pods: [
        withClass(queued("fixed", "team-a", "1"), "build"),
        withClass(queued("movable", "team-a", "500m"), "train"),
        withClass(queued("waiting", "team-a", "8"), "build"),
      ],
    });
    await eventually(async () => expect(await nodesOf(c, ["fixed", "movable"])).toEqual(["n1", "n1"]));
    for (const name of ["team-a", "parent"])
      await eventually(async () => {
        const q = await c.get<Queue>(KaiQueueType, name);
        expect(q?.status?.allocated).toEqual({ cpu: "1500m" });
        expect(q?.status?.allocatedNonPreemptible).toEqual({ cpu: "1" });
      });
  });
});
