// runtime's Event recorder against every target (targets.ts): our API server in process and over
// HTTP (project "grove"), the real kube-apiserver (project "kube"). What matters on a real server:
// the Event passes kube-apiserver's validation (names, namespaces, fields), the aggregation's
// strategic merge patch of count and lastTimestamp is accepted, and a deleted Event is written anew.
// The recorder lives in @grove-ts/runtime, which cannot devDepend on apiserver (see
// leader-election.test.ts), hence here.
import { type CoreEvent, createEventRecorder, EventType, type KubeObject } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Target, targets } from "./targets.js";

const NS = "default";
let n = 0;
const pod = (): KubeObject => {
  n++;
  return { apiVersion: "v1", kind: "Pod", metadata: { name: `ev-pod-${n}`, namespace: NS, uid: `uid-${n}` } };
};

describe.each(targets)("EventRecorder over the $name", ({ start }) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target.close();
  });

  const about = async (name: string, namespace = NS) =>
    (await target.client.list<CoreEvent>(EventType, { namespace })).items.filter(
      (e) => e.involvedObject.name === name,
    );

  it("writes client-go's Event and aggregates a repeat into count 2 with a patch", async () => {
    const r = createEventRecorder(target.client, { component: "podclique-controller" });
    const obj = pod();
    r.event(obj, "Normal", "PodCreateSuccessful", "Created Pod: x");
    await r.flush();
    const [first, ...more] = await about(obj.metadata.name ?? "");
    expect(more).toEqual([]);
    expect(first?.metadata.name).toMatch(new RegExp(`^${obj.metadata.name}\\.[0-9a-f]+$`));
    expect(first).toMatchObject({
      involvedObject: { kind: "Pod", name: obj.metadata.name, namespace: NS, uid: obj.metadata.uid },
      reason: "PodCreateSuccessful",
      type: "Normal",
      count: 1,
      source: { component: "podclique-controller" },
      reportingComponent: "podclique-controller",
    });
    r.event(obj, "Normal", "PodCreateSuccessful", "Created Pod: x");
    await r.flush();
    const after = await about(obj.metadata.name ?? "");
    expect(after.map((e) => [e.metadata.name, e.count, e.firstTimestamp])).toEqual([
      [first?.metadata.name, 2, first?.firstTimestamp],
    ]);
    await r.stop();
  });

  it("an aggregated Event deleted meanwhile is created again under its name", async () => {
    const r = createEventRecorder(target.client, { component: "c" });
    const obj = pod();
    r.event(obj, "Warning", "R", "m");
    await r.flush();
    const [e] = await about(obj.metadata.name ?? "");
    await target.client.delete(EventType, e?.metadata.name ?? "", NS);
    r.event(obj, "Warning", "R", "m");
    await r.flush();
    expect((await about(obj.metadata.name ?? "")).map((x) => [x.metadata.name, x.count])).toEqual([
      [e?.metadata.name, 2],
    ]);
    await r.stop();
  });

  it("a cluster-scoped object's Event is accepted in default", async () => {
    const r = createEventRecorder(target.client, { component: "c" });
    r.event(
      { apiVersion: "v1", kind: "Node", metadata: { name: "ev-node", uid: "u-node" } },
      "Normal",
      "R",
      "m",
    );
    await r.flush();
    expect(await about("ev-node")).toHaveLength(1);
    await r.stop();
  });
});
