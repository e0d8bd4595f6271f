// The gang scheduler and claims made from ResourceClaimTemplates (src/claims-refs.ts): a pod whose
// template claim the resourceclaim controller has not made yet (no pod.status.resourceClaimStatuses
// entry) waits, its whole gang with it, with the pod claim named; once the entry names the claim,
// the claim is allocated on the pod's node and reserved for it before binding, and released when
// the pod is gone. An entry without resourceClaimName needs no claim; a claim controlled by another
// pod is not used.
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
import { createGangScheduler } from "../src/index.js";
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
  TEST_OPTIONS,
} from "./harness.js";

const DRIVER = "channel.test";

async function start(devices: Record<string, number>): Promise<Client> {
  const api = createApiServer();
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  const client = api.client;
  await client.create(DeviceClassType, {
    apiVersion: "resource.k8s.io/v1",
    kind: "DeviceClass",
    metadata: { name: "channel" },
    spec: { selectors: [{ cel: { expression: `device.driver == "${DRIVER}"` } }] },
  } as KubeObject);
  for (const [name, count] of Object.entries(devices)) {
    await createAll(client, { nodes: [node({ name, cpu: "4" })] });
    await client.create(ResourceSliceType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceSlice",
      metadata: { name: `${name}-channels` },
      spec: {
        driver: DRIVER,
        nodeName: name,
        pool: { name, generation: 1, resourceSliceCount: 1 },
        devices: Array.from({ length: count }, (_, k) => ({ name: `channel-${k}` })),
      },
    } as KubeObject);
  }
  const scheduler = createGangScheduler(client, { ...TEST_OPTIONS, capacityCoalesceMs: 5 });
  onTestFinished(async () => {
    await scheduler.stop();
    await api.close();
  });
  await scheduler.start();
  return client;
}

/** A pod (of `gang`) whose claim `channel` comes from ResourceClaimTemplate `cd`. */
function templatePod(name: string, gang?: string): K<Pod> {
  const p = pod({ name, cpu: "500m", ...(gang ? { gang } : {}) });
  p.spec = {
    ...p.spec,
    resourceClaims: [{ name: "channel", resourceClaimTemplateName: "cd" }],
  } as unknown as Pod["spec"];
  return p;
}

/** What the resourceclaim controller does for `pod`: its claim (controlled by `owner`, default the pod), recorded in its status. */
async function makeClaim(client: Client, podName: string, owner = podName): Promise<string> {
  const p = await getPod(client, podName);
  const o = await getPod(client, owner);
  const name = `${podName}-channel-abcde`;
  await client.create(ResourceClaimType, {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaim",
    metadata: {
      name,
      namespace: "default",
      annotations: { "resource.kubernetes.io/pod-claim-name": "channel" },
      ownerReferences: [
        { apiVersion: "v1", kind: "Pod", name: owner, uid: o.metadata.uid ?? "", controller: true },
      ],
    },
    spec: { devices: { requests: [{ name: "channel", exactly: { deviceClassName: "channel", count: 1 } }] } },
  } as KubeObject);
  await record(client, p.metadata.name ?? "", name);
  return name;
}

async function record(client: Client, podName: string, claimName?: string): Promise<void> {
  const entry = { name: "channel", ...(claimName ? { resourceClaimName: claimName } : {}) };
  await client.patch(
    PodType,
    podName,
    "default",
    { type: "merge", body: { status: { resourceClaimStatuses: [entry] } } },
    { subresource: "status" },
  );
}

const getClaim = async (client: Client, name: string): Promise<Claim> => {
  const c = await client.get<Claim>(ResourceClaimType, name, "default");
  if (!c) throw new Error(`claim ${name} not found`);
  return c;
};

describe("claims made from ResourceClaimTemplates", () => {
  it("a gang waits until every template claim is made, then each is allocated on its pod's node and reserved for it", async () => {
    const client = await start({ n1: 1, n2: 1, n3: 1 });
    await createAll(client, {
      gangs: [podGang("g", [{ name: "w", pods: ["a", "b"], min: 2 }])],
      pods: [templatePod("a", "g"), templatePod("b", "g")],
    });
    expect(await eventually(() => pendingReason(client, "a"))).toMatch(
      /waiting for resource claim channel to be created/,
    );
    const ca = await makeClaim(client, "a");
    // b's claim is not made yet: the gang stays whole and pending.
    await eventually(async () => expect(await pendingReason(client, "b")).toMatch(/pod default\/b: waiting/));
    expect((await getPod(client, "a")).spec?.nodeName).toBeUndefined();
    expect((await getClaim(client, ca)).status?.allocation).toBeUndefined();
    const cb = await makeClaim(client, "b");
    const nodes = await eventually(() => boundNodes(client, ["a", "b"]));
    for (const [i, [podName, claimName]] of [
      ["a", ca],
      ["b", cb],
    ].entries()) {
      const c = await getClaim(client, claimName ?? "");
      const p = await getPod(client, podName ?? "");
      // One channel device each: counted as the pod's own, so the two land on different nodes.
      expect(c.status?.allocation?.devices.results).toEqual([
        { request: "channel", driver: DRIVER, pool: nodes[i], device: "channel-0" },
      ]);
      expect(c.status?.reservedFor).toEqual([{ resource: "pods", name: podName, uid: p.metadata.uid }]);
    }
    expect(new Set(nodes).size).toBe(2);
    // Released (or deleted with it by the garbage collector) once its pod is gone.
    await client.delete(PodType, "a", "default", { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const c = await client.get<Claim>(ResourceClaimType, ca, "default");
      expect(c?.status?.reservedFor ?? []).toEqual([]);
      expect(c?.status?.allocation).toBeUndefined();
    });
  });

  it("an entry without a claim needs nothing; a claim made for another pod is not used", async () => {
    const client = await start({ n1: 1 });
    await createAll(client, { pods: [templatePod("free"), templatePod("thief")] });
    await record(client, "free");
    expect(await eventually(() => boundNodes(client, ["free"]))).toEqual(["n1"]);
    await makeClaim(client, "thief", "free");
    await eventually(async () =>
      expect(await pendingReason(client, "thief")).toMatch(
        /ResourceClaim default\/thief-channel-abcde was not created for this pod \(its controller is Pod free\)/,
      ),
    );
    expect((await getClaim(client, "thief-channel-abcde")).status?.allocation).toBeUndefined();
  });
});
