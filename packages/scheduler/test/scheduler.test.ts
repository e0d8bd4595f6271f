import { type PodGang, PodGangType } from "@grove-ts/api";
import { EventType, type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  getPod,
  type Harness,
  harness,
  type K,
  node,
  nodesOf,
  pod,
  podGang,
  sleep,
} from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const bound = async (names: string[]) => {
  const nodes = await nodesOf((h as Harness).client, names);
  expect(
    nodes.every((n) => n !== undefined),
    `all of ${names.join(",")} bound: ${nodes.join(",")}`,
  ).toBe(true);
  return nodes as string[];
};

const unschedulable = async (name: string) => {
  const p = await getPod((h as Harness).client, name);
  expect(p.spec?.nodeName).toBeUndefined();
  const c = p.status?.conditions?.find((x) => x.type === "PodScheduled");
  expect(c?.status).toBe("False");
  expect(c?.reason).toBe("Unschedulable");
  expect(c?.message).toBeTruthy();
  return c?.message as string;
};

const events = async (podName: string) => {
  const list = await (h as Harness).client.list<
    KubeObject & { reason?: string; involvedObject?: { name?: string } }
  >(EventType, { namespace: "default" });
  return list.items.filter((e) => e.involvedObject?.name === podName).map((e) => e.reason);
};

const gangStatus = async (name: string) =>
  (await (h as Harness).client.get<K<PodGang>>(PodGangType, name, "default"))?.status;

