// The simulated kubelet and DRA (src/kubelet-claims.ts): a bound pod naming a ResourceClaim does not
// start while the claim is missing, unallocated or not reserved for it (Pending, one Warning Event
// FailedPrepareDynamicResources per reason naming the claim), and starts once it is. Pods are bound
// by hand (operator external: no scheduler); claim status written as a scheduler would.
import { EventType, type KubeObject, PodType, ResourceClaimType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../src/index.js";

interface PodObj extends KubeObject {
  status?: { phase?: string };
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    operator: "external",
    cluster: { pools: [{ name: "n", count: 1, allocatable: { cpu: "8", memory: "8Gi", pods: "110" } }] },
  });
});
afterAll(() => sim?.close());

async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const warnings = async (name: string): Promise<string[]> =>
  (
    await sim.client.list<KubeObject & { involvedObject: { name: string }; reason: string; message: string }>(
      EventType,
      { namespace: "default" },
    )
  ).items
    .filter((e) => e.involvedObject.name === name && e.reason === "FailedPrepareDynamicResources")
    .map((e) => e.message);

describe("simulated kubelet and ResourceClaims", () => {
  it("waits for the pod's claim to exist, be allocated and reserved for it, then starts the pod", async () => {
    const pod = await sim.client.create<PodObj>(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "uses-claim", namespace: "default" },
      spec: {
        nodeName: "n-0",
        containers: [{ name: "main", image: "busybox", resources: { claims: [{ name: "gpu" }] } }],
        resourceClaims: [{ name: "gpu", resourceClaimName: "c1" }],
      },
    } as KubeObject);
    await eventually(async () =>
      expect(await warnings("uses-claim")).toEqual([
        "ResourceClaim default/c1 (pod claim gpu) does not exist",
      ]),
    );
    const claim = await sim.client.create<KubeObject & { status?: object }>(ResourceClaimType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaim",
      metadata: { name: "c1", namespace: "default" },
      spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "x" } }] } },
    } as KubeObject);
    await eventually(async () =>
      expect(await warnings("uses-claim")).toContain(
        "ResourceClaim default/c1 (pod claim gpu) is not allocated",
      ),
    );
    const allocation = {
      devices: { results: [{ request: "r", driver: "d.example", pool: "p", device: "dev-0" }] },
    };
    const allocated = await sim.client.updateStatus<KubeObject & { status?: object }>(ResourceClaimType, {
      ...claim,
      status: { allocation },
    });
    await eventually(async () =>
      expect(await warnings("uses-claim")).toContain(
        "ResourceClaim default/c1 (pod claim gpu) is not reserved for this pod",
      ),
    );
    expect((await sim.client.get<PodObj>(PodType, "uses-claim", "default"))?.status?.phase ?? "Pending").toBe(
      "Pending",
    );
    await sim.client.updateStatus(ResourceClaimType, {
      ...allocated,
      status: { allocation, reservedFor: [{ resource: "pods", name: "uses-claim", uid: pod.metadata.uid }] },
    });
    await eventually(async () =>
      expect((await sim.client.get<PodObj>(PodType, "uses-claim", "default"))?.status?.phase).toBe("Running"),
    );
    expect(await warnings("uses-claim")).toHaveLength(3);
  });
});
