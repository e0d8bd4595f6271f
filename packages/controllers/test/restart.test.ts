// Restart safety and write economy. The operator is "killed" after N API writes (every later write
// fails, then the controllers stop), the cluster keeps scheduling meanwhile, and a fresh instance
// must converge to exactly the objects an uninterrupted run creates: no duplicate hostnames, no
// orphans. A steady world must cost no writes at all on a fresh reconcile of everything.
import { PodCliqueScalingGroupType, PodCliqueSetType, PodCliqueType, PodGangType } from "@grove-ts/api";
import { type KubeObject, type ResourceType, ServiceType } from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GroveControllers } from "../src/index.js";
import type { PodClique, PodGang } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import {
  CountingClient,
  createPcs,
  fastControllers,
  type Harness,
  listPods,
  NS,
  names,
  runToReady,
  scheduleAndReadyAll,
  startHarness,
  waitFor,
  waitIdle,
} from "./harness.js";

const REPLICAS = Number(process.env.RESTART_REPLICAS ?? 12);
const workload = () =>
  pcsOf(
    "restart",
    [
      { name: "fe", replicas: 2 },
      { name: "leader", replicas: 1 },
      { name: "worker", replicas: 2 },
    ],
    [{ name: "grp", cliqueNames: ["leader", "worker"], replicas: 2, minAvailable: 1 }],
    REPLICAS,
  );
const PODS_PER_REPLICA = 2 + 2 * (1 + 2);

function expectedNames() {
  const pclqs: string[] = [];
  const pcsgs: string[] = [];
  const gangs: string[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    pclqs.push(`restart-${i}-fe`);
    pcsgs.push(`restart-${i}-grp`);
    for (let j = 0; j < 2; j++)
      for (const c of ["leader", "worker"]) pclqs.push(`restart-${i}-grp-${j}-${c}`);
    gangs.push(`restart-${i}`, `restart-${i}-grp-0`);
  }
  return {
    pclqs: pclqs.sort(),
    pcsgs: pcsgs.sort(),
    gangs: gangs.sort(),
    services: gangs.filter((g) => !g.includes("grp")).sort(),
  };
}

const listAll = async <T extends KubeObject>(h: Harness, t: ResourceType) =>
  (await h.client.list<T>(t, { namespace: NS })).items;

async function assertConverged(h: Harness): Promise<void> {
  const want = expectedNames();
  expect(names(await listAll(h, PodCliqueType))).toEqual(want.pclqs);
  expect(names(await listAll(h, PodCliqueScalingGroupType))).toEqual(want.pcsgs);
  expect(names(await listAll(h, PodGangType))).toEqual(want.gangs);
  expect(names(await listAll(h, ServiceType))).toEqual(want.services);
  const pods = await listPods(h.client);
  expect(pods).toHaveLength(REPLICAS * PODS_PER_REPLICA);
  const hostnames = pods.map((p) => p.spec?.hostname);
  expect(new Set(hostnames).size).toBe(hostnames.length);
  // Every PodClique has exactly its replicas, at indices 0..n-1, all ungated.
  const pclqs = await listAll<PodClique>(h, PodCliqueType);
  for (const q of pclqs) {
    const own = pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === q.metadata.uid);
    expect(own.map((p) => p.spec?.hostname).sort()).toEqual(
      Array.from({ length: q.spec.replicas }, (_, k) => `${q.metadata.name}-${k}`).sort(),
    );
    expect(own.every((p) => (p.spec?.schedulingGates?.length ?? 0) === 0)).toBe(true);
  }
  // No orphans: every controller owner exists with the referenced uid.
  const uids = new Set(
    [...(await listAll(h, PodCliqueSetType)), ...(await listAll(h, PodCliqueScalingGroupType)), ...pclqs].map(
      (o) => o.metadata.uid,
    ),
  );
  for (const o of [
    ...pods,
    ...pclqs,
    ...(await listAll(h, PodGangType)),
    ...(await listAll(h, PodCliqueScalingGroupType)),
  ])
    expect(uids.has(o.metadata.ownerReferences?.[0]?.uid), `owner of ${o.metadata.name}`).toBe(true);
  // Every PodGang references exactly the pods labelled for it.
  for (const g of await listAll<PodGang>(h, PodGangType)) {
    const refs = g.spec.podgroups.flatMap((pg) => pg.podReferences.map((r) => r.name)).sort();
    const labelled = pods
      .filter((p) => p.metadata.labels?.["grove.io/podgang"] === g.metadata.name)
      .map((p) => p.metadata.name)
      .sort();
    expect(refs).toEqual(labelled);
  }
}