describe.each([true, false])("gang scheduler (incremental snapshot: %s)", (incremental) => {
  const start = (o: Parameters<typeof harness>[0] = {}) => harness({ ...o, incremental });

  it("binds a pod in no PodGang (a gang of one) and records a Scheduled event", async () => {
    h = await start();
    await createAll(h.client, { nodes: [node({ name: "n1" })], pods: [pod({ name: "lone" })] });
    expect(await eventually(() => bound(["lone"]))).toEqual(["n1"]);
    await eventually(async () => expect(await events("lone")).toContain("Scheduled"));
  });

  it.each([
    {
      title: "nodeSelector",
      nodes: [node({ name: "a" }), node({ name: "b", labels: { pool: "gpu" } })],
      pod: pod({ name: "p", nodeSelector: { pool: "gpu" } }),
      want: "b",
    },
    {
      title: "taint without toleration",
      nodes: [
        node({ name: "a", taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] }),
        node({ name: "b" }),
      ],
      pod: pod({ name: "p" }),
      want: "b",
    },
    {
      title: "taint with toleration",
      nodes: [node({ name: "a", taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }], cpu: "1" })],
      pod: pod({
        name: "p",
        tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }],
      }),
      want: "a",
    },
    {
      title: "cordoned node",
      nodes: [node({ name: "a", unschedulable: true }), node({ name: "b" })],
      pod: pod({ name: "p" }),
      want: "b",
    },
    {
      title: "kai-scheduler claimed when configured",
      nodes: [node({ name: "a" })],
      pod: pod({ name: "p", schedulerName: "kai-scheduler" }),
      want: "a",
      names: ["grove-scheduler", "kai-scheduler"],
    },
  ])("honours $title", async (c) => {
    h = await start(c.names ? { schedulerNames: c.names } : {});
    await createAll(h.client, { nodes: c.nodes, pods: [c.pod] });
    expect(await eventually(() => bound(["p"]))).toEqual([c.want]);
  });

  it("leaves pods of other schedulers alone", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "a" })],
      pods: [pod({ name: "p", schedulerName: "other" })],
    });
    await sleep(150);
    expect((await getPod(h.client, "p")).spec?.nodeName).toBeUndefined();
  });

  it("places a gang all-or-nothing, reports why on every pod, and retries when capacity frees", async () => {
    h = await start();
    // 3 nodes x 2 cpu, pods of 2 cpu: room for 3 pods; the gang's minimum is 4.
    const pods = ["w-0", "w-1", "w-2", "l-0"].map((n) => pod({ name: n, gang: "g", cpu: "2" }));
    await createAll(h.client, {
      nodes: [node({ name: "n1" }), node({ name: "n2" }), node({ name: "n3" })],
      gangs: [
        podGang("g", [
          { name: "g-w", pods: ["w-0", "w-1", "w-2"], min: 3 },
          { name: "g-l", pods: ["l-0"], min: 1 },
        ]),
      ],
      pods,
    });
    const messages = await eventually(() => Promise.all(["w-0", "w-1", "w-2", "l-0"].map(unschedulable)));
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toContain("default/g");
    await eventually(async () => expect(await events("l-0")).toContain("FailedScheduling"));
    await eventually(async () => {
      const st = await gangStatus("g");
      expect(st?.phase).toBe("Pending");
      expect(st?.conditions?.find((c) => c.type === "Scheduled")?.status).toBe("False");
    });
    await sleep(100);
    expect(await nodesOf(h.client, ["w-0", "w-1", "w-2", "l-0"])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);

    await h.client.create(NodeType, node({ name: "n4" }));
    const placed = await eventually(() => bound(["w-0", "w-1", "w-2", "l-0"]));
    expect(new Set(placed).size).toBe(4);
    await eventually(async () => {
      const st = await gangStatus("g");
      expect(st?.phase).toBe("Starting");
      expect(st?.conditions?.find((c) => c.type === "Scheduled")?.status).toBe("True");
    });
  });

  it("places pods above the minimum best-effort", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1" }), node({ name: "n2" })],
      gangs: [podGang("g", [{ name: "g-w", pods: ["w-0", "w-1", "w-2"], min: 1 }])],
      pods: ["w-0", "w-1", "w-2"].map((n) => pod({ name: n, gang: "g", cpu: "2" })),
    });
    await eventually(() => bound(["w-0", "w-1"]));
    const msg = await eventually(() => unschedulable("w-2"));
    expect(msg).toContain("above its minimum");
    // Freeing a node lets the surplus pod in.
    await h.client.delete(PodType, "w-0", "default", { gracePeriodSeconds: 0 });
    await eventually(() => bound(["w-2"]));
  });

  it("places a scaled gang only after its base gang", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1" })],
      gangs: [
        podGang("base", [{ name: "base-a", pods: ["b-0", "b-1"], min: 2 }]),
        podGang("base-sg-0", [{ name: "sg-a", pods: ["s-0"], min: 1 }], {
          labels: { "grove.io/base-podgang": "base" },
        }),
      ],
      pods: [
        pod({ name: "b-0", gang: "base", cpu: "2" }),
        pod({ name: "b-1", gang: "base", cpu: "2" }),
        pod({ name: "s-0", gang: "base-sg-0", basePodGang: "base", cpu: "2" }),
      ],
    });
    await eventually(() => unschedulable("b-0"));
    await sleep(150);
    // One node is free, but the scaled gang waits for its base.
    expect((await getPod(h.client, "s-0")).spec?.nodeName).toBeUndefined();
    await h.client.create(NodeType, node({ name: "n2" }));
    await h.client.create(NodeType, node({ name: "n3" }));
    await eventually(() => bound(["b-0", "b-1", "s-0"]));
  });

  it("does not schedule gated pods nor a gang whose PodGang is not Initialized", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1" })],
      gangs: [podGang("g", [{ name: "g-a", pods: ["a-0"], min: 1 }])],
      pods: [pod({ name: "a-0", gang: "g", gated: true })],
    });
    await h.client.patch(
      PodGangType,
      "g",
      "default",
      {
        type: "merge",
        body: { status: { phase: "Pending", conditions: [cond("Initialized", "False")] } },
      },
      { subresource: "status" },
    );
    await h.client.patch(PodType, "a-0", "default", {
      type: "json",
      body: [{ op: "remove", path: "/spec/schedulingGates" }],
    });
    await sleep(150);
    expect((await getPod(h.client, "a-0")).spec?.nodeName).toBeUndefined();
    await h.client.patch(
      PodGangType,
      "g",
      "default",
      { type: "merge", body: { status: { conditions: [cond("Initialized", "True")] } } },
      { subresource: "status" },
    );
    await eventually(() => bound(["a-0"]));
  });

  it.each([
    {
      title: "gang required rack",
      extra: { required: "example.com/rack" },
      groups: [{ name: "g-a", pods: ["a-0", "a-1", "a-2", "a-3"], min: 4 }],
      same: [["a-0", "a-1", "a-2", "a-3"]],
      label: "example.com/rack",
    },
    {
      title: "group required host",
      extra: {},
      groups: [{ name: "g-a", pods: ["a-0", "a-1"], min: 2, required: "kubernetes.io/hostname" }],
      same: [["a-0", "a-1"]],
      label: "kubernetes.io/hostname",
    },
    {
      title: "group config required rack",
      extra: { configs: [{ name: "g-sg-0", groups: ["g-l", "g-w"], required: "example.com/rack" }] },
      groups: [
        { name: "g-l", pods: ["l-0"], min: 1 },
        { name: "g-w", pods: ["w-0", "w-1", "w-2"], min: 3 },
      ],
      same: [["l-0", "w-0", "w-1", "w-2"]],
      label: "example.com/rack",
    },
  ])("honours topology: $title", async (c) => {
    h = await start();
    // Two racks of two hosts; each host has room for two 1-cpu pods. A filler pod on r1-h1 makes
    // the racks unequal so a constraint-blind placement would spread.
    const nodes = ["r1-h1", "r1-h2", "r2-h1", "r2-h2"].map((n) =>
      node({ name: n, labels: { "example.com/rack": n.slice(0, 2) } }),
    );
    const names = c.groups.flatMap((g) => g.pods);
    await createAll(h.client, {
      nodes,
      gangs: [podGang("g", c.groups, c.extra)],
      pods: names.map((n) => pod({ name: n, gang: "g" })),
    });
    const placed = await eventually(() => bound(names));
    const labelOf = async (n: string) =>
      (await h?.client.get<KubeObject>(NodeType, n))?.metadata.labels?.[c.label] as string;
    for (const set of c.same) {
      const domains = await Promise.all(set.map((p) => labelOf(placed[names.indexOf(p)] as string)));
      expect(new Set(domains).size, `${set.join(",")} in one ${c.label}: ${domains.join(",")}`).toBe(1);
    }
  });

  // TAS10/TAS12 (grove-behaviour.md §18.6): a scaled gang stays in its base gang's block when it can.
  // Block A is one rack of three 2-cpu hosts; block B one rack of one host, the tighter fit for the
  // scaled gang's two 1-cpu pods, so a placement blind to the base gang would take B.
  it.each([
    { title: "lands in its base gang's block when it has room", basePods: 2, want: "A" },
    { title: "still places, in another block, when its base gang's block is full", basePods: 6, want: "B" },
  ])("scaled gang with a rack-only constraint: $title", async (c) => {
    h = await start();
    const BLOCK = "example.com/block";
    const RACK = "example.com/rack";
    const nodes = [
      ...["a-h1", "a-h2", "a-h3"].map((n) => node({ name: n, labels: { [BLOCK]: "A", [RACK]: "a1" } })),
      node({ name: "b-h1", labels: { [BLOCK]: "B", [RACK]: "b1" } }),
    ];
    const base = Array.from({ length: c.basePods }, (_, i) => `b-${i}`);
    const scaled = ["s-0", "s-1"];
    await createAll(h.client, {
      nodes,
      gangs: [
        podGang("base", [{ name: "base-a", pods: base, min: c.basePods }], { required: BLOCK }),
        podGang("base-sg-0", [{ name: "sg-a", pods: scaled, min: 2 }], {
          required: RACK,
          labels: { "grove.io/base-podgang": "base" },
        }),
      ],
      pods: [
        // The base gang is steered to block A; its own constraint says only "one block".
        ...base.map((n) => pod({ name: n, gang: "base", nodeSelector: { [BLOCK]: "A" } })),
        ...scaled.map((n) => pod({ name: n, gang: "base-sg-0", basePodGang: "base" })),
      ],
    });
    const placed = await eventually(() => bound([...base, ...scaled]));
    const blockOf = (n: string) => nodes.find((x) => x.metadata.name === n)?.metadata.labels?.[BLOCK];
    expect(placed.slice(0, base.length).map(blockOf)).toEqual(base.map(() => "A"));
    expect(placed.slice(base.length).map(blockOf), `scaled gang on ${placed.slice(base.length)}`).toEqual([
      c.want,
      c.want,
    ]);
  });

  it("places a base gang in a block that also holds its scaled gang, whose pods are still gated", async () => {
    h = await start();
    const BLOCK = "example.com/block";
    const RACK = "example.com/rack";
    // Block B (one 2-cpu host) is the tighter fit for the base gang alone; only A holds both gangs.
    const nodes = [
      ...["a-h1", "a-h2", "a-h3"].map((n) => node({ name: n, labels: { [BLOCK]: "A", [RACK]: "a1" } })),
      node({ name: "b-h1", labels: { [BLOCK]: "B", [RACK]: "b1" } }),
    ];
    const base = ["b-0", "b-1"];
    const scaled = ["s-0", "s-1"];
    await createAll(h.client, {
      nodes,
      gangs: [
        podGang("base", [{ name: "base-a", pods: base, min: 2 }], { required: BLOCK }),
        podGang("base-sg-0", [{ name: "sg-a", pods: scaled, min: 2 }], { required: RACK }),
      ],
      pods: [
        ...base.map((n) => pod({ name: n, gang: "base" })),
        // As Grove makes them: gated until the base gang is scheduled, the base named on the pods only.
        ...scaled.map((n) => pod({ name: n, gang: "base-sg-0", basePodGang: "base", gated: true })),
      ],
    });
    const blockOf = (n: string | undefined) =>
      nodes.find((x) => x.metadata.name === n)?.metadata.labels?.[BLOCK];
    expect((await eventually(() => bound(base))).map(blockOf)).toEqual(["A", "A"]);
    for (const n of scaled)
      await h.client.patch(PodType, n, "default", {
        type: "json",
        body: [{ op: "remove", path: "/spec/schedulingGates" }],
      });
    expect((await eventually(() => bound(scaled))).map(blockOf)).toEqual(["A", "A"]);
  });

  it("keeps a required gang pending when no domain holds it, naming the level", async () => {
    h = await start();
    const nodes = ["r1-h1", "r1-h2", "r2-h1", "r2-h2"].map((n) =>
      node({ name: n, labels: { "example.com/rack": n.slice(0, 2) } }),
    );
    const names = ["a-0", "a-1", "a-2", "a-3", "a-4"];
    await createAll(h.client, {
      nodes,
      gangs: [podGang("g", [{ name: "g-a", pods: names, min: 5 }], { required: "example.com/rack" })],
      pods: names.map((n) => pod({ name: n, gang: "g" })),
    });
    const msg = await eventually(() => unschedulable("a-0"));
    expect(msg).toMatch(/rack/);
  });

  it("moves a PodGang to Running when all its pods run", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1" })],
      gangs: [podGang("g", [{ name: "g-a", pods: ["a-0", "a-1"], min: 2 }])],
      pods: [pod({ name: "a-0", gang: "g" }), pod({ name: "a-1", gang: "g" })],
    });
    await eventually(() => bound(["a-0", "a-1"]));
    for (const p of ["a-0", "a-1"])
      await h.client.patch<K<Pod>>(
        PodType,
        p,
        "default",
        { type: "merge", body: { status: { phase: "Running" } } },
        { subresource: "status" },
      );
    await eventually(async () => expect((await gangStatus("g"))?.phase).toBe("Running"));
  });

  it("places PodGangs that repeat a PodGroup name one call at a time instead of failing the call", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1" })],
      gangs: [
        podGang("g1", [{ name: "shared", pods: ["a-0"], min: 1 }]),
        podGang("g2", [{ name: "shared", pods: ["b-0"], min: 1 }]),
      ],
      pods: [pod({ name: "a-0", gang: "g1" }), pod({ name: "b-0", gang: "g2" })],
    });
    expect(await eventually(() => bound(["a-0", "b-0"]))).toEqual(["n1", "n1"]);
  });

  describe("surplus and waiting gangs (README; grove-behaviour.md §18.1 GS8, GS10)", () => {
    const uncordon = (name: string) =>
      (h as Harness).client.patch(NodeType, name, undefined, {
        type: "merge",
        body: { spec: { unschedulable: false } },
      });
    const running = ["a-0", "a-1", "a-2", "a-3", "a-4", "a-5"];
    // Gang a holds its minimum (3) on n0; its 3 surplus pods wait for room.
    const runningGang = {
      gangs: [podGang("a", [{ name: "a-w", pods: running, min: 3 }])],
      pods: running.map((n) => pod({ name: n, gang: "a" })),
    };
    const unboundOf = async (names: string[]) =>
      (await nodesOf((h as Harness).client, names)).filter((n) => n === undefined).length;

    it("nodes made schedulable one by one go to a waiting gang's minimum before a running gang's surplus", async () => {
      // Gaps well inside the settle window: the cycles between them (capacityCoalesceMs is 5 ms
      // here) must not give the first freed node to gang a's surplus.
      h = await start({ surplusSettleMs: 1500, surplusSettleMaxMs: 10_000 });
      const waiting = ["b-0", "b-1", "b-2"];
      await createAll(h.client, {
        nodes: [
          node({ name: "n0", cpu: "3" }),
          ...["n1", "n2", "n3"].map((n) => node({ name: n, cpu: "1", unschedulable: true })),
        ],
        gangs: [...runningGang.gangs, podGang("b", [{ name: "b-w", pods: waiting, min: 3 }])],
        pods: [...runningGang.pods, ...waiting.map((n) => pod({ name: n, gang: "b" }))],
      });
      await eventually(async () => expect(await unboundOf(running)).toBe(3));
      await eventually(() => unschedulable("b-0"));
      for (const n of ["n1", "n2", "n3"]) {
        await uncordon(n);
        await sleep(60);
      }
      expect((await eventually(() => bound(waiting))).sort()).toEqual(["n1", "n2", "n3"]);
      expect(await unboundOf(running)).toBe(3);
      // Room for the surplus once nobody waits: placed (no starvation).
      await createAll(h.client, { nodes: [node({ name: "n4", cpu: "3" })] });
      expect(await eventually(() => bound(running))).toContain("n4");
    });

    it("places surplus at once when no gang waits for its minimum", async () => {
      // A settle window longer than the wait below: only "nobody waits" can let the surplus in.
      h = await start({ surplusSettleMs: 60_000, surplusSettleMaxMs: 120_000 });
      await createAll(h.client, { nodes: [node({ name: "n0", cpu: "3" })], ...runningGang });
      await eventually(async () => expect(await unboundOf(running)).toBe(3));
      await createAll(h.client, { nodes: [node({ name: "n1", cpu: "3" })] });
      expect(new Set(await eventually(() => bound(running), 10_000))).toEqual(new Set(["n0", "n1"]));
    });

    it("places surplus after the settle window when the waiting gang can never fit", async () => {
      h = await start({ surplusSettleMs: 300, surplusSettleMaxMs: 3000 });
      await createAll(h.client, {
        nodes: [node({ name: "n0", cpu: "3" })],
        gangs: [...runningGang.gangs, podGang("big", [{ name: "big-w", pods: ["big-0"], min: 1 }])],
        pods: [...runningGang.pods, pod({ name: "big-0", gang: "big", cpu: "10" })],
      });
      await eventually(async () => expect(await unboundOf(running)).toBe(3));
      await createAll(h.client, { nodes: [node({ name: "n1", cpu: "3" })] });
      expect(new Set(await eventually(() => bound(running)))).toEqual(new Set(["n0", "n1"]));
      await unschedulable("big-0");
    });
  });

  it("uncordoning a node retries what did not fit", async () => {
    h = await start();
    await createAll(h.client, {
      nodes: [node({ name: "n1", unschedulable: true })],
      pods: [pod({ name: "p" })],
    });
    await eventually(() => unschedulable("p"));
    await h.client.patch(NodeType, "n1", undefined, {
      type: "merge",
      body: { spec: { unschedulable: false } },
    });
    expect(await eventually(() => bound(["p"]))).toEqual(["n1"]);
  });
});

function cond(type: string, status: "True" | "False") {
  return { type, status, reason: "Test", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" };
}
