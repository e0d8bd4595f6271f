// Pod constraints among a gang's pods on keys whose domains hold several nodes (a rack, a zone),
// solved through the solver's per-domain caps rather than refused by the safety net (README "Pod
// constraints"); in-process API server, both engines.
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
  pendingReason,
  pod,
  podGang,
} from "./harness.js";

/** The current test's harness (closed by itself when the test finishes). */
let h: Harness | undefined;

const RACK = "example.com/rack";
const ZONE = "topology.kubernetes.io/zone";

function cpod(
  name: string,
  gang: string | undefined,
  x: { anti?: PodAffinityTerm[]; spread?: TopologySpreadConstraint[]; nodeName?: string },
): K<Pod> {
  const p = pod({ name, ...(gang ? { gang } : {}), cpu: "100m" });
  p.metadata.labels = { ...p.metadata.labels, app: "w" };
  p.spec = {
    ...p.spec,
    containers: p.spec?.containers ?? [],
    ...(x.nodeName ? { nodeName: x.nodeName, schedulerName: "other" } : {}),
    ...(x.anti
      ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: x.anti } } }
      : {}),
    ...(x.spread ? { topologySpreadConstraints: x.spread } : {}),
  };
  return p;
}

/** `n` domains of `per` nodes: node i in rack r<i/per> and zone z<i/per>. */
const nodes = (n: number, per: number) =>
  Array.from({ length: n * per }, (_, i) =>
    node({
      name: `n${i + 1}`,
      cpu: "8",
      labels: { [RACK]: `r${Math.floor(i / per) + 1}`, [ZONE]: `z${Math.floor(i / per) + 1}` },
    }),
  );
const domainOf = (n: string, per: number) => Math.floor((Number(n.slice(1)) - 1) / per) + 1;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const perDomain = (got: string[], per: number) => {
  const m = new Map<number, number>();
  for (const n of got) m.set(domainOf(n, per), (m.get(domainOf(n, per)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
};
const anti = [{ topologyKey: RACK, labelSelector: { matchLabels: { app: "w" } } }];
const spread = (key: string, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  topologyKey: key,
  maxSkew: 1,
  whenUnsatisfiable: "DoNotSchedule",
  labelSelector: { matchLabels: { app: "w" } },
  ...extra,
});

const bound = (pods: string[]) => boundNodes((h as Harness).client, pods);

const pendingWhy = (name: string) => pendingReason((h as Harness).client, name);

describe.each(["wasm", "js"] as const)("pod constraints on multi-node domains (%s engine)", (engine) => {
  it("workers with required anti-affinity on the rack label: one per rack", async () => {
    h = await harness({ engine });
    const ws = names("w", 4);
    await createAll(h.client, {
      nodes: nodes(4, 2),
      gangs: [podGang("g", [{ name: "workers", pods: ws, min: 4 }])],
      pods: ws.map((w) => cpod(w, "g", { anti })),
    });
    expect(perDomain(await eventually(() => bound(ws)), 2)).toEqual([1, 1, 1, 1]);
  });

  it("one rack short: pending, the reason names the anti-affinity", async () => {
    h = await harness({ engine });
    const ws = names("w", 5);
    await createAll(h.client, {
      nodes: nodes(4, 2),
      gangs: [podGang("g", [{ name: "workers", pods: ws, min: 5 }])],
      pods: ws.map((w) => cpod(w, "g", { anti })),
    });
    const why = await eventually(() => pendingWhy("w0"));
    expect(why).toContain("at most one pod per example.com/rack domain");
  });

  it("a topology spread over zones with maxSkew 1 is placed evenly, counting a running pod", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: nodes(3, 2), pods: [cpod("x", undefined, { nodeName: "n3" })] });
    const ss = names("s", 5);
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "s", pods: ss, min: 5 }])],
      pods: ss.map((s) => cpod(s, "g", { spread: [spread(ZONE)] })),
    });
    // z2 holds the running pod: 2 + 1 (+1) + 2.
    expect(perDomain(await eventually(() => bound(ss)), 2)).toEqual([2, 1, 2]);
  });

  it("maxSkew 2 over zones: the caps leave the solver room and the placement passes", async () => {
    h = await harness({ engine });
    await createAll(h.client, { nodes: nodes(3, 2), pods: [cpod("x", undefined, { nodeName: "n1" })] });
    const ss = names("s", 4);
    await createAll(h.client, {
      gangs: [podGang("g", [{ name: "s", pods: ss, min: 4 }])],
      pods: ss.map((s) => cpod(s, "g", { spread: [spread(ZONE, { maxSkew: 2 })] })),
    });
    const got = perDomain([...(await eventually(() => bound(ss))), "n1"], 2);
    expect(got.reduce((a, b) => a + b, 0)).toBe(5);
    expect(got).toHaveLength(3);
    expect(Math.max(...got) - Math.min(...got)).toBeLessThanOrEqual(2);
  });

  it("minDomains above the domains there are: at most maxSkew per domain, and one pod more stays pending", async () => {
    h = await harness({ engine });
    const ss = names("s", 2);
    await createAll(h.client, {
      nodes: nodes(2, 2),
      gangs: [podGang("g", [{ name: "s", pods: ss, min: 2 }])],
      pods: ss.map((s) => cpod(s, "g", { spread: [spread(RACK, { minDomains: 3 })] })),
    });
    expect(perDomain(await eventually(() => bound(ss)), 2)).toEqual([1, 1]);
    const more = names("m", 1);
    await createAll(h.client, {
      gangs: [podGang("g2", [{ name: "m", pods: more, min: 1 }])],
      pods: more.map((s) => cpod(s, "g2", { spread: [spread(RACK, { minDomains: 3 })] })),
    });
    const why = await eventually(() => pendingWhy("m0"));
    expect(why).toContain("fewer than minDomains 3 example.com/rack domains");
  });
});
