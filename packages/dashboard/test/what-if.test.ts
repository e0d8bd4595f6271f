// POST /api/what-if against our in-process API server: a PodCliqueSet that is not applied becomes
// the placement problem its gangs would pose now (the cluster's free capacity, the operator's
// PodGangs as the scheduler translates them); bad input is a 422 naming the field, a large body a
// 413; nothing is written; the rest of the dashboard stays read-only.
import { ClusterTopologyBindingType, groveCrds, PodCliqueSetType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import { type PlacementProblem, solve } from "@grove-ts/placement";
import { CustomResourceDefinitionType, type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Dashboard, startDashboard, WHAT_IF_MAX_BYTES, type WhatIf } from "../src/index.js";

let api: InProcessApiServer;
let dash: Dashboard;

beforeEach(async () => {
  api = createApiServer();
  for (const crd of groveCrds())
    await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  await api.client.create(ClusterTopologyBindingType, {
    apiVersion: "grove.io/v1alpha1",
    kind: "ClusterTopologyBinding",
    metadata: { name: "grove-topology" },
    spec: {
      levels: [
        { domain: "rack", key: "kubernetes.io/rack" },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    },
  } as KubeObject);
  // rack-0: gpu-0, gpu-1; rack-1: gpu-2, gpu-3; 8 GPUs each.
  for (const i of [0, 1, 2, 3])
    await api.client.create(NodeType, {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: `gpu-${i}`,
        labels: { "kubernetes.io/rack": `rack-${i >> 1}`, "kubernetes.io/hostname": `gpu-${i}` },
      },
      status: { allocatable: { "nvidia.com/gpu": "8", cpu: "64", pods: "110" } },
    } as KubeObject);
  // 4 GPUs taken on gpu-0: rack-0 can no longer hold two 8-GPU pods.
  await api.client.create(PodType, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "busy", namespace: "default" },
    spec: {
      nodeName: "gpu-0",
      containers: [{ name: "c", image: "x", resources: { requests: { "nvidia.com/gpu": "4" } } }],
    },
  } as KubeObject);
  dash = await startDashboard({ client: api.client, throttleMs: 20 });
});

afterEach(async () => {
  await dash.close();
  await api.close();
});

/** A leader and `workers` workers of 8 GPUs each, one PCSG replica that must sit in one rack. */
const pcsYaml = (name: string, workers: number, extra = "") => `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata:
  name: ${name}
spec:
  replicas: 1
  template:
    cliques:
      - name: leader
        spec:
          roleName: leader
          replicas: 1
          podSpec:
            containers:
              - name: c
                image: x
                resources: { requests: { nvidia.com/gpu: "8" } }
      - name: worker
        spec:
          roleName: worker
          replicas: ${workers}
${extra}          podSpec:
            containers:
              - name: c
                image: x
                resources: { requests: { nvidia.com/gpu: "8" } }
    podCliqueScalingGroups:
      - name: model
        cliqueNames: [leader, worker]
        replicas: 1
        topologyConstraint:
          topologyName: grove-topology
          pack: { required: rack }
`;

const post = (body: string, type = "application/yaml") =>
  fetch(`${dash.url}api/what-if`, { method: "POST", body, headers: { "content-type": type } });

