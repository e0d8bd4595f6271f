import { describe, expect, it } from "vitest";
import { buildModel, type DomainView, gangHue, podGpus, reasonLines } from "../src/index.js";
import type { NodeLike, PodGangLike, PodLike, TopologyLike } from "../src/model.js";

const topo: TopologyLike = {
  apiVersion: "grove.io/v1alpha1",
  kind: "ClusterTopologyBinding",
  metadata: { name: "t" },
  spec: {
    levels: [
      { domain: "zone", key: "z" },
      { domain: "rack", key: "r" },
      { domain: "host", key: "kubernetes.io/hostname" },
    ],
  },
};

function node(name: string, zone: string, rack: string, gpus: number): NodeLike {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { z: zone, r: rack } },
    status: { allocatable: { "nvidia.com/gpu": String(gpus), cpu: "8" } },
  };
}

function pod(
  name: string,
  gang: string,
  nodeName: string | undefined,
  gpus: number,
  extra: Partial<PodLike> = {},
): PodLike {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: {
        "grove.io/podgang": gang,
        "app.kubernetes.io/part-of": "pcs-a",
        "grove.io/podclique": `${gang}-worker`,
        "kai.scheduler/queue": "team",
      },
    },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      priority: 10,
      containers: [{ resources: { requests: { "nvidia.com/gpu": String(gpus) } } }],
    },
    status: { phase: nodeName ? "Running" : "Pending" },
    ...extra,
  };
}

const gang = (name: string, scheduled?: { status: string; message: string }): PodGangLike => ({
  apiVersion: "scheduler.grove.io/v1alpha1",
  kind: "PodGang",
  metadata: { name, namespace: "default" },
  spec: { priorityClassName: "high" },
  status: {
    phase: scheduled?.status === "False" ? "Pending" : "Running",
    ...(scheduled ? { conditions: [{ type: "Scheduled", reason: "Unschedulable", ...scheduled }] } : {}),
  },
});

const find = (d: DomainView, level: string, name: string): DomainView | undefined =>
  d.level === level && d.name === name
    ? d
    : d.domains.map((c) => find(c, level, name)).find((x) => x !== undefined);

