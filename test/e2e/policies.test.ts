// Placement policies (issue 13, Deliver 5; packages/scheduler README "Policies") with the real kubectl
// against grove-sim: (a) a preferred-rack gang that fits in one rack lands in one rack; (b) a
// PodCliqueSet with 3 replicas and grove-ts.dev/spread-replicas: zone has each replica in its own
// zone, and a value that is no level of its topology is refused at admission; (c) a Spread profile
// spreads a gang's pods over more nodes than BinPack does on the same cluster. grove-sim runs with
// `--placement default-scheduler=Spread`'s option: pods of default-scheduler are spread, pods of
// grove-scheduler bin-packed.
import { AnnotationSpreadReplicas, LabelPodCliqueSetReplicaIndex } from "@grove-ts/api";
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { E2E } from "./lib/harness.js";

const ZONE = "kubernetes.io/zone";
const RACK = "kubernetes.io/rack";
const TOPOLOGY = "grove-topology";

/** 12 nodes of 4 CPU: 3 zones of 4 nodes, each 2 racks of 2 nodes. */
const cluster: ClusterSpec = {
  name: "grove-policies",
  topologies: [
    {
      name: TOPOLOGY,
      levels: [
        { domain: "zone", key: ZONE },
        { domain: "rack", key: RACK },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    },
  ],
  pools: [
    {
      name: "cpu",
      count: 12,
      namePrefix: "pol-node-",
      allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
      topology: [
        { key: ZONE, prefix: "zone-", nodes: 4 },
        { key: RACK, prefix: "rack-", nodes: 2 },
      ],
    },
  ],
};

interface Workload {
  name: string;
  replicas?: number;
  pods: number;
  cpu: string;
  schedulerName?: string;
  preferred?: string;
  annotations?: Record<string, string>;
}

function manifest(w: Workload): string {
  return stringify({
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name: w.name, ...(w.annotations ? { annotations: w.annotations } : {}) },
    spec: {
      replicas: w.replicas ?? 1,
      template: {
        ...(w.preferred
          ? { topologyConstraint: { topologyName: TOPOLOGY, pack: { preferred: w.preferred } } }
          : {}),
        cliques: [
          {
            name: "w",
            spec: {
              roleName: "w",
              replicas: w.pods,
              minAvailable: w.pods,
              podSpec: {
                schedulerName: w.schedulerName ?? "grove-scheduler",
                terminationGracePeriodSeconds: 5,
                containers: [
                  {
                    name: "w",
                    image: "busybox:1.36",
                    command: ["sleep", "infinity"],
                    resources: { requests: { cpu: w.cpu } },
                  },
                ],
              },
            },
          },
        ],
      },
    },
  });
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
}

let e2e: E2E;
/** Node name -> labels, as kubectl lists them. */
let labels: Map<string, Record<string, string>>;

beforeAll(async () => {
  e2e = await E2E.start({ cluster, placementPolicies: { "default-scheduler": "Spread" } });
  const nodes = await e2e.kubectl.json<{
    items: { metadata: { name: string; labels?: Record<string, string> } }[];
  }>(["get", "nodes"]);
  labels = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

/** Applies `w` with kubectl, waits for every pod to run, and returns them as kubectl lists them. */
async function run(w: Workload): Promise<PodJson[]> {
  await e2e.apply(e2e.file(`${w.name}.yaml`, manifest(w)));
  const total = (w.replicas ?? 1) * w.pods;
  await e2e.waitPods(w.name, { total, running: total });
  const list = await e2e.kubectl.json<{ items: PodJson[] }>([
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/part-of=${w.name}`,
  ]);
  return list.items;
}

const labelOf = (p: PodJson, key: string): string => labels.get(p.spec?.nodeName ?? "")?.[key] ?? "?";
const distinct = (pods: PodJson[], key: string): string[] => [...new Set(pods.map((p) => labelOf(p, key)))];

describe("placement policies (grove-sim, kubectl)", () => {
  it("(a) a preferred-rack gang that fits in one rack lands in one rack", async () => {
    // 3 pods of 2 CPU: two 4-CPU nodes, which one rack has.
    const pods = await run({ name: "pref-rack", pods: 3, cpu: "2", preferred: "rack" });
    expect(distinct(pods, "kubernetes.io/hostname")).toHaveLength(2);
    expect(distinct(pods, RACK)).toHaveLength(1);
    await e2e.cleanup();
  });

  it("(b) replicas spread across zones when asked, each kept in one rack", async () => {
    const pods = await run({
      name: "ha",
      replicas: 3,
      pods: 2,
      cpu: "1",
      preferred: "rack",
      annotations: { [AnnotationSpreadReplicas]: "zone" },
    });
    const byReplica = new Map<string, PodJson[]>();
    for (const p of pods) {
      const r = p.metadata.labels?.[LabelPodCliqueSetReplicaIndex] ?? "?";
      byReplica.set(r, [...(byReplica.get(r) ?? []), p]);
    }
    expect([...byReplica.keys()].sort()).toEqual(["0", "1", "2"]);
    for (const rp of byReplica.values()) expect(distinct(rp, RACK)).toHaveLength(1);
    const zones = [...byReplica.values()].map((rp) => distinct(rp, ZONE)[0]);
    expect(new Set(zones).size).toBe(3);
    await e2e.cleanup();
  });

  it("(b) refuses a spread-replicas value that is no level of the PodCliqueSet's topology", async () => {
    const path = e2e.file(
      "bad-spread.yaml",
      manifest({
        name: "bad-spread",
        pods: 1,
        cpu: "1",
        preferred: "rack",
        annotations: { [AnnotationSpreadReplicas]: "region" },
      }),
    );
    const r = await e2e.kubectl.run(["apply", "-f", path]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`metadata.annotations[${AnnotationSpreadReplicas}]`);
    expect(r.stderr).toContain(
      `topology domain 'region' does not exist in ClusterTopologyBinding '${TOPOLOGY}' (levels: zone, rack, host)`,
    );
    expect(await e2e.kubectl.names("podcliquesets.grove.io")).toEqual([]);
  });

  it("(c) a Spread profile spreads a gang over more nodes than BinPack on the same cluster", async () => {
    const packed = await run({ name: "packed", pods: 4, cpu: "1" });
    const spread = await run({ name: "spread", pods: 4, cpu: "1", schedulerName: "default-scheduler" });
    const packedNodes = distinct(packed, "kubernetes.io/hostname");
    const spreadNodes = distinct(spread, "kubernetes.io/hostname");
    expect(packedNodes).toHaveLength(1);
    expect(spreadNodes).toHaveLength(4);
    await e2e.cleanup();
  });
});
