// What a cycle skips (pod-tracker.ts): PodGangs whose every pod is bound, forgotten on any event of
// one of their pods; the lone pods to look at. Unit behaviour, then through the scheduler: a
// settled gang whose pod is deleted and recreated (same name) is placed again, a PodGang whose spec
// changes (a new object) is looked at again, and a lone pod that arrives later is placed.
import { PodGangType } from "@grove-ts/api";
import { PodType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { PodTracker } from "../src/pod-tracker.js";
import {
  boundNodes,
  createAll,
  eventually,
  getPod,
  harness,
  type K,
  node,
  pod,
  podGang,
  termsPod,
} from "./harness.js";

describe("PodTracker", () => {
  const pg = podGang("g", [{ name: "w", pods: ["a", "b"], min: 2 }]);

  it("keeps nothing until it tracks pod events", () => {
    const t = new PodTracker();
    t.settle("default/g", pg, ["default/a", "default/b"], true);
    expect(t.settledGang("default/g", pg)).toBeUndefined();
    t.onPod(pod({ name: "x" }), true);
    t.track();
    expect([...t.schedulablePods()]).toEqual([["default", "x"]]);
  });

  it("keeps a settled gang per object, until an event of one of its pods or its deletion", () => {
    const t = new PodTracker();
    t.track();
    t.settle("default/g", pg, ["default/a", "default/b"], true);
    expect(t.settledGang("default/g", pg)).toMatchObject({ holds: true });
    // A spec change is a new object: not the one the entry was computed from.
    expect(t.settledGang("default/g", { ...pg })).toBeUndefined();
    t.onPod(pod({ name: "other" }), false);
    expect(t.settledGang("default/g", pg)).toBeDefined();
    t.onPod(pod({ name: "b" }), false);
    expect(t.settledGang("default/g", pg)).toBeUndefined();
    t.settle("default/g", pg, ["default/a", "default/b"], false);
    t.onPodDeleted(pod({ name: "a" }));
    expect(t.settledGang("default/g", pg)).toBeUndefined();
    t.settle("default/g", pg, ["default/a", "default/b"], false);
    t.gangDeleted("default/g");
    expect(t.settledGang("default/g", pg)).toBeUndefined();
  });

  it("knows whether some unfinished pod has required pod anti-affinity", () => {
    const t = new PodTracker();
    expect(t.mayHaveAntiAffinity()).toBe(true);
    t.track();
    expect(t.mayHaveAntiAffinity()).toBe(false);
    const term = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "a" } } };
    const anti = termsPod("x", undefined, { anti: [term] }, "requiredDuringSchedulingIgnoredDuringExecution");
    t.onPod(anti, false);
    expect(t.mayHaveAntiAffinity()).toBe(true);
    t.onPod({ ...anti, status: { phase: "Succeeded" } }, false);
    expect(t.mayHaveAntiAffinity()).toBe(false);
    t.onPod(anti, true);
    t.onPodDeleted(anti);
    expect(t.mayHaveAntiAffinity()).toBe(false);
    // Preferred anti-affinity refuses nothing.
    t.onPod(
      termsPod(
        "y",
        undefined,
        { anti: [{ weight: 1, podAffinityTerm: term }] },
        "preferredDuringSchedulingIgnoredDuringExecution",
      ),
      true,
    );
    expect(t.mayHaveAntiAffinity()).toBe(false);
  });

  it("lists the pods schedulable at their last event", () => {
    const t = new PodTracker();
    t.track();
    t.onPod(pod({ name: "x" }), true);
    t.onPod(pod({ name: "y" }), true);
    t.onPod(pod({ name: "x" }), false);
    expect([...t.schedulablePods()]).toEqual([["default", "y"]]);
    t.onPodDeleted(pod({ name: "y" }));
    expect([...t.schedulablePods()]).toEqual([]);
  });
});

describe("settled gangs through the scheduler", () => {
  it("places a settled gang's recreated pod, a changed PodGang's new pod, and a later lone pod", async () => {
    const h = await harness();
    await createAll(h.client, {
      nodes: [node({ name: "n1", cpu: "4" })],
      gangs: [podGang("g", [{ name: "w", pods: ["g-0", "g-1"], min: 2 }])],
      pods: ["g-0", "g-1"].map((n) => pod({ name: n, gang: "g" })),
    });
    await eventually(() => boundNodes(h.client, ["g-0", "g-1"]));
    // Let a cycle run with the gang settled (a pod elsewhere wakes it).
    await createAll(h.client, { pods: [pod({ name: "lone-1" })] });
    await eventually(() => boundNodes(h.client, ["lone-1"]));
    // A pod of the settled gang goes and comes back under the same name: placed again.
    await h.client.delete(PodType, "g-1", "default", { gracePeriodSeconds: 0 });
    await eventually(async () => expect(await h.client.get(PodType, "g-1", "default")).toBeUndefined());
    await createAll(h.client, { pods: [pod({ name: "g-1", gang: "g" })] });
    await eventually(() => boundNodes(h.client, ["g-1"]));
    // The settled PodGang lists one more pod (a new object): that pod is placed with it.
    const g = await h.client.get<K<ReturnType<typeof podGang>>>(PodGangType, "g", "default");
    if (!g) throw new Error("PodGang g not found");
    const group = g.spec.podgroups[0];
    if (!group) throw new Error("PodGang g has no group");
    group.podReferences = [...group.podReferences, { namespace: "default", name: "g-2" }];
    await h.client.update(PodGangType, g);
    await createAll(h.client, { pods: [pod({ name: "g-2", gang: "g" })] });
    await eventually(() => boundNodes(h.client, ["g-2"]));
    expect((await getPod(h.client, "g-2")).spec?.nodeName).toBe("n1");
  });
});
