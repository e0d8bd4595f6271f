import { describe, expect, it } from "vitest";
import { ClusterFileError, checkCluster, clusterNodes, defaultCluster } from "../src/index.js";

const pool = { name: "p", count: 2, allocatable: { cpu: "4" } };

describe("cluster file", () => {
  it.each([
    { doc: [], field: "(root)" },
    { doc: { kind: "Pod", pools: [pool] }, field: "kind" },
    { doc: { pools: [] }, field: "pools" },
    { doc: { pools: [{ ...pool, count: -1 }] }, field: "pools[0].count" },
    { doc: { pools: [{ ...pool, count: 1.5 }] }, field: "pools[0].count" },
    { doc: { pools: [{ ...pool, allocatable: {} }] }, field: "pools[0].allocatable" },
    { doc: { pools: [{ ...pool, allocatable: { cpu: "four" } }] }, field: "pools[0].allocatable.cpu" },
    {
      doc: { pools: [{ ...pool, taints: [{ key: "k", effect: "Sometimes" }] }] },
      field: "pools[0].taints[0].effect",
    },
    {
      doc: { pools: [{ ...pool, topology: [{ key: "rack", nodes: 0 }] }] },
      field: "pools[0].topology[0].nodes",
    },
    { doc: { pools: [pool, { ...pool }] }, field: "pools[1].namePrefix" },
    { doc: { topologies: [{ name: "t", levels: [] }], pools: [pool] }, field: "topologies[0].levels" },
    {
      doc: { topologies: [{ name: "T!", levels: [{ domain: "rack", key: "r" }] }], pools: [pool] },
      field: "topologies[0].name",
    },
    {
      doc: { pools: [{ ...pool, topology: [{ key: "rack", nodes: 2, start: -1 }] }] },
      field: "pools[0].topology[0].start",
    },
    {
      doc: { pools: [{ ...pool, topology: [{ key: "kubernetes.io/hostname", nodes: 1 }] }] },
      field: "pools[0].topology[0].key",
    },
    {
      doc: {
        pools: [
          {
            ...pool,
            topology: [
              { key: "r", nodes: 1 },
              { key: "r", nodes: 2 },
            ],
          },
        ],
      },
      field: "pools[0].topology[1].key",
    },
    {
      doc: { pools: [{ ...pool, labels: { "kubernetes.io/hostname": "x" } }] },
      field: "pools[0].labels.kubernetes.io/hostname",
    },
    {
      doc: { pools: [{ ...pool, labels: { r: "x" }, topology: [{ key: "r", nodes: 1 }] }] },
      field: "pools[0].labels.r",
    },
    { doc: { pools: [{ ...pool, binding: "nope" }] }, field: "pools[0].binding" },
    {
      doc: {
        topologies: [{ name: "t", levels: [{ domain: "rack", key: "example.com/rack" }] }],
        pools: [{ ...pool, binding: "t" }],
      },
      field: "pools[0].binding",
    },
    {
      doc: {
        topologies: [
          { name: "t", levels: [{ domain: "rack", key: "r" }] },
          { name: "t", levels: [{ domain: "rack", key: "r" }] },
        ],
        pools: [pool],
      },
      field: "topologies[1].name",
    },
    {
      doc: {
        topologies: [
          {
            name: "t",
            levels: [
              { domain: "rack", key: "r" },
              { domain: "rack", key: "s" },
            ],
          },
        ],
        pools: [pool],
      },
      field: "topologies[0].levels[1].domain",
    },
    {
      doc: {
        topologies: [
          {
            name: "t",
            levels: [
              { domain: "rack", key: "r" },
              { domain: "host", key: "r" },
            ],
          },
        ],
        pools: [pool],
      },
      field: "topologies[0].levels[1].key",
    },
    {
      doc: { topologies: [{ name: "t", levels: [{ domain: "NVLink", key: "r" }] }], pools: [pool] },
      field: "topologies[0].levels[0].domain",
    },
    {
      doc: { topologies: [{ name: "t", levels: [{ domain: "rack", key: "bad key" }] }], pools: [pool] },
      field: "topologies[0].levels[0].key",
    },
  ])("rejects $field", ({ doc, field }) => {
    try {
      checkCluster(doc);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ClusterFileError);
      expect((err as ClusterFileError).field).toBe(field);
      expect((err as ClusterFileError).code).toBe("InvalidClusterFile");
    }
  });

  it("lays out topology labels as floor(index / nodes per domain)", () => {
    const c = checkCluster({
      pools: [
        {
          name: "e2e",
          count: 30,
          namePrefix: "kwok-node-",
          allocatable: { cpu: "4", memory: "150Mi", pods: "110" },
          topology: [
            { key: "kubernetes.io/zone", prefix: "zone-", nodes: 28 },
            { key: "kubernetes.io/block", prefix: "block-", nodes: 20 },
            { key: "kubernetes.io/rack", prefix: "rack-", nodes: 7 },
          ],
        },
      ],
    });
    const nodes = clusterNodes(c);
    expect(nodes).toHaveLength(30);
    const n27 = nodes[27]?.metadata.labels ?? {};
    expect(n27["kubernetes.io/hostname"]).toBe("kwok-node-27");
    expect([n27["kubernetes.io/zone"], n27["kubernetes.io/block"], n27["kubernetes.io/rack"]]).toEqual([
      "zone-0",
      "block-1",
      "rack-3",
    ]);
  });

  it("pools sharing a topology continue its numbering from start; a binding's keys may come from labels", () => {
    const c = checkCluster({
      topologies: [
        {
          name: "t",
          levels: [
            { domain: "zone", key: "z" },
            { domain: "rack", key: "r" },
            { domain: "host", key: "kubernetes.io/hostname" },
          ],
        },
      ],
      pools: [
        {
          ...pool,
          name: "a",
          binding: "t",
          labels: { z: "zone-a" },
          topology: [{ key: "r", prefix: "rack-", nodes: 2 }],
        },
        {
          ...pool,
          name: "b",
          count: 3,
          binding: "t",
          labels: { z: "zone-a", "kubernetes.io/arch": "arm64" },
          topology: [{ key: "r", prefix: "rack-", nodes: 2, start: 1 }],
        },
      ],
    });
    const nodes = clusterNodes(c);
    expect(nodes.map((n) => `${n.metadata.name}:${n.metadata.labels?.r}`)).toEqual([
      "a-0:rack-0",
      "a-1:rack-0",
      "b-0:rack-1",
      "b-1:rack-1",
      "b-2:rack-2",
    ]);
    expect(nodes[2]?.status.nodeInfo).toMatchObject({ architecture: "arm64" });
    expect(nodes[0]?.status.nodeInfo).toMatchObject({ architecture: "amd64" });
  });

  it.each(["8Ti", "28Ti", "1e16", "7Ti", "9e12", "1.5", "0.5Gi", "110", "8000Gi"])(
    "accepts quantity %s",
    (q) => {
      expect(() => checkCluster({ pools: [{ ...pool, allocatable: { x: q } }] })).not.toThrow();
    },
  );

  it("default cluster: GPU pool plus Grove's e2e agent pool with its label and taint", () => {
    const c = defaultCluster(3);
    const nodes = clusterNodes(c);
    const gpu = nodes.filter((n) => n.metadata.labels?.["grove-sim/pool"] === "gpu");
    const agent = nodes.filter((n) => n.metadata.labels?.["grove-sim/pool"] === "agent");
    expect(gpu).toHaveLength(3);
    expect(agent).toHaveLength(30);
    expect(agent[0]?.metadata.labels?.["node_role.e2e.grove.nvidia.com"]).toBe("agent");
    expect(agent[0]?.spec.taints).toEqual([
      { key: "node_role.e2e.grove.nvidia.com", value: "agent", effect: "NoSchedule" },
    ]);
    expect(c.topologies?.[0]?.levels.map((l) => l.domain)).toEqual(["zone", "block", "rack", "host"]);
  });
});
