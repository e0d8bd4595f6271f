// Auto-MNNVL (grove-api.md §11.4, §15.9; grove-behaviour.md §3.5, §3.7): group inheritance, the
// ComputeDomains per PCS replica and group through scaling and deletion, the claim in the pods, and
// the optional informers (a server without resource.k8s.io/v1 or the ComputeDomain CRD).
import {
  computeDomainCrd,
  FinalizerComputeDomain,
  LabelComponent,
  LabelMNNVLGroup,
  LabelPodCliqueSetReplicaIndex,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
} from "@grove-ts/api";
import {
  ApiError,
  type Client,
  CustomResourceDefinitionType,
  EventType,
  type KubeObject,
  ResourceClaimType,
  status,
} from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import type { Pod } from "../src/kube-types.js";
import { ComputeDomainType, cliqueMNNVLGroup, mnnvlGroups, withMNNVLClaim } from "../src/mnnvl.js";
import type { PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import { createPcs, harnessPerTest, listPods, NS, waitFor } from "./harness.js";

const gpu = (n = "1") => ({ resources: { limits: { "nvidia.com/gpu": n } } });

/** A PCS whose cliques ask for a GPU unless named cpu*; `ann` maps clique/PCSG names (and "pcs") to groups. */
function mnnvlPcs(
  name: string,
  cliques: string[],
  groups: { name: string; cliqueNames: string[] }[],
  ann: Record<string, string>,
  replicas = 1,
): PodCliqueSet {
  const pcs = pcsOf(
    name,
    cliques.map((c) => ({ name: c, replicas: 1 })),
    groups.map((g) => ({ ...g, minAvailable: 1 })),
    replicas,
  );
  if (ann.pcs) pcs.metadata.annotations = { "grove.io/mnnvl-group": ann.pcs };
  for (const c of pcs.spec.template.cliques) {
    if (!c.name.startsWith("cpu")) Object.assign(c.spec.podSpec.containers[0] as object, gpu());
    if (ann[c.name]) c.annotations = { "grove.io/mnnvl-group": ann[c.name] as string };
  }
  for (const g of pcs.spec.template.podCliqueScalingGroups ?? [])
    if (ann[g.name]) g.annotations = { "grove.io/mnnvl-group": ann[g.name] as string };
  return pcs;
}

/** Grove's comprehensive mix (mnnvl-comprehensive-mix's shape): every inherit/override/none case. */
const mix = () =>
  mnnvlPcs(
    "mix",
    ["sa1", "sa2", "sa3", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"],
    [
      { name: "g1", cliqueNames: ["p1", "p2", "p3"] },
      { name: "g2", cliqueNames: ["p4", "p5", "p6"] },
      { name: "g3", cliqueNames: ["p7", "p8", "p9"] },
    ],
    { pcs: "default", sa2: "train", sa3: "none", p2: "infer", p3: "none", g2: "train", p5: "batch" },
  );

describe("MNNVL groups (pure)", () => {
  it("walks clique -> PCSG -> PCS, stops at none, ignores CPU cliques", () => {
    const pcs = mix();
    const g3 = (pcs.spec.template.podCliqueScalingGroups ?? [])[2];
    if (g3) g3.annotations = { "grove.io/mnnvl-group": "none" };
    for (const c of pcs.spec.template.cliques)
      if (["p6", "p9"].includes(c.name)) c.annotations = { "grove.io/mnnvl-group": "none" };
    const p8 = pcs.spec.template.cliques.find((c) => c.name === "p8");
    if (p8) p8.annotations = { "grove.io/mnnvl-group": "solo" };
    const got = Object.fromEntries(pcs.spec.template.cliques.map((c) => [c.name, cliqueMNNVLGroup(pcs, c)]));
    expect(got).toEqual({
      sa1: "default",
      sa2: "train",
      sa3: undefined,
      p1: "default",
      p2: "infer",
      p3: undefined,
      p4: "train",
      p5: "batch",
      p6: undefined,
      p7: undefined,
      p8: "solo",
      p9: undefined,
    });
    expect(mnnvlGroups(pcs)).toEqual(["batch", "default", "infer", "solo", "train"]);
    const cpu = mnnvlPcs("c", ["gp", "cpu"], [], { pcs: "default", cpu: "default" });
    expect(cpu.spec.template.cliques.map((c) => cliqueMNNVLGroup(cpu, c))).toEqual(["default", undefined]);
    expect(mnnvlGroups(mnnvlPcs("bare", ["gpu"], [], {}))).toEqual([]);
  });

  it("adds the claim to the pod and to GPU containers only", () => {
    const spec = withMNNVLClaim(
      {
        containers: [{ name: "g", ...gpu() }, { name: "side" }, { name: "zero", ...gpu("0") }],
        initContainers: [{ name: "i", resources: { requests: { "nvidia.com/gpu": "2" } } }],
      },
      "p-0-default",
    );
    expect(spec).toMatchObject({
      resourceClaims: [{ name: "mnnvl-claim", resourceClaimTemplateName: "p-0-default" }],
      containers: [
        { name: "g", resources: { claims: [{ name: "mnnvl-claim" }] } },
        { name: "side" },
        { name: "zero", resources: { limits: { "nvidia.com/gpu": "0" } } },
      ],
      initContainers: [{ resources: { claims: [{ name: "mnnvl-claim" }] } }],
    });
    expect(spec.containers[1]).not.toHaveProperty("resources");
    expect(spec.containers[2]).not.toHaveProperty("resources.claims");
    expect(withMNNVLClaim(spec, "p-0-default")).toEqual(spec);
  });
});

const cds = async (client: Client) =>
  (await client.list<KubeObject & { spec?: unknown }>(ComputeDomainType, { namespace: NS })).items;
const cdNames = async (client: Client) => (await cds(client)).map((c) => c.metadata.name).sort();
const claimOf = (p: Pod) =>
  (
    p.spec as { resourceClaims?: { name: string; resourceClaimTemplateName?: string }[] }
  ).resourceClaims?.find((r) => r.name === "mnnvl-claim")?.resourceClaimTemplateName;

describe("ComputeDomains (network.autoMNNVLEnabled)", () => {
  const t = harnessPerTest({ groveAdmission: { autoMNNVLEnabled: true } });
  const start = async () => {
    await t.h.client.create(CustomResourceDefinitionType, computeDomainCrd() as unknown as KubeObject);
    return t.start(undefined, { autoMNNVLEnabled: true });
  };

  it("one per replica and group, before the pods; claims in GPU pods; scale out/in; PCS deletion", async () => {
    const { client } = t.h;
    const ctl = await start();
    await createPcs(client, mnnvlPcs("mn", ["gpu", "cpu", "infer"], [], { pcs: "default", infer: "infer" }));
    await waitFor("2 ComputeDomains", async () => (await cdNames(client)).length === 2);
    const [cd] = (await cds(client)).filter((c) => c.metadata.name === "mn-0-default");
    expect(cd?.metadata).toMatchObject({
      labels: {
        "app.kubernetes.io/managed-by": "grove-operator",
        "app.kubernetes.io/part-of": "mn",
        [LabelComponent]: "pcs-computedomain",
        [LabelPodCliqueSetReplicaIndex]: "0",
        [LabelMNNVLGroup]: "default",
      },
      finalizers: [FinalizerComputeDomain],
      ownerReferences: [{ kind: "PodCliqueSet", name: "mn", controller: true }],
    });
    expect(cd?.spec).toEqual({ numNodes: 0, channel: { resourceClaimTemplate: { name: "mn-0-default" } } });
    const pods = await waitFor("3 pods", async () => {
      const ps = await listPods(client);
      return ps.length === 3 && ps;
    });
    const byClique = Object.fromEntries(
      pods.map((p) => [p.metadata.labels?.["grove.io/podclique"], claimOf(p)]),
    );
    expect(byClique).toEqual({
      "mn-0-gpu": "mn-0-default",
      "mn-0-cpu": undefined,
      "mn-0-infer": "mn-0-infer",
    });
    const gpuPod = pods.find((p) => claimOf(p) === "mn-0-default");
    expect(gpuPod?.spec?.containers[0]?.resources).toMatchObject({ claims: [{ name: "mnnvl-claim" }] });

    await client.updateScale(PodCliqueSetType, "mn", NS, 2);
    await waitFor("4 ComputeDomains", async () => (await cdNames(client)).length === 4);
    expect(await cdNames(client)).toEqual(["mn-0-default", "mn-0-infer", "mn-1-default", "mn-1-infer"]);
    await client.updateScale(PodCliqueSetType, "mn", NS, 1);
    await waitFor("scale-in", async () => (await cdNames(client)).join() === "mn-0-default,mn-0-infer");

    // Deleted by hand: released and recreated.
    await client.delete(ComputeDomainType, "mn-0-infer", NS);
    await waitFor("recreated", async () => {
      const c = (await cds(client)).find((x) => x.metadata.name === "mn-0-infer");
      return c && !c.metadata.deletionTimestamp && c.metadata.uid !== cd?.metadata.uid;
    });

    await client.delete(PodCliqueSetType, "mn", NS);
    await waitFor("no ComputeDomains", async () => (await cdNames(client)).length === 0);
    await waitFor("PCS gone", async () => !(await client.get(PodCliqueSetType, "mn", NS)));
    // Grove's events on the PodCliqueSet.
    await ctl.flushEvents();
    const events = (
      await client.list<KubeObject & { reason?: string; message?: string }>(EventType, { namespace: NS })
    ).items;
    const said = (reason: string) => events.filter((e) => e.reason === reason).map((e) => e.message);
    expect(said("ComputeDomainCreateSuccessful")).toContain("Created ComputeDomain default/mn-0-default");
    expect(said("ComputeDomainDeleteSuccessful")).toContain("Deleted ComputeDomain default/mn-1-default");
  });

  it("PCSG members inherit through the PCSG; the PCSG object carries the PCS's group", async () => {
    const { client } = t.h;
    await start();
    await createPcs(
      client,
      mnnvlPcs("sg", ["lead", "w1", "w2"], [{ name: "grp", cliqueNames: ["w1", "w2"] }], {
        pcs: "default",
        w2: "none",
      }),
    );
    await waitFor("3 pods", async () => (await listPods(client)).length === 3);
    expect(await cdNames(client)).toEqual(["sg-0-default"]);
    const pcsg = await client.get<KubeObject>(PodCliqueScalingGroupType, "sg-0-grp", NS);
    expect(pcsg?.metadata.annotations).toEqual({ "grove.io/mnnvl-group": "default" });
    const w1 = await client.get<KubeObject & { spec: { podSpec: unknown } }>(
      PodCliqueType,
      "sg-0-grp-0-w1",
      NS,
    );
    expect(w1?.spec.podSpec).toMatchObject({
      resourceClaims: [{ name: "mnnvl-claim", resourceClaimTemplateName: "sg-0-default" }],
    });
    const claims = Object.fromEntries(
      (await listPods(client)).map((p) => [p.metadata.labels?.["grove.io/podclique"], claimOf(p)]),
    );
    expect(claims).toEqual({
      "sg-0-lead": "sg-0-default",
      "sg-0-grp-0-w1": "sg-0-default",
      "sg-0-grp-0-w2": undefined,
    });
  });

  it("no annotation or none everywhere: no ComputeDomain, no claim", async () => {
    const { client } = t.h;
    await start();
    await createPcs(client, mnnvlPcs("bare", ["gpu"], [], {}));
    await createPcs(client, mnnvlPcs("opt", ["gpu"], [], { pcs: "none" }));
    await waitFor("2 pods", async () => (await listPods(client)).length === 2);
    expect(await cdNames(client)).toEqual([]);
    expect((await listPods(client)).map(claimOf)).toEqual([undefined, undefined]);
  });
});

describe("optional informers", () => {
  const t = harnessPerTest();

  it("controllers start and work against a server that serves no resource.k8s.io/v1", async () => {
    const base = t.h.client;
    const notServed = (type: { apiVersion: string }) =>
      type.apiVersion === ResourceClaimType.apiVersion || type.apiVersion === ComputeDomainType.apiVersion;
    const fail = () => {
      throw new ApiError(status(404, "NotFound", "the server could not find the requested resource"));
    };
    const client: Client = new Proxy(base, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (prop !== "list" && prop !== "watch") return typeof v === "function" ? v.bind(target) : v;
        return (type: { apiVersion: string }, ...rest: unknown[]) =>
          notServed(type)
            ? Promise.reject(new Error("unreachable")).catch(fail)
            : v.call(target, type, ...rest);
      },
    });
    const ctl = await Promise.race([
      t.start(client, { autoMNNVLEnabled: true }),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error("controllers never started")), 10_000)),
    ]);
    expect(ctl.hasSynced()).toBe(true);
    await createPcs(base, mnnvlPcs("plain", ["gpu"], [], {}));
    await waitFor("a pod", async () => (await listPods(base)).length === 1);
  });
});
