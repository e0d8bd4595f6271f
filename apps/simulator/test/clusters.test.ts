// The cluster files grove-sim ships (clusters/): each loads, has the node, GPU and domain counts its
// README row states, its bindings pass the ClusterTopologyBinding webhook's rules, every binding key
// is on its pool's nodes and each level nests inside the one above; and a GB200 gang with `required`
// on the NVLink-domain level lands inside one NVL72.
import { fileURLToPath } from "node:url";
import { PodCliqueSetType, validateClusterTopologyBinding } from "@grove-ts/api";
import { type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import {
  ClusterFileError,
  clusterNodes,
  clusterTopologyBindings,
  loadClusterFile,
  resolveClusterFile,
  type SimNode,
  shippedClusters,
  startSimulator,
} from "../src/index.js";

const file = (name: string) => fileURLToPath(new URL(`../clusters/${name}`, import.meta.url));
const HOST = "kubernetes.io/hostname";
const NVL_DOMAIN = "example.com/nvlink-domain";
const CLIQUE = "nvidia.com/gpu.clique";

interface PoolWant {
  nodes: number;
  gpusPerNode: number;
  /** label key -> [number of domains, nodes in each]. */
  domains: Record<string, [number, number]>;
  binding: string;
}
const H100_1024: PoolWant = {
  nodes: 128,
  gpusPerNode: 8,
  domains: { "kubernetes.io/zone": [2, 64], "kubernetes.io/block": [4, 32], "kubernetes.io/rack": [32, 4] },
  binding: "grove-topology",
};
const GB200: PoolWant = {
  nodes: 72,
  gpusPerNode: 4,
  domains: { "example.com/nvl-block": [2, 36], [NVL_DOMAIN]: [4, 18], [CLIQUE]: [4, 18] },
  binding: "gb200-topology",
};
const CASES: { file: string; gpus: number; bindings: string[]; pools: Record<string, PoolWant> }[] = [
  {
    file: "default.yaml",
    gpus: 128,
    bindings: ["grove-topology"],
    pools: {
      gpu: {
        nodes: 16,
        gpusPerNode: 8,
        domains: {
          "kubernetes.io/zone": [1, 16],
          "kubernetes.io/block": [2, 8],
          "kubernetes.io/rack": [4, 4],
        },
        binding: "grove-topology",
      },
      agent: { nodes: 30, gpusPerNode: 0, domains: {}, binding: "grove-topology" },
    },
  },
  {
    file: "demo.yaml",
    gpus: 128,
    bindings: ["grove-topology"],
    pools: {
      gpu: {
        nodes: 16,
        gpusPerNode: 8,
        domains: {
          "kubernetes.io/zone": [1, 16],
          "kubernetes.io/block": [2, 8],
          "kubernetes.io/rack": [4, 4],
        },
        binding: "grove-topology",
      },
      cpu: {
        nodes: 4,
        gpusPerNode: 0,
        domains: {
          "kubernetes.io/zone": [1, 4],
          "kubernetes.io/block": [1, 4],
          "kubernetes.io/rack": [2, 2],
        },
        binding: "grove-topology",
      },
    },
  },
  { file: "h100-1024.yaml", gpus: 1024, bindings: ["grove-topology"], pools: { h100: H100_1024 } },
  { file: "gb200-nvl72.yaml", gpus: 288, bindings: ["gb200-topology"], pools: { gb200: GB200 } },
  {
    file: "h100-gb200.yaml",
    gpus: 256 + 288,
    bindings: ["h100-topology", "gb200-topology"],
    pools: {
      h100: {
        nodes: 32,
        gpusPerNode: 8,
        domains: { "kubernetes.io/block": [2, 16], "kubernetes.io/rack": [8, 4] },
        binding: "h100-topology",
      },
      gb200: GB200,
    },
  },
];

describe("shipped cluster files", () => {
  it("are all covered here", () => {
    expect(shippedClusters()).toEqual(CASES.map((c) => c.file.replace(/\.yaml$/, "")).sort());
  });

  it.each([
    ["h100-1024", file("h100-1024.yaml")],
    ["gb200-nvl72.yaml", file("gb200-nvl72.yaml")],
    [file("demo.yaml"), file("demo.yaml")],
    ["no-such-cluster", "no-such-cluster"],
    ["./h100-1024", "./h100-1024"],
  ])("--cluster %s reads %s", (arg, path) => {
    expect(resolveClusterFile(arg)).toBe(path);
  });

  it("an unknown name is an unreadable file, named in the error", () => {
    expect(() => loadClusterFile("no-such-cluster")).toThrow(ClusterFileError);
    expect(() => loadClusterFile("no-such-cluster")).toThrow(/^no-such-cluster: cannot read/);
  });
});

const label = (n: SimNode, key: string) => n.metadata.labels?.[key];
const gpus = (n: SimNode) => Number((n.status.allocatable as Record<string, string>)["nvidia.com/gpu"] ?? 0);

describe.each(CASES)("clusters/$file", (c) => {
  const spec = loadClusterFile(file(c.file));
  const nodes = clusterNodes(spec);
  const poolOf = (name: string) => nodes.filter((n) => label(n, "grove-sim/pool") === name);

  it("has the stated pools, node and GPU counts, and domain sizes", () => {
    expect(spec.pools.map((p) => p.name).sort()).toEqual(Object.keys(c.pools).sort());
    expect(nodes.reduce((s, n) => s + gpus(n), 0)).toBe(c.gpus);
    expect(new Set(nodes.map((n) => n.metadata.name)).size).toBe(nodes.length);
    for (const [pool, want] of Object.entries(c.pools)) {
      const mine = poolOf(pool);
      expect(mine, pool).toHaveLength(want.nodes);
      for (const n of mine) expect(gpus(n), n.metadata.name).toBe(want.gpusPerNode);
      for (const [key, [domains, size]] of Object.entries(want.domains)) {
        const count = new Map<string, number>();
        for (const n of mine) {
          const v = label(n, key);
          expect(v, `${n.metadata.name} ${key}`).toBeDefined();
          count.set(v ?? "", (count.get(v ?? "") ?? 0) + 1);
        }
        expect(count.size, `${pool} ${key} domains`).toBe(domains);
        for (const [v, k] of count) expect(k, `${pool} ${key}=${v}`).toBe(size);
      }
    }
  });

  it("bindings are valid, and each pool's binding keys are on its nodes and nest", () => {
    const bindings = clusterTopologyBindings(spec);
    expect(bindings.map((b) => b.metadata.name)).toEqual(c.bindings);
    for (const b of bindings) expect(validateClusterTopologyBinding(b), b.metadata.name).toEqual([]);
    for (const [pool, want] of Object.entries(c.pools)) {
      const b = bindings.find((x) => x.metadata.name === want.binding);
      expect(b, `${pool} binding`).toBeDefined();
      const levels = b?.spec.levels ?? [];
      expect(levels.at(-1)?.key).toBe(HOST);
      for (const n of poolOf(pool))
        for (const l of levels) expect(label(n, l.key), `${n.metadata.name} ${l.key}`).toBeTruthy();
      // Grove's e2e preset (the default cluster's agent pool) is deliberately not nested.
      if (c.file === "default.yaml" && pool === "agent") continue;
      for (let i = 1; i < levels.length; i++) {
        const parent = new Map<string, Set<string>>();
        for (const n of poolOf(pool)) {
          const v = label(n, levels[i]?.key ?? "") ?? "";
          parent.set(v, (parent.get(v) ?? new Set()).add(label(n, levels[i - 1]?.key ?? "") ?? ""));
        }
        for (const [v, p] of parent)
          expect(p.size, `${pool} ${levels[i]?.domain} ${v} in one parent`).toBe(1);
      }
    }
  });
});

interface PodObj extends KubeObject {
  spec?: { nodeName?: string };
}

describe("clusters/gb200-nvl72.yaml in grove-sim", () => {
  it("a gang with required rack (the NVLink domain) under gb200-topology lands in one NVL72", async () => {
    const sim = await startSimulator({ cluster: file("gb200-nvl72.yaml") });
    try {
      // One tray cordoned in each of the first three NVLink domains: only nvl-domain-3 still has the
      // 18 free trays the gang needs, while 69 trays would hold it if domains did not matter.
      for (const n of ["gb200-0", "gb200-18", "gb200-36"])
        await sim.client.patch(NodeType, n, undefined, {
          type: "merge",
          body: { spec: { unschedulable: true } },
        });
      const workers = 18;
      await sim.client.create(PodCliqueSetType, {
        apiVersion: "grove.io/v1alpha1",
        kind: "PodCliqueSet",
        metadata: { name: "nvl", namespace: "default" },
        spec: {
          replicas: 1,
          template: {
            topologyConstraint: { topologyName: "gb200-topology", pack: { required: "rack" } },
            cliques: [
              {
                name: "worker",
                spec: {
                  roleName: "worker",
                  replicas: workers,
                  podSpec: {
                    containers: [
                      {
                        name: "w",
                        image: "example.com/trainer:1",
                        resources: {
                          requests: { cpu: "64", "nvidia.com/gpu": "4" },
                          limits: { "nvidia.com/gpu": "4" },
                        },
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      } as KubeObject);
      const nodeLabels = new Map(
        (await sim.client.list(NodeType)).items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]),
      );
      const deadline = Date.now() + 20_000;
      let bound: PodObj[] = [];
      while (Date.now() < deadline) {
        const pods = (await sim.client.list<PodObj>(PodType, { namespace: "default" })).items;
        bound = pods.filter((p) => p.spec?.nodeName);
        if (bound.length === workers) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(bound).toHaveLength(workers);
      const where = (key: string) => new Set(bound.map((p) => nodeLabels.get(p.spec?.nodeName)?.[key]));
      expect([...where(NVL_DOMAIN)]).toEqual(["nvl-domain-3"]);
      expect(where(CLIQUE).size).toBe(1);
      expect(where(HOST).size).toBe(workers);
    } finally {
      await sim.close();
    }
  });
});
