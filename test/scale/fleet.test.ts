// The scale bench's fleet (`--nodes-shards N`, test/src/scale/fleet.ts) at a size CI can afford:
// grove-sim's API server without nodes of its own, three `grove-sim nodes --shard I/3` processes
// attaching the cluster's 12 nodes, and the scale suite's workload run through it to Ready with
// every final invariant holding. Each node is registered exactly once, by the shard that owns it,
// and each shard's kubelets run pods (4 pods per node, 40 pods: at least 10 of the 12 nodes).
import { type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { type ClusterSpec, clusterNodes, inShard } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScaleEnv, startScaleEnv } from "../src/scale/env.js";
import { PODS_PER_REPLICA } from "../src/scale/manifests.js";
import { runScaleTest, type ScaleTestDef, UPSTREAM_KNOBS } from "../src/scale/suite.js";

const NODES = 12;
const REPLICAS = 20;
const cluster: ClusterSpec = {
  name: "fleet-12",
  pools: [
    {
      name: "kwok-node",
      count: NODES,
      namePrefix: "kwok-node-",
      allocatable: { cpu: "64", memory: "512Gi", pods: "4" },
      labels: { type: "kwok" },
    },
  ],
};

const def: ScaleTestDef = {
  name: "Fleet_Small",
  nodes: NODES,
  cluster,
  pcs: "fleet-small",
  memory: "1Mi",
  initial: REPLICAS,
  timeoutMs: 60_000,
  phases: (c) => [
    {
      name: "deploy",
      action: c.create,
      milestones: [
        c.cond.podsCreated("pods-created", REPLICAS * PODS_PER_REPLICA),
        c.cond.podsReady("pods-ready", REPLICAS * PODS_PER_REPLICA),
        c.cond.pcsAvailable("pcs-available", REPLICAS),
      ],
    },
    c.finalCheck(REPLICAS),
  ],
};

let env: ScaleEnv;
beforeAll(async () => {
  env = await startScaleEnv({ mode: "in-process", activeNodes: NODES, cluster, nodeShards: 3 });
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe("the scale bench's fleet: 3 grove-sim nodes processes against one API server", () => {
  const names = clusterNodes(cluster).map((n) => n.metadata.name ?? "");
  const owner = (node: string) => [1, 2, 3].find((index) => inShard(node, { index, count: 3 }));

  it("registers every node exactly once, each by the process whose share it is", async () => {
    expect(env.sim.nodeNames).toEqual([]);
    const shards = env.fleet?.shards ?? [];
    expect(shards.map((s) => s.index)).toEqual([1, 2, 3]);
    for (const s of shards) {
      const mine = names.filter((n) => owner(n) === s.index);
      expect(s.banner).toContain(`grove-sim: nodes        ${mine.length} of ${NODES} (shard ${s.index}/3`);
    }
    const listed = (await env.client.list(NodeType)).items.map((n) => n.metadata.name);
    expect(listed.sort()).toEqual([...names].sort());
  });

  it("runs the scale workload to Ready with every invariant holding, on nodes of every shard", async () => {
    const r = await runScaleTest(def, env, { ...UPSTREAM_KNOBS, finalCheckMs: 30_000 }, { k8sClient: null });
    expect(r.error).toBeUndefined();
    expect(r.finalCheck).toEqual({ passed: true, violations: [] });
    expect(r.nodeShards).toBe(3);
    expect(r.processes?.map((p) => p.name)).toEqual([
      "grove-sim (API server, operator, bench)",
      "grove-sim nodes --shard 1/3",
      "grove-sim nodes --shard 2/3",
      "grove-sim nodes --shard 3/3",
    ]);
    for (const p of r.processes ?? []) expect(p.peakRssMiB).toBeGreaterThan(0);
    const pods = await env.client.list<KubeObject & { spec?: { nodeName?: string } }>(PodType, {
      namespace: "default",
      labelSelector: "app.kubernetes.io/part-of=fleet-small",
    });
    const shardsRunning = new Set(pods.items.map((p) => owner(p.spec?.nodeName ?? "")));
    expect([...shardsRunning].sort()).toEqual([1, 2, 3]);
  }, 90_000);
});
