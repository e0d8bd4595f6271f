import { describe, expect, it } from "vitest";
import { CONDITION_REASONS, ConditionMinAvailableBreached } from "../src/conditions.js";
import { pcsgTemplateNumPods, podEnvVars, withEnvVars } from "../src/env.js";
import {
  FinalizerPodCliqueSet,
  podCliqueLabels,
  podCliquePodSelector,
  podCliqueScalingGroupLabels,
  podCliqueScalingGroupPodSelector,
  podCliqueSetPodSelector,
  podGangAnnotations,
  podGangLabels,
  podLabels,
  SchedulingGatePodGangPendingCreation,
} from "../src/labels.js";
import type { PodCliqueSet } from "../src/types.js";

describe("selectors (§2.8, §3.2, §4.2)", () => {
  it.each([
    [
      podCliqueSetPodSelector("simple1"),
      "app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=simple1",
    ],
    [
      podCliquePodSelector("simple1", "simple1-0-pca"),
      "app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=simple1,grove.io/podclique=simple1-0-pca",
    ],
    [
      podCliqueScalingGroupPodSelector("simple1", "simple1-0-sga"),
      "app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=simple1,grove.io/podcliquescalinggroup=simple1-0-sga",
    ],
  ])("%s", (got, want) => {
    expect(got).toBe(want);
  });
});

describe("labels (§12.1)", () => {
  it("labels a PCSG member of a scaled gang, Grove keys winning over template labels", () => {
    const labels = podCliqueLabels({
      pcsName: "simple1",
      pcsReplicaIndex: 0,
      pclqName: "simple1-0-sga-1-pcb",
      podGangName: "simple1-0-sga-0",
      podTemplateHash: "h",
      templateLabels: { team: "x", "app.kubernetes.io/part-of": "spoofed" },
      pcsg: { name: "simple1-0-sga", replicaIndex: 1, basePodGangName: "simple1-0" },
    });
    expect(labels).toEqual({
      team: "x",
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": "simple1",
      "app.kubernetes.io/name": "simple1-0-sga-1-pcb",
      "app.kubernetes.io/component": "pcsg-podclique",
      "grove.io/podcliqueset-replica-index": "0",
      "grove.io/podgang": "simple1-0-sga-0",
      "grove.io/pod-template-hash": "h",
      "grove.io/podcliquescalinggroup": "simple1-0-sga",
      "grove.io/podcliquescalinggroup-replica-index": "1",
      "grove.io/base-podgang": "simple1-0",
    });
    expect(podLabels(labels, "simple1-0-sga-1-pcb", 3)).toMatchObject({
      "grove.io/podclique": "simple1-0-sga-1-pcb",
      "grove.io/podclique-pod-index": "3",
    });
  });

  it("labels a standalone PodClique without PCSG keys", () => {
    const labels = podCliqueLabels({
      pcsName: "p",
      pcsReplicaIndex: 2,
      pclqName: "p-2-a",
      podGangName: "p-2",
      podTemplateHash: "h",
    });
    expect(labels["app.kubernetes.io/component"]).toBe("pcs-podclique");
    expect(
      Object.keys(labels).filter((k) => k.includes("scalinggroup") || k.includes("base-podgang")),
    ).toEqual([]);
  });

  it("labels a PodCliqueScalingGroup", () => {
    expect(podCliqueScalingGroupLabels("p", 1, "p-1-sga")).toEqual({
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": "p",
      "app.kubernetes.io/name": "p-1-sga",
      "app.kubernetes.io/component": "pcs-podcliquescalinggroup",
      "grove.io/podcliqueset-replica-index": "1",
    });
  });

  it("labels and annotates a PodGang from the PCS, keeping its own grove.io keys", () => {
    expect(
      podGangLabels(
        "p",
        "kai-scheduler",
        { team: "x", "grove.io/ignored": "1", "app.kubernetes.io/part-of": "spoofed" },
        { "grove.io/kept": "k", other: "dropped" },
      ),
    ).toEqual({
      team: "x",
      "grove.io/kept": "k",
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": "p",
      "app.kubernetes.io/component": "podgang",
      "grove.io/scheduler-name": "kai-scheduler",
    });
    expect(
      podGangAnnotations({ a: "1", "grove.io/mnnvl-group": "g" }, { "grove.io/x": "y" }, "gpu-fabric"),
    ).toEqual({
      a: "1",
      "grove.io/x": "y",
      "grove.io/topology-name": "gpu-fabric",
    });
    expect(podGangAnnotations({ a: "1" })).toEqual({ a: "1" });
  });

  it("names finalizers and the scheduling gate (§12.3)", () => {
    expect(FinalizerPodCliqueSet).toBe("grove.io/podcliqueset.grove.io");
    expect(SchedulingGatePodGangPendingCreation).toBe("grove.io/podgang-pending-creation");
  });
});

