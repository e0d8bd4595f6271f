// Issue 16 item 3: the `kubectl grove` plugin run by the real kubectl (kubectl finds kubectl-grove
// on PATH) against grove-sim, and in the kube project against the real control plane. A workload
// applied with kubectl: two racks of three 8-GPU nodes, a PodCliqueSet whose scaling group replica
// (1 leader + 2 workers, 8 GPUs each) must sit in one rack; two replicas fill the cluster, a third
// stays pending. tree, why, top and explain-placement are checked against what the API says.
import { execFile } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { TopReport, TreePcs, WhyReport } from "@grove-ts/kubectl-grove";
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/shared.js";
import { kubectlPath } from "../src/target.js";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const RACK = "example.com/rack";
const cluster: ClusterSpec = {
  name: "grove-e2e-plugin",
  topologies: [
    {
      name: "plugin-topology",
      levels: [
        { domain: "zone", key: "example.com/zone" },
        { domain: "rack", key: RACK },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    },
  ],
  pools: [
    {
      name: "gpu",
      count: 6,
      namePrefix: "gpu-",
      binding: "plugin-topology",
      allocatable: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "8", pods: "110" },
      topology: [
        { key: "example.com/zone", prefix: "zone-", nodes: 6 },
        { key: RACK, prefix: "rack-", nodes: 3 },
      ],
    },
  ],
};

const container = (role: string) => `            terminationGracePeriodSeconds: 1
            containers:
              - name: ${role}
                image: busybox:1.36
                args: [sleep, infinity]
                resources: { requests: { cpu: "1", nvidia.com/gpu: "8" }, limits: { nvidia.com/gpu: "8" } }`;

const workload = `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: { name: mn }
spec:
  replicas: 1
  template:
    cliques:
      - name: leader
        spec:
          roleName: leader
          replicas: 1
          podSpec:
${container("leader")}
      - name: worker
        spec:
          roleName: worker
          replicas: 2
          podSpec:
${container("worker")}
    podCliqueScalingGroups:
      - name: model
        cliqueNames: [leader, worker]
        replicas: 2
        minAvailable: 1
        topologyConstraint:
          topologyName: plugin-topology
          pack: { required: rack }
`;

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
}

