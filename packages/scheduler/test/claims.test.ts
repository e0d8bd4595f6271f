// The gang scheduler allocates DRA ResourceClaims (src/claims.ts, src/claims-writer.ts) on the
// in-process API server: status.allocation + reservedFor written before binding, selectors, a claim
// shared by a gang pinning it to the claim's node, allocated claims pinning later pods, no device
// given twice, deallocation once the pods are gone, all-or-nothing per gang, and the reason a gang
// waits when a claim cannot be allocated.
import { groveCrds } from "@grove-ts/api";
import { createApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  DeviceClassType,
  type KubeObject,
  PodType,
  ResourceClaimType,
  ResourceSliceType,
} from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Claim } from "../src/claims-alloc.js";
import { createGangScheduler, type GangSchedulerOptions } from "../src/index.js";
import {
  boundNodes,
  createAll,
  eventually,
  getPod,
  type K,
  node,
  pendingReason,
  pod,
  podGang,
  sleep,
  TEST_OPTIONS,
} from "./harness.js";

const DRIVER = "gpu.test";

/** The API server, nodes `gpus` (node name -> model, GPU count) with their slices, the DeviceClass, the scheduler. */
async function start(
  gpus: Record<string, [string, number]>,
  wrap: (c: Client) => Client = (c) => c,
  options: GangSchedulerOptions = {},
): Promise<Client> {
  const api = createApiServer();
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  const client = api.client;
  await client.create(DeviceClassType, {
    apiVersion: "resource.k8s.io/v1",
    kind: "DeviceClass",
    metadata: { name: "gpu" },
    spec: { selectors: [{ cel: { expression: `device.driver == "${DRIVER}"` } }] },
  } as KubeObject);
  for (const [name, [model, count]] of Object.entries(gpus)) {
    await createAll(client, { nodes: [node({ name, cpu: "4" })] });
    if (count > 0)
      await client.create(ResourceSliceType, {
        apiVersion: "resource.k8s.io/v1",
        kind: "ResourceSlice",
        metadata: { name: `${name}-gpus` },
        spec: {
          driver: DRIVER,
          nodeName: name,
          pool: { name, generation: 1, resourceSliceCount: 1 },
          devices: Array.from({ length: count }, (_, k) => ({
            name: `gpu-${k}`,
            attributes: { model: { string: model }, index: { int: k } },
          })),
        },
      } as KubeObject);
  }
  const scheduler = createGangScheduler(wrap(client), { ...TEST_OPTIONS, capacityCoalesceMs: 5, ...options });
  onTestFinished(async () => {
    await scheduler.stop();
    await api.close();
  });
  await scheduler.start();
  return client;
}

async function claim(client: Client, name: string, count: number, selector?: string): Promise<void> {
  await client.create(ResourceClaimType, {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaim",
    metadata: { name, namespace: "default" },
    spec: {
      devices: {
        requests: [
          {
            name: "gpus",
            exactly: {
              deviceClassName: "gpu",
              count,
              ...(selector ? { selectors: [{ cel: { expression: selector } }] } : {}),
            },
          },
        ],
      },
    },
  } as KubeObject);
}

/** A pod (of `gang`) using ResourceClaims `claims`. */
function claimPod(name: string, claims: string[], gang?: string): K<Pod> {
  const p = pod({ name, cpu: "500m", ...(gang ? { gang } : {}) });
  p.spec = {
    ...p.spec,
    containers: (p.spec?.containers ?? []).map((c) => ({
      ...c,
      resources: { ...c.resources, claims: claims.map((n) => ({ name: n })) },
    })),
    resourceClaims: claims.map((n) => ({ name: n, resourceClaimName: n })),
  } as Pod["spec"];
  return p;
}

const getClaim = async (client: Client, name: string): Promise<Claim> => {
  const c = await client.get<Claim>(ResourceClaimType, name, "default");
  if (!c) throw new Error(`claim ${name} not found`);
  return c;
};

