// grove-sim's ComputeDomain driver (src/compute-domain-*.ts) and resourceclaim controller
// (src/claim-from-template.ts) on our API server, with no operator: a ComputeDomain gets its
// ResourceClaimTemplate (owned by it, gone with it), the cluster the channel DeviceClass and a
// channel ResourceSlice per NVLink-domain node; a pod naming the template gets its own claim named,
// owned and annotated as Kubernetes does, recorded in its status, gone with the pod; the
// ComputeDomain's status lists the pod's node and turns Ready once the pod runs (its claim allocated
// by hand: no scheduler here, the kubelet waits for it).
import {
  DeviceClassType,
  type KubeObject,
  PodType,
  ResourceClaimTemplateType,
  ResourceClaimType,
  ResourceSliceType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimFromTemplate,
  claimGenerateName,
  POD_CLAIM_NAME_ANNOTATION,
} from "../src/claim-from-template.js";
import {
  CD_CHANNEL_CLASS,
  CD_DRIVER,
  type ComputeDomain,
  ComputeDomainType,
  channelSlice,
  computeDomainStatus,
  workloadClaimTemplate,
} from "../src/compute-domain-objects.js";
import { type Simulator, startSimulator } from "../src/index.js";

type Claim = KubeObject & { spec?: unknown };
type Pod = KubeObject & {
  status?: { phase?: string; resourceClaimStatuses?: { name: string; resourceClaimName: string }[] };
};

async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
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

describe("ComputeDomain driver objects and claim names (pure)", () => {
  it("names a generated claim <pod>-<claim>-, cutting both parts in proportion past 57 characters", () => {
    expect(claimGenerateName("w-0", "mnnvl-claim")).toBe("w-0-mnnvl-claim-");
    const pod = "a-very-long-podcliqueset-name-0-with-a-long-clique-abcde";
    const g = claimGenerateName(pod, "mnnvl-claim");
    // 57 * 55 / 68 = 46 characters of the pod, 57 * 11 / 68 = 9 of the claim, no trailing hyphen.
    expect(g).toBe(`${pod.slice(0, 46)}-mnnvl-cla`);
    expect(g.length).toBeLessThanOrEqual(57);
  });

  it("a claim from a template: owner pod (controller), annotation, the template's labels and spec", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" } };
    const rct = workloadClaimTemplate({
      apiVersion: ComputeDomainType.apiVersion,
      kind: "ComputeDomain",
      metadata: { name: "cd", namespace: "ns", uid: "cd-uid" },
      spec: { numNodes: 0, channel: { resourceClaimTemplate: { name: "cd" } } },
    });
    const c = claimFromTemplate(pod, "mnnvl-claim", rct);
    expect(c.metadata).toEqual({
      generateName: "p-mnnvl-claim-",
      namespace: "ns",
      ownerReferences: [
        { apiVersion: "v1", kind: "Pod", name: "p", uid: "u1", controller: true, blockOwnerDeletion: true },
      ],
      annotations: { [POD_CLAIM_NAME_ANNOTATION]: "mnnvl-claim" },
      labels: { "nvidia.com/computeDomain": "cd-uid" },
    });
    expect(c.spec).toEqual({
      devices: {
        requests: [
          {
            name: "channel",
            exactly: { deviceClassName: CD_CHANNEL_CLASS, allocationMode: "ExactCount", count: 1 },
          },
        ],
        config: [
          {
            requests: ["channel"],
            opaque: {
              driver: CD_DRIVER,
              parameters: {
                apiVersion: "resource.nvidia.com/v1beta1",
                kind: "ComputeDomainChannelConfig",
                domainID: "cd-uid",
              },
            },
          },
        ],
      },
    });
  });

  it("a channel slice only for a node in an NVLink domain, one channel per GPU", () => {
    const node = (labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n0", uid: "nu", labels },
      status: { allocatable: { "nvidia.com/gpu": "2" } },
    });
    expect(channelSlice(node({}))).toBeUndefined();
    const s = channelSlice(node({ "nvidia.com/gpu.clique": "c.0" })) as KubeObject & {
      spec: { driver: string; devices: { name: string }[] };
    };
    expect(s.metadata.name).toBe(`n0-${CD_DRIVER}`);
    expect(s.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "n0", uid: "nu" });
    expect(s.spec.driver).toBe(CD_DRIVER);
    expect(s.spec.devices.map((d) => d.name)).toEqual(["channel-0", "channel-1"]);
  });

  it("status: Ready once every pod runs, one node entry per node", () => {
    const pod = (node: string | undefined, phase: string) => ({
      metadata: { name: `${node}-${phase}` },
      spec: node ? { nodeName: node } : {},
      status: { phase },
    });
    const nodeOf = (name: string) => ({
      metadata: { name, labels: { "nvidia.com/gpu.clique": "c.1" } },
      status: { addresses: [{ type: "InternalIP", address: `10.0.0.${name.slice(-1)}` }] },
    });
    expect(computeDomainStatus([], nodeOf)).toEqual({ status: "NotReady", nodes: [] });
    expect(computeDomainStatus([pod("n2", "Running"), pod(undefined, "Pending")], nodeOf)).toEqual({
      status: "NotReady",
      nodes: [{ name: "n2", ipAddress: "10.0.0.2", cliqueID: "c.1", index: 0, status: "Ready" }],
    });
    expect(
      computeDomainStatus([pod("n2", "Running"), pod("n1", "Running"), pod("n1", "Pending")], nodeOf),
    ).toEqual({
      status: "NotReady",
      nodes: [
        { name: "n1", ipAddress: "10.0.0.1", cliqueID: "c.1", index: 0, status: "NotReady" },
        { name: "n2", ipAddress: "10.0.0.2", cliqueID: "c.1", index: 1, status: "Ready" },
      ],
    });
    expect(computeDomainStatus([pod("n1", "Running")], nodeOf).status).toBe("Ready");
  });
});