describe("POST /api/what-if", () => {
  it("gives the PCS's gangs and the cluster's free capacity; solved, it lands on the free rack", async () => {
    const res = await post(pcsYaml("wi", 1));
    expect(res.status).toBe(200);
    const out = (await res.json()) as WhatIf;
    expect(out).toMatchObject({ namespace: "default", name: "wi" });
    expect(out.gangs).toEqual([{ name: "default/wi-0", podGang: "wi-0", scaled: false, pods: 2, gpus: 16 }]);
    const p: PlacementProblem = out.problem;
    expect(p.topology?.levels).toEqual([
      { domain: "rack", key: "kubernetes.io/rack" },
      { domain: "host", key: "kubernetes.io/hostname" },
    ]);
    const gpu0 = p.nodes.find((n) => n.name === "gpu-0");
    expect(gpu0?.allocated?.["nvidia.com/gpu"]).toBe("4000m");
    expect(p.nodes.find((n) => n.name === "gpu-2")?.allocated?.["nvidia.com/gpu"] ?? "0").toBe("0");
    const gang = p.gangs[0];
    expect(gang?.groups.map((g) => [g.name, g.count, g.requests?.["nvidia.com/gpu"]])).toEqual([
      ["default/wi-0-model-0-leader", 1, "8000m"],
      ["default/wi-0-model-0-worker", 1, "8000m"],
    ]);
    // The scheduler's translation: the PCSG replica's rack constraint as a subgroup.
    expect(gang?.subGroups?.[0]?.constraint).toEqual({ required: "rack" });
    const r = solve(p);
    expect(r.gangs[0]?.placed).toBe(true);
    expect(r.gangs[0]?.groups.flatMap((g) => g.nodes).sort()).toEqual(["gpu-2", "gpu-3"]);
    // Nothing was written.
    expect((await api.client.list(PodCliqueSetType, { namespace: "default" })).items).toEqual([]);
  });

  it("takes JSON too, and a gang too big for any rack is unplaced with the solver's reason", async () => {
    const { parse } = await import("yaml");
    const res = await post(JSON.stringify(parse(pcsYaml("big", 2))), "application/json");
    expect(res.status).toBe(200);
    const r = solve(((await res.json()) as WhatIf).problem);
    expect(r.gangs[0]?.placed).toBe(false);
    expect(r.gangs[0]?.reason).toMatch(/rack/);
  });

  it("answers 422 naming the field and the rule", async () => {
    const res = await post(pcsYaml("bad", 1, "          minAvailable: 5\n"));
    expect(res.status).toBe(422);
    const { errors } = (await res.json()) as { errors: { field: string; message: string }[] };
    expect(errors.map((e) => e.field)).toContain("spec.template.cliques[1].spec.minAvailable");
    const typo = await post(pcsYaml("typo", 1, "          replica: 2\n"));
    expect(typo.status).toBe(422);
    const t = (await typo.json()) as { errors: { field: string; message: string }[] };
    expect(t.errors.map((e) => e.message).join("\n")).toMatch(/replica/);
    const notPcs = await post("apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n");
    expect(notPcs.status).toBe(422);
    expect(((await notPcs.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("kind");
    expect((await post("a: [")).status).toBe(400);
  });

  it("answers 413 past the size limit", async () => {
    const res = await post(`# ${"x".repeat(WHAT_IF_MAX_BYTES)}\n${pcsYaml("wi", 1)}`);
    expect(res.status).toBe(413);
    expect((await post(pcsYaml("wi", 1))).status).toBe(200);
  });

  it("leaves every other route read-only, and the what-if POST-only", async () => {
    expect((await fetch(`${dash.url}api/model`, { method: "POST", body: "{}" })).status).toBe(405);
    expect((await fetch(`${dash.url}api/model`, { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await fetch(`${dash.url}api/model`)).status).toBe(200);
    const get = await fetch(`${dash.url}api/what-if`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("serves an existing PCS's manifest for the picker (no status, no server metadata)", async () => {
    const { parse } = await import("yaml");
    await api.client.create(PodCliqueSetType, {
      ...parse(pcsYaml("live", 1)),
      metadata: { name: "live", namespace: "default" },
    } as KubeObject);
    const res = await fetch(`${dash.url}api/pcs?namespace=default&name=live`);
    expect(res.status).toBe(200);
    const o = (await res.json()) as KubeObject & { status?: unknown };
    expect(o.metadata).toEqual({ name: "live", namespace: "default" });
    expect(o.status).toBeUndefined();
    expect((await fetch(`${dash.url}api/pcs?name=none`)).status).toBe(404);
  });
});
