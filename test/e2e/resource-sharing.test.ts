// RS1, Grove's Test_RS1_HierarchicalResourceSharing (grove-behaviour.md §18.7), with the real kubectl
// on grove-sim and on the real control plane: our rs1.yaml (every level, both scopes, every filter
// kind; external templates in rs1-templates.yaml) gets exactly the ResourceClaims Grove names, with
// their labels and owners, every pod references exactly the claims its filters give it (each
// allocated by the gang scheduler and reserved for the pod once it is bound), the claims
// follow the scale steps 12 -> 10 -> 14 -> 15 -> 14 -> 24 -> 14, a change of resourceSharing is
// refused at admission, and deleting the PodCliqueSet garbage-collects every claim.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCluster, E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const workload = (f: string) => new URL(`./workloads/${f}`, import.meta.url).pathname;

interface Meta {
  name: string;
  uid?: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  deletionTimestamp?: string;
}
interface ClaimJson {
  metadata: Meta;
  status?: { allocation?: object; reservedFor?: { resource: string; name: string; uid: string }[] };
}
interface PodJson {
  metadata: Meta;
  spec: {
    nodeName?: string;
    resourceClaims?: { name: string; resourceClaimName?: string }[];
    containers: { name: string; resources?: { claims?: { name: string }[] } }[];
  };
}

/** The claims Grove creates for rs-test with `sga[i]` sga replicas and `wa[i]` worker-a pods in PCS replica i. */
function expectedClaims(sga: number[], wa: number[]): string[] {
  const out = ["rs-test-all-int-tpl5", "rs-test-all-int-tpl7"];
  sga.forEach((sgaReplicas, i) => {
    const a = `rs-test-${i}-worker-a`;
    const g = `rs-test-${i}-sga`;
    out.push(`rs-test-${i}-ext-tpl`, `rs-test-${i}-int-tpl`, `${a}-all-ext-ns-tpl`);
    for (let k = 0; k < (wa[i] ?? 0); k++) out.push(`${a}-${k}-int-tpl4`);
    out.push(`${g}-all-int-tpl2`, `${g}-all-int-tpl8`);
    for (let j = 0; j < sgaReplicas; j++) out.push(`${g}-${j}-int-tpl3`, `${g}-${j}-worker-b-all-int-tpl6`);
  });
  return out.sort();
}

/** The claims one pod references (§11.3 with RS1's filters), from its PodClique and pod index. */
function expectedPodClaims(pod: PodJson): string[] {
  const l = pod.metadata.labels ?? {};
  const i = l["grove.io/podcliqueset-replica-index"];
  const pclq = l["grove.io/podclique"] ?? "";
  const pcsLevel = ["rs-test-all-int-tpl5", `rs-test-${i}-ext-tpl`];
  const pcsg = l["grove.io/podcliquescalinggroup"];
  if (!pcsg)
    return [
      ...pcsLevel,
      `rs-test-${i}-int-tpl`,
      `${pclq}-${l["grove.io/podclique-pod-index"]}-int-tpl4`,
      `${pclq}-all-ext-ns-tpl`,
    ].sort();
  const j = l["grove.io/podcliquescalinggroup-replica-index"];
  return [
    ...pcsLevel,
    "rs-test-all-int-tpl7",
    `${pcsg}-all-int-tpl2`,
    `${pcsg}-${j}-int-tpl3`,
    `${pcsg}-all-int-tpl8`,
    `${pclq}-all-int-tpl6`,
  ].sort();
}