describe("kubectl grove (the plugin, run by the real kubectl)", () => {
  let e2e: E2E;
  let rackOf: Map<string, string>;
  let plugin: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

  beforeAll(async () => {
    e2e = await E2E.start({ cluster });
    // kubectl runs kubectl-grove from PATH: a folder holding only it, first on PATH.
    const bin = join(e2e.dir, "plugin-bin");
    mkdirSync(bin);
    symlinkSync(join(repoRoot, "apps/kubectl-grove/bin/kubectl-grove.js"), join(bin, "kubectl-grove"));
    const home = join(e2e.dir, "plugin-home");
    mkdirSync(home);
    plugin = (args) =>
      new Promise((resolve) => {
        execFile(
          kubectlPath(),
          ["grove", ...args, "--kubeconfig", e2e.kubeconfig],
          { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home }, timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    const nodes = await e2e.kubectl.json<{
      items: { metadata: { name: string; labels: Record<string, string> } }[];
    }>(["get", "nodes"]);
    rackOf = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels[RACK] ?? ""]));
    await e2e.apply(e2e.file("mn.yaml", workload));
    await e2e.waitPods("mn", { total: 6, ready: 6 }, { timeoutMs: 60_000 });
    // The tree prints the PCS's status: wait until the operator has counted the replica available.
    await waitFor("PodCliqueSet mn available", async () => {
      const pcs = await e2e.kubectl.json<{ status?: { availableReplicas?: number } }>([
        "get",
        "podcliquesets.grove.io",
        "mn",
      ]);
      return { ok: pcs.status?.availableReplicas === 1, state: JSON.stringify(pcs.status ?? {}) };
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const apiPods = async (): Promise<PodJson[]> =>
    (await e2e.kubectl.json<{ items: PodJson[] }>(["get", "pods", "-l", "app.kubernetes.io/part-of=mn"]))
      .items;

  it("kubectl runs it from PATH: no command prints the usage", async () => {
    const r = await plugin([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: kubectl grove COMMAND/);
  });

  it("tree: every pod under its clique with the node and the rack the API says", async () => {
    const r = await plugin(["tree", "mn"]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("PodCliqueSet default/mn (replicas 1, available 1)");
    expect(lines[1]).toBe("└─ PodCliqueScalingGroup mn-0-model (replicas 2, minAvailable 1)");
    const pods = await apiPods();
    expect(pods).toHaveLength(6);
    for (const p of pods) {
      const line = lines.find((l) => l.includes(` ${p.metadata.name} `));
      const node = p.spec?.nodeName as string;
      expect(line, p.metadata.name).toMatch(
        new RegExp(`${p.metadata.name}\\s+Running/Ready\\s+${node}\\s+zone=zone-0 rack=${rackOf.get(node)}$`),
      );
    }
    const json = JSON.parse((await plugin(["tree", "-o", "json"])).stdout) as TreePcs[];
    const fromPlugin = json[0]?.groups.flatMap((g) => g.cliques.flatMap((c) => c.pods)) ?? [];
    expect(Object.fromEntries(fromPlugin.map((p) => [p.name, [p.node, p.domains.rack]]))).toEqual(
      Object.fromEntries(
        pods.map((p) => [p.metadata.name, [p.spec?.nodeName, rackOf.get(p.spec?.nodeName ?? "")]]),
      ),
    );
  });

  it("top: the cluster's 48 GPUs all allocated, no rack with a free GPU", async () => {
    const r = await plugin(["top"]);
    expect(r.stdout).toContain("nvidia.com/gpu: 48 of 48 allocated (100%), 0 free");
    const json = JSON.parse((await plugin(["top", "-o", "json"])).stdout) as TopReport;
    expect([json.capacity, json.allocated]).toEqual([48, 48]);
    expect(json.levels.find((l) => l.level === "rack")?.domains).toEqual([
      { name: "rack-0", nodes: 3, capacity: 24, allocated: 24, free: 0 },
      { name: "rack-1", nodes: 3, capacity: 24, allocated: 24, free: 0 },
    ]);
  });

  it("explain-placement: each gang's rack, the other one rejected", async () => {
    const pods = await apiPods();
    const gangRack = (gang: string) =>
      rackOf.get(pods.find((p) => p.metadata.labels?.["grove.io/podgang"] === gang)?.spec?.nodeName ?? "");
    const r = await plugin(["explain-placement", "mn-0"]);
    // The base PodGang holds the scaling group's first replica: its rack constraint is the group's.
    expect(r.stdout).toContain(
      "PodGang default/mn-0: Running, 3/3 pods bound; constraint: mn-0-model-0: required rack\n",
    );
    expect(r.stdout).toContain(`  rack  ${gangRack("mn-0")} (3 pods)\n`);
    const other = gangRack("mn-0") === "rack-0" ? "rack-1" : "rack-0";
    expect(r.stdout).toMatch(new RegExp(`  ${other}  rejected: required rack`));
    expect(r.stdout).toContain(`  ${gangRack("mn-0")}  chosen\n`);
  });

  it("why: a third replica pends, with the scheduler's verdict the API records", async () => {
    await e2e.kubectl.ok(["scale", "podcliquescalinggroups.grove.io", "mn-0-model", "--replicas", "3"]);
    let message = "";
    await waitFor("PodGang mn-0-model-1 Scheduled=False", async () => {
      const r = await e2e.kubectl.run(["get", "podgangs.scheduler.grove.io", "mn-0-model-1", "-o", "json"]);
      const pg =
        r.code === 0
          ? (JSON.parse(r.stdout) as {
              status?: { conditions?: { type: string; status: string; message?: string }[] };
            })
          : {};
      const c = pg.status?.conditions?.find((x) => x.type === "Scheduled");
      message = c?.status === "False" ? (c.message ?? "") : "";
      return { ok: message !== "", state: JSON.stringify(pg.status ?? {}) };
    });
    const r = await plugin(["why", "podgang", "mn-0-model-1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PodGang default\/mn-0-model-1: Pending\n/);
    expect(r.stdout).toContain(
      `scheduler    PodGang mn-0-model-1: Scheduled=False (Unschedulable): ${message}`,
    );
    const pcsg = await plugin(["why", "pcsg", "mn-0-model", "-o", "json"]);
    const report = JSON.parse(pcsg.stdout) as WhyReport;
    expect(report.holds.find((h) => h.kind === "scheduler")?.message).toContain(message);
    const explain = await plugin(["explain-placement", "mn-0-model-1"]);
    expect(explain.stdout).toContain("chosen: nothing yet (no pod of the gang is bound)");
    expect(explain.stdout).toMatch(/ {2}rack-0 {2}rejected: required rack: /);
    expect(explain.stdout).toMatch(/ {2}rack-1 {2}rejected: required rack: /);
  });

  it("errors name the object, and exit 1", async () => {
    const r = await plugin(["why", "pod", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: Pod "nope" not found in namespace "default"\n');
    const n = await plugin(["tree", "mn", "-n", "kube-system"]);
    expect(n.code).toBe(1);
    expect(n.stderr).toBe('error: PodCliqueSet "mn" not found in namespace "kube-system"\n');
  });
});
