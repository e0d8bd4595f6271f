// Labels, env vars, owner references, finalizers, the scheduling gate and status at all three levels
// for the multi-node leader/worker shape (PCSG model-instance, replicas 2, minAvailable 1: replica 1
// is the scaled PodGang `multinode-aggregated-0-model-instance-0`).
import {
  FinalizerPodClique,
  FinalizerPodCliqueScalingGroup,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
  SchedulingGatePodGangPendingCreation,
} from "@grove-ts/api";
import { PodType } from "@grove-ts/runtime";
import { beforeEach, describe, expect, it } from "vitest";
import type { Pod } from "../src/kube-types.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet, PodGang } from "../src/types.js";
import { multiNodeAggregated } from "./fixtures.js";
import {
  createPcs,
  type Harness,
  listPods,
  NS,
  runToReady,
  waitFor,
  withControllersPerTest,
} from "./harness.js";

const PCS = "multinode-aggregated";
const PCSG = `${PCS}-0-model-instance`;
const gated = (p: Pod) =>
  p.spec?.schedulingGates?.some((g) => g.name === SchedulingGatePodGangPendingCreation) ?? false;

describe("wiring of a PCSG workload", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });
  beforeEach(async () => {
    await createPcs(h.client, multiNodeAggregated());
  });

  it("gates scaled-gang pods until the base gang is scheduled, then releases them", async () => {
    const pods = await waitFor("base pods ungated, 8 pods", async () => {
      const ps = await listPods(h.client);
      const base = ps.filter((p) => p.metadata.labels?.["grove.io/podgang"] === `${PCS}-0`);
      return ps.length === 8 && base.length === 4 && base.every((p) => !gated(p)) && ps;
    });
    const scaled = pods.filter((p) => p.metadata.labels?.["grove.io/podgang"] === `${PCSG}-0`);
    expect(scaled).toHaveLength(4);
    expect(scaled.every(gated)).toBe(true);
    const pclq = await h.client.get<PodClique>(PodCliqueType, `${PCSG}-1-worker`, NS);
    expect(pclq?.status?.scheduleGatedReplicas).toBe(3);
    // No conditions nor observedGeneration while pods are gated (grove-behaviour.md §20.7).
    expect(pclq?.status?.conditions).toBeUndefined();
    await runToReady(h.client, 8);
    expect((await listPods(h.client)).some(gated)).toBe(false);
  });

  it("labels, env vars, owner references and hostnames of a scaled-gang pod", async () => {
    await runToReady(h.client, 8);
    const pclqName = `${PCSG}-1-worker`;
    const pclq = await h.client.get<PodClique>(PodCliqueType, pclqName, NS);
    const pcsg = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, PCSG, NS);
    const pcs = await h.client.get<PodCliqueSet>(PodCliqueSetType, PCS, NS);
    const pods = (await listPods(h.client, `grove.io/podclique=${pclqName}`)).sort((a, b) =>
      (a.spec?.hostname ?? "").localeCompare(b.spec?.hostname ?? ""),
    );
    expect(pods.map((p) => p.spec?.hostname)).toEqual([0, 1, 2].map((k) => `${pclqName}-${k}`));
    const pod = pods[1] as Pod;
    const hash = pclq?.metadata.labels?.["grove.io/pod-template-hash"];
    expect(hash).toMatch(/^[a-z0-9]+$/);
    expect(pod.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": PCS,
      "app.kubernetes.io/name": pclqName,
      "app.kubernetes.io/component": "pcsg-podclique",
      "grove.io/podcliqueset-replica-index": "0",
      "grove.io/podgang": `${PCSG}-0`,
      "grove.io/base-podgang": `${PCS}-0`,
      "grove.io/podcliquescalinggroup": PCSG,
      "grove.io/podcliquescalinggroup-replica-index": "1",
      "grove.io/pod-template-hash": hash,
      "grove.io/podclique": pclqName,
      "grove.io/podclique-pod-index": "1",
    });
    expect(pod.metadata.generateName).toBe(`${pclqName}-`);
    expect(pod.spec?.subdomain).toBe(`${PCS}-0`);
    expect(pod.spec?.schedulerName).toBe("default-scheduler");
    expect(pod.metadata.ownerReferences).toEqual([
      {
        apiVersion: "grove.io/v1alpha1",
        kind: "PodClique",
        name: pclqName,
        uid: pclq?.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const env = pod.spec?.containers[0]?.env ?? [];
    expect(env.map((e) => e.name)).toEqual([
      "GROVE_PCS_NAME",
      "GROVE_PCS_INDEX",
      "GROVE_PCLQ_NAME",
      "GROVE_HEADLESS_SERVICE",
      "GROVE_PCLQ_POD_INDEX",
      "GROVE_PCSG_NAME",
      "GROVE_PCSG_TEMPLATE_NUM_PODS",
      "GROVE_PCSG_INDEX",
    ]);
    expect(env.slice(0, 4).map((e) => e.value)).toEqual([
      PCS,
      "0",
      pclqName,
      `${PCS}-0.default.svc.cluster.local`,
    ]);
    expect(env[4]?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['grove.io/podclique-pod-index']");
    expect(env[5]?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['grove.io/podcliquescalinggroup']");
    expect(env[6]?.value).toBe("4");
    expect(env[7]?.valueFrom?.fieldRef?.fieldPath).toBe(
      "metadata.labels['grove.io/podcliquescalinggroup-replica-index']",
    );

    expect(pclq?.metadata.finalizers).toEqual([FinalizerPodClique]);
    expect(pclq?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "PodCliqueScalingGroup",
      name: PCSG,
      uid: pcsg?.metadata.uid,
    });
    expect(pcsg?.metadata.finalizers).toEqual([FinalizerPodCliqueScalingGroup]);
    expect(pcsg?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "PodCliqueSet",
      name: PCS,
      uid: pcs?.metadata.uid,
    });
    expect(pcsg?.metadata.labels).toMatchObject({
      "app.kubernetes.io/component": "pcs-podcliquescalinggroup",
      "grove.io/podcliqueset-replica-index": "0",
    });
    expect(pcs?.metadata.finalizers).toEqual(["grove.io/podcliqueset.grove.io"]);
  });

  it("PodGangs: podgroups, minReplicas, sorted podReferences, Initialized, labels and owner", async () => {
    await runToReady(h.client, 8);
    const base = await waitFor("base gang initialized", async () => {
      const pg = await h.client.get<PodGang>(PodGangType, `${PCS}-0`, NS);
      return pg?.status?.conditions?.some((c) => c.type === "Initialized" && c.status === "True") && pg;
    });
    expect(base.spec.podgroups.map((g) => [g.name, g.minReplicas, g.podReferences.length])).toEqual([
      [`${PCSG}-0-leader`, 1, 1],
      [`${PCSG}-0-worker`, 3, 3],
    ]);
    const workers = (await listPods(h.client, `grove.io/podclique=${PCSG}-0-worker`))
      .map((p) => p.metadata.name)
      .sort();
    expect(base.spec.podgroups[1]?.podReferences).toEqual(workers.map((name) => ({ namespace: NS, name })));
    expect(base.status?.phase).toBe("Pending");
    expect(base.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": PCS,
      "app.kubernetes.io/component": "podgang",
      "grove.io/scheduler-name": "default-scheduler",
    });
    expect(base.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "PodCliqueSet",
      name: PCS,
      controller: true,
    });
    const scaled = await h.client.get<PodGang>(PodGangType, `${PCSG}-0`, NS);
    expect(scaled?.spec.podgroups.map((g) => g.name)).toEqual([`${PCSG}-1-leader`, `${PCSG}-1-worker`]);
  });

  it("status at all three levels once pods are scheduled and ready", async () => {
    await runToReady(h.client, 8);
    const pclq = await waitFor("worker PCLQ status", async () => {
      const p = await h.client.get<PodClique>(PodCliqueType, `${PCSG}-1-worker`, NS);
      return p?.status?.readyReplicas === 3 && p.status.conditions?.length === 2 && p;
    });
    expect(pclq.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      scheduledReplicas: 3,
      scheduleGatedReplicas: 0,
      updatedReplicas: 3,
      observedGeneration: pclq.metadata.generation,
      currentPodTemplateHash: pclq.metadata.labels?.["grove.io/pod-template-hash"],
    });
    expect(pclq.status?.hpaPodSelector).toBeUndefined();
    const cond = (t: string) => pclq.status?.conditions?.find((c) => c.type === t);
    expect(cond("PodCliqueScheduled")).toMatchObject({ status: "True", reason: "SufficientScheduledPods" });
    expect(cond("MinAvailableBreached")).toMatchObject({ status: "False", reason: "SufficientReadyPods" });

    const pcsg = await waitFor("PCSG available", async () => {
      const g = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, PCSG, NS);
      return g?.status?.availableReplicas === 2 && g;
    });
    expect(pcsg.status).toMatchObject({
      replicas: 2,
      scheduledReplicas: 2,
      availableReplicas: 2,
      selector: `app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=${PCS},grove.io/podcliquescalinggroup=${PCSG}`,
    });
    expect(pcsg.status?.conditions?.find((c) => c.type === "MinAvailableBreached")).toMatchObject({
      status: "False",
      reason: "SufficientAvailablePodCliqueScalingGroupReplicas",
    });

    const pcs = await waitFor("PCS available", async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, PCS, NS);
      return p?.status?.availableReplicas === 1 && p;
    });
    expect(pcs.status).toMatchObject({
      replicas: 1,
      availableReplicas: 1,
      observedGeneration: pcs.metadata.generation,
      hpaPodSelector: `app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=${PCS}`,
    });
    expect(pcs.status?.currentGenerationHash).toMatch(/^[a-z0-9]+$/);
    expect(pcs.status?.conditions?.find((c) => c.type === "TopologyLevelsUnavailable")).toMatchObject({
      status: "False",
      reason: "AllClusterTopologyLevelsAvailable",
    });

    // A pod losing readiness shows up at every level.
    const victim = (await listPods(h.client, `grove.io/podclique=${PCSG}-1-worker`))[0] as Pod;
    await h.client.patch(
      PodType,
      victim.metadata.name ?? "",
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
    await waitFor("PCSG availableReplicas drops", async () => {
      const g = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, PCSG, NS);
      return g?.status?.availableReplicas === 1;
    });
    const after = await h.client.get<PodClique>(PodCliqueType, `${PCSG}-1-worker`, NS);
    expect(after?.status?.readyReplicas).toBe(2);
  });
});
