// Issue 13 acceptance, "anti-affinity across hosts holds for every pod": pod constraints a user's
// PodCliqueSet already carries, honoured by the gang scheduler, checked with the real kubectl
// against grove-sim (and the real control plane, project "kube"). A worker clique with required
// pod anti-affinity on kubernetes.io/hostname gets one host per pod (kubectl get pods -o wide);
// one host short, the gang stays pending with a reason naming the constraint; a pod of another
// scheduler already running with anti-affinity against the workers keeps them off its host; a
// preferred node affinity is followed while the preferred node has room; a preferred pod affinity
// brings the workers to the host of the pod they prefer; required anti-affinity and a DoNotSchedule
// spread on a rack label (two hosts per rack) give one worker per rack and an even spread.
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const HOST = "kubernetes.io/hostname";
const RACK = "example.com/rack";
const NODES = 5;

const cluster: ClusterSpec = {
  name: "grove-pod-constraints",
  pools: [
    {
      name: "cpu",
      count: NODES - 1,
      namePrefix: "cpu-node-",
      allocatable: { cpu: "16", memory: "64Gi", pods: "110" },
      // Racks of two hosts (rack-0, rack-1); the fast node is rack-2 alone.
      topology: [{ key: RACK, prefix: "rack-", nodes: 2 }],
    },
    {
      name: "fast",
      count: 1,
      namePrefix: "fast-node-",
      allocatable: { cpu: "16", memory: "64Gi", pods: "110" },
      labels: { tier: "fast" },
      topology: [{ key: RACK, prefix: "rack-", nodes: 1, start: 2 }],
    },
  ],
};

/** A PCS of one clique of `replicas` pods with `constraint` (YAML under podSpec, indented 12). */
const constrained = (
  name: string,
  replicas: number,
  constraint: string,
  cpu = "100m",
) => `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata:
  name: ${name}
spec:
  replicas: 1
  template:
    cliques:
      - name: worker
        labels: { app: ${name}-worker }
        spec:
          roleName: worker
          replicas: ${replicas}
          minAvailable: ${replicas}
          podSpec:
            schedulerName: grove-scheduler
            terminationGracePeriodSeconds: 1
${constraint}
            containers:
              - name: worker
                image: busybox:1.36
                command: [sleep, infinity]
                resources:
                  requests: { cpu: ${cpu}, memory: 64Mi }
`;

const rackAnti = (app: string) => `            affinity:
              podAntiAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  - topologyKey: ${RACK}
                    labelSelector:
                      matchLabels: { app: ${app} }`;

const rackAvoid = (app: string) => `            affinity:
              podAntiAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                  - weight: 80
                    podAffinityTerm:
                      topologyKey: ${RACK}
                      labelSelector:
                        matchLabels: { app: ${app} }`;

/**
 * A PodGang of `n` pods (PodCliqueSets refuse topologySpreadConstraints in their pod template, as
 * Grove does), made by hand: one group, all its minimum, every pod with a DoNotSchedule spread
 * over racks, maxSkew 1.
 */
