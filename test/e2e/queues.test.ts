// Issue 13 acceptance, KAI queues: "two queues with quotas 60/40 share a full cluster 60/40 and the
// lower one reclaims when the other exceeds its share". The real kubectl against grove-sim (and
// the real control plane in the kube project): Queues and PodCliqueSets created with
// `kubectl apply`, counts read with `kubectl get`. 10 nodes of 1 CPU; every PCS replica is one
// PodGang of 2 pods of 1 CPU (both needed), so the cluster holds 5 gangs: 60/40 is 3 and 2.
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const cluster: ClusterSpec = {
  name: "grove-e2e-queues",
  pools: [
    { name: "q", count: 10, namePrefix: "q-node-", allocatable: { cpu: "1", memory: "4Gi", pods: "110" } },
  ],
};

const queues = `apiVersion: scheduling.run.ai/v2
kind: Queue
metadata: { name: team-a }
spec:
  resources:
    cpu: { quota: 6000, limit: -1, overQuotaWeight: 1 }
---
apiVersion: scheduling.run.ai/v2
kind: Queue
metadata: { name: team-b }
spec:
  resources:
    cpu: { quota: 4000, limit: -1, overQuotaWeight: 1 }
`;

const classes = [
  ["q-low", 10],
  ["q-mid", 50],
]
  .map(
    ([name, value]) =>
      `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: { name: ${name} }\nvalue: ${value}\n`,
  )
  .join("---\n");

/** A PCS of `replicas` gangs of 2 pods x 1 CPU in `queue`, of class `pc` when given. */
const pcs = (queue: string, replicas: number, pc?: string) => `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: { name: ${queue} }
spec:
  replicas: ${replicas}
  template:
${pc ? `    priorityClassName: ${pc}\n` : ""}    cliques:
      - name: w
        labels: { kai.scheduler/queue: ${queue} }
        spec:
          roleName: w
          replicas: 2
          minAvailable: 2
          podSpec:
            schedulerName: grove-scheduler
            terminationGracePeriodSeconds: 1
            containers:
              - name: w
                image: busybox:1.36
                command: [sleep, infinity]
                resources: { requests: { cpu: "1" } }
`;

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

