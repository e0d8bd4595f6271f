// Scaling at all three levels through /scale (grove-behaviour.md §12), the scale-in victim order,
// creation-only template replicas (§12.1) and cascade deletion by owner references.
import { PodCliqueScalingGroupType, PodCliqueSetType, PodCliqueType, PodGangType } from "@grove-ts/api";
import {
  HorizontalPodAutoscalerType,
  type KubeObject,
  PodType,
  type ResourceType,
  SecretType,
  ServiceAccountType,
  ServiceType,
} from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import type { Pod } from "../src/kube-types.js";
import type { PodClique, PodCliqueSet } from "../src/types.js";
import { multiNodeAggregated, simple1, singleNodeAggregated } from "./fixtures.js";
import {
  createPcs,
  type Harness,
  listPods,
  NS,
  names,
  runToReady,
  scheduleAndReadyAll,
  waitFor,
  withControllersPerTest,
} from "./harness.js";

const PCS = "single-node-aggregated";
const PCLQ = `${PCS}-0-model-worker`;

async function hostIndices(h: Harness, pclq: string): Promise<number[]> {
  return (await listPods(h.client, `grove.io/podclique=${pclq}`))
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => Number(p.spec?.hostname?.split("-").pop()))
    .sort((a, b) => a - b);
}

const listNames = async (h: Harness, t: ResourceType) =>
  names((await h.client.list<KubeObject>(t, { namespace: NS })).items);

