// Preferred pod constraints among one gang's own pods (in-process API server, no mocks): preferred
// anti-affinity and ScheduleAnyway spread between the gang's pods as soft per-domain caps,
// preferred affinity between them as a preferred topology level; never costing a pod
// (README "Pod constraints").
import type { Pod, TopologySpreadConstraint, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { selfSoft } from "../src/pod-self-soft.js";
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

let h: Harness | undefined;

const RACK = "example.com/rack";
const HOST = "kubernetes.io/hostname";

const spod = (name: string, gang: string | undefined, x: PodTermsIn<WeightedPodAffinityTerm>): K<Pod> =>
  termsPod(name, gang, x, "preferredDuringSchedulingIgnoredDuringExecution");

const weighted = (key: string, labels: Record<string, string>): WeightedPodAffinityTerm => ({
  weight: 100,
  podAffinityTerm: { topologyKey: key, labelSelector: { matchLabels: labels } },
});

/** `n` nodes of `cpu`, `perRack` to a rack. */
const racks = (n: number, perRack: number, cpu = "8") =>
  Array.from({ length: n }, (_, i) =>
    node({ name: `n${i + 1}`, cpu, labels: { [RACK]: `r${Math.floor(i / perRack) + 1}` } }),
  );

const bound = (pods: string[]) => boundNodes((h as Harness).client, pods);
const names = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);

/** A gang `g` of pods `ws` (one group w, all of them its minimum), each `cpu`, with `x`'s terms. */
async function gang(ws: string[], x: PodTermsIn<WeightedPodAffinityTerm>) {
  await createAll((h as Harness).client, {
    gangs: [podGang("g", [{ name: "w", pods: ws, min: ws.length }])],
    pods: ws.map((w) => spod(w, "g", { labels: { app: "w" }, ...x })),
  });
}

const counts = (nodes: string[]) => {
  const m = new Map<string, number>();
  for (const n of nodes) m.set(n, (m.get(n) ?? 0) + 1);
  return [...m.values()].sort();
};

describe.each(["wasm", "js"] as const)("preferences among a gang's own pods (%s engine)", (engine) => {
  it("preferred anti-affinity on hostname: 4 pods on 4 hosts when 4 have room", async () => {
    h = await harness({ engine });
    // Without the preference the 4 pods (1 cpu each) would pack onto one 8-cpu node.
    await createAll(h.client, { nodes: racks(5, 5) });
    const ws = names(4);
    await gang(ws, { cpu: "1", anti: [weighted(HOST, { app: "w" })] });
    const got = await eventually(() => bound(ws));
    expect(new Set(got).size).toBe(4);
  });

  it("preferred anti-affinity on hostname: still every pod when fewer hosts have room (packs)", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: racks(2, 2, "4") });
    const ws = names(6);
    await gang(ws, { cpu: "1", anti: [weighted(HOST, { app: "w" })] });
    const got = await eventually(() => bound(ws));
    expect(counts(got)).toEqual([2, 4]);
  });

  it("preferred anti-affinity: pods spread as evenly as the room allows (caps doubled, not dropped)", async () => {
    h = await harness({ engine });
    // 4 hosts of 4 cpu, 8 pods: one per host does not hold them, two per host does.
    await createAll(h.client, { nodes: racks(4, 4, "4") });
    const ws = names(8);
    await gang(ws, { cpu: "1", anti: [weighted(HOST, { app: "w" })] });
    const got = await eventually(() => bound(ws));
    expect(counts(got)).toEqual([2, 2, 2, 2]);
  });

  it("preferred anti-affinity on a rack key: one pod per rack", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: racks(6, 2) });
    const ws = names(3);
    await gang(ws, { cpu: "1", anti: [weighted(RACK, { app: "w" })] });
    const got = await eventually(() => bound(ws));
    const rackOf = (n: string) => `r${Math.floor((Number(n.slice(1)) - 1) / 2) + 1}`;
    expect(new Set(got.map(rackOf)).size).toBe(3);
  });

  it("preferred affinity among the gang's pods on a rack key: one rack when one holds them", async () => {
    h = await harness({ engine });
    // n1 (r1) and n3 (r2) are the most allocated: packing alone would take both racks.
    await createAll(h.client, {
      nodes: racks(4, 2),
      pods: [
        spod("f1", undefined, { nodeName: "n1", cpu: "6" }),
        spod("f3", undefined, { nodeName: "n3", cpu: "6" }),
      ],
    });
    const ws = names(4);
    await gang(ws, { cpu: "2", affinity: [weighted(RACK, { app: "w" })] });
    const got = await eventually(() => bound(ws));
    const racksUsed = new Set(got.map((n) => (n === "n1" || n === "n2" ? "r1" : "r2")));
    expect(racksUsed.size).toBe(1);
  });

  it("preferred affinity among the gang's pods: spans racks when no rack holds them", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: racks(4, 2, "2") });
    const ws = names(6);
    await gang(ws, { cpu: "1", affinity: [weighted(RACK, { app: "w" })] });
    expect(await eventually(() => bound(ws))).toHaveLength(6);
  });

  it("ScheduleAnyway spread among the gang's pods: 6 pods over 3 racks go 2/2/2", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: racks(6, 2) });
    const ws = names(6);
    const c: TopologySpreadConstraint = {
      topologyKey: RACK,
      maxSkew: 1,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { app: "w" } },
    };
    await gang(ws, { cpu: "1", spread: [c] });
    const got = await eventually(() => bound(ws));
    const rackOf = (n: string) => `r${Math.floor((Number(n.slice(1)) - 1) / 2) + 1}`;
    expect(counts(got.map(rackOf))).toEqual([2, 2, 2]);
  });
});