describe("restart safety", () => {
  let h: Harness;
  let ctl: GroveControllers | undefined;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await ctl?.stop();
    await h.close();
  });

  it("killed after N writes at several points mid-rollout, a fresh instance converges with no duplicates or orphans", async () => {
    await createPcs(h.client, workload());
    const crashed: boolean[] = [];
    for (const crashAfter of [5, 23, 60, 111, 170, 260]) {
      const counting = new CountingClient(h.client);
      counting.crashAfter = crashAfter;
      ctl = fastControllers(counting.client);
      await ctl.start();
      // Crash, or run out of work first (then the next instance simply has nothing to redo).
      const running = ctl;
      let quietSince = Date.now();
      await waitFor(
        `crash after ${crashAfter} writes, or quiescence`,
        async () => {
          // The scheduler and kubelets keep working while the operator runs.
          await scheduleAndReadyAll(h.client);
          if (running.pending() > 0) quietSince = Date.now();
          return counting.attempts >= crashAfter || Date.now() - quietSince > 300;
        },
        20_000,
      );
      crashed.push(counting.attempts >= crashAfter);
      await ctl.stop();
      ctl = undefined;
      // The cluster goes on while the operator is down.
      await scheduleAndReadyAll(h.client);
    }
    console.log("kills that landed mid-rollout:", crashed);
    // The kills did land mid-rollout.
    expect(crashed.slice(0, 3)).toEqual([true, true, true]);
    ctl = fastControllers(h.client);
    await ctl.start();
    await runToReady(h.client, REPLICAS * PODS_PER_REPLICA, 30_000);
    await waitIdle(ctl);
    await assertConverged(h);
  });
});

describe("write economy", () => {
  let h: Harness;
  let ctl: GroveControllers | undefined;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await ctl?.stop();
    await h.close();
  });

  it("a steady PodCliqueSet costs a bounded number of writes per pod, and a fresh reconcile of it writes nothing", async () => {
    const counting = new CountingClient(h.client);
    ctl = fastControllers(counting.client);
    await ctl.start();
    await createPcs(h.client, workload());
    await runToReady(h.client, REPLICAS * PODS_PER_REPLICA, 30_000);
    await waitIdle(ctl);
    const pods = REPLICAS * PODS_PER_REPLICA;
    const byKind: Record<string, number> = {};
    for (const w of counting.writes)
      byKind[`${w.method} ${w.kind}`] = (byKind[`${w.method} ${w.kind}`] ?? 0) + 1;
    // Events are hints written in the background under a per-object spam filter, not state: not counted.
    const stateWrites = counting.writes.filter((w) => w.kind !== "Event");
    const perPod = stateWrites.length / pods;
    console.log(
      `writes to converge ${pods} pods: ${stateWrites.length} (${perPod.toFixed(2)}/pod) and ${counting.writes.length - stateWrites.length} Event writes`,
      byKind,
    );
    // Per pod: its create and its gate removal; the rest is per-object (PCLQ, PCSG, gang, status).
    expect(byKind["create Pod"]).toBe(pods);
    expect(byKind["patch Pod"]).toBe(pods);
    expect(perPod).toBeLessThan(8);
    await ctl.stop();

    const fresh = new CountingClient(h.client);
    ctl = fastControllers(fresh.client);
    await ctl.start();
    await waitIdle(ctl, 300);
    expect(fresh.writes).toEqual([]);
  });
});
