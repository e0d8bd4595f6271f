// resource.k8s.io/v1 (Dynamic Resource Allocation) as kube-apiserver v1.37.2 serves it, run against
// every target (targets.ts): ResourceClaims (namespaced, status subresource, device requests
// defaulted, spec immutable), ResourceClaimTemplates (spec immutable), and the cluster-scoped
// DeviceClasses and ResourceSlices; list and watch like any kind. Discovery of the group is checked
// with the real kubectl in e2e/resource-sharing.test.ts.
import {
  type Client,
  DeviceClassType,
  isApiError,
  type KubeObject,
  NamespaceType,
  ResourceClaimTemplateType,
  ResourceClaimType,
  ResourceSliceType,
  type WatchEvent,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Target, targets } from "./targets.js";

const ns = "dra";

interface Claim extends KubeObject {
  spec?: { devices?: { requests?: Record<string, unknown>[] } };
  status?: { reservedFor?: unknown[]; allocation?: unknown };
}

const request = (name: string, deviceClassName: string) => ({ name, exactly: { deviceClassName } });

const claim = (name: string): Claim => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceClaim",
  metadata: { name, namespace: ns },
  spec: { devices: { requests: [request("gpu", "gpu.sim.grove-ts.dev")] } },
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => "accepted",
    (e: unknown) =>
      isApiError(e) ? { code: e.code, reason: e.reason, message: e.status.message ?? "" } : String(e),
  );

describe.each(targets)("resource.k8s.io/v1: $name", ({ start }) => {
  let target: Target;
  let c: Client;

  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(NamespaceType, { metadata: { name: ns } });
  });
  afterAll(async () => {
    await target.close();
  });

  it("creates a ResourceClaim with an empty status and its request defaulted to ExactCount 1", async () => {
    const created = await c.create<Claim>(ResourceClaimType, { ...claim("c1"), status: { reservedFor: [] } });
    expect(created.spec?.devices?.requests).toEqual([
      {
        name: "gpu",
        exactly: { deviceClassName: "gpu.sim.grove-ts.dev", allocationMode: "ExactCount", count: 1 },
      },
    ]);
    expect(created.status ?? {}).toEqual({});
    const got = await c.get<Claim>(ResourceClaimType, "c1", ns);
    expect(got?.metadata.uid).toBe(created.metadata.uid);
  });

  it("keeps a claim's spec immutable and lets its labels change", async () => {
    const have = (await c.get<Claim>(ResourceClaimType, "c1", ns)) as Claim;
    const changed = { ...have, spec: { devices: { requests: [request("other", "x")] } } };
    expect(await refusal(c.update(ResourceClaimType, changed))).toEqual({
      code: 422,
      reason: "Invalid",
      message: 'ResourceClaim.resource.k8s.io "c1" is invalid: spec: Invalid value: null: field is immutable',
    });
    const labelled = await c.patch<Claim>(ResourceClaimType, "c1", ns, {
      type: "merge",
      body: { metadata: { labels: { a: "b" } } },
    });
    expect(labelled.metadata.labels).toEqual({ a: "b" });
  });

  it("writes status only through the status subresource", async () => {
    const have = (await c.get<Claim>(ResourceClaimType, "c1", ns)) as Claim;
    const reserved = [{ resource: "pods", name: "p", uid: "u1" }];
    const viaMain = await c.update<Claim>(ResourceClaimType, { ...have, status: { reservedFor: reserved } });
    expect(viaMain.status ?? {}).toEqual({});
    // kube-apiserver refuses reservedFor without an allocation, naming the field and the rule.
    const bad = await refusal(
      c.updateStatus(ResourceClaimType, { ...viaMain, status: { reservedFor: reserved } }),
    );
    expect(bad).toMatchObject({ code: 422, reason: "Invalid" });
    expect((bad as { message: string }).message).toContain(
      "status.reservedFor: Forbidden: may not be specified when `allocated` is not set",
    );
  });

  it("serves namespaced ResourceClaimTemplates with an immutable spec", async () => {
    const tpl = {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaimTemplate",
      metadata: { name: "t1", namespace: ns },
      spec: { spec: { devices: { requests: [request("gpu", "gpu.sim.grove-ts.dev")] } } },
    };
    const created = await c.create<KubeObject & { spec: Record<string, unknown> }>(
      ResourceClaimTemplateType,
      tpl,
    );
    expect(created.spec).toEqual({
      metadata: {},
      spec: {
        devices: {
          requests: [
            {
              name: "gpu",
              exactly: { deviceClassName: "gpu.sim.grove-ts.dev", allocationMode: "ExactCount", count: 1 },
            },
          ],
        },
      },
    });
    const changed = { ...created, spec: { spec: { devices: { requests: [request("x", "y")] } } } };
    // kube-apiserver prints the new spec as a Go struct in the message; the rule and field are what count.
    const bad = await refusal(c.update(ResourceClaimTemplateType, changed));
    expect(bad).toMatchObject({ code: 422, reason: "Invalid" });
    expect((bad as { message: string }).message).toMatch(
      /^ResourceClaimTemplate\.resource\.k8s\.io "t1" is invalid: spec: Invalid value: .*: field is immutable$/,
    );
  });

  it("serves cluster-scoped DeviceClasses and ResourceSlices with a generation", async () => {
    const dc = await c.create<KubeObject & { spec: unknown }>(DeviceClassType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "DeviceClass",
      metadata: { name: "gpu.sim.grove-ts.dev" },
      spec: { selectors: [{ cel: { expression: 'device.driver == "gpu.sim.grove-ts.dev"' } }] },
    });
    const slice = await c.create<KubeObject & { spec: unknown }>(ResourceSliceType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceSlice",
      metadata: { name: "node-a-gpu" },
      spec: {
        driver: "gpu.sim.grove-ts.dev",
        nodeName: "node-a",
        pool: { name: "node-a", generation: 1, resourceSliceCount: 1 },
        devices: [{ name: "gpu-0", attributes: { model: { string: "h100" } } }],
      },
    });
    expect([dc.metadata.namespace, dc.metadata.generation]).toEqual([undefined, 1]);
    expect([slice.metadata.namespace, slice.metadata.generation]).toEqual([undefined, 1]);
    const slices = await c.list(ResourceSliceType);
    expect(slices.items.map((s) => s.metadata.name)).toContain("node-a-gpu");
  });

  it("lists and watches ResourceClaims, and deletes them", async () => {
    const seen: string[] = [];
    const list = await c.list(ResourceClaimType, { namespace: ns });
    const w = await c.watch<Claim>(
      ResourceClaimType,
      { namespace: ns, resourceVersion: list.resourceVersion },
      (e: WatchEvent<Claim>) => {
        if (e.type === "ADDED" || e.type === "DELETED") seen.push(`${e.type} ${e.object.metadata.name}`);
      },
    );
    try {
      await c.create(ResourceClaimType, claim("c2"));
      await c.delete(ResourceClaimType, "c2", ns);
      await expect.poll(() => seen, { timeout: 20_000 }).toEqual(["ADDED c2", "DELETED c2"]);
    } finally {
      w.stop();
    }
    expect(await c.get(ResourceClaimType, "c2", ns)).toBeUndefined();
  });
});
