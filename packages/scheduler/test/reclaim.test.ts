// Reclaim across KAI queues (reclaim.ts): a queue below its fair share takes back, whole gangs at a
// time, what a queue above its share holds, down to the shares and no further. No kubelet runs here:
// a reclaimed pod stays terminating until the test deletes it for good, as a kubelet would.
import { type Client, EventType, type KubeObject, PodType } from "@grove-ts/runtime";
import type { Event as CoreEvent, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  inQueue,
  type K,
  kaiQueue,
  node,
  pod,
  podGang,
  sleep,
  startScheduler,
} from "./harness.js";

const cpuQueue = (name: string, quota: number, parentQueue?: string) => {
  const q = kaiQueue(name, parentQueue) as KubeObject & { spec?: Record<string, unknown> };
  q.spec = { ...(q.spec ?? {}), resources: { cpu: { quota, limit: -1, overQuotaWeight: 1 } } };
  return q;
};

async function start(queues = [cpuQueue("team-a", 6000), cpuQueue("team-b", 4000)]): Promise<Client> {
  const { client: c } = await startScheduler({ queues });
  await createAll(c, { nodes: Array.from({ length: 10 }, (_, i) => node({ name: `n${i}`, cpu: "1" })) });
  return c;
}

/** `n` gangs of 2 pods (1 cpu each, both needed) in `queue`: `<queue>-<i>-<0|1>`. */
function gangs(queue: string, from: number, n: number) {
  const out = { gangs: [] as ReturnType<typeof podGang>[], pods: [] as K<Pod>[] };
  for (let i = from; i < from + n; i++) {
    const name = `${queue}-${i}`;
    const pods = [`${name}-0`, `${name}-1`];
    out.gangs.push(podGang(name, [{ name: `${name}-w`, pods, min: 2 }]));
    out.pods.push(...pods.map((p) => inQueue(pod({ name: p, gang: name, cpu: "1" }), queue)));
  }
  return out;
}

async function pods(c: Client): Promise<K<Pod>[]> {
  return (await c.list<K<Pod>>(PodType, { namespace: "default" })).items;
}

const queueOf = (p: K<Pod>) => p.metadata.labels?.["kai.scheduler/queue"] ?? "";

/** Bound pods per queue, terminating ones left out. */
async function running(c: Client): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await pods(c))
    if (p.spec?.nodeName && !p.metadata.deletionTimestamp) out[queueOf(p)] = (out[queueOf(p)] ?? 0) + 1;
  return out;
}

const terminating = async (c: Client) =>
  (await pods(c))
    .filter((p) => p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name ?? "")
    .sort();

