// Acceptance for priority preemption (issue 13; packages/scheduler README "Preemption"), with the
// real kubectl against grove-sim (and against the real control plane in the kube project): a cluster
// full of a low-priority PodCliqueSet (one PodGang per replica, one 80Mi pod per 150Mi node); a
// PodCliqueSet of the same class stays pending and evicts nobody; a high-priority PodCliqueSet whose
// gang needs 3 nodes of one rack evicts exactly 3 low gangs, all in one rack, and runs there; the
// victims' pods and PodGangs carry DisruptionTarget and the pods a Preempted Event naming it. Then a
// lone pod bound by hand (nodeName, no scheduler of ours) is evicted as a gang of one. Last, room
// held for a nominated gang (its victim kept terminating by a finalizer) goes to a gang of strictly
// higher priority, not to one of equal priority; the nominated gang then re-evaluates.
// PriorityClasses are created with kubectl; the PCS's priorityClassName reaches its PodGangs.
import type { ClusterSpec } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { AGENT_LABEL, E2E } from "./lib/harness.js";
import { waitFor } from "./lib/wait.js";

const RACK = "kubernetes.io/rack";
const TOPOLOGY = "grove-topology";
/** 8 nodes, racks of 4 (rack-0: kwok-node-0..3, rack-1: kwok-node-4..7). */
const NODES = 8;

const cluster: ClusterSpec = {
  name: "grove-preemption",
  topologies: [
    {
      name: TOPOLOGY,
      levels: [
        { domain: "rack", key: RACK },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    },
  ],
  pools: [
    {
      name: "agent",
      count: NODES,
      namePrefix: "kwok-node-",
      allocatable: { cpu: "4", memory: "150Mi", pods: "110" },
      labels: { [AGENT_LABEL]: "agent" },
      taints: [{ key: AGENT_LABEL, value: "agent", effect: "NoSchedule" }],
      topology: [{ key: RACK, prefix: "rack-", nodes: 4 }],
    },
  ],
};

const classes = (
  [
    ["e2e-low", 10],
    ["e2e-mid", 50],
    ["e2e-high", 1000],
  ] as const
)
  .map(([name, value]) =>
    stringify({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value }),
  )
  .join("---\n");

/** A PCS of `replicas` replicas of `pods` 80Mi pods each (all needed), optionally rack-required. */
function pcs(
  name: string,
  priorityClassName: string,
  replicas: number,
  pods: number,
  rack = false,
  memory = "80Mi",
): string {
  return stringify({
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name },
    spec: {
      replicas,
      template: {
        priorityClassName,
        ...(rack ? { topologyConstraint: { topologyName: TOPOLOGY, pack: { required: "rack" } } } : {}),
        cliques: [
          {
            name: "w",
            spec: {
              roleName: "w",
              replicas: pods,
              minAvailable: pods,
              podSpec: {
                schedulerName: "grove-scheduler",
                terminationGracePeriodSeconds: 5,
                tolerations: [{ key: AGENT_LABEL, operator: "Equal", value: "agent", effect: "NoSchedule" }],
                containers: [
                  {
                    name: "w",
                    image: "busybox:1.36",
                    command: ["sleep", "infinity"],
                    resources: { requests: { memory } },
                  },
                ],
              },
            },
          },
        ],
      },
    },
  });
}

/** A plain pod of class e2e-low bound to kwok-node-0 by hand (no scheduler of ours), 5 s grace. */
function lonePod(name: string, memory: string, finalizer = false): string {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(finalizer ? { finalizers: ["e2e.grove.io/hold"] } : {}) },
    spec: {
      nodeName: "kwok-node-0",
      priorityClassName: "e2e-low",
      terminationGracePeriodSeconds: 5,
      tolerations: [{ key: AGENT_LABEL, operator: "Equal", value: "agent", effect: "NoSchedule" }],
      containers: [
        {
          name: "w",
          image: "busybox:1.36",
          command: ["sleep", "infinity"],
          resources: { requests: { memory } },
        },
      ],
    },
  });
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

