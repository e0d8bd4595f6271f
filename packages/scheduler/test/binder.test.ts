// The binder against the real in-process API server: a failed binding gives back the capacity the
// cycle assumed and sends the gang back to the (real) scheduling queue with backoff; a pod that is
// bound already is no failure.
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import { Cache, NodeType, noopLogger, PodType } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { Binder, type Binding } from "../src/binder.js";
import { ClusterView } from "../src/pending.js";
import { SchedulingQueue } from "../src/queue.js";
import { Snapshot } from "../src/snapshot.js";
import { getPod, node, pod, podGang } from "./harness.js";

let api: InProcessApiServer | undefined;
let queue: SchedulingQueue | undefined;
afterEach(async () => {
  queue?.shutDown();
  await api?.close();
  api = queue = undefined;
});

async function setup() {
  api = createApiServer();
  queue = new SchedulingQueue({ coalesceMs: 1, initialBackoffMs: 1, maxBackoffMs: 1 });
  const snapshot = new Snapshot();
  const n1 = await api.client.create(NodeType, node({ name: "n1" }));
  snapshot.setNode(n1);
  const bound: Binding[] = [];
  const failed: Binding[] = [];
  const q = queue;
  const binder = new Binder(
    api.client,
    snapshot,
    {
      bound: (b) => bound.push(b),
      failed: (b) => {
        failed.push(b);
        q.done(b.gang, "Error");
      },
    },
    noopLogger,
    2,
  );
  const cpuUsed = () => snapshot.placementNodes().find((n) => n.name === "n1")?.allocated?.cpu;
  return { client: api.client, queue: q, snapshot, binder, bound, failed, cpuUsed };
}

describe("binder", () => {
  it("binds assumed pods and reports each", async () => {
    const { client, snapshot, binder, bound, failed } = await setup();
    const p = await client.create(PodType, pod({ name: "p" }));
    snapshot.assume(p, "n1");
    binder.add([{ pod: p, node: "n1", gang: "pod:default/p" }]);
    await binder.drained();
    expect(failed).toEqual([]);
    expect(bound.map((b) => b.pod.metadata?.name)).toEqual(["p"]);
    expect((await getPod(client, "p")).spec?.nodeName).toBe("n1");
  });

  it("on a failed binding, releases the assumed capacity and requeues the gang with backoff", async () => {
    const { queue, snapshot, binder, bound, failed, cpuUsed } = await setup();
    // Never created: pods/binding answers 404.
    const ghost = pod({ name: "ghost", gang: "g" });
    snapshot.assume(ghost, "n1");
    expect(cpuUsed()).toBe("1000m");
    binder.add([{ pod: ghost, node: "n1", gang: "default/g" }]);
    await binder.drained();
    expect(bound).toEqual([]);
    expect(failed.map((b) => b.gang)).toEqual(["default/g"]);
    expect(snapshot.boundNode(ghost)).toBeUndefined();
    expect(cpuUsed()).toBe("0m");
    expect(queue.failures("default/g")).toBe(1);
    expect(await queue.pop()).toEqual(["default/g"]);
  });

  it("takes a pod that is bound already as bound, not as a failure", async () => {
    const { client, snapshot, binder, failed } = await setup();
    const p = await client.create(PodType, pod({ name: "p" }));
    await client.bind("default", "p", "n1", p.metadata.uid);
    snapshot.assume(p, "n1");
    binder.add([{ pod: p, node: "n1", gang: "pod:default/p" }]);
    await binder.drained();
    expect(failed).toEqual([]);
    expect(snapshot.boundNode(p)).toBe("n1");
  });

  it("keeps at most `concurrency` bindings in flight and binds them all", async () => {
    const { client, snapshot, binder, bound } = await setup();
    const pods = [];
    for (let i = 0; i < 7; i++) pods.push(await client.create(PodType, pod({ name: `p${i}`, cpu: "100m" })));
    for (const p of pods) snapshot.assume(p, "n1");
    binder.add(pods.map((p) => ({ pod: p, node: "n1", gang: "default/g" })));
    expect(binder.size()).toBe(7);
    await binder.drained();
    expect(bound).toHaveLength(7);
    expect(binder.size()).toBe(0);
  });

  it("a gang whose pods are only assumed holds for the next cycle, not for its status", async () => {
    const { client, snapshot, binder } = await setup();
    const p = await client.create(PodType, pod({ name: "p", gang: "g" }));
    const pods = new Cache<typeof p>();
    const gangs = new Cache();
    pods.set(p);
    gangs.set(podGang("g", [{ name: "w", pods: ["p"], min: 1 }]));
    const view = new ClusterView(
      new Set(["grove-scheduler"]),
      pods,
      gangs as never,
      new Cache(),
      new Cache(),
      snapshot,
    );
    snapshot.assume(p, "n1");
    // The cycle plans with the assumption; the status writer waits for the binding to land.
    expect(view.gangHolds("default/g")).toBe(true);
    expect(view.gangHolds("default/g", view.isBound)).toBe(false);
    binder.add([{ pod: p, node: "n1", gang: "default/g" }]);
    await binder.drained();
    pods.set(await getPod(client, "p"));
    expect(view.gangHolds("default/g", view.isBound)).toBe(true);
  });
});
