// Issue 13 item 4, preferred pod (anti-)affinity "including between pods of one gang", with the
// real kubectl against grove-sim (and the real control plane, project "kube"): four workers that
// prefer not to share a host land on four hosts while four have room, and are all placed, two per
// host, when only two hosts are schedulable; four workers that prefer one rack with each other stay
// in one rack where packing alone would take two. Workloads: workloads/pref-apart.yaml and
// workloads/pref-together.yaml; the node of every pod is checked with kubectl get pods -o wide.
import { join } from "node:path";
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const here = import.meta.dirname;
const RACK = "example.com/rack";

const cluster: ClusterSpec = {
  name: "grove-pod-preferences",
  pools: [
    {
      name: "cpu",
      count: 6,
      namePrefix: "cpu-node-",
      allocatable: { cpu: "16", memory: "64Gi", pods: "110" },
      // rack-0: cpu-node-0, -1; rack-1: cpu-node-2, -3; rack-2: cpu-node-4, -5.
      topology: [{ key: RACK, prefix: "rack-", nodes: 2 }],
    },
  ],
};

/** A pod of another scheduler, bound by hand to `node`, asking for `cpu` (room taken). */
const filler = (name: string, node: string, cpu: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: filler }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: filler
      image: busybox:1.36
      command: [sleep, infinity]
      resources:
        requests: { cpu: "${cpu}" }
`;

let e2e: E2E;

/** `kubectl get pods -l app=<app> -o wide`: the NODE column of every pod, once all `count` run. */
async function nodesOf(app: string, count: number): Promise<string[]> {
  let nodes: string[] = [];
  await waitFor(
    `${count} ${app} pods Running`,
    async () => {
      const out = await e2e.kubectl.ok(["get", "pods", "-l", `app=${app}`, "-o", "wide", "--no-headers"]);
      // NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES
      const rows = out
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => l.trim().split(/\s+/));
      nodes = rows.map((c) => c[6] as string);
      return {
        ok: rows.length === count && rows.every((c) => c[2] === "Running" && c[6] !== "<none>"),
        state: JSON.stringify(rows.map((c) => `${c[0]} ${c[2]} ${c[6]}`)),
      };
    },
    { intervalMs: 200 },
  );
  return nodes;
}

/** `kubectl get nodes -L <rack>`: node name -> rack. */
async function racksOfNodes(): Promise<Map<string, string>> {
  const out = await e2e.kubectl.ok(["get", "nodes", "-L", RACK, "--no-headers"]);
  const m = new Map<string, string>();
  for (const l of out.split("\n").filter((x) => x.trim())) {
    const c = l.trim().split(/\s+/);
    m.set(c[0] as string, c[c.length - 1] as string);
  }
  return m;
}

const perNode = (nodes: string[]) => {
  const m: Record<string, number> = {};
  for (const n of nodes) m[n] = (m[n] ?? 0) + 1;
  return m;
};

beforeAll(async () => {
  e2e = await E2E.start({ cluster, readyDelayMs: 10 });
});

afterAll(async () => {
  await e2e?.close();
});

describe("preferred pod (anti-)affinity among one gang's own pods (issue 13)", () => {
  it("four workers preferring apart hosts land on four hosts", async () => {
    // Without the preference the four 1-CPU pods pack onto one 16-CPU node.
    await e2e.apply(join(here, "workloads/pref-apart.yaml"));
    const nodes = await nodesOf("apart-worker", 4);
    expect(new Set(nodes).size, JSON.stringify(nodes)).toBe(4);
    await e2e.cleanup();
  });

  it("with two schedulable hosts they are all placed anyway, two per host", async () => {
    const off = ["cpu-node-2", "cpu-node-3", "cpu-node-4", "cpu-node-5"];
    await e2e.kubectl.ok(["cordon", ...off]);
    await e2e.apply(join(here, "workloads/pref-apart.yaml"));
    const nodes = await nodesOf("apart-worker", 4);
    expect(perNode(nodes)).toEqual({ "cpu-node-0": 2, "cpu-node-1": 2 });
    await e2e.cleanup();
  });

  it("four workers preferring one rack with each other stay in one rack", async () => {
    // cpu-node-0 (rack-0) and cpu-node-2 (rack-1) are the most allocated nodes, 4 CPU free each:
    // packing alone would put a worker on each, spanning two racks.
    await e2e.apply(
      e2e.file(
        "fillers.yaml",
        [filler("f0", "cpu-node-0", "12"), filler("f2", "cpu-node-2", "12")].join("---\n"),
      ),
    );
    await e2e.apply(join(here, "workloads/pref-together.yaml"));
    const nodes = await nodesOf("together-worker", 4);
    const racks = await racksOfNodes();
    expect(new Set(nodes.map((n) => racks.get(n))).size, JSON.stringify(nodes)).toBe(1);
    await e2e.kubectl.ok(["delete", "pod", "f0", "f2", "--wait=false"]);
    await e2e.cleanup();
  });
});