describe("priority preemption with kubectl", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await E2E.start({ cluster });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** Live pods of a PCS, as kubectl lists them. */
  const pods = async (name: string): Promise<PodJson[]> =>
    (
      await e2e.kubectl.json<{ items: PodJson[] }>(["get", "pods", "-l", `app.kubernetes.io/part-of=${name}`])
    ).items.filter((p) => !p.metadata.deletionTimestamp);
  /** Every PodCliqueSet deleted and its pods gone; every node but kwok-node-0 cordoned. */
  const onlyNodeZero = async () => {
    await e2e.kubectl.ok(["delete", "podcliquesets.grove.io", "--all", "--wait=false"]);
    await waitFor(
      "every PCS pod gone",
      async () => {
        const left = (
          await e2e.kubectl.json<{ items: unknown[] }>(["get", "pods", "-l", "app.kubernetes.io/part-of"])
        ).items.length;
        return { ok: left === 0, state: `${left} left` };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    for (let i = 1; i < NODES; i++) await e2e.kubectl.ok(["cordon", `kwok-node-${i}`]);
  };
  const running = async (name: string, n: number) =>
    waitFor(
      `${name}: ${n} pods Running`,
      async () => {
        const ps = await pods(name);
        const r = ps.filter((p) => p.status?.phase === "Running" && p.spec?.nodeName).length;
        return { ok: ps.length === n && r === n, state: `${r} of ${ps.length} running` };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  /** The PCS's first pod stays pending with preemption's verdict: nothing below `priority` to evict. */
  const pendingBelow = async (name: string, priority: number) =>
    waitFor(
      `${name} pending with preemption's verdict`,
      async () => {
        const p = (
          await e2e.kubectl.json<{
            items: { status?: { conditions?: { type: string; message?: string }[] } }[];
          }>(["get", "pods", "-l", `app.kubernetes.io/part-of=${name}`])
        ).items[0];
        const msg = p?.status?.conditions?.find((c) => c.type === "PodScheduled")?.message ?? "";
        return { ok: msg.includes(`preemption: no running gang of priority below ${priority}`), state: msg };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  it("a high-priority rack-required gang evicts exactly the low gangs of one rack it needs and runs; equal priority stays pending", async () => {
    await e2e.kubectl.ok(["apply", "-f", e2e.file("classes.yaml", classes)]);
    await e2e.kubectl.ok(["apply", "-f", e2e.file("low.yaml", pcs("low", "e2e-low", NODES, 1))]);
    await running("low", NODES);
    expect(
      await e2e.kubectl.ok([
        "get",
        "podgangs.scheduler.grove.io",
        "low-0",
        "-o",
        "jsonpath={.spec.priorityClassName}",
      ]),
    ).toBe("e2e-low");
    const before = new Map((await pods("low")).map((p) => [p.metadata.uid, p]));

    // Same priority as every running gang: nothing to preempt, it waits.
    await e2e.kubectl.ok(["apply", "-f", e2e.file("eq.yaml", pcs("eq", "e2e-low", 1, 1))]);
    await pendingBelow("eq", 10);

    await e2e.kubectl.ok(["apply", "-f", e2e.file("high.yaml", pcs("high", "e2e-high", 1, 3, true))]);
    await running("high", 3);
    const high = await pods("high");
    const nodes = await e2e.kubectl.json<{
      items: { metadata: { name: string; labels: Record<string, string> } }[];
    }>(["get", "nodes"]);
    const rackOf = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels[RACK]]));
    const highRacks = new Set(high.map((p) => rackOf.get(p.spec?.nodeName ?? "")));
    expect(highRacks.size).toBe(1);

    // Which low PodGangs lost pods: exactly 3, all on the nodes the high gang now runs on.
    const now = new Set((await pods("low")).map((p) => p.metadata.uid));
    const lost = [...before.values()].filter((p) => !now.has(p.metadata.uid));
    const lostGangs = [...new Set(lost.map((p) => p.metadata.labels?.["grove.io/podgang"]))].sort();
    expect(lostGangs.length).toBe(3);
    expect(lost.map((p) => p.spec?.nodeName).sort()).toEqual(high.map((p) => p.spec?.nodeName).sort());

    // kube-scheduler's Event on every victim, naming the preemptor.
    const events = await e2e.kubectl.json<{
      items: { type?: string; message?: string; involvedObject?: { name?: string } }[];
    }>(["get", "events", "--field-selector", "reason=Preempted"]);
    expect(events.items.map((e) => e.involvedObject?.name).sort()).toEqual(
      lost.map((p) => p.metadata.name).sort(),
    );
    for (const e of events.items) {
      expect(e.type).toBe("Normal");
      expect(e.message).toMatch(/^Preempted by podgang default\/high-0 on node kwok-node-\d$/);
    }
    // The victim PodGangs carry DisruptionTarget too, naming the preemptor.
    for (const g of lostGangs) {
      const pg = await e2e.kubectl.json<{
        status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
      }>(["get", "podgangs.scheduler.grove.io", g ?? "", "-o", "json"]);
      expect(pg.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({
        status: "True",
        reason: "PreemptionByScheduler",
        message: "grove-scheduler: preempting to accommodate a higher priority podgang default/high-0",
      });
    }

    // The evicted gangs' new pods and the equal-priority PCS wait; the other 5 low gangs kept theirs.
    const eq = await pods("eq");
    expect(eq.map((p) => p.spec?.nodeName)).toEqual([undefined]);
    expect((await pods("low")).filter((p) => before.has(p.metadata.uid)).length).toBe(NODES - 3);
  });

  it("a lone pod of another scheduler, bound with nodeName, is preempted as a gang of one", async () => {
    await onlyNodeZero();
    const lone = lonePod("lone", "120Mi");
    await e2e.kubectl.ok(["apply", "-f", e2e.file("lone.yaml", lone)]);
    const loneUid = await e2e.kubectl.ok(["get", "pod", "lone", "-o", "jsonpath={.metadata.uid}"]);
    await e2e.kubectl.ok(["apply", "-f", e2e.file("solo.yaml", pcs("solo", "e2e-high", 1, 1))]);
    await running("solo", 1);
    expect((await pods("solo"))[0]?.spec?.nodeName).toBe("kwok-node-0");
    const events = await e2e.kubectl.json<{
      items: { message?: string; involvedObject?: { name?: string; uid?: string } }[];
    }>(["get", "events", "--field-selector", "reason=Preempted,involvedObject.name=lone"]);
    expect(events.items.filter((e) => e.involvedObject?.uid === loneUid).map((e) => e.message)).toEqual([
      "Preempted by podgang default/solo-0 on node kwok-node-0",
    ]);
  });

  it("room held for a nominated gang goes to strictly higher priority only; the nominated gang then re-evaluates", async () => {
    await onlyNodeZero();
    // Two lone low pods fill kwok-node-0 (70 + 70 of 150Mi); a finalizer keeps lone-a terminating.
    await e2e.kubectl.ok(["apply", "-f", e2e.file("lone-a.yaml", lonePod("lone-a", "70Mi", true))]);
    await e2e.kubectl.ok(["apply", "-f", e2e.file("lone-b.yaml", lonePod("lone-b", "70Mi"))]);
    // mid (priority 50, 140Mi) evicts both; lone-b goes, lone-a stays: 80Mi free, held for mid.
    await e2e.kubectl.ok(["apply", "-f", e2e.file("mid.yaml", pcs("mid", "e2e-mid", 1, 1, false, "140Mi"))]);
    await waitFor(
      "mid nominated, lone-a terminating, lone-b gone",
      async () => {
        const all = (
          await e2e.kubectl.json<{ items: (PodJson & { status?: { nominatedNodeName?: string } })[] }>([
            "get",
            "pods",
          ])
        ).items;
        const mid = all.find((p) => p.metadata.labels?.["app.kubernetes.io/part-of"] === "mid");
        const a = all.find((p) => p.metadata.name === "lone-a");
        const b = all.find((p) => p.metadata.name === "lone-b");
        const state = `mid ${mid?.status?.nominatedNodeName}, lone-a ${a?.metadata.deletionTimestamp}, lone-b ${b ? "there" : "gone"}`;
        return {
          ok: mid?.status?.nominatedNodeName === "kwok-node-0" && !!a?.metadata.deletionTimestamp && !b,
          state,
        };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Equal priority does not get the held room...
    await e2e.kubectl.ok(["apply", "-f", e2e.file("eq2.yaml", pcs("eq2", "e2e-mid", 1, 1, false, "60Mi"))]);
    await pendingBelow("eq2", 50);
    // ...strictly higher priority does.
    await e2e.kubectl.ok(["apply", "-f", e2e.file("top.yaml", pcs("top", "e2e-high", 1, 1, false, "60Mi"))]);
    await running("top", 1);
    expect((await pods("top"))[0]?.spec?.nodeName).toBe("kwok-node-0");
    expect((await pods("eq2"))[0]?.spec?.nodeName).toBeUndefined();
    // lone-a goes: mid (140Mi) no longer fits beside top and has no one to preempt; its nomination
    // ends and eq2 takes the room left.
    await e2e.kubectl.ok([
      "patch",
      "pod",
      "lone-a",
      "--type",
      "merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
    await running("eq2", 1);
    await waitFor(
      "mid's nomination cleared",
      async () => {
        const mid = (
          await e2e.kubectl.json<{ items: (PodJson & { status?: { nominatedNodeName?: string } })[] }>([
            "get",
            "pods",
            "-l",
            "app.kubernetes.io/part-of=mid",
          ])
        ).items[0];
        return {
          ok: !!mid && !mid.spec?.nodeName && !mid.status?.nominatedNodeName,
          state: `${mid?.spec?.nodeName} ${mid?.status?.nominatedNodeName}`,
        };
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    for (let i = 1; i < NODES; i++) await e2e.kubectl.ok(["uncordon", `kwok-node-${i}`]);
  });
});
