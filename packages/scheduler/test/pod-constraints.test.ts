// Pod constraints end to end in the scheduler (in-process API server, no mocks): required pod
// affinity / anti-affinity and DoNotSchedule topology spread, among a gang's pods and against pods
// already running, placed where kube-scheduler would accept them or refused with a reason naming
// the constraint (README "Pod constraints").
import type { Pod, PodAffinityTerm, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
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
  pendingReason,
  podGang,
  termsPod,
} from "./harness.js";

/** The current test's harness (closed by itself when the test finishes). */
let h: Harness | undefined;

const HOST = "kubernetes.io/hostname";
const RACK = "example.com/rack";

const cpod = (name: string, gang: string | undefined, x: PodTermsIn<PodAffinityTerm>): K<Pod> =>
  termsPod(name, gang, x, "requiredDuringSchedulingIgnoredDuringExecution");

const term = (key: string, labels: Record<string, string>): PodAffinityTerm => ({
  topologyKey: key,
  labelSelector: { matchLabels: labels },
});

const racks = (n: number, perRack: number, cpu = "8") =>
  Array.from({ length: n * perRack }, (_, i) =>
    node({ name: `n${i + 1}`, cpu, labels: { [RACK]: `r${Math.floor(i / perRack) + 1}` } }),
  );

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

const bound = (pods: string[]) => boundNodes((h as Harness).client, pods);

const pendingWhy = (name: string) => pendingReason((h as Harness).client, name);

const rackOf = (n: string) => `r${Math.floor((Number(n.slice(1)) - 1) / 2) + 1}`;

