// The user guide's shapes end to end against the in-process API server: every generated name, and
// for representative objects their labels, env vars, owner references, gates and status.
import { PodCliqueScalingGroupType, type PodCliqueSet, PodCliqueType, PodGangType } from "@grove-ts/api";
import {
  type Client,
  HorizontalPodAutoscalerType,
  type KubeObject,
  type ResourceType,
  ServiceType,
} from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import {
  completePipeline,
  multiNodeAggregated,
  simple1,
  singleNodeAggregated,
  singleNodeDisaggregated,
} from "./fixtures.js";
import {
  createPcs,
  type Harness,
  NS,
  names,
  runToReady,
  waitFor,
  withControllersPerTest,
} from "./harness.js";

const list = async (c: Client, t: ResourceType) =>
  names((await c.list<KubeObject>(t, { namespace: NS })).items);

interface Shape {
  name: string;
  pcs: () => PodCliqueSet;
  pclqs: string[];
  pcsgs: string[];
  podGangs: string[];
  hostnames: string[];
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, k) => `${prefix}-${k}`);

const shapes: Shape[] = [
  {
    name: "single-node aggregated",
    pcs: singleNodeAggregated,
    pclqs: ["single-node-aggregated-0-model-worker"],
    pcsgs: [],
    podGangs: ["single-node-aggregated-0"],
    hostnames: range("single-node-aggregated-0-model-worker", 2),
  },
  {
    name: "single-node disaggregated",
    pcs: singleNodeDisaggregated,
    pclqs: ["single-node-disaggregated-0-decode", "single-node-disaggregated-0-prefill"],
    pcsgs: [],
    podGangs: ["single-node-disaggregated-0"],
    hostnames: [
      ...range("single-node-disaggregated-0-decode", 2),
      ...range("single-node-disaggregated-0-prefill", 3),
    ],
  },
  {
    name: "multi-node leader/worker with a PCSG (replica 1 in a scaled gang)",
    pcs: multiNodeAggregated,
    pclqs: [
      "multinode-aggregated-0-model-instance-0-leader",
      "multinode-aggregated-0-model-instance-0-worker",
      "multinode-aggregated-0-model-instance-1-leader",
      "multinode-aggregated-0-model-instance-1-worker",
    ],
    pcsgs: ["multinode-aggregated-0-model-instance"],
    podGangs: ["multinode-aggregated-0", "multinode-aggregated-0-model-instance-0"],
    hostnames: [
      ...range("multinode-aggregated-0-model-instance-0-leader", 1),
      ...range("multinode-aggregated-0-model-instance-0-worker", 3),
      ...range("multinode-aggregated-0-model-instance-1-leader", 1),
      ...range("multinode-aggregated-0-model-instance-1-worker", 3),
    ],
  },
  {
    name: "complete inference pipeline",
    pcs: completePipeline,
    pclqs: [
      "comp-inf-ppln-0-decode-cluster-0-dleader",
      "comp-inf-ppln-0-decode-cluster-0-dworker",
      "comp-inf-ppln-0-frontend",
      "comp-inf-ppln-0-prefill-0-pleader",
      "comp-inf-ppln-0-prefill-0-pworker",
      "comp-inf-ppln-0-vision-encoder",
    ],
    pcsgs: ["comp-inf-ppln-0-decode-cluster", "comp-inf-ppln-0-prefill"],
    podGangs: ["comp-inf-ppln-0"],
    hostnames: [
      ...range("comp-inf-ppln-0-decode-cluster-0-dleader", 1),
      ...range("comp-inf-ppln-0-decode-cluster-0-dworker", 2),
      ...range("comp-inf-ppln-0-frontend", 2),
      ...range("comp-inf-ppln-0-prefill-0-pleader", 1),
      ...range("comp-inf-ppln-0-prefill-0-pworker", 2),
      ...range("comp-inf-ppln-0-vision-encoder", 1),
    ],
  },
];

describe("user-guide shapes", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  it.each(shapes)("$name: names of every generated object", async (s) => {
    await createPcs(h.client, s.pcs());
    const pods = await runToReady(h.client, s.hostnames.length);
    expect(pods.map((p) => p.spec?.hostname).sort()).toEqual([...s.hostnames].sort());
    expect(await list(h.client, PodCliqueType)).toEqual(s.pclqs);
    expect(await list(h.client, PodCliqueScalingGroupType)).toEqual(s.pcsgs);
    expect(await list(h.client, PodGangType)).toEqual(s.podGangs);
    expect(await list(h.client, ServiceType)).toContain(s.podGangs[0]);
    for (const p of pods) {
      expect(p.metadata.name?.startsWith(`${p.metadata.labels?.["grove.io/podclique"]}-`)).toBe(true);
      expect(p.spec?.subdomain).toBe(s.podGangs[0]);
      expect(p.spec?.schedulingGates ?? []).toEqual([]);
    }
  });

  it("simple1 with sga scaled to 3 (grove-api.md §11.1 worked example)", async () => {
    await createPcs(h.client, simple1());
    await runToReady(h.client, 3 + 2 + 2 + 2);
    await h.client.updateScale(PodCliqueScalingGroupType, "simple1-0-sga", NS, 3);
    await runToReady(h.client, 3 + 2 + 3 * (2 + 2));
    expect(await list(h.client, PodCliqueType)).toEqual([
      "simple1-0-pca",
      "simple1-0-pcd",
      "simple1-0-sga-0-pcb",
      "simple1-0-sga-0-pcc",
      "simple1-0-sga-1-pcb",
      "simple1-0-sga-1-pcc",
      "simple1-0-sga-2-pcb",
      "simple1-0-sga-2-pcc",
    ]);
    expect(await list(h.client, PodCliqueScalingGroupType)).toEqual(["simple1-0-sga"]);
    await waitFor("3 PodGangs", async () => (await list(h.client, PodGangType)).length === 3);
    expect(await list(h.client, PodGangType)).toEqual(["simple1-0", "simple1-0-sga-0", "simple1-0-sga-1"]);
    expect(await list(h.client, ServiceType)).toEqual(["simple1-0"]);
    expect(await list(h.client, HorizontalPodAutoscalerType)).toEqual(["simple1-0-pca", "simple1-0-sga"]);
    const hpa = await h.client.get<KubeObject & { spec: Record<string, unknown> }>(
      HorizontalPodAutoscalerType,
      "simple1-0-sga",
      NS,
    );
    expect(hpa?.spec.scaleTargetRef).toEqual({
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueScalingGroup",
      name: "simple1-0-sga",
    });
    expect(hpa?.spec.maxReplicas).toBe(6);
    // PodGang simple1-0-sga-0 is PCSG replica 1 (index − minAvailable), not replica 0.
    const scaled = await h.client.get<KubeObject & { spec: { podgroups: { name: string }[] } }>(
      PodGangType,
      "simple1-0-sga-0",
      NS,
    );
    expect(scaled?.spec.podgroups.map((g) => g.name)).toEqual(["simple1-0-sga-1-pcb", "simple1-0-sga-1-pcc"]);
  });
});