describe("selfSoft: preferred affinity among the gang's pods as a preferred level", () => {
  const levels = [
    { domain: "block", key: "example.com/block" },
    { domain: "rack", key: RACK },
    { domain: "host", key: HOST },
  ];
  const world = { node: () => undefined, nodes: () => [], placed: () => [] };
  const withAffinity = (name: string, app: string, key: string) =>
    spod(name, "g", { labels: { app }, affinity: [weighted(key, { app: "w" })] });
  const gangOf = (constraint?: { required?: string; preferred?: string }) => ({
    name: "default/g",
    ...(constraint ? { constraint } : {}),
    groups: [
      { name: "a", count: 2 },
      { name: "b", count: 2 },
    ],
  });

  it.each([
    [
      "both groups match: on the gang, under its required block",
      "w",
      "w",
      RACK,
      { required: "block" },
      { required: "block", preferred: "rack" },
      undefined,
    ],
    [
      "a matches only its own group (on a); b prefers a's pods (on the gang)",
      "w",
      "x",
      RACK,
      { required: "block" },
      { required: "block", preferred: "rack" },
      { preferred: "rack" },
    ],
    [
      "a key broader than the gang's required: nothing",
      "w",
      "w",
      "example.com/block",
      { required: "rack" },
      { required: "rack" },
      undefined,
    ],
    [
      "a narrower preferred already: kept",
      "w",
      "w",
      RACK,
      { preferred: "host" },
      { preferred: "host" },
      undefined,
    ],
    ["a key that is no level: nothing", "w", "w", "example.com/zone", undefined, undefined, undefined],
  ] as const)("%s", (_, appA, appB, key, constraint, gangWant, groupWant) => {
    const firsts: Record<string, K<Pod>> = {
      a: withAffinity("a0", appA, key),
      b: withAffinity("b0", appB, key),
    };
    const out = selfSoft(gangOf(constraint), (g) => firsts[g], world, levels);
    expect(out.gang.constraint).toEqual(gangWant);
    expect(out.gang.groups[0]?.constraint).toEqual(groupWant);
    expect(out.caps).toBeUndefined();
  });
});
