// Hierarchical resource sharing (grove-api.md §2.7, §11.3; grove-behaviour.md §4.4, §18.7 RS1): the
// claims of every level and scope with their names, labels and owners, the pods' references honouring
// the filters, scaling, garbage collection, a missing template and the immutability of resourceSharing.
import {
  LabelComponent,
  LabelPodClique,
  LabelPodCliqueScalingGroup,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
} from "@grove-ts/api";
import {
  isApiError,
  type KubeObject,
  NamespaceType,
  ResourceClaimTemplateType,
  ResourceClaimType,
} from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import type { Pod } from "../src/kube-types.js";
import { cliquePlace, pcsClaims, podClaimRefs } from "../src/resource-claims.js";
import type { PodClique, PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import { createPcs, type Harness, listPods, NS, names, waitFor, withControllersPerTest } from "./harness.js";

const request = (n: number | string) => ({
  templateSpec: {
    spec: { devices: { requests: [{ name: `dev${n}`, exactly: { deviceClassName: "gpu" } }] } },
  },
});

/** The shape of Grove's RS1 workload: every level, both scopes, all three filter kinds. */
function rsTest(): PodCliqueSet {
  const pcs = pcsOf(
    "rs-test",
    [
      { name: "worker-a", replicas: 1 },
      { name: "worker-b", replicas: 1 },
    ],
    [{ name: "sga", cliqueNames: ["worker-b"], replicas: 2, minAvailable: 2 }],
    1,
    {
      resourceClaimTemplates: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
        name: n === 1 ? "int-tpl" : `int-tpl${n}`,
        ...request(n),
      })),
      resourceSharing: [
        { name: "int-tpl5", scope: "AllReplicas" },
        { name: "ext-tpl", scope: "PerReplica" },
        { name: "int-tpl", scope: "PerReplica", filter: { childCliqueNames: ["worker-a"] } },
        { name: "int-tpl7", scope: "AllReplicas", filter: { childScalingGroupNames: ["sga"] } },
      ],
    },
  );
  const [a, b] = pcs.spec.template.cliques as unknown as Record<string, unknown>[];
  Object.assign(a as object, {
    resourceSharing: [
      { name: "int-tpl4", scope: "PerReplica" },
      { name: "ext-ns-tpl", namespace: "rs-shared", scope: "AllReplicas" },
    ],
  });
  Object.assign(b as object, { resourceSharing: [{ name: "int-tpl6", scope: "AllReplicas" }] });
  const g = (pcs.spec.template.podCliqueScalingGroups ?? [])[0] as unknown as Record<string, unknown>;
  g.resourceSharing = [
    { name: "int-tpl2", scope: "AllReplicas" },
    { name: "int-tpl3", scope: "PerReplica" },
    { name: "int-tpl8", scope: "AllReplicas", filter: { childCliqueNames: ["worker-b"] } },
  ];
  return pcs;
}

const INITIAL = [
  "rs-test-all-int-tpl5",
  "rs-test-0-ext-tpl",
  "rs-test-0-int-tpl",
  "rs-test-all-int-tpl7",
  "rs-test-0-worker-a-0-int-tpl4",
  "rs-test-0-worker-a-all-ext-ns-tpl",
  "rs-test-0-sga-all-int-tpl2",
  "rs-test-0-sga-0-int-tpl3",
  "rs-test-0-sga-1-int-tpl3",
  "rs-test-0-sga-all-int-tpl8",
  "rs-test-0-sga-0-worker-b-all-int-tpl6",
  "rs-test-0-sga-1-worker-b-all-int-tpl6",
].sort();

const template = (name: string, namespace: string): KubeObject & { spec: unknown } => ({
  apiVersion: "resource.k8s.io/v1",
  kind: "ResourceClaimTemplate",
  metadata: { name, namespace },
  spec: { spec: { devices: { requests: [{ name: "ext", exactly: { deviceClassName: "ext-class" } }] } } },
});

const claimNames = async (h: Harness) =>
  names((await h.client.list<KubeObject>(ResourceClaimType, { namespace: NS })).items);

const podClaims = (p: Pod) =>
  ((p.spec as { resourceClaims?: { name: string; resourceClaimName: string }[] }).resourceClaims ?? [])
    .map((r) => r.resourceClaimName)
    .sort();