const allocatedNode = (c: Claim): string | undefined =>
  c.status?.allocation?.nodeSelector?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0];

describe("DRA allocation by the gang scheduler", () => {
  it("allocates a claim's devices on the pod's node and reserves it for the pod before binding", async () => {
    const client = await start({ n1: ["a100", 1], n2: ["a100", 4] });
    await claim(client, "two", 2);
    await createAll(client, { pods: [claimPod("p", ["two"])] });
    const [n] = await eventually(() => boundNodes(client, ["p"]));
    expect(n).toBe("n2");
    const c = await getClaim(client, "two");
    const p = await getPod(client, "p");
    expect(c.status?.allocation?.devices.results).toEqual([
      { request: "gpus", driver: DRIVER, pool: "n2", device: "gpu-0" },
      { request: "gpus", driver: DRIVER, pool: "n2", device: "gpu-1" },
    ]);
    expect(allocatedNode(c)).toBe("n2");
    expect(c.status?.reservedFor).toEqual([{ resource: "pods", name: "p", uid: p.metadata.uid }]);
  });

  it("follows CEL selectors on attributes", async () => {
    const client = await start({ n1: ["a100", 4], n2: ["h100", 4] });
    await claim(client, "h", 1, `device.attributes["${DRIVER}"].model == "h100"`);
    await createAll(client, { pods: [claimPod("p", ["h"])] });
    expect(await eventually(() => boundNodes(client, ["p"]))).toEqual(["n2"]);
  });

  it("keeps a gang sharing a claim on the claim's node (even with the Spread policy); an allocated claim pins later pods", async () => {
    const client = await start({ n1: ["a100", 0], n2: ["a100", 1], n3: ["a100", 1] }, undefined, {
      defaultPlacementPolicy: "Spread",
    });
    await claim(client, "shared", 1);
    const pods = ["a", "b", "c"].map((x) => claimPod(x, ["shared"], "g"));
    await createAll(client, {
      gangs: [podGang("g", [{ name: "w", pods: ["a", "b", "c"], min: 3 }])],
      pods,
    });
    const nodes = await eventually(() => boundNodes(client, ["a", "b", "c"]));
    expect(new Set(nodes).size).toBe(1);
    const c = await getClaim(client, "shared");
    expect(allocatedNode(c)).toBe(nodes[0]);
    expect((c.status?.reservedFor ?? []).map((r) => r.name).sort()).toEqual(["a", "b", "c"]);
    // A later pod of the claim goes where its device is, though another node has more room.
    await createAll(client, { pods: [claimPod("late", ["shared"])] });
    expect(await eventually(() => boundNodes(client, ["late"]))).toEqual([nodes[0]]);
  });

  it("counts devices: pods with claims of their own spread over nodes with room for their devices", async () => {
    const client = await start({ n1: ["a100", 1], n2: ["a100", 1], n3: ["a100", 2] });
    for (const x of ["c1", "c2", "c3", "c4"]) await claim(client, x, 1);
    const names = ["p1", "p2", "p3", "p4"];
    await createAll(client, {
      gangs: [podGang("g", [{ name: "w", pods: names, min: 4 }])],
      pods: names.map((n, i) => claimPod(n, [`c${i + 1}`], "g")),
    });
    const nodes = await eventually(() => boundNodes(client, names));
    expect(nodes.filter((n) => n === "n3")).toHaveLength(2);
    expect(new Set(nodes)).toEqual(new Set(["n1", "n2", "n3"]));
    const devices = new Set<string>();
    for (const x of ["c1", "c2", "c3", "c4"])
      for (const r of (await getClaim(client, x)).status?.allocation?.devices.results ?? [])
        devices.add(`${r.pool}/${r.device}`);
    expect(devices.size).toBe(4);
  });

  it("never gives a device twice; deallocates once the pods are gone and the waiting pod gets it", async () => {
    const client = await start({ n1: ["a100", 2] });
    await claim(client, "first", 2);
    await claim(client, "second", 1);
    await createAll(client, { pods: [claimPod("p1", ["first"])] });
    await eventually(() => boundNodes(client, ["p1"]));
    await createAll(client, { pods: [claimPod("p2", ["second"])] });
    const why = await eventually(() => pendingReason(client, "p2"));
    expect(why).toContain("ResourceClaim default/second");
    expect(why).toContain("node n1 has 0 free");
    expect((await getClaim(client, "second")).status?.allocation).toBeUndefined();
    await client.delete(PodType, "p1", "default", { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const c = await getClaim(client, "first");
      expect(c.status?.allocation).toBeUndefined();
      expect(c.status?.reservedFor ?? []).toEqual([]);
    });
    expect(await eventually(() => boundNodes(client, ["p2"]))).toEqual(["n1"]);
  });

  it("leaves a gang pending with the claim named when no node has enough devices, or its selector is unsupported", async () => {
    const client = await start({ n1: ["a100", 4], n2: ["a100", 4] });
    await claim(client, "huge", 16);
    await claim(client, "odd", 1, `device.attributes["${DRIVER}"].model.startsWith("a")`);
    await createAll(client, {
      gangs: [podGang("g", [{ name: "w", pods: ["h1", "h2"], min: 2 }])],
      pods: [claimPod("h1", ["huge"], "g"), claimPod("h2", [], "g"), claimPod("o", ["odd"])],
    });
    const why = await eventually(() => pendingReason(client, "h1"));
    expect(why).toMatch(/ResourceClaim default\/huge: request "gpus" wants 16 device\(s\)/);
    expect(await pendingReason(client, "h2")).toContain("default/huge");
    expect(await eventually(() => pendingReason(client, "o"))).toMatch(
      /ResourceClaim default\/odd.*not supported/,
    );
    const events = await eventually(async () => {
      const list = await client.list<KubeObject & { reason?: string; message?: string }>(
        { apiVersion: "v1", kind: "Event", plural: "events", namespaced: true },
        { namespace: "default" },
      );
      const hit = list.items.filter((e) => e.reason === "UnsupportedResourceClaim");
      if (hit.length === 0) throw new Error("no event yet");
      return hit;
    });
    expect(events[0]?.message).toContain("default/odd");
  });

  it("all or nothing per gang: a claim that cannot be written takes back the gang's other claims, nothing is bound", async () => {
    let refused = 0;
    let goodWrites = 0;
    const wrap = (c: Client): Client =>
      new Proxy(c, {
        get(target, prop, recv) {
          if (prop === "updateStatus")
            return (type: { kind: string }, obj: KubeObject, o?: unknown) => {
              if (type.kind === "ResourceClaim" && obj.metadata.name === "bad") {
                refused++;
                return Promise.reject(new Error("injected failure"));
              }
              if (type.kind === "ResourceClaim" && obj.metadata.name === "good") goodWrites++;
              return target.updateStatus(type as never, obj, o as never);
            };
          return Reflect.get(target, prop, recv);
        },
      });
    const client = await start({ n1: ["a100", 4] }, wrap);
    await claim(client, "good", 1);
    await claim(client, "bad", 1);
    await createAll(client, {
      gangs: [podGang("g", [{ name: "w", pods: ["x", "y"], min: 2 }])],
      pods: [claimPod("x", ["good"], "g"), claimPod("y", ["bad"], "g")],
    });
    await eventually(async () => expect(refused).toBeGreaterThanOrEqual(2));
    // "good" was written (allocation + reservedFor) and taken back each time.
    expect(goodWrites).toBeGreaterThanOrEqual(2);
    await eventually(async () => {
      const good = await getClaim(client, "good");
      expect(good.status?.allocation).toBeUndefined();
      expect(good.status?.reservedFor ?? []).toEqual([]);
    });
    await sleep(100);
    expect((await getPod(client, "x")).spec?.nodeName).toBeUndefined();
    expect((await getPod(client, "y")).spec?.nodeName).toBeUndefined();
  });
});
