// Preferred pod constraints in the scheduler (in-process API server, no mocks): preferred pod
// affinity / anti-affinity and ScheduleAnyway topology spread order the nodes a gang's pods take,
// against the pods already running, and never keep a gang pending (README "Pod constraints").
import type { Pod, TopologySpreadConstraint, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  boundNodes,
  createAll,
  eventually,
  type Harness,
  harness,
  type K,
  node,
  type PodTermsIn,
  podGang,
  termsPod,
} from "./harness.js";

/** The current test's harness (closed by itself when the test finishes). */
let h: Harness | undefined;

const RACK = "example.com/rack";

const spod = (name: string, gang: string | undefined, x: PodTermsIn<WeightedPodAffinityTerm>): K<Pod> =>
  termsPod(name, gang, x, "preferredDuringSchedulingIgnoredDuringExecution");

const weighted = (weight: number, labels: Record<string, string>): WeightedPodAffinityTerm => ({
  weight,
  podAffinityTerm: { topologyKey: RACK, labelSelector: { matchLabels: labels } },
});

const racks = (n: number, perRack: number, cpu = "8") =>
  Array.from({ length: n * perRack }, (_, i) =>
    node({ name: `n${i + 1}`, cpu, labels: { [RACK]: `r${Math.floor(i / perRack) + 1}` } }),
  );

const bound = (pods: string[]) => boundNodes((h as Harness).client, pods);

describe.each(["wasm", "js"] as const)("preferred pod constraints (%s engine)", (engine) => {
  it("preferred pod affinity: the gang's pods go to the rack of the pod they prefer", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(2, 2),
      // Without the preference the pods would pack onto n1, the most allocated node.
      pods: [
        spod("db", undefined, { labels: { app: "db" }, nodeName: "n4" }),
        spod("filler", undefined, { nodeName: "n1", cpu: "4" }),
      ],
    });
    const ws = ["w0", "w1"];
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 2 }])],
      pods: ws.map((w) => spod(w, "g", { affinity: [weighted(50, { app: "db" })] })),
    });
    const got = await eventually(() => bound(ws));
    expect(got.every((n) => n === "n3" || n === "n4")).toBe(true);
  });

  it("preferred pod anti-affinity: the gang's pods avoid the rack of the pod they dislike", async () => {
    h = await harness({ engine });
    // Without the preference the pods would pack onto n1, the most allocated node.
    await createAll(h.client, {
      nodes: racks(2, 2),
      pods: [spod("noisy", undefined, { labels: { app: "noisy" }, nodeName: "n1", cpu: "4" })],
    });
    const ws = ["w0", "w1"];
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 2 }])],
      pods: ws.map((w) => spod(w, "g", { anti: [weighted(80, { app: "noisy" })] })),
    });
    const got = await eventually(() => bound(ws));
    expect(got.every((n) => n === "n3" || n === "n4")).toBe(true);
  });

  it("ScheduleAnyway spread: a new pod goes to the rack holding the fewest matching pods", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(3, 2),
      pods: [
        spod("s0", undefined, { labels: { app: "s" }, nodeName: "n1" }),
        spod("s1", undefined, { labels: { app: "s" }, nodeName: "n2" }),
        spod("s2", undefined, { labels: { app: "s" }, nodeName: "n3" }),
      ],
    });
    const c: TopologySpreadConstraint = {
      topologyKey: RACK,
      maxSkew: 1,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { app: "s" } },
    };
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "s", pods: ["s3"], min: 1 }])],
      pods: [spod("s3", "g", { labels: { app: "s" }, spread: [c] })],
    });
    expect(await eventually(() => bound(["s3"]))).toEqual([expect.stringMatching(/^n[56]$/)]);
  });

  it("a preference that cannot be followed never keeps the gang pending", async () => {
    h = await harness({ engine });
    // The preferred rack (r1: n1) is full; the pods go to r2 anyway.
    await createAll(h.client, {
      nodes: racks(2, 1),
      pods: [spod("db", undefined, { labels: { app: "db" }, nodeName: "n1", cpu: "8" })],
    });
    const ws = ["w0", "w1"];
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 2 }])],
      pods: ws.map((w) => spod(w, "g", { cpu: "1", affinity: [weighted(100, { app: "db" })] })),
    });
    expect(await eventually(() => bound(ws))).toEqual(["n2", "n2"]);
  });
});