describe.each(["wasm", "js"] as const)("pod constraints (%s engine)", (engine) => {
  it("required anti-affinity on hostname among a gang's workers: one pod per host", async () => {
    h = await harness({ engine });
    const ws = names("w", 4);
    await createAll(h.client, {
      nodes: racks(2, 2),
      gangs: [podGang("g", [{ name: "workers", pods: ws, min: 4 }])],
      pods: ws.map((w) => cpod(w, "g", { labels: { app: "w" }, anti: [term(HOST, { app: "w" })] })),
    });
    const nodes = await eventually(() => bound(ws));
    expect(new Set(nodes).size).toBe(4);
  });

  it("a gang that cannot keep its workers one per host stays pending with the constraint named", async () => {
    h = await harness({ engine });
    const ws = names("w", 5);
    await createAll(h.client, {
      nodes: racks(2, 2),
      gangs: [podGang("g", [{ name: "workers", pods: ws, min: 5 }])],
      pods: ws.map((w) => cpod(w, "g", { labels: { app: "w" }, anti: [term(HOST, { app: "w" })] })),
    });
    const why = await eventually(() => pendingWhy("w0"));
    expect(why).toContain("required pod anti-affinity (topologyKey kubernetes.io/hostname");
    expect(why).toContain("at most one pod per kubernetes.io/hostname domain");
  });

  it("an existing pod's anti-affinity keeps the gang's pods off its host", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(1, 2),
      pods: [cpod("x", undefined, { nodeName: "n1", anti: [term(HOST, { app: "a" })] })],
    });
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "a", pods: ["a0", "a1"], min: 2 }])],
      pods: ["a0", "a1"].map((a) => cpod(a, "g", { labels: { app: "a" } })),
    });
    expect(await eventually(() => bound(["a0", "a1"]))).toEqual(["n2", "n2"]);
  });

  it("running pods' anti-affinity on every host: pending, the reason says the nodes were excluded", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(1, 2),
      pods: ["n1", "n2"].map((n) =>
        cpod(`x-${n}`, undefined, { nodeName: n, anti: [term(HOST, { app: "a" })] }),
      ),
    });
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "a", pods: ["a0"], min: 1 }])],
      pods: [cpod("a0", "g", { labels: { app: "a" } })],
    });
    const why = await eventually(() => pendingWhy("a0"));
    expect(why).toContain(
      "pod constraints: group default/a: 2 node(s) excluded by required pod anti-affinity",
    );
  });

  it("own anti-affinity against running pods keeps it off their rack", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(2, 2),
      pods: [cpod("x", undefined, { nodeName: "n1", labels: { app: "x" } })],
    });
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "a", pods: ["a0", "a1"], min: 2 }])],
      pods: ["a0", "a1"].map((a) => cpod(a, "g", { anti: [term(RACK, { app: "x" })] })),
    });
    const nodes = await eventually(() => bound(["a0", "a1"]));
    expect(nodes.map(rackOf)).toEqual(["r2", "r2"]);
  });

  it("required affinity to a running leader's rack", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(3, 2),
      pods: [cpod("leader", undefined, { nodeName: "n5", labels: { role: "leader" } })],
    });
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "w", pods: names("w", 3), min: 3 }])],
      pods: names("w", 3).map((w) => cpod(w, "g", { affinity: [term(RACK, { role: "leader" })] })),
    });
    const nodes = await eventually(() => bound(names("w", 3)));
    expect(nodes.map(rackOf)).toEqual(["r3", "r3", "r3"]);
  });

  it("required affinity to a pod that does not exist: pending, the term named", async () => {
    h = await harness({ engine });
    await createAll(h.client, {
      nodes: racks(1, 2),
      gangs: [podGang("g", [{ name: "w", pods: ["w0"], min: 1 }])],
      pods: [cpod("w0", "g", { affinity: [term(RACK, { role: "leader" })] })],
    });
    expect(await eventually(() => pendingWhy("w0"))).toContain(
      "required pod affinity (topologyKey example.com/rack",
    );
  });

  it("required affinity among the gang's own pods on a topology key: one rack", async () => {
    h = await harness({ engine });
    const ws = names("w", 4);
    // ClusterTopology-free run: levels come from the keys the gang's constraints use; here the
    // affinity term's rack key is one of them through the gang's preferred constraint.
    await createAll(h.client, {
      nodes: racks(2, 2, "2"),
      gangs: [podGang("g", [{ name: "w", pods: ws, min: 4 }], { preferred: RACK })],
      pods: ws.map((w) =>
        cpod(w, "g", { cpu: "1", labels: { app: "s" }, affinity: [term(RACK, { app: "s" })] }),
      ),
    });
    const nodes = await eventually(() => bound(ws));
    expect(new Set(nodes.map(rackOf)).size).toBe(1);
  });

  it("workers with required affinity to their gang's leader's rack, no topology constraint: one rack", async () => {
    h = await harness({ engine });
    // Rack r1 has 3 CPUs free (a pod of another scheduler takes 1), r2 has 4: packing alone would
    // split the gang over both racks; the affinity's key becomes the gang's level instead.
    await createAll(h.client, {
      nodes: racks(2, 2, "2"),
      pods: [cpod("x", undefined, { nodeName: "n1", cpu: "1" })],
    });
    const ws = names("w", 3);
    await createAll(h.client, {
      gangs: [
        podGang("g", [
          { name: "leader", pods: ["leader"], min: 1 },
          { name: "w", pods: ws, min: 3 },
        ]),
      ],
      pods: [
        cpod("leader", "g", { cpu: "1", labels: { role: "leader" } }),
        ...ws.map((w) => cpod(w, "g", { cpu: "1", affinity: [term(RACK, { role: "leader" })] })),
      ],
    });
    const nodes = await eventually(() => bound(["leader", ...ws]));
    expect(new Set(nodes.map(rackOf))).toEqual(new Set(["r2"]));
  });

  it("topology spread on hostname, maxSkew 1: spread evenly", async () => {
    h = await harness({ engine });
    const ss = names("s", 6);
    const c: TopologySpreadConstraint = {
      topologyKey: HOST,
      maxSkew: 1,
      whenUnsatisfiable: "DoNotSchedule",
      labelSelector: { matchLabels: { app: "s" } },
    };
    await createAll(h.client, {
      nodes: racks(1, 3),
      gangs: [podGang("g", [{ name: "s", pods: ss, min: 6 }])],
      pods: ss.map((s) => cpod(s, "g", { labels: { app: "s" }, spread: [c] })),
    });
    const nodes = await eventually(() => bound(ss));
    const per = new Map<string, number>();
    for (const n of nodes) per.set(n, (per.get(n) ?? 0) + 1);
    expect([...per.values()]).toEqual([2, 2, 2]);
  });

  it("preferred node affinity is followed while there is room, the rest placed elsewhere", async () => {
    h = await harness({ engine });
    const nodes = racks(2, 2).map((n, i) =>
      i >= 2 ? { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, tier: "fast" } } } : n,
    );
    const prefer = (p: K<Pod>) => {
      p.spec = {
        ...p.spec,
        containers: p.spec?.containers ?? [],
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                preference: { matchExpressions: [{ key: "tier", operator: "In", values: ["fast"] }] },
              },
            ],
          },
        },
      };
      return p;
    };
    const fits = names("f", 4);
    await createAll(h.client, {
      nodes,
      gangs: [podGang("g", [{ name: "f", pods: fits, min: 4 }])],
      pods: fits.map((f) => prefer(cpod(f, "g", { cpu: "1" }))),
    });
    const got = await eventually(() => bound(fits));
    expect(got.every((n) => n === "n3" || n === "n4")).toBe(true);
    // 20 more pods of 1 CPU: the fast hosts have 12 CPUs left, the other 8 pods go elsewhere.
    const more = names("m", 20);
    await createAll(h.client, {
      gangs: [podGang("g2", [{ name: "m", pods: more, min: 20 }])],
      pods: more.map((m) => prefer(cpod(m, "g2", { cpu: "1" }))),
    });
    const got2 = await eventually(() => bound(more));
    expect(got2.filter((n) => n === "n3" || n === "n4")).toHaveLength(12);
  });

  it("PreferNoSchedule taints the pods do not tolerate are avoided when there is room", async () => {
    h = await harness({ engine });
    const nodes = racks(1, 3).map((n, i) =>
      i < 2
        ? { ...n, spec: { ...n.spec, taints: [{ key: "spot", value: "x", effect: "PreferNoSchedule" }] } }
        : n,
    );
    const ps = names("p", 3);
    await createAll(h.client, {
      nodes,
      gangs: [podGang("g", [{ name: "p", pods: ps, min: 3 }])],
      pods: ps.map((p) => cpod(p, "g", { cpu: "1" })),
    });
    expect(await eventually(() => bound(ps))).toEqual(["n3", "n3", "n3"]);
  });

  it("spread over racks (minDomains above the racks there are) is solved, not refused by the safety net", async () => {
    h = await harness({ engine });
    const ss = names("s", 2);
    const c: TopologySpreadConstraint = {
      topologyKey: RACK,
      maxSkew: 1,
      minDomains: 3,
      whenUnsatisfiable: "DoNotSchedule",
      labelSelector: { matchLabels: { app: "s" } },
    };
    await createAll(h.client, {
      nodes: racks(2, 2),
      gangs: [podGang("g", [{ name: "s", pods: ss, min: 2 }])],
      pods: ss.map((s) => cpod(s, "g", { labels: { app: "s" }, spread: [c] })),
    });
    // The global minimum stays 0 below minDomains: one pod per rack (before domain caps, the
    // solver packed both in one rack and the safety net refused it).
    const got = await eventually(() => bound(ss));
    expect(new Set(got.map(rackOf)).size).toBe(2);
  });
});