const spreadGang = (name: string, n: number) => {
  const pods = Array.from({ length: n }, (_, i) => `${name}-${i}`);
  const gang = `apiVersion: scheduler.grove.io/v1alpha1
kind: PodGang
metadata:
  name: ${name}
spec:
  podgroups:
    - name: ${name}
      minReplicas: ${n}
      podReferences:
${pods.map((p) => `        - { namespace: default, name: ${p} }`).join("\n")}
`;
  const pod = (p: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${p}
  labels: { app: ${name}, grove.io/podgang: ${name} }
spec:
  schedulerName: grove-scheduler
  terminationGracePeriodSeconds: 1
  topologySpreadConstraints:
    - topologyKey: ${RACK}
      maxSkew: 1
      whenUnsatisfiable: DoNotSchedule
      labelSelector:
        matchLabels: { app: ${name} }
  containers:
    - name: c
      image: busybox:1.36
      command: [sleep, infinity]
      resources:
        requests: { cpu: 100m, memory: 64Mi }
`;
  return [gang, ...pods.map(pod)].join("---\n");
};

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

/** A PCS of one worker clique of `replicas` pods (all its minimum), one host each. */
const workers = (name: string, replicas: number) =>
  constrained(
    name,
    replicas,
    `            affinity:
              podAntiAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  - topologyKey: ${HOST}
                    labelSelector:
                      matchLabels: { app: ${name}-worker }`,
  );

/** A PCS of one clique of `replicas` pods of 4 CPU that prefer nodes labelled tier=fast. */
const preferring = (name: string, replicas: number) =>
  constrained(
    name,
    replicas,
    `            affinity:
              nodeAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                  - weight: 50
                    preference:
                      matchExpressions:
                        - { key: tier, operator: In, values: [fast] }`,
    '"4"',
  );

/** A PCS of one clique of `replicas` pods that prefer the host of a pod labelled app=`anchor`. */
const nearAnchor = (name: string, replicas: number, anchor: string) =>
  constrained(
    name,
    replicas,
    `            affinity:
              podAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                  - weight: 60
                    podAffinityTerm:
                      topologyKey: ${HOST}
                      labelSelector:
                        matchLabels: { app: ${anchor} }`,
  );

/** A pod of another scheduler labelled app=`app`, bound by hand to `node`, asking for `cpu`. */
const anchorPod = (node: string, app: string, cpu?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${app}
  labels: { app: ${app} }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: anchor
      image: busybox:1.36
      command: [sleep, infinity]${cpu ? `\n      resources:\n        requests: { cpu: "${cpu}" }` : ""}
`;

/** A pod of another scheduler, bound by hand to `node`, that wants no `app` pod on its host. */
const guard = (node: string, app: string) => `apiVersion: v1
kind: Pod
metadata:
  name: guard
  labels: { app: guard }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - topologyKey: ${HOST}
          labelSelector:
            matchLabels: { app: ${app} }
  containers:
    - name: guard
      image: busybox:1.36
      command: [sleep, infinity]
`;

interface Row {
  name: string;
  status: string;
  node: string;
}

let e2e: E2E;

/** `kubectl get pods -l app=<app> -o wide`: name, status and NODE column of each pod. */
async function wide(app: string): Promise<Row[]> {
  const out = await e2e.kubectl.ok(["get", "pods", "-l", `app=${app}`, "-o", "wide", "--no-headers"]);
  return out
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const c = l.trim().split(/\s+/);
      // NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES
      return { name: c[0] as string, status: c[2] as string, node: c[6] as string };
    });
}

async function runningOnHosts(app: string, count: number): Promise<Row[]> {
  let rows: Row[] = [];
  await waitFor(
    `${count} ${app} pods Running`,
    async () => {
      rows = await wide(app);
      return {
        ok: rows.length === count && rows.every((r) => r.status === "Running" && r.node !== "<none>"),
        state: JSON.stringify(rows),
      };
    },
    { intervalMs: 200 },
  );
  return rows;
}

beforeAll(async () => {
  e2e = await E2E.start({ cluster, readyDelayMs: 10 });
});

afterAll(async () => {
  await e2e?.close();
});

