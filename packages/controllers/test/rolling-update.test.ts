// Rolling updates (grove-behaviour.md §13): a pod-template change replaces every pod, one PCS
// replica at a time, ready pods one by one; PCSG replicas are recreated; OnDelete replaces nothing.
import { PodCliqueScalingGroupType, PodCliqueSetType, PodCliqueType } from "@grove-ts/api";
import { noopLogger, PodType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../src/context.js";
import { cliqueTemplateHash } from "../src/desired.js";
import type { Pod } from "../src/kube-types.js";
import { rfc3339, rollPcsg, rollPodClique } from "../src/rolling-update.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import {
  createPcs,
  type Harness,
  listPods,
  NS,
  runToReady,
  waitFor,
  withControllersPerTest,
} from "./harness.js";

const image = (p: Pod) => p.spec?.containers[0]?.image;

async function setImage(h: Harness, pcsName: string, img: string): Promise<void> {
  const pcs = (await h.client.get<PodCliqueSet>(PodCliqueSetType, pcsName, NS)) as PodCliqueSet;
  const tpl = structuredClone(pcs.spec.template);
  for (const c of tpl.cliques) for (const k of c.spec.podSpec.containers) k.image = img;
  await h.client.patch(PodCliqueSetType, pcsName, NS, { type: "merge", body: { spec: { template: tpl } } });
}

/** Plays the cluster until every pod runs `img` and is ready. */
async function rollTo(h: Harness, img: string, pods: number): Promise<Pod[]> {
  return waitFor(
    `all pods on ${img}`,
    async () => {
      const ps = await runToReady(h.client, pods, 2000).catch(() => undefined);
      return ps?.every((p) => image(p) === img) && ps;
    },
    30_000,
  );
}

describe("rolling updates", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  it("RollingRecreate: standalone pods and PCSG replicas move to the new template; progress closes", async () => {
    await createPcs(
      h.client,
      pcsOf(
        "ru",
        [
          { name: "fe", replicas: 2, minAvailable: 1 },
          { name: "leader", replicas: 1 },
          { name: "worker", replicas: 1 },
        ],
        [{ name: "grp", cliqueNames: ["leader", "worker"], replicas: 2, minAvailable: 1 }],
        2,
      ),
    );
    const total = 2 * (2 + 2 * 2);
    await runToReady(h.client, total);
    const before = await h.client.get<PodCliqueSet>(PodCliqueSetType, "ru", NS);
    const order: number[] = [];
    const watch = await h.client.watch<PodCliqueSet>(PodCliqueSetType, { namespace: NS }, (ev) => {
      const cur = ev.object.status?.updateProgress?.currentlyUpdating ?? [];
      expect(cur.length).toBeLessThanOrEqual(1);
      const i = cur[0]?.replicaIndex;
      if (i !== undefined && order[order.length - 1] !== i) order.push(i);
    });
    await setImage(h, "ru", "nginx:2");
    const pods = await rollTo(h, "nginx:2", total);
    const hashes = new Set(pods.map((p) => p.metadata.labels?.["grove.io/pod-template-hash"]));
    expect(hashes.size).toBe(3); // one per clique, all new
    const pcs = await waitFor("update ended", async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, "ru", NS);
      return !!p?.status?.updateProgress?.updateEndedAt && p.status.updatedReplicas === 2 && p;
    });
    watch.stop();
    // One PCS replica at a time, in ascending order (all had scheduled pods, none breached).
    expect(order).toEqual([0, 1]);
    expect(pcs.status?.currentGenerationHash).not.toBe(before?.status?.currentGenerationHash);
    expect(pcs.status?.updateProgress?.currentlyUpdating).toBeUndefined();
    // A PodClique's status may follow up to one status-coalescing window later (status-coalesce.ts).
    const fe = await waitFor("ru-0-fe's update closed", async () => {
      const q = await h.client.get<PodClique>(PodCliqueType, "ru-0-fe", NS);
      return !!q?.status?.updateProgress?.updateEndedAt && q;
    });
    expect(fe?.status?.currentPodCliqueSetGenerationHash).toBe(pcs.status?.currentGenerationHash);
    expect(fe?.status?.updateProgress?.updateEndedAt).toBeDefined();
    const g = await waitFor("PCSG converged", async () => {
      const x = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, "ru-0-grp", NS);
      return x?.status?.currentPodCliqueSetGenerationHash === pcs.status?.currentGenerationHash && x;
    });
    expect(g.status?.updateProgress?.updateEndedAt).toBeDefined();
    // Hostnames survive the replacement.
    expect(
      pods
        .filter((p) => p.metadata.labels?.["grove.io/podclique"] === "ru-1-fe")
        .map((p) => p.spec?.hostname)
        .sort(),
    ).toEqual(["ru-1-fe-0", "ru-1-fe-1"]);
  });

  it("OnDelete: templates are patched but no pod is replaced until it is deleted", async () => {
    await createPcs(h.client, {
      ...pcsOf("od", [{ name: "w", replicas: 2 }]),
      spec: { ...pcsOf("od", [{ name: "w", replicas: 2 }]).spec, updateStrategy: { type: "OnDelete" } },
    } as PodCliqueSet);
    const old = await runToReady(h.client, 2);
    await setImage(h, "od", "nginx:2");
    await waitFor("PCLQ patched", async () => {
      const q = await h.client.get<PodClique>(PodCliqueType, "od-0-w", NS);
      return q?.spec.podSpec.containers[0]?.image === "nginx:2";
    });
    const pcs = await waitFor("progress closed at once", async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, "od", NS);
      return !!p?.status?.updateProgress?.updateEndedAt && p;
    });
    expect(pcs.status?.updateProgress?.updateStartedAt).toBe(pcs.status?.updateProgress?.updateEndedAt);
    expect(names(await listPods(h.client))).toEqual(names(old));
    await h.client.delete(PodType, old[0]?.metadata.name ?? "", NS);
    const after = await runToReady(h.client, 2);
    expect(after.map(image).sort()).toEqual(["nginx:2", "nginx:latest"]);
  });
});

