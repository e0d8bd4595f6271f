// The ClusterTopologyBinding controller against the in-process API server (with Grove admission):
// status entries per backend, the SchedulerTopologyDrift condition and its events, observedGeneration,
// node label changes moving grove-scheduler's inSync, and no write when nothing changed.
import { ClusterTopologyBindingType, groveCrds } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  EventType,
  type KubeObject,
  NodeType,
} from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ClusterTopologyController,
  createClusterTopologyController,
  driftCondition,
} from "../../src/clustertopology/index.js";

interface Status {
  schedulerName: string;
  topologyReference: string;
  inSync: boolean;
  message?: string;
}
interface Ctb extends KubeObject {
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; lastTransitionTime: string }[];
    schedulerTopologyStatuses?: Status[];
  };
}

const LEVELS = [
  { domain: "zone", key: "kubernetes.io/zone" },
  { domain: "rack", key: "kubernetes.io/rack" },
  { domain: "host", key: "kubernetes.io/hostname" },
];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe().catch((e: Error) => {
      last = e.message;
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${String(last)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let api: InProcessApiServer;
let client: Client;
let ctl: ClusterTopologyController;

async function node(name: string, labels: Record<string, string>) {
  await client.create(NodeType, { apiVersion: "v1", kind: "Node", metadata: { name, labels } });
}
async function ctb(name: string, spec: Record<string, unknown>) {
  await client.create(ClusterTopologyBindingType, {
    apiVersion: "grove.io/v1alpha1",
    kind: "ClusterTopologyBinding",
    metadata: { name },
    spec,
  } as KubeObject);
}
const get = (name: string) => client.get<Ctb>(ClusterTopologyBindingType, name);
const drift = (c: Ctb | undefined) => c?.status?.conditions?.find((x) => x.type === "SchedulerTopologyDrift");

/** Waits until the binding's drift condition has `status` for the current generation. */
const settled = (name: string, status: string) =>
  until(`${name} SchedulerTopologyDrift=${status}`, async () => {
    const c = await get(name);
    return drift(c)?.status === status && c?.status?.observedGeneration === c?.metadata.generation
      ? c
      : undefined;
  });

beforeEach(async () => {
  api = createApiServer();
  client = api.client;
  for (const crd of groveCrds())
    await client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  await node("n0", {
    "kubernetes.io/zone": "z0",
    "kubernetes.io/rack": "r0",
    "kubernetes.io/hostname": "n0",
  });
  await node("n1", { "kubernetes.io/zone": "z0", "kubernetes.io/hostname": "n1" });
  ctl = createClusterTopologyController(client);
  await ctl.start();
});
afterEach(async () => {
  await ctl.stop();
  await api.close();
});

describe("ClusterTopologyBinding controller", () => {
  it("reports grove-scheduler in sync when every level key labels a node (TAS19 analogue)", async () => {
    await ctb("t", { levels: LEVELS });
    const c = await settled("t", "False");
    expect(c.status?.schedulerTopologyStatuses).toEqual([
      expect.objectContaining({ schedulerName: "grove-scheduler", topologyReference: "t", inSync: true }),
    ]);
    expect(drift(c)?.reason).toBe("InSync");
    expect(c.status?.observedGeneration).toBe(1);
  });

  it("follows level updates: a key no node carries is Drift, removing it is InSync again, with events", async () => {
    await ctb("t", { levels: LEVELS });
    await settled("t", "False");
    await client.patch(ClusterTopologyBindingType, "t", undefined, {
      type: "merge",
      body: { spec: { levels: [...LEVELS, { domain: "numa", key: "example.com/numa" }] } },
    });
    const d = await settled("t", "True");
    expect(drift(d)?.reason).toBe("Drift");
    const s = d.status?.schedulerTopologyStatuses?.[0];
    expect(s?.inSync).toBe(false);
    expect(s?.message).toContain('"example.com/numa" (level numa)');
    expect(d.status?.observedGeneration).toBe(2);
    // A node gaining the label brings it back in sync without a binding change.
    await client.patch(NodeType, "n1", undefined, {
      type: "merge",
      body: { metadata: { labels: { "example.com/numa": "0" } } },
    });
    await settled("t", "False");
    const reasons = await until("both events", async () => {
      const evs = (
        await client.list<KubeObject & { reason?: string }>(EventType, { namespace: "default" })
      ).items
        .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === "t")
        .map((e) => e.reason)
        .sort();
      return evs.length === 2 ? evs : undefined;
    });
    expect(reasons).toEqual(["TopologyDriftDetected", "TopologyInSync"]);
  });

  it("reports a kai-scheduler binding without a KAI Topology as Drift, reference kept (TAS18)", async () => {
    await ctb("t", {
      levels: LEVELS,
      schedulerTopologyBindings: [
        { schedulerName: "kai-scheduler", topologyReference: "non-existent-kai-topo" },
      ],
    });
    const c = await settled("t", "True");
    expect(drift(c)?.reason).toBe("Drift");
    const kai = c.status?.schedulerTopologyStatuses?.filter((s) => s.schedulerName === "kai-scheduler");
    expect(kai).toEqual([
      {
        schedulerName: "kai-scheduler",
        topologyReference: "non-existent-kai-topo",
        inSync: false,
        message: 'KAI Topology "non-existent-kai-topo" not found',
      },
    ]);
    expect(c.status?.schedulerTopologyStatuses?.map((s) => s.schedulerName)).toEqual([
      "grove-scheduler",
      "kai-scheduler",
    ]);
  });

  it("reports Unknown/TopologyNotFound for a binding to a backend that is not topology-aware here", async () => {
    await ctl.stop();
    ctl = createClusterTopologyController(client, { topologyAwareSchedulers: ["grove-scheduler"] });
    await ctl.start();
    await ctb("t", {
      levels: LEVELS,
      schedulerTopologyBindings: [{ schedulerName: "kai-scheduler", topologyReference: "x" }],
    });
    const c = await settled("t", "Unknown");
    expect(drift(c)?.reason).toBe("TopologyNotFound");
    expect(
      c.status?.schedulerTopologyStatuses?.find((s) => s.schedulerName === "kai-scheduler")?.message,
    ).toBe('scheduler backend "kai-scheduler" is not available for topology management');
  });

  it("writes nothing when a reconcile finds the status unchanged", async () => {
    await ctb("t", { levels: LEVELS });
    const first = await settled("t", "False");
    // An unrelated node change (no new label key) and a node with known keys do not touch the binding.
    await node("n2", { "kubernetes.io/zone": "z1", "kubernetes.io/hostname": "n2" });
    await until("controller idle", async () => (ctl.pending() === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    const again = await get("t");
    expect(again?.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });
});

describe("driftCondition", () => {
  const s = (inSync: boolean) => ({ schedulerName: "x", topologyReference: "y", inSync });
  it.each([
    { statuses: [], unavailable: false, want: undefined },
    { statuses: [s(true)], unavailable: false, want: "False/InSync" },
    { statuses: [s(true), s(false)], unavailable: false, want: "True/Drift" },
    { statuses: [s(false)], unavailable: true, want: "Unknown/TopologyNotFound" },
  ])("$want", ({ statuses, unavailable, want }) => {
    const c = driftCondition(statuses, unavailable);
    expect(c ? `${c.status}/${c.reason}` : undefined).toBe(want);
  });
});