describe("resource sharing: pure names and references", () => {
  it("names the PCS-level claims per scope and replica", () => {
    const pcs = rsTest();
    pcs.metadata.uid = "u";
    expect(pcsClaims(pcs).map((c) => c.name)).toEqual([
      "rs-test-all-int-tpl5",
      "rs-test-0-ext-tpl",
      "rs-test-0-int-tpl",
      "rs-test-all-int-tpl7",
    ]);
  });

  it("gives each pod the claims whose filters match, PCS then PCSG then PodClique level", () => {
    const pcs = rsTest();
    const pclq = (name: string, labels: Record<string, string>) =>
      ({ metadata: { name, labels }, spec: { replicas: 1 } }) as unknown as PodClique;
    const a = pclq("rs-test-0-worker-a", { "grove.io/podcliqueset-replica-index": "0" });
    const b = pclq("rs-test-0-sga-1-worker-b", {
      "grove.io/podcliqueset-replica-index": "0",
      "grove.io/podcliquescalinggroup": "rs-test-0-sga",
      "grove.io/podcliquescalinggroup-replica-index": "1",
    });
    const refs = (p: PodClique) =>
      podClaimRefs(pcs, p.metadata.name ?? "", cliquePlace(pcs, p) ?? { pcsReplica: -1, clique: "" }, 0).map(
        (r) => r.name,
      );
    expect(refs(a)).toEqual([
      "rs-test-all-int-tpl5",
      "rs-test-0-ext-tpl",
      "rs-test-0-int-tpl",
      "rs-test-0-worker-a-0-int-tpl4",
      "rs-test-0-worker-a-all-ext-ns-tpl",
    ]);
    expect(refs(b)).toEqual([
      "rs-test-all-int-tpl5",
      "rs-test-0-ext-tpl",
      "rs-test-all-int-tpl7",
      "rs-test-0-sga-all-int-tpl2",
      "rs-test-0-sga-1-int-tpl3",
      "rs-test-0-sga-all-int-tpl8",
      "rs-test-0-sga-1-worker-b-all-int-tpl6",
    ]);
  });
});