describe("KAI queues: reclaim", () => {
  it("a queue below its fair share reclaims whole gangs from the one above it, down to 60/40", async () => {
    const c = await start();
    // team-a alone: idle capacity above its quota (6 of 10) is its to use.
    await createAll(c, gangs("team-a", 0, 5));
    await eventually(async () => expect(await running(c)).toEqual({ "team-a": 10 }));
    // team-b's two gangs (4 cpu, its quota) arrive: team-a is above its share by 4.
    await createAll(c, gangs("team-b", 0, 2));
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(4);
      return t;
    });
    // Whole gangs of team-a only, two of them.
    const victimGangs = [...new Set(victims.map((n) => n.replace(/-[01]$/, "")))];
    expect(victimGangs).toHaveLength(2);
    for (const g of victimGangs) expect(g).toMatch(/^team-a-\d$/);
    // Same priority as the reclaimer: the condition and Event say reclaim, not priority preemption.
    for (const v of victims) {
      const p = (await pods(c)).find((x) => x.metadata.name === v);
      const dt = p?.status?.conditions?.find((x) => x.type === "DisruptionTarget");
      expect(dt?.status).toBe("True");
      expect(dt?.message).toMatch(
        /^grove-scheduler: reclaiming resources of a queue above its fair share for podgang default\/team-b-\d$/,
      );
    }
    const events = (await c.list<K<CoreEvent>>(EventType, { namespace: "default" })).items;
    const reclaimed = events.filter(
      (e) => e.reason === "Preempted" && victims.includes(e.involvedObject?.name ?? ""),
    );
    expect(reclaimed.map((e) => e.message)).toEqual(
      victims.map(() => expect.stringMatching(/^Reclaimed by podgang default\/team-b-\d on node n\d$/)),
    );
    // The kubelet finishes them: team-b binds, 60/40.
    for (const v of victims) await c.delete(PodType, v, "default", { gracePeriodSeconds: 0 });
    await eventually(async () => expect(await running(c)).toEqual({ "team-a": 6, "team-b": 4 }));

    // team-b at its share asks for more: nothing of team-a's (at its share) is reclaimed.
    await createAll(c, gangs("team-b", 2, 1));
    await eventually(async () => {
      const p = (await pods(c)).find((x) => x.metadata.name === "team-b-2-0");
      expect(p?.status?.conditions?.find((x) => x.type === "PodScheduled")?.reason).toBe("Unschedulable");
    });
    await sleep(300);
    expect(await terminating(c)).toEqual([]);
    expect(await running(c)).toEqual({ "team-a": 6, "team-b": 4 });
  });

  it("reclaims between queues of different parents down to the parents' shares", async () => {
    // org-1 (quota 6) holds team-a; org-2 (quota 4) holds team-b and team-c (quota 2 each).
    const c = await start([
      cpuQueue("org-1", 6000),
      cpuQueue("org-2", 4000),
      cpuQueue("team-a", 0, "org-1"),
      cpuQueue("team-b", 2000, "org-2"),
      cpuQueue("team-c", 2000, "org-2"),
    ]);
    await createAll(c, gangs("team-a", 0, 4));
    await createAll(c, gangs("team-b", 0, 1));
    await eventually(async () => expect(await running(c)).toEqual({ "team-a": 8, "team-b": 2 }));
    // team-c (below its share: 2 of org-2's 4) reclaims from team-a (org-1 above its 6), not from
    // its sibling team-b (at its share).
    await createAll(c, gangs("team-c", 0, 1));
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(2);
      return t;
    });
    expect(victims.every((v) => v.startsWith("team-a-"))).toBe(true);
    for (const v of victims) await c.delete(PodType, v, "default", { gracePeriodSeconds: 0 });
    await eventually(async () => expect(await running(c)).toEqual({ "team-a": 6, "team-b": 2, "team-c": 2 }));
  });

  it("shares only what pods of no queue leave: a queue with the whole guarantee reclaims all of it", async () => {
    const c = await start([cpuQueue("team-a", 6000), cpuQueue("team-b", 0)]);
    // 4 of the 10 CPUs run pods of no queue: 6 are the queues' to share, all team-a's by quota.
    await createAll(c, { pods: Array.from({ length: 4 }, (_, i) => pod({ name: `other-${i}`, cpu: "1" })) });
    await eventually(async () => expect(await running(c)).toEqual({ "": 4 }));
    const lone = (queue: string, n: number) =>
      Array.from({ length: n }, (_, i) => inQueue(pod({ name: `${queue}-${i}`, cpu: "1" }), queue));
    await createAll(c, { pods: lone("team-b", 6) });
    await eventually(async () => expect(await running(c)).toEqual({ "": 4, "team-b": 6 }));
    await createAll(c, { pods: lone("team-a", 6) });
    const victims = await eventually(async () => {
      const t = await terminating(c);
      expect(t).toHaveLength(6);
      return t;
    });
    expect(victims.every((v) => v.startsWith("team-b-"))).toBe(true);
    for (const v of victims) await c.delete(PodType, v, "default", { gracePeriodSeconds: 0 });
    await eventually(async () => expect(await running(c)).toEqual({ "": 4, "team-a": 6 }));
  });
});