describe("pod constraints (issue 13): anti-affinity across hosts holds for every pod", () => {
  it("a worker clique with required anti-affinity on hostname gets one host per pod", async () => {
    await e2e.apply(e2e.file("spread.yaml", workers("spread", NODES)));
    const rows = await runningOnHosts("spread-worker", NODES);
    expect(new Set(rows.map((r) => r.node)).size).toBe(NODES);
    await e2e.cleanup();
  });

  it("one host short: every pod stays pending with a reason naming the anti-affinity", async () => {
    await e2e.apply(e2e.file("short.yaml", workers("short", NODES + 1)));
    let message = "";
    await waitFor(
      "short workers PodScheduled=False/Unschedulable",
      async () => {
        const pods = await e2e.kubectl.json<{
          items: {
            spec?: { nodeName?: string };
            status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
          }[];
        }>(["get", "pods", "-l", "app=short-worker"]);
        const conds = pods.items.map((p) => p.status?.conditions?.find((c) => c.type === "PodScheduled"));
        message = conds[0]?.message ?? "";
        return {
          ok:
            pods.items.length === NODES + 1 &&
            pods.items.every((p) => !p.spec?.nodeName) &&
            conds.every((c) => c?.status === "False" && c.reason === "Unschedulable"),
          state: JSON.stringify(conds.map((c) => c?.message)),
        };
      },
      { intervalMs: 200 },
    );
    expect(message).toContain("required pod anti-affinity (topologyKey kubernetes.io/hostname");
    expect((await wide("short-worker")).every((r) => r.node === "<none>")).toBe(true);
    await e2e.cleanup();
  });

  it("a running pod's anti-affinity keeps the workers off its host", async () => {
    await e2e.apply(e2e.file("guard.yaml", guard("cpu-node-1", "guarded-worker")));
    await e2e.apply(e2e.file("guarded.yaml", workers("guarded", NODES - 1)));
    const rows = await runningOnHosts("guarded-worker", NODES - 1);
    expect(rows.map((r) => r.node)).not.toContain("cpu-node-1");
    expect(new Set(rows.map((r) => r.node)).size).toBe(NODES - 1);
    await e2e.kubectl.ok(["delete", "pod", "guard", "--wait=false"]);
    await e2e.cleanup();
  });

  it("a preferred node affinity is followed while there is room (4 of 5 pods on the fast node)", async () => {
    // Without the preference, packing would start on cpu-node-0 (ties by name).
    await e2e.apply(e2e.file("preferring.yaml", preferring("pf", 5)));
    const rows = await runningOnHosts("pf-worker", 5);
    expect(
      rows.filter((r) => r.node === "fast-node-0"),
      JSON.stringify(rows),
    ).toHaveLength(4);
    await e2e.cleanup();
  });

  it("workers with required anti-affinity on the rack label get one rack each", async () => {
    await e2e.apply(e2e.file("per-rack.yaml", constrained("per-rack", 3, rackAnti("per-rack-worker"))));
    const rows = await runningOnHosts("per-rack-worker", 3);
    const racks = await racksOfNodes();
    expect(rows.map((r) => racks.get(r.node)).sort()).toEqual(["rack-0", "rack-1", "rack-2"]);
    await e2e.cleanup();
  });

  it("a topology spread over racks with maxSkew 1 is placed evenly (2 per rack)", async () => {
    await e2e.apply(e2e.file("even.yaml", spreadGang("even", 6)));
    const rows = await runningOnHosts("even", 6);
    const racks = await racksOfNodes();
    const per = new Map<string, number>();
    for (const r of rows) per.set(racks.get(r.node) ?? "", (per.get(racks.get(r.node) ?? "") ?? 0) + 1);
    expect(Object.fromEntries(per), JSON.stringify(rows)).toEqual({ "rack-0": 2, "rack-1": 2, "rack-2": 2 });
    await e2e.kubectl.ok(["delete", "podgang", "even", "--wait=false"]);
    await e2e.kubectl.ok(["delete", "pods", "-l", "app=even", "--wait=false"]);
    await e2e.cleanup();
  });

  it("a preferred pod affinity is followed: the workers join the host of the pod they prefer", async () => {
    // Without the preference, packing would start on cpu-node-0, the most allocated node (filler).
    await e2e.apply(e2e.file("filler.yaml", anchorPod("cpu-node-0", "filler", "2")));
    await e2e.apply(e2e.file("anchor.yaml", anchorPod("cpu-node-2", "anchor")));
    await e2e.apply(e2e.file("near.yaml", nearAnchor("near", 3, "anchor")));
    const rows = await runningOnHosts("near-worker", 3);
    expect(rows.map((r) => r.node)).toEqual(["cpu-node-2", "cpu-node-2", "cpu-node-2"]);
    await e2e.kubectl.ok(["delete", "pod", "anchor", "filler", "--wait=false"]);
    await e2e.cleanup();
  });

  it("a preferred pod anti-affinity on the rack label is followed: the workers avoid the pod's rack", async () => {
    // Without the preference, packing would start on cpu-node-0 (rack-0), where the pod runs.
    await e2e.apply(e2e.file("loud.yaml", anchorPod("cpu-node-0", "loud")));
    await e2e.apply(e2e.file("quiet.yaml", constrained("quiet", 2, rackAvoid("loud"))));
    const rows = await runningOnHosts("quiet-worker", 2);
    const racks = await racksOfNodes();
    expect(rows.map((r) => racks.get(r.node)).filter((r) => r === "rack-0")).toEqual([]);
    await e2e.kubectl.ok(["delete", "pod", "loud", "--wait=false"]);
    await e2e.cleanup();
  });
});