describe("resource sharing: controllers", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  const withExternalTemplates = async () => {
    await h.client.create(NamespaceType, { metadata: { name: "rs-shared" } });
    await h.client.create(ResourceClaimTemplateType, template("ext-tpl", NS));
    await h.client.create(ResourceClaimTemplateType, template("ext-ns-tpl", "rs-shared"));
  };

  it("creates RS1's 12 claims with labels and owners, wires the pods, scales them, and GC takes them with the PCS", async () => {
    await withExternalTemplates();
    await createPcs(h.client, rsTest());
    await waitFor("12 claims", async () => (await claimNames(h)).length === 12 || undefined);
    expect(await claimNames(h)).toEqual(INITIAL);

    const claims = (await h.client.list<KubeObject & { spec: unknown }>(ResourceClaimType, { namespace: NS }))
      .items;
    const byName = new Map(claims.map((c) => [c.metadata.name, c]));
    const owner = (n: string) => byName.get(n)?.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`);
    expect(owner("rs-test-all-int-tpl5")).toEqual(["PodCliqueSet/rs-test"]);
    expect(owner("rs-test-0-sga-0-int-tpl3")).toEqual(["PodCliqueScalingGroup/rs-test-0-sga"]);
    expect(owner("rs-test-0-worker-a-0-int-tpl4")).toEqual(["PodClique/rs-test-0-worker-a"]);
    const labels = (n: string) => byName.get(n)?.metadata.labels ?? {};
    expect(labels("rs-test-0-ext-tpl")).toMatchObject({
      [LabelComponent]: "resource-claim",
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": "rs-test",
      "grove.io/podcliqueset-replica-index": "0",
    });
    expect(labels("rs-test-0-sga-1-int-tpl3")).toMatchObject({
      [LabelPodCliqueScalingGroup]: "rs-test-0-sga",
      "grove.io/podcliquescalinggroup-replica-index": "1",
    });
    expect(labels("rs-test-0-worker-a-0-int-tpl4")).toMatchObject({
      [LabelPodClique]: "rs-test-0-worker-a",
      "grove.io/podclique-pod-index": "0",
    });
    // The spec is the template's: internal from the PCS, external from the named namespace.
    expect(byName.get("rs-test-0-worker-a-all-ext-ns-tpl")?.spec).toMatchObject({
      devices: { requests: [{ name: "ext", exactly: { deviceClassName: "ext-class" } }] },
    });
    expect(byName.get("rs-test-0-sga-0-int-tpl3")?.spec).toMatchObject({
      devices: { requests: [{ name: "dev3" }] },
    });

    await waitFor("3 pods", async () => (await listPods(h.client)).length === 3 || undefined);
    const pods = await listPods(h.client);
    const a = pods.find((p) => p.metadata.labels?.[LabelPodClique] === "rs-test-0-worker-a") as Pod;
    expect(podClaims(a)).toEqual(
      [
        "rs-test-all-int-tpl5",
        "rs-test-0-ext-tpl",
        "rs-test-0-int-tpl",
        "rs-test-0-worker-a-0-int-tpl4",
        "rs-test-0-worker-a-all-ext-ns-tpl",
      ].sort(),
    );
    const resources = a.spec?.containers[0]?.resources as { claims?: { name: string }[] } | undefined;
    const containerClaims = resources?.claims;
    expect(containerClaims?.map((c) => c.name).sort()).toEqual(podClaims(a));
    const b1 = pods.find((p) => p.metadata.labels?.[LabelPodClique] === "rs-test-0-sga-1-worker-b") as Pod;
    expect(podClaims(b1)).toEqual(
      [
        "rs-test-all-int-tpl5",
        "rs-test-0-ext-tpl",
        "rs-test-all-int-tpl7",
        "rs-test-0-sga-all-int-tpl2",
        "rs-test-0-sga-1-int-tpl3",
        "rs-test-0-sga-all-int-tpl8",
        "rs-test-0-sga-1-worker-b-all-int-tpl6",
      ].sort(),
    );
    const pclqA = await h.client.get<PodClique>(PodCliqueType, "rs-test-0-worker-a", NS);
    await waitFor("ResourceClaimsReady", async () => {
      const p = await h.client.get<PodClique>(PodCliqueType, "rs-test-0-worker-a", NS);
      return (
        p?.status?.conditions?.find((c) => c.type === "ResourceClaimsReady")?.status === "True" || undefined
      );
    });
    expect(pclqA).toBeDefined();

    const count = (n: number) =>
      waitFor(`${n} claims`, async () => (await claimNames(h)).length === n || undefined);
    await h.client.updateScale(PodCliqueScalingGroupType, "rs-test-0-sga", NS, 1);
    await count(10);
    expect(await claimNames(h)).not.toContain("rs-test-0-sga-1-int-tpl3");
    await h.client.updateScale(PodCliqueScalingGroupType, "rs-test-0-sga", NS, 3);
    await count(14);
    await h.client.updateScale(PodCliqueType, "rs-test-0-worker-a", NS, 2);
    await count(15);
    expect(await claimNames(h)).toContain("rs-test-0-worker-a-1-int-tpl4");
    await h.client.updateScale(PodCliqueType, "rs-test-0-worker-a", NS, 1);
    await count(14);
    await h.client.updateScale(PodCliqueSetType, "rs-test", NS, 2);
    await count(24);
    await h.client.updateScale(PodCliqueSetType, "rs-test", NS, 1);
    await count(14);
    await h.client.delete(PodCliqueSetType, "rs-test", NS);
    await count(0);
  });

  it("refuses a change of resourceSharing at admission, naming the field", async () => {
    await withExternalTemplates();
    await createPcs(h.client, rsTest());
    const err = await h.client
      .patch(PodCliqueSetType, "rs-test", NS, {
        type: "json",
        body: [{ op: "replace", path: "/spec/template/resourceSharing/0/scope", value: "PerReplica" }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiError(err) && err.code).toBe(422);
    expect(String((err as Error).message)).toContain("spec.template.resourceSharing");
    expect(String((err as Error).message)).toContain("immutable");
  });

  it("leaves the PodClique with a ResourceClaimsReady=False condition naming a missing template, and no pods, until it exists", async () => {
    // The clique's own external template exists; the PCS-level ext-tpl its pods share does not.
    await h.client.create(NamespaceType, { metadata: { name: "rs-shared" } });
    await h.client.create(ResourceClaimTemplateType, template("ext-ns-tpl", "rs-shared"));
    await createPcs(h.client, rsTest());
    const cond = async () =>
      (await h.client.get<PodClique>(PodCliqueType, "rs-test-0-worker-a", NS))?.status?.conditions?.find(
        (c) => c.type === "ResourceClaimsReady",
      );
    const missing = await waitFor("the condition", async () => (await cond())?.status === "False" && cond());
    expect(missing).toMatchObject({ reason: "ResourceClaimTemplateNotFound" });
    expect(missing?.message).toContain(`ResourceClaimTemplate ${NS}/ext-tpl not found`);
    expect(await listPods(h.client, `${LabelPodClique}=rs-test-0-worker-a`)).toEqual([]);

    await h.client.create(ResourceClaimTemplateType, template("ext-tpl", NS));
    await waitFor("claims and pods", async () => (await claimNames(h)).length === 12 || undefined, 20_000);
    await waitFor("ready", async () => (await cond())?.status === "True" || undefined, 20_000);
    await waitFor("pods", async () => (await listPods(h.client)).length === 3 || undefined, 20_000);
  });
});