const names = (ps: Pod[]) => ps.map((p) => p.metadata.name).sort();

// Scale-in during a RollingRecreate (Grove's e2e RU16, RU20): the replica or pods selected for
// replacement may be scaled away; the update must not wait for them forever.
describe("rolling updates: a scale-in during the update", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const deleted: string[] = [];
  const ctx = {
    client: {
      delete: async (_t: unknown, name: string) => {
        deleted.push(name);
      },
    },
    options: { now: () => now, requeueAfterMs: 5000 },
    logger: noopLogger,
  } as unknown as ControllerContext;
  const pcs = pcsOf(
    "ru",
    [
      { name: "a", replicas: 3, minAvailable: 2 },
      { name: "b", replicas: 1 },
    ],
    [{ name: "sg", cliqueNames: ["b"], replicas: 2, minAvailable: 1 }],
  );
  pcs.metadata.uid = "u";
  pcs.status = {
    currentGenerationHash: "h2",
    updateProgress: {
      updateStartedAt: rfc3339(now),
      currentlyUpdating: [{ replicaIndex: 0, updateStartedAt: rfc3339(now) }],
    },
  } as PodCliqueSet["status"];
  const tpl = (n: string) =>
    pcs.spec.template.cliques.find(
      (c) => c.name === n,
    ) as PodCliqueSet["spec"]["template"]["cliques"][number];

  it("PCSG: the selected replica scaled in (3 -> 2) ends the update once the rest is new", async () => {
    deleted.length = 0;
    const hash = cliqueTemplateHash(pcs, tpl("b"));
    const member = (j: number): PodClique =>
      ({
        metadata: {
          name: `ru-0-sg-${j}-b`,
          namespace: NS,
          labels: {
            "grove.io/podcliqueset-replica-index": "0",
            "grove.io/podcliquescalinggroup": "ru-0-sg",
            "grove.io/podcliquescalinggroup-replica-index": String(j),
            "grove.io/pod-template-hash": hash,
          },
        },
        spec: { replicas: 1, minAvailable: 1 },
        status: { currentPodTemplateHash: hash, updatedReplicas: 1, readyReplicas: 1, scheduledReplicas: 1 },
      }) as unknown as PodClique;
    const pcsg = {
      metadata: { name: "ru-0-sg", namespace: NS, labels: { "grove.io/podcliqueset-replica-index": "0" } },
      spec: { replicas: 2, minAvailable: 1, cliqueNames: ["b"] },
      status: {
        availableReplicas: 2,
        updateProgress: {
          updateStartedAt: rfc3339(now),
          podCliqueSetGenerationHash: "h2",
          readyReplicaIndicesSelectedToUpdate: { current: 2, completed: [0, 1] },
        },
      },
    } as unknown as PodCliqueScalingGroup;
    const r = await rollPcsg(ctx, pcs, pcsg, [member(0), member(1)]);
    expect(r.progress?.updateEndedAt).toBe(rfc3339(now));
    expect(deleted).toEqual([]);
  });

  it("standalone PodClique: scaled in (3 -> 2) after two replacements, the update ends with 2 new Ready pods", async () => {
    deleted.length = 0;
    const hash = cliqueTemplateHash(pcs, tpl("a"));
    const pod = (name: string): Pod =>
      ({
        metadata: {
          name,
          namespace: NS,
          labels: { "grove.io/pod-template-hash": hash },
          creationTimestamp: rfc3339(now),
        },
        spec: { containers: [] },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      }) as unknown as Pod;
    const pclq = {
      metadata: {
        name: "ru-0-a",
        namespace: NS,
        labels: { "grove.io/podcliqueset-replica-index": "0", "grove.io/pod-template-hash": hash },
      },
      spec: { replicas: 2, minAvailable: 2 },
      status: {
        updateProgress: {
          updateStartedAt: rfc3339(now),
          podCliqueSetGenerationHash: "h2",
          podTemplateHash: hash,
          // the third (old) pod was selected, then taken by the scale-in
          readyPodsSelectedToUpdate: { current: "ru-0-a-old2", completed: ["ru-0-a-old0", "ru-0-a-old1"] },
        },
      },
    } as unknown as PodClique;
    const r = await rollPodClique(ctx, pcs, pclq, [pod("ru-0-a-new0"), pod("ru-0-a-new1")]);
    expect(r.progress?.updateEndedAt).toBe(rfc3339(now));
    expect(deleted).toEqual([]);
  });
});
