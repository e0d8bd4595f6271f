// KAI queues' fair share and limits acted on (queue-share.ts): two queues with quotas 60/40 share a
// full cluster 60/40; a queue alone uses idle capacity above its quota up to its limit, and what
// would pass the limit (its own or an ancestor's) stays pending saying which queue and resource.
import { type Client, type KubeObject, PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  inQueue,
  type K,
  kaiQueue,
  node,
  pod,
  sleep,
  startScheduler,
} from "./harness.js";

/** A Queue with a cpu quota and limit in millicpus (KAI's unit); -1: no limit. */
export function cpuQueue(
  name: string,
  quota: number,
  limit = -1,
  parentQueue?: string,
): KubeObject & { spec: Record<string, unknown> } {
  const q = kaiQueue(name, parentQueue) as KubeObject & { spec: Record<string, unknown> };
  q.spec = { ...(q.spec ?? {}), resources: { cpu: { quota, limit, overQuotaWeight: 1 } } };
  return q;
}

/** The scheduler with KAI's Queue served and `queues` created; `first` created before it starts. */
async function start(queues: KubeObject[], first?: Parameters<typeof createAll>[1]): Promise<Client> {
  const h = await startScheduler({
    queues,
    before: async (c) => {
      if (first) await createAll(c, first);
    },
  });
  return h.client;
}

const nodes = (n: number) => Array.from({ length: n }, (_, i) => node({ name: `n${i}`, cpu: "1" }));
const pods = (queue: string, n: number) =>
  Array.from({ length: n }, (_, i) => inQueue(pod({ name: `${queue}-${i}`, cpu: "1" }), queue));

/** Bound pods per queue label. */
async function boundPerQueue(c: Client): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of (await c.list<K<Pod>>(PodType, { namespace: "default" })).items) {
    const q = p.metadata.labels?.["kai.scheduler/queue"] ?? "";
    if (p.spec?.nodeName) out[q] = (out[q] ?? 0) + 1;
  }
  return out;
}

const podScheduled = async (c: Client, name: string) => {
  const p = await c.get<K<Pod>>(PodType, name, "default");
  return p?.status?.conditions?.find((x) => x.type === "PodScheduled");
};

describe("KAI queues: fair share and limits", () => {
  it("two queues with quotas 60/40 share a full cluster 60/40", async () => {
    const c = await start([cpuQueue("team-a", 6000), cpuQueue("team-b", 4000)], {
      nodes: nodes(10),
      pods: [...pods("team-a", 10), ...pods("team-b", 10)],
    });
    await eventually(async () => expect(await boundPerQueue(c)).toEqual({ "team-a": 6, "team-b": 4 }));
    // Settled: the rest stays pending (no room), the split holds.
    await sleep(300);
    expect(await boundPerQueue(c)).toEqual({ "team-a": 6, "team-b": 4 });
  });

  it("gives what is above the quotas to the higher-priority queue first", async () => {
    const hi = cpuQueue("team-hi", 2000);
    hi.spec.priority = 200;
    const c = await start([hi, cpuQueue("team-lo", 2000)], {
      nodes: nodes(10),
      pods: [...pods("team-lo", 10), ...pods("team-hi", 10)],
    });
    await eventually(async () => expect(await boundPerQueue(c)).toEqual({ "team-hi": 8, "team-lo": 2 }));
  });

  it("lets a queue with no competition use idle capacity above its quota up to its limit", async () => {
    const c = await start([cpuQueue("team-a", 6000, 8000), cpuQueue("team-b", 4000)]);
    await createAll(c, { nodes: nodes(10), pods: pods("team-a", 10) });
    await eventually(async () => expect(await boundPerQueue(c)).toEqual({ "team-a": 8 }));
    const waiting = await eventually(async () => {
      const cond = await podScheduled(c, "team-a-9");
      expect([cond?.status, cond?.reason]).toEqual(["False", "Unschedulable"]);
      return cond?.message;
    });
    expect(waiting).toBe(
      'queue "team-a" would exceed its cpu limit (spec.resources.cpu.limit 8000): 8 cpu allocated + 1 requested > 8',
    );
  });

  it("refuses what would take a parent queue above its limit, naming the parent", async () => {
    const c = await start([cpuQueue("org", 0, 3000), cpuQueue("team-a", 0, -1, "org")]);
    await createAll(c, { nodes: nodes(10), pods: pods("team-a", 5) });
    await eventually(async () => expect(await boundPerQueue(c)).toEqual({ "team-a": 3 }));
    const cond = await eventually(async () => {
      const x = await podScheduled(c, "team-a-4");
      expect(x?.reason).toBe("Unschedulable");
      return x;
    });
    expect(cond?.message).toMatch(/^queue "org" would exceed its cpu limit/);
  });
});