describe("scaling", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  it("PodClique: scale-out fills the lowest free indices; scale-in removes unassigned, then not-ready pods", async () => {
    await createPcs(h.client, singleNodeAggregated());
    await runToReady(h.client, 2);
    await h.client.updateScale(PodCliqueType, PCLQ, NS, 4);
    await runToReady(h.client, 4);
    expect(await hostIndices(h, PCLQ)).toEqual([0, 1, 2, 3]);

    // Pod 1 loses readiness; a fifth pod is created but never bound.
    const byIndex = async (k: number) =>
      (await listPods(h.client)).find((p) => p.spec?.hostname === `${PCLQ}-${k}`) as Pod;
    await h.client.patch(
      PodType,
      (await byIndex(1)).metadata.name ?? "",
      NS,
      {
        type: "merge",
        body: {
          status: {
            conditions: [
              { type: "PodScheduled", status: "True" },
              { type: "Ready", status: "False" },
            ],
          },
        },
      },
      { subresource: "status" },
    );
    await h.client.updateScale(PodCliqueType, PCLQ, NS, 5);
    await waitFor("5 pods", async () => (await hostIndices(h, PCLQ)).length === 5);
    await h.client.updateScale(PodCliqueType, PCLQ, NS, 3);
    await waitFor("3 pods", async () => (await hostIndices(h, PCLQ)).length === 3);
    expect(await hostIndices(h, PCLQ)).toEqual([0, 2, 3]);

    // The hole is filled first.
    await h.client.updateScale(PodCliqueType, PCLQ, NS, 4);
    await waitFor("4 pods", async () => (await hostIndices(h, PCLQ)).length === 4);
    expect(await hostIndices(h, PCLQ)).toEqual([0, 1, 2, 3]);

    // A deleted pod is replaced at its index.
    await h.client.delete(PodType, (await byIndex(2)).metadata.name ?? "", NS);
    await waitFor("replacement", async () => (await hostIndices(h, PCLQ)).join() === "0,1,2,3");

    const scale = await h.client.getScale(PodCliqueType, PCLQ, NS);
    expect(scale?.spec.replicas).toBe(4);
    await waitFor(
      "scale status",
      async () => (await h.client.getScale(PodCliqueType, PCLQ, NS))?.status.replicas === 4,
    );
    expect((await h.client.getScale(PodCliqueType, PCLQ, NS))?.status.selector).toBe(
      `app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=${PCS},grove.io/podclique=${PCLQ}`,
    );
  });

  it("PodCliqueSet: scale-out adds a replica; scale-in removes it but keeps its Service; template replicas apply at creation only", async () => {
    await createPcs(h.client, singleNodeAggregated());
    await runToReady(h.client, 2);
    // Template replicas 2 → 3: the existing PodClique keeps its 2, a new replica gets 3.
    const pcs = (await h.client.get<PodCliqueSet>(PodCliqueSetType, PCS, NS)) as PodCliqueSet;
    const tpl = structuredClone(pcs.spec.template);
    (tpl.cliques[0] as { spec: { replicas: number } }).spec.replicas = 3;
    await h.client.patch(PodCliqueSetType, PCS, NS, { type: "merge", body: { spec: { template: tpl } } });
    await h.client.updateScale(PodCliqueSetType, PCS, NS, 2);
    await runToReady(h.client, 2 + 3);
    expect(await listNames(h, PodCliqueType)).toEqual([PCLQ, `${PCS}-1-model-worker`]);
    expect((await h.client.get<PodClique>(PodCliqueType, PCLQ, NS))?.spec.replicas).toBe(2);
    expect((await h.client.get<PodClique>(PodCliqueType, `${PCS}-1-model-worker`, NS))?.spec.replicas).toBe(
      3,
    );
    expect(await hostIndices(h, `${PCS}-1-model-worker`)).toEqual([0, 1, 2]);
    expect(await listNames(h, PodGangType)).toEqual([`${PCS}-0`, `${PCS}-1`]);
    expect(await listNames(h, ServiceType)).toEqual([`${PCS}-0`, `${PCS}-1`]);
    const pod1 = (await listPods(h.client, `grove.io/podclique=${PCS}-1-model-worker`))[0];
    expect(pod1?.spec?.subdomain).toBe(`${PCS}-1`);
    expect(pod1?.metadata.labels?.["grove.io/podcliqueset-replica-index"]).toBe("1");

    await h.client.updateScale(PodCliqueSetType, PCS, NS, 1);
    await waitFor(
      "replica 1 gone",
      async () => (await listNames(h, PodCliqueType)).length === 1 && (await listPods(h.client)).length === 2,
    );
    await waitFor("gang 1 gone", async () => (await listNames(h, PodGangType)).join() === `${PCS}-0`);
    // Headless services of removed replicas stay (grove-behaviour.md §20.4).
    expect(await listNames(h, ServiceType)).toEqual([`${PCS}-0`, `${PCS}-1`]);
  });

  it("PodCliqueScalingGroup: scale-in removes the highest replicas and their scaled PodGangs", async () => {
    await createPcs(h.client, simple1());
    await waitFor("PCSG", () => h.client.get(PodCliqueScalingGroupType, "simple1-0-sga", NS));
    await h.client.updateScale(PodCliqueScalingGroupType, "simple1-0-sga", NS, 3);
    await runToReady(h.client, 3 + 2 + 3 * 4);
    await waitFor("3 gangs", async () => (await listNames(h, PodGangType)).length === 3);
    await h.client.updateScale(PodCliqueScalingGroupType, "simple1-0-sga", NS, 1);
    await waitFor(
      "members of replicas 1, 2 gone",
      async () => (await listPods(h.client)).length === 3 + 2 + 4,
    );
    expect(await listNames(h, PodCliqueType)).toEqual([
      "simple1-0-pca",
      "simple1-0-pcd",
      "simple1-0-sga-0-pcb",
      "simple1-0-sga-0-pcc",
    ]);
    await waitFor("scaled gangs gone", async () => (await listNames(h, PodGangType)).join() === "simple1-0");
    const scale = await waitFor("PCSG scale status", async () => {
      const s = await h.client.getScale(PodCliqueScalingGroupType, "simple1-0-sga", NS);
      return s?.status.replicas === 1 && s;
    });
    expect(scale.status.selector).toContain("grove.io/podcliquescalinggroup=simple1-0-sga");
  });

  it("cascade deletion: deleting the PodCliqueSet leaves nothing behind", async () => {
    await createPcs(h.client, multiNodeAggregated());
    await runToReady(h.client, 8);
    await scheduleAndReadyAll(h.client);
    await h.client.delete(PodCliqueSetType, "multinode-aggregated", NS);
    const kinds: ResourceType[] = [
      PodCliqueSetType,
      PodCliqueScalingGroupType,
      PodCliqueType,
      PodGangType,
      PodType,
      ServiceType,
      ServiceAccountType,
      SecretType,
      HorizontalPodAutoscalerType,
    ];
    await waitFor("everything gone", async () => {
      for (const k of kinds) if ((await listNames(h, k)).length > 0) return false;
      return true;
    });
  });
});