describe("KAI queues: fair share and reclaim (kubectl)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster });
    await e2e.apply(e2e.file("queues.yaml", queues));
    await e2e.apply(e2e.file("classes.yaml", classes));
  });
  // On the real control plane, kube-controller-manager's garbage collector starts watching the
  // Grove kinds only at its next resync after they were installed: the first cleanup waits ~40 s.
  afterEach(async () => {
    await e2e.cleanup({ timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await e2e?.close();
  });

  /** Live pods per queue, as kubectl lists them: running (bound) and pending. */
  const pods = async () => {
    const list = await e2e.kubectl.json<{ items: PodJson[] }>(["get", "pods", "-n", "default"]);
    return list.items.filter((p) => !p.metadata.deletionTimestamp);
  };
  const counts = async () => {
    const out: Record<string, { running: number; pending: number }> = {};
    for (const p of await pods()) {
      const q = p.metadata.labels?.["kai.scheduler/queue"] ?? "";
      out[q] ??= { running: 0, pending: 0 };
      if (p.spec?.nodeName) out[q].running++;
      else out[q].pending++;
    }
    return out;
  };
  /** Waits until the running pods per queue are `want` and every other live pod was refused a node. */
  const settle = async (want: Record<string, { running: number; pending: number }>) => {
    await waitFor(`pods per queue ${JSON.stringify(want)}`, async () => {
      const c = await counts();
      const unschedulable = (await pods()).every(
        (p) =>
          p.spec?.nodeName ||
          p.status?.conditions?.some((x) => x.type === "PodScheduled" && x.reason === "Unschedulable"),
      );
      return { ok: JSON.stringify(c) === JSON.stringify(want) && unschedulable, state: JSON.stringify(c) };
    });
  };

  it("two queues with quotas 60/40 share a full cluster 60/40", async () => {
    await e2e.apply(e2e.file("both.yaml", `${pcs("team-a", 5)}---\n${pcs("team-b", 5)}`));
    await settle({ "team-a": { running: 6, pending: 4 }, "team-b": { running: 4, pending: 6 } });
    // Queue status as KAI shows it (kubectl get queue -o json): allocated 6 and 4 CPUs.
    for (const [q, cpu] of [
      ["team-a", "6"],
      ["team-b", "4"],
    ] as const)
      await waitFor(`${q} status.allocated.cpu=${cpu}`, async () => {
        const st = await e2e.kubectl.json<{ status?: { allocated?: Record<string, string> } }>([
          "get",
          "queue",
          q,
        ]);
        return { ok: st.status?.allocated?.cpu === cpu, state: JSON.stringify(st.status ?? {}) };
      });
  }, 120_000);

  it("a queue alone uses the idle cluster; the other reclaims its share, whole gangs", async () => {
    await e2e.apply(e2e.file("a.yaml", pcs("team-a", 5)));
    await settle({ "team-a": { running: 10, pending: 0 } });
    const before = new Set((await pods()).map((p) => p.metadata.uid));
    const gangOf = (p: PodJson) => p.metadata.labels?.["grove.io/podgang"] ?? "";
    const gangsBefore = new Map<string, number>();
    for (const p of await pods()) gangsBefore.set(gangOf(p), (gangsBefore.get(gangOf(p)) ?? 0) + 1);

    await e2e.apply(e2e.file("b.yaml", pcs("team-b", 5)));
    await settle({ "team-a": { running: 6, pending: 4 }, "team-b": { running: 4, pending: 6 } });
    // Exactly two of team-a's PodGangs lost pods, both of them (the operator made new ones, pending).
    const after = await pods();
    const lost = [...gangsBefore.keys()].filter(
      (g) => !after.some((p) => gangOf(p) === g && before.has(p.metadata.uid)),
    );
    const kept = [...gangsBefore.keys()].filter(
      (g) => after.filter((p) => gangOf(p) === g && before.has(p.metadata.uid)).length === 2,
    );
    expect(lost).toHaveLength(2);
    expect(kept).toHaveLength(3);
    for (const g of lost) expect(g).toMatch(/^team-a-/);

    // The reclaimed PodGangs say so; once team-b is gone their recreated pods run and it goes False.
    const disruption = async (g: string) =>
      (
        await e2e.kubectl.json<{
          status?: { conditions?: { type: string; status: string; reason?: string }[] };
        }>(["get", "podgang", g, "-n", "default"])
      ).status?.conditions?.find((c) => c.type === "DisruptionTarget");
    for (const g of lost)
      expect(await disruption(g)).toMatchObject({ status: "True", reason: "PreemptionByScheduler" });
    await e2e.kubectl.ok(["delete", "pcs", "team-b", "-n", "default", "--wait=false"]);
    await settle({ "team-a": { running: 10, pending: 0 } });
    for (const g of lost)
      await waitFor(`${g} DisruptionTarget=False`, async () => {
        const c = await disruption(g);
        return { ok: c?.status === "False" && c.reason === "Rescheduled", state: JSON.stringify(c) };
      });
  }, 120_000);

  it("a higher-priority gang of another queue evicts nothing of a queue within its share", async () => {
    await e2e.apply(e2e.file("a-low.yaml", pcs("team-a", 3, "q-low")));
    await settle({ "team-a": { running: 6, pending: 0 } });
    const before = (await pods()).map((p) => p.metadata.uid).sort();
    // team-b's class is higher, but team-a holds its quota (6): only team-b's share, 4, is free.
    await e2e.apply(e2e.file("b-mid.yaml", pcs("team-b", 5, "q-mid")));
    await settle({ "team-a": { running: 6, pending: 0 }, "team-b": { running: 4, pending: 6 } });
    await waitFor("team-b pending pods say why preemption does not help", async () => {
      const waiting = (await pods()).filter((p) => !p.spec?.nodeName);
      const msgs = waiting.map(
        (p) => p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message ?? "",
      );
      return {
        ok: msgs.every((m) => m.includes('no running gang of priority below 50 in queue "team-b"')),
        state: msgs[0] ?? "",
      };
    });
    const teamA = (await pods()).filter((p) => p.metadata.labels?.["kai.scheduler/queue"] === "team-a");
    expect(teamA.map((p) => p.metadata.uid).every((u) => before.includes(u))).toBe(true);
  }, 120_000);
});
