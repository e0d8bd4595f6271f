// The simulated kubelet and DRA (src/kubelet-claims.ts): a bound pod naming a ResourceClaim does not
// start while the claim is missing, unallocated or not reserved for it (Pending, one Warning Event
// FailedPrepareDynamicResources per reason naming the claim), and starts once it is. Pods are bound
// by hand (operator external: no scheduler); claim status written as a scheduler would.
import {
  EventType,
  type KubeObject,
  PodType,
  ResourceClaimTemplateType,
  ResourceClaimType,
} from "@grove-ts/runtime";
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

  it("waits for a claim from a template to be made (pod.status.resourceClaimStatuses), allocated and reserved", async () => {
    interface Status {
      phase?: string;
      resourceClaimStatuses?: { name: string; resourceClaimName?: string }[];
    }
    const pod = await sim.client.create<KubeObject & { status?: Status }>(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "uses-template", namespace: "default" },
      spec: {
        nodeName: "n-0",
        containers: [{ name: "main", image: "busybox", resources: { claims: [{ name: "ch" }] } }],
        resourceClaims: [{ name: "ch", resourceClaimTemplateName: "later-tpl" }],
      },
    } as KubeObject);
    await eventually(async () =>
      expect(await warnings("uses-template")).toEqual([
        "ResourceClaim of pod claim ch (from ResourceClaimTemplate default/later-tpl) is not created yet",
      ]),
    );
    // grove-sim's resourceclaim controller makes the claim once the template exists.
    await sim.client.create(ResourceClaimTemplateType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaimTemplate",
      metadata: { name: "later-tpl", namespace: "default" },
      spec: { spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "x" } }] } } },
    } as KubeObject);
    const name = await eventually(async () => {
      const p = await sim.client.get<KubeObject & { status?: Status }>(PodType, "uses-template", "default");
      const n = p?.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
      if (!n) throw new Error("no claim recorded yet");
      return n;
    });
    await eventually(async () =>
      expect(await warnings("uses-template")).toContain(
        `ResourceClaim default/${name} (pod claim ch) is not allocated`,
      ),
    );
    const claim = await sim.client.get<KubeObject & { status?: object }>(ResourceClaimType, name, "default");
    if (!claim) throw new Error(`claim ${name} not found`);
    await sim.client.updateStatus(ResourceClaimType, {
      ...claim,
      status: {
        allocation: {
          devices: { results: [{ request: "r", driver: "d.example", pool: "p", device: "dev-1" }] },
        },
        reservedFor: [{ resource: "pods", name: "uses-template", uid: pod.metadata.uid }],
      },
    });
    await eventually(async () =>
      expect((await sim.client.get<PodObj>(PodType, "uses-template", "default"))?.status?.phase).toBe(
        "Running",
      ),
    );
  });

  it("starts a pod whose template claim needs no claim (an entry without resourceClaimName)", async () => {
    await sim.client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "no-claim-needed", namespace: "default" },
      spec: {
        schedulingGates: [{ name: "hold" }],
        containers: [{ name: "main", image: "busybox" }],
        resourceClaims: [{ name: "ch", resourceClaimTemplateName: "never" }],
      },
    } as KubeObject);
    await sim.client.patch(
      PodType,
      "no-claim-needed",
      "default",
      { type: "merge", body: { status: { resourceClaimStatuses: [{ name: "ch" }] } } },
      { subresource: "status" },
    );
    await sim.client.patch(PodType, "no-claim-needed", "default", {
      type: "merge",
      body: { spec: { schedulingGates: null } },
    });
    await sim.client.bind("default", "no-claim-needed", "n-0");
    await eventually(async () =>
      expect((await sim.client.get<PodObj>(PodType, "no-claim-needed", "default"))?.status?.phase).toBe(
        "Running",
      ),
    );
    expect(await warnings("no-claim-needed")).toEqual([]);
  });
});