describe("buildModel", () => {
  const model = buildModel({
    topologies: [topo],
    nodes: [
      node("n-1", "z0", "r0", 8),
      node("n-2", "z0", "r1", 8),
      node("n-10", "z1", "r2", 4),
      node("cpu-0", "z1", "r2", 0),
    ],
    pods: [
      pod("a-0", "a", "n-1", 4),
      pod("a-1", "a", "n-2", 2),
      pod("b-0", "b", undefined, 8, {
        status: {
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", message: "pod says no" }],
        },
      }),
      pod("c-0", "c", "cpu-0", 0),
      pod("done", "a", "n-10", 4, { status: { phase: "Succeeded" } }),
    ],
    podGangs: [
      gang("a", { status: "True", message: "" }),
      gang("b", { status: "False", message: "no rack fits 8 GPUs; no zone: 4 of 8 GPUs free" }),
      gang("c"),
    ],
  });

  it("nests hosts under the topology's levels, in node-name order, host level left out", () => {
    expect(model.levels).toEqual(["zone", "rack"]);
    expect(model.root.domains.map((d) => d.name)).toEqual(["z0", "z1"]);
    // GPU domains before CPU-only ones.
    expect(find(model.root, "zone", "z1")?.domains.map((d) => d.name)).toEqual(["r2"]);
    expect(find(model.root, "rack", "r2")?.hosts.map((h) => h.name)).toEqual(["cpu-0", "n-10"]);
  });

  it("gives each GPU to the pod holding it, the rest free, and sums use per domain", () => {
    const n1 = find(model.root, "rack", "r0")?.hosts[0];
    expect(n1?.slots.map((s) => (s < 0 ? "-" : model.pods[s]?.name))).toEqual([
      "a-0",
      "a-0",
      "a-0",
      "a-0",
      "-",
      "-",
      "-",
      "-",
    ]);
    expect(find(model.root, "zone", "z0")).toMatchObject({ gpus: 16, usedGpus: 6 });
    // A finished pod holds nothing.
    expect(find(model.root, "rack", "r2")).toMatchObject({ gpus: 4, usedGpus: 0 });
    expect(model.totals).toEqual({ nodes: 4, gpus: 20, usedGpus: 6, gangs: 3, pending: 1 });
  });

  it("lists pods without GPUs apart, and carries PCS, clique, gang, priority and queue", () => {
    const cpu = find(model.root, "rack", "r2")?.hosts[0];
    expect(cpu?.others.map((i) => model.pods[i]?.name)).toEqual(["c-0"]);
    const a0 = model.pods.find((p) => p.name === "a-0");
    expect(a0).toMatchObject({
      pcs: "pcs-a",
      clique: "a-worker",
      priority: 10,
      queue: "team",
      node: "n-1",
      gpus: 4,
    });
    expect(model.gangs[a0?.gang ?? -1]?.name).toBe("a");
  });

  it("marks a gang pending with the scheduler's reason, one line per clause", () => {
    const b = model.gangs.find((g) => g.name === "b");
    expect(b).toMatchObject({ pending: true, priorityClassName: "high", queue: "team", gpus: 8, nodes: [] });
    expect(b?.reasons).toEqual(["no rack fits 8 GPUs", "no zone: 4 of 8 GPUs free"]);
    const a = model.gangs.find((g) => g.name === "a");
    expect(a).toMatchObject({ pending: false, reasons: [], nodes: ["n-1", "n-2"] });
  });

  it("falls back to the pods' PodScheduled messages when the PodGang has no Scheduled condition", () => {
    const m = buildModel({
      topologies: [],
      nodes: [node("n-1", "z0", "r0", 8)],
      pods: [
        pod("b-0", "b", undefined, 8, {
          status: {
            phase: "Pending",
            conditions: [{ type: "PodScheduled", status: "False", message: "0/1 nodes fit" }],
          },
        }),
      ],
      podGangs: [gang("b")],
    });
    expect(m.gangs[0]).toMatchObject({ pending: true, reasons: ["0/1 nodes fit"] });
    // No topology: every host at the root.
    expect(m.levels).toEqual([]);
    expect(m.root.hosts.map((h) => h.name)).toEqual(["n-1"]);
  });
});

describe("order", () => {
  it("lists gangs and pods in natural name order (g-2 before g-10)", () => {
    const m = buildModel({
      topologies: [],
      nodes: [node("n-1", "z0", "r0", 8)],
      pods: [pod("g-10-0", "g-10", "n-1", 1), pod("g-2-0", "g-2", "n-1", 1)],
      podGangs: [gang("g-10"), gang("g-2")],
    });
    expect(m.gangs.map((g) => g.name)).toEqual(["g-2", "g-10"]);
    expect(m.gangs.map((g) => g.lightness)).toEqual([48, 48]);
    expect(m.pods.map((p) => p.name)).toEqual(["g-2-0", "g-10-0"]);
  });
});

describe("helpers", () => {
  it("podGpus: requests, else limits; an init container's request when it is larger", () => {
    expect(podGpus(pod("x", "g", undefined, 3))).toBe(3);
    expect(
      podGpus({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "y" },
        spec: {
          containers: [{ resources: { limits: { "nvidia.com/gpu": "2" } } }, {}],
          initContainers: [{ resources: { requests: { "nvidia.com/gpu": "5" } } }],
        },
      }),
    ).toBe(5);
  });
  it("gangHue keeps neighbours apart; reasonLines drops empty clauses", () => {
    const hues = [0, 1, 2, 3, 4].map(gangHue);
    for (let i = 1; i < hues.length; i++)
      expect(
        Math.min(
          Math.abs((hues[i] ?? 0) - (hues[i - 1] ?? 0)),
          360 - Math.abs((hues[i] ?? 0) - (hues[i - 1] ?? 0)),
        ),
      ).toBeGreaterThan(90);
    expect(reasonLines("a;  b\n\nc; ")).toEqual(["a", "b", "c"]);
  });
});