describe("environment variables (§14)", () => {
  const common = [
    { name: "GROVE_PCS_NAME", value: "env-demo-pcsg" },
    { name: "GROVE_PCS_INDEX", value: "0" },
    { name: "GROVE_PCLQ_NAME", value: "env-demo-pcsg-0-model-instance-1-worker" },
    { name: "GROVE_HEADLESS_SERVICE", value: "env-demo-pcsg-0.default.svc.cluster.local" },
    {
      name: "GROVE_PCLQ_POD_INDEX",
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['grove.io/podclique-pod-index']" } },
    },
  ];
  const input = {
    pcsName: "env-demo-pcsg",
    pcsReplicaIndex: 0,
    pclqName: "env-demo-pcsg-0-model-instance-1-worker",
    namespace: "default",
  };

  it("gives a standalone clique's pods the five common variables in order", () => {
    expect(podEnvVars(input)).toEqual(common);
  });

  it("adds the three PCSG variables after them for PCSG members", () => {
    expect(podEnvVars({ ...input, pcsg: { templateNumPods: 4 } })).toEqual([
      ...common,
      {
        name: "GROVE_PCSG_NAME",
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['grove.io/podcliquescalinggroup']" } },
      },
      { name: "GROVE_PCSG_TEMPLATE_NUM_PODS", value: "4" },
      {
        name: "GROVE_PCSG_INDEX",
        valueFrom: {
          fieldRef: { fieldPath: "metadata.labels['grove.io/podcliquescalinggroup-replica-index']" },
        },
      },
    ]);
  });

  it("prepends to a container and drops user variables of the same name", () => {
    const c = withEnvVars(
      {
        name: "c",
        env: [
          { name: "GROVE_PCS_NAME", value: "mine" },
          { name: "LEADER", value: "$(GROVE_PCSG_NAME)-0" },
        ],
      },
      podEnvVars(input),
    );
    expect(c.env?.map((e) => e.name)).toEqual([...common.map((e) => e.name), "LEADER"]);
    expect(c.env?.[0]?.value).toBe("env-demo-pcsg");
  });

  it("counts GROVE_PCSG_TEMPLATE_NUM_PODS from the template replicas of the member cliques", () => {
    const clique = (name: string, replicas: number) => ({
      name,
      spec: { roleName: name, replicas, podSpec: { containers: [] } },
    });
    const pcs: PodCliqueSet = {
      spec: {
        template: {
          cliques: [clique("leader", 1), clique("worker", 3), clique("frontend", 2)],
          podCliqueScalingGroups: [{ name: "model-instance", cliqueNames: ["leader", "worker"] }],
        },
      },
    };
    expect(pcsgTemplateNumPods(pcs, pcs.spec.template.podCliqueScalingGroups![0]!)).toBe(4);
  });
});

describe("conditions (§7)", () => {
  it("lists the MinAvailableBreached reasons per status", () => {
    expect(CONDITION_REASONS[ConditionMinAvailableBreached]).toEqual({
      Unknown: ["UpdateInProgress"],
      True: [
        "ScheduledReplicasBelowMinAvailable",
        "InsufficientReadyPods",
        "InsufficientAvailablePodCliqueScalingGroupReplicas",
      ],
      False: ["SufficientReadyPods", "SufficientAvailablePodCliqueScalingGroupReplicas"],
    });
  });
});