describe("RS1 hierarchical resource sharing (our rs1.yaml, kubectl)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster: agentCluster(7) });
    await e2e.apply(workload("rs1-templates.yaml"));
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const claims = async () =>
    (await e2e.kubectl.json<{ items: ClaimJson[] }>(["get", "resourceclaims", "-n", "default"])).items.filter(
      (c) => !c.metadata.deletionTimestamp,
    );
  const pods = async () =>
    (await e2e.kubectl.json<{ items: PodJson[] }>(["get", "pods", "-n", "default"])).items.filter(
      (p) => !p.metadata.deletionTimestamp,
    );
  const claimNames = async () => (await claims()).map((c) => c.metadata.name).sort();

  /** Waits for exactly the expected claims and `podCount` bound pods, each with its expected claims. */
  const settle = async (sga: number[], wa: number[], podCount: number) => {
    const want = expectedClaims(sga, wa);
    await waitFor(
      `${want.length} ResourceClaims and ${podCount} bound pods`,
      async () => {
        const have = await claimNames();
        const ps = await pods();
        const bound = ps.filter((p) => p.spec.nodeName).length;
        return {
          ok: JSON.stringify(have) === JSON.stringify(want) && ps.length === podCount && bound === podCount,
          state: `${have.length} claims [${have.join(" ")}], ${ps.length} pods (${bound} bound)`,
        };
      },
      { timeoutMs: 90_000 },
    );
    const have = new Set(await claimNames());
    // The gang scheduler allocated every claim a bound pod names and reserved it for the pod.
    const status = new Map((await claims()).map((c) => [c.metadata.name, c.status]));
    for (const p of await pods()) {
      for (const r of p.spec.resourceClaims ?? []) {
        const st = status.get(r.resourceClaimName ?? "");
        expect(st?.allocation, `${r.resourceClaimName} allocated`).toBeDefined();
        expect(
          st?.reservedFor?.map((x) => x.uid),
          `${r.resourceClaimName} reserved for ${p.metadata.name}`,
        ).toContain(p.metadata.uid);
      }
      const refs = (p.spec.resourceClaims ?? []).map((r) => r.resourceClaimName ?? "").sort();
      expect(refs, p.metadata.name).toEqual(expectedPodClaims(p));
      expect((p.spec.resourceClaims ?? []).every((r) => r.name === r.resourceClaimName)).toBe(true);
      for (const c of p.spec.containers)
        expect((c.resources?.claims ?? []).map((x) => x.name).sort(), `${p.metadata.name}/${c.name}`).toEqual(
          refs,
        );
      for (const r of refs) expect(have.has(r), `${p.metadata.name} -> ${r}`).toBe(true);
    }
    return want;
  };

  it("serves resource.k8s.io/v1 ResourceClaim, ResourceClaimTemplate (namespaced), DeviceClass, ResourceSlice (cluster)", async () => {
    const names = (args: string[]) =>
      e2e.kubectl
        .ok(["api-resources", "--api-group=resource.k8s.io", "-o", "name", ...args])
        .then((o) => o.trim().split("\n"));
    expect(await names(["--namespaced=true"])).toEqual(
      expect.arrayContaining(["resourceclaims.resource.k8s.io", "resourceclaimtemplates.resource.k8s.io"]),
    );
    expect(await names(["--namespaced=false"])).toEqual(
      expect.arrayContaining(["deviceclasses.resource.k8s.io", "resourceslices.resource.k8s.io"]),
    );
  });

  it("creates Grove's claims with labels and owners, follows every scale step, refuses a resourceSharing change, GC on delete", async () => {
    await e2e.apply(workload("rs1.yaml"));
    const initial = await settle([2], [1], 3);
    expect(initial).toHaveLength(12);
    expect(initial).toEqual(
      expect.arrayContaining([
        "rs-test-all-int-tpl5",
        "rs-test-0-ext-tpl",
        "rs-test-0-worker-a-0-int-tpl4",
        "rs-test-0-worker-a-all-ext-ns-tpl",
        "rs-test-0-sga-0-int-tpl3",
        "rs-test-0-sga-1-worker-b-all-int-tpl6",
      ]),
    );

    // Labels and the controller owner of each level.
    const byName = new Map((await claims()).map((c) => [c.metadata.name, c.metadata]));
    const owner = (n: string) =>
      byName
        .get(n)
        ?.ownerReferences?.filter((r) => r.controller)
        .map((r) => `${r.kind}/${r.name}`);
    expect(owner("rs-test-all-int-tpl5")).toEqual(["PodCliqueSet/rs-test"]);
    expect(owner("rs-test-0-ext-tpl")).toEqual(["PodCliqueSet/rs-test"]);
    expect(owner("rs-test-0-sga-all-int-tpl2")).toEqual(["PodCliqueScalingGroup/rs-test-0-sga"]);
    expect(owner("rs-test-0-sga-1-int-tpl3")).toEqual(["PodCliqueScalingGroup/rs-test-0-sga"]);
    expect(owner("rs-test-0-worker-a-0-int-tpl4")).toEqual(["PodClique/rs-test-0-worker-a"]);
    expect(owner("rs-test-0-sga-1-worker-b-all-int-tpl6")).toEqual(["PodClique/rs-test-0-sga-1-worker-b"]);
    const common = {
      "app.kubernetes.io/managed-by": "grove-operator",
      "app.kubernetes.io/part-of": "rs-test",
      "app.kubernetes.io/component": "resource-claim",
    };
    for (const m of byName.values()) expect(m.labels, m.name).toMatchObject(common);
    expect(byName.get("rs-test-0-int-tpl")?.labels).toMatchObject({
      "grove.io/podcliqueset-replica-index": "0",
    });
    expect(byName.get("rs-test-0-sga-1-int-tpl3")?.labels).toMatchObject({
      "grove.io/podcliquescalinggroup": "rs-test-0-sga",
      "grove.io/podcliquescalinggroup-replica-index": "1",
    });
    expect(byName.get("rs-test-0-worker-a-0-int-tpl4")?.labels).toMatchObject({
      "grove.io/podclique": "rs-test-0-worker-a",
      "grove.io/podclique-pod-index": "0",
    });
    // kubectl finds them by label too.
    const byLabel = await e2e.kubectl.ok([
      "get",
      "resourceclaims",
      "-l",
      "app.kubernetes.io/component=resource-claim,app.kubernetes.io/part-of=rs-test",
      "-o",
      "name",
    ]);
    expect(byLabel.trim().split("\n")).toHaveLength(12);

    const scale = (kind: string, name: string, n: number) =>
      e2e.kubectl.ok(["scale", kind, name, `--replicas=${n}`]);
    await scale("podcliquescalinggroups.grove.io", "rs-test-0-sga", 1);
    expect(await settle([1], [1], 2)).toHaveLength(10);
    await scale("podcliquescalinggroups.grove.io", "rs-test-0-sga", 3);
    expect(await settle([3], [1], 4)).toHaveLength(14);
    await scale("podcliques.grove.io", "rs-test-0-worker-a", 2);
    expect(await settle([3], [2], 5)).toHaveLength(15);
    await scale("podcliques.grove.io", "rs-test-0-worker-a", 1);
    expect(await settle([3], [1], 4)).toHaveLength(14);
    // A new PCS replica gets its PCSG at the template's 2 replicas and worker-a at 1.
    await scale("podcliquesets.grove.io", "rs-test", 2);
    expect(await settle([3, 2], [1, 1], 7)).toHaveLength(24);
    await scale("podcliquesets.grove.io", "rs-test", 1);
    expect(await settle([3], [1], 4)).toHaveLength(14);

    // resourceSharing is immutable: the webhook refuses the change, naming the field and the rule.
    const refused = await e2e.kubectl.run([
      "patch",
      "podcliquesets.grove.io",
      "rs-test",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/template/resourceSharing/0/scope","value":"PerReplica"}]',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("spec.template.resourceSharing");
    expect(refused.stderr).toContain("immutable");

    await e2e.kubectl.ok(["delete", "podcliquesets.grove.io", "rs-test", "--wait=false"]);
    // On the real control plane kube-controller-manager's garbage collector collects them.
    await waitFor(
      "every ResourceClaim to be garbage-collected",
      async () => {
        const left = await claimNames();
        return { ok: left.length === 0, state: left.join(" ") };
      },
      { timeoutMs: 100_000 },
    );
  }, 240_000);
});