describe("ComputeDomain driver and resourceclaim controller on grove-sim's API server", {
  timeout: 60_000,
}, () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      operator: "external",
      cluster: {
        computeDomains: true,
        pools: [
          {
            name: "gb200",
            count: 2,
            namePrefix: "gb-",
            allocatable: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "4" },
            topology: [{ key: "nvidia.com/gpu.clique", prefix: "cl.", nodes: 2 }],
          },
          {
            name: "cpu",
            count: 1,
            namePrefix: "cpu-",
            allocatable: { cpu: "8", memory: "8Gi", pods: "110" },
          },
        ],
      },
    });
  });
  afterAll(() => sim?.close());

  const getCd = () => sim.client.get<ComputeDomain>(ComputeDomainType, "cd-a", "default");
  const rct = () => sim.client.get<Claim>(ResourceClaimTemplateType, "cd-a", "default");
  const pod = (name: string, node: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: node,
      resourceClaims: [{ name: "mnnvl-claim", resourceClaimTemplateName: "cd-a" }],
      containers: [{ name: "c", image: "busybox", resources: { claims: [{ name: "mnnvl-claim" }] } }],
    },
  });

  it("publishes the channel DeviceClass and a slice per NVLink-domain node", async () => {
    const dc = await sim.client.get<Claim>(DeviceClassType, CD_CHANNEL_CLASS);
    expect(dc?.spec).toEqual({ selectors: [{ cel: { expression: `device.driver == "${CD_DRIVER}"` } }] });
    await eventually(async () => {
      const slices = (await sim.client.list<KubeObject & { spec: { driver: string } }>(ResourceSliceType))
        .items;
      const ours = slices.filter((s) => s.spec.driver === CD_DRIVER).map((s) => s.metadata.name);
      expect(ours.sort()).toEqual([`gb-0-${CD_DRIVER}`, `gb-1-${CD_DRIVER}`]);
    });
  });

  it("a pod waits for the template; then gets its claim, the ComputeDomain its template, nodes and Ready", async () => {
    // The pod first: its template does not exist yet, no claim is made.
    await sim.client.create(PodType, pod("w-0", "gb-1"));
    await new Promise((r) => setTimeout(r, 300));
    expect((await sim.client.list<Claim>(ResourceClaimType, { namespace: "default" })).items).toEqual([]);

    const cd = await sim.client.create<ComputeDomain>(ComputeDomainType, {
      apiVersion: ComputeDomainType.apiVersion,
      kind: "ComputeDomain",
      metadata: { name: "cd-a", namespace: "default" },
      spec: { numNodes: 0, channel: { resourceClaimTemplate: { name: "cd-a" } } },
    });
    const t = await eventually(async () => {
      const got = await rct();
      expect(got).toBeDefined();
      return got as Claim;
    });
    expect(t.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: "ComputeDomain",
        name: "cd-a",
        uid: cd.metadata.uid,
        controller: true,
      }),
    ]);
    expect(t.metadata.labels).toEqual({
      "resource.nvidia.com/computeDomain": cd.metadata.uid,
      "resource.nvidia.com/computeDomainTarget": "Workload",
    });

    const p = await eventually(async () => {
      const got = await sim.client.get<Pod>(PodType, "w-0", "default");
      expect(got?.status?.resourceClaimStatuses).toHaveLength(1);
      return got as Pod;
    });
    const status = p.status?.resourceClaimStatuses?.[0];
    expect(status?.name).toBe("mnnvl-claim");
    expect(status?.resourceClaimName).toMatch(/^w-0-mnnvl-claim-[a-z0-9]{5}$/);
    const claims = (await sim.client.list<Claim>(ResourceClaimType, { namespace: "default" })).items;
    expect(claims.map((c) => c.metadata.name)).toEqual([status?.resourceClaimName]);
    expect(claims[0]?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Pod", name: "w-0", uid: p.metadata.uid, controller: true }),
    ]);
    expect(claims[0]?.metadata.annotations?.[POD_CLAIM_NAME_ANNOTATION]).toBe("mnnvl-claim");
    // Bound by hand, so allocated by hand as the gang scheduler would: the kubelet waits for it.
    await sim.client.updateStatus(ResourceClaimType, {
      ...(claims[0] as Claim),
      status: {
        allocation: {
          devices: {
            results: [{ request: "channel", driver: CD_DRIVER, pool: "gb-1", device: "channel-0" }],
          },
          nodeSelector: {
            nodeSelectorTerms: [
              { matchFields: [{ key: "metadata.name", operator: "In", values: ["gb-1"] }] },
            ],
          },
        },
        reservedFor: [{ resource: "pods", name: "w-0", uid: p.metadata.uid }],
      },
    } as KubeObject);

    await eventually(async () => {
      expect((await getCd())?.status).toEqual({
        status: "Ready",
        nodes: [
          {
            name: "gb-1",
            ipAddress: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/),
            cliqueID: "cl.0",
            index: 0,
            status: "Ready",
          },
        ],
      });
    });
  });

  it("a claim made before a lost status write is found again (owner and annotation), not made twice", async () => {
    const p = await sim.client.create(PodType, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "late", namespace: "default" },
      spec: {
        nodeName: "cpu-0",
        resourceClaims: [{ name: "c", resourceClaimTemplateName: "later" }],
        containers: [{ name: "c", image: "busybox" }],
      },
    } as KubeObject);
    await sim.client.create(ResourceClaimType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaim",
      metadata: {
        name: "late-c-abcde",
        namespace: "default",
        annotations: { [POD_CLAIM_NAME_ANNOTATION]: "c" },
        ownerReferences: [
          { apiVersion: "v1", kind: "Pod", name: "late", uid: p.metadata.uid ?? "", controller: true },
        ],
      },
      spec: { devices: { requests: [] } },
    } as KubeObject);
    await new Promise((r) => setTimeout(r, 200));
    await sim.client.create(ResourceClaimTemplateType, {
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceClaimTemplate",
      metadata: { name: "later", namespace: "default" },
      spec: { spec: { devices: { requests: [] } } },
    } as KubeObject);
    await eventually(async () => {
      const got = await sim.client.get<Pod>(PodType, "late", "default");
      expect(got?.status?.resourceClaimStatuses).toEqual([{ name: "c", resourceClaimName: "late-c-abcde" }]);
    });
    const owned = (await sim.client.list<Claim>(ResourceClaimType, { namespace: "default" })).items.filter(
      (c) => c.metadata.ownerReferences?.[0]?.name === "late",
    );
    expect(owned.map((c) => c.metadata.name)).toEqual(["late-c-abcde"]);
    await sim.client.delete(PodType, "late", "default", { gracePeriodSeconds: 0 });
    await sim.client.delete(ResourceClaimTemplateType, "later", "default");
  });

  it("the claim goes with its pod, the ComputeDomain turns NotReady; the template goes with it", async () => {
    await sim.client.delete(PodType, "w-0", "default", { gracePeriodSeconds: 0 });
    await eventually(async () => {
      expect((await sim.client.list<Claim>(ResourceClaimType, { namespace: "default" })).items).toEqual([]);
      expect((await getCd())?.status).toEqual({ status: "NotReady", nodes: [] });
    });
    await sim.client.delete(ComputeDomainType, "cd-a", "default");
    await eventually(async () => expect(await rct()).toBeUndefined());
  });
});
