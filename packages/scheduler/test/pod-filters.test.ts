// The safety net's Filter semantics (pod-filters.ts), table-driven: each case is a cluster of nodes
// and placed pods, the bindings of a gang in order, and kube-scheduler's verdict (the reason's
// telling words, or undefined: every pod accepted).
import type { Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { checkBindings, type PlacedPod, type PodWorld } from "../src/pod-filters.js";

const HOST = "kubernetes.io/hostname";
const RACK = "example.com/rack";

function n(name: string, rack?: string, extra: Record<string, string> = {}): Node {
  return { metadata: { name, labels: { [HOST]: name, ...(rack ? { [RACK]: rack } : {}), ...extra } } };
}

interface P {
  name: string;
  ns?: string;
  labels?: Record<string, string>;
  affinity?: PodAffinityTerm[];
  anti?: PodAffinityTerm[];
  spread?: TopologySpreadConstraint[];
  nodeSelector?: Record<string, string>;
  deleting?: boolean;
}

function p(x: P): Pod {
  return {
    metadata: {
      name: x.name,
      namespace: x.ns ?? "default",
      uid: `uid-${x.ns ?? "default"}-${x.name}`,
      labels: x.labels ?? {},
      ...(x.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers: [],
      ...(x.nodeSelector ? { nodeSelector: x.nodeSelector } : {}),
      affinity: {
        ...(x.affinity
          ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: x.affinity } }
          : {}),
        ...(x.anti ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: x.anti } } : {}),
      },
      ...(x.spread ? { topologySpreadConstraints: x.spread } : {}),
    },
  };
}

const term = (key: string, labels: Record<string, string>, extra: Partial<PodAffinityTerm> = {}) => ({
  topologyKey: key,
  labelSelector: { matchLabels: labels },
  ...extra,
});
const spread = (key: string, maxSkew: number, labels: Record<string, string>, extra = {}) => ({
  topologyKey: key,
  maxSkew,
  whenUnsatisfiable: "DoNotSchedule",
  labelSelector: { matchLabels: labels },
  ...extra,
});

function world(
  nodes: Node[],
  placed: PlacedPod[],
  ns: Record<string, Record<string, string>> = {},
): PodWorld {
  const byName = new Map(nodes.map((x) => [x.metadata?.name ?? "", x]));
  return {
    node: (name) => byName.get(name),
    nodes: () => nodes,
    placed: () => placed,
    namespaceLabels: (x) => ns[x],
  };
}

const worker = (name: string, extra: Partial<P> = {}) =>
  p({ name, labels: { app: "w" }, anti: [term(HOST, { app: "w" })], ...extra });
const at = (pod: Pod, node: string): PlacedPod => ({ pod, node });

const nodes4 = [n("n1", "r1"), n("n2", "r1"), n("n3", "r2"), n("n4", "r2")];

interface Case {
  name: string;
  nodes?: Node[];
  placed?: PlacedPod[];
  bind: PlacedPod[];
  ns?: Record<string, Record<string, string>>;
  want: string | undefined;
}

const cases: Case[] = [
  {
    name: "no constraints anywhere",
    bind: [at(p({ name: "a" }), "n1"), at(p({ name: "b" }), "n1")],
    want: undefined,
  },
  {
    name: "anti-affinity among the gang's pods: one per host holds",
    bind: [at(worker("w0"), "n1"), at(worker("w1"), "n2"), at(worker("w2"), "n3")],
    want: undefined,
  },
  {
    name: "anti-affinity among the gang's pods: two on one host refused at the second",
    bind: [at(worker("w0"), "n1"), at(worker("w1"), "n1")],
    want: "pod default/w1 on node n1: pod default/w0 on node n1 has required pod anti-affinity",
  },
  {
    name: "own anti-affinity against a placed pod on a rack key",
    placed: [at(p({ name: "x", labels: { app: "x" } }), "n2")],
    bind: [at(p({ name: "a", anti: [term(RACK, { app: "x" })] }), "n1")],
    want: 'required pod anti-affinity (topologyKey example.com/rack, labelSelector {"matchLabels":{"app":"x"}}): pod default/x is in the same example.com/rack domain "r1"',
  },
  {
    name: "own anti-affinity: another rack is fine",
    placed: [at(p({ name: "x", labels: { app: "x" } }), "n2")],
    bind: [at(p({ name: "a", anti: [term(RACK, { app: "x" })] }), "n3")],
    want: undefined,
  },
  {
    name: "an existing pod's anti-affinity refuses the new pod (symmetry)",
    placed: [at(p({ name: "x", anti: [term(HOST, { app: "a" })] }), "n1")],
    bind: [at(p({ name: "a", labels: { app: "a" } }), "n1")],
    want: "pod default/x on node n1 has required pod anti-affinity",
  },
  {
    name: "anti-affinity only sees the term's namespaces (default: the owner's)",
    placed: [at(p({ name: "x", ns: "other", labels: { app: "x" } }), "n1")],
    bind: [at(p({ name: "a", anti: [term(HOST, { app: "x" })] }), "n1")],
    want: undefined,
  },
  {
    name: "namespaces named in the term",
    placed: [at(p({ name: "x", ns: "other", labels: { app: "x" } }), "n1")],
    bind: [at(p({ name: "a", anti: [term(HOST, { app: "x" }, { namespaces: ["other"] })] }), "n1")],
    want: "pod other/x",
  },
  {
    name: "namespaceSelector {} selects every namespace",
    placed: [at(p({ name: "x", ns: "other", labels: { app: "x" } }), "n1")],
    bind: [at(p({ name: "a", anti: [term(HOST, { app: "x" }, { namespaceSelector: {} })] }), "n1")],
    want: "pod other/x",
  },
  {
    name: "namespaceSelector by namespace labels",
    placed: [
      at(p({ name: "x", ns: "team-a", labels: { app: "x" } }), "n1"),
      at(p({ name: "y", ns: "team-b", labels: { app: "x" } }), "n2"),
    ],
    ns: { "team-a": { team: "a" }, "team-b": { team: "b" } },
    bind: [
      at(
        p({
          name: "a",
          anti: [term(HOST, { app: "x" }, { namespaceSelector: { matchLabels: { team: "b" } } })],
        }),
        "n1",
      ),
      at(
        p({
          name: "b",
          anti: [term(HOST, { app: "x" }, { namespaceSelector: { matchLabels: { team: "b" } } })],
        }),
        "n2",
      ),
    ],
    want: "pod default/b on node n2: required pod anti-affinity",
  },
  {
    name: "namespaceSelector over a namespace of unknown labels: anti-affinity refuses (never lets in what kube may refuse)",
    placed: [at(p({ name: "x", ns: "unlabelled", labels: { app: "x" } }), "n1")],
    bind: [
      at(
        p({
          name: "a",
          anti: [term(HOST, { app: "x" }, { namespaceSelector: { matchLabels: { team: "b" } } })],
        }),
        "n1",
      ),
    ],
    want: "pod unlabelled/x",
  },
  {
    name: "anti-affinity on a key the node lacks never conflicts",
    nodes: [n("n1"), n("n2")],
    placed: [at(p({ name: "x", labels: { app: "x" } }), "n2")],
    bind: [at(p({ name: "a", anti: [term(RACK, { app: "x" })] }), "n1")],
    want: undefined,
  },
  {
    name: "affinity to a placed pod's rack holds",
    placed: [at(p({ name: "leader", labels: { role: "leader" } }), "n1")],
    bind: [at(p({ name: "w", affinity: [term(RACK, { role: "leader" })] }), "n2")],
    want: undefined,
  },
  {
    name: "affinity to a placed pod's rack: another rack refused",
    placed: [at(p({ name: "leader", labels: { role: "leader" } }), "n1")],
    bind: [at(p({ name: "w", affinity: [term(RACK, { role: "leader" })] }), "n3")],
    want: 'no matching pod in example.com/rack domain "r2"',
  },
  {
    name: "affinity: the node must carry the key",
    nodes: [n("n1", "r1"), n("n9")],
    placed: [at(p({ name: "leader", labels: { role: "leader" } }), "n1")],
    bind: [at(p({ name: "w", affinity: [term(RACK, { role: "leader" })] }), "n9")],
    want: "the node has no label example.com/rack",
  },
  {
    name: "affinity: the first of a series that matches its own term goes anywhere, the rest follow",
    bind: [
      at(p({ name: "a", labels: { app: "s" }, affinity: [term(RACK, { app: "s" })] }), "n3"),
      at(p({ name: "b", labels: { app: "s" }, affinity: [term(RACK, { app: "s" })] }), "n4"),
      at(p({ name: "c", labels: { app: "s" }, affinity: [term(RACK, { app: "s" })] }), "n1"),
    ],
    want: "pod default/c on node n1: required pod affinity",
  },
  {
    name: "affinity to pods that do not exist, not matching itself: refused",
    bind: [at(p({ name: "w", affinity: [term(RACK, { role: "leader" })] }), "n1")],
    want: "no matching pod",
  },
  {
    name: "affinity to the gang's leader bound before it",
    bind: [
      at(p({ name: "leader", labels: { role: "leader" } }), "n3"),
      at(p({ name: "w", affinity: [term(RACK, { role: "leader" })] }), "n4"),
    ],
    want: undefined,
  },
  {
    name: "spread maxSkew 1 over hosts: 1/1/1/1 holds",
    bind: ["n1", "n2", "n3", "n4"].map((x, i) =>
      at(p({ name: `s${i}`, labels: { app: "s" }, spread: [spread(HOST, 1, { app: "s" })] }), x),
    ),
    want: undefined,
  },
  {
    name: "spread maxSkew 1 over hosts: a second pod on n1 before the others refused",
    bind: ["n1", "n1"].map((x, i) =>
      at(p({ name: `s${i}`, labels: { app: "s" }, spread: [spread(HOST, 1, { app: "s" })] }), x),
    ),
    want: 'pod default/s1 on node n1: topology spread constraint (topologyKey kubernetes.io/hostname, maxSkew 1): kubernetes.io/hostname "n1" would hold 2 matching pods against a global minimum of 0 (skew 2)',
  },
  {
    name: "spread counts placed pods of the namespace only, terminating ones not at all",
    placed: [
      at(p({ name: "o", ns: "other", labels: { app: "s" } }), "n2"),
      at(p({ name: "t", labels: { app: "s" }, deleting: true }), "n2"),
    ],
    nodes: [n("n1", "r1"), n("n2", "r1")],
    bind: [at(p({ name: "s", labels: { app: "s" }, spread: [spread(HOST, 1, { app: "s" })] }), "n2")],
    want: undefined,
  },
  {
    name: "spread over racks with maxSkew 2: 2/0 holds, 3/0 does not",
    bind: ["n1", "n2", "n1"].map((x, i) =>
      at(p({ name: `s${i}`, labels: { app: "s" }, spread: [spread(RACK, 2, { app: "s" })] }), x),
    ),
    want: "pod default/s2 on node n1: topology spread constraint (topologyKey example.com/rack, maxSkew 2)",
  },
  {
    name: "spread: nodes outside the pod's nodeSelector are not domains (Honor)",
    nodes: [n("n1", "r1", { pool: "a" }), n("n2", "r2", { pool: "b" })],
    bind: ["n1", "n1"].map((x, i) =>
      at(
        p({
          name: `s${i}`,
          labels: { app: "s" },
          nodeSelector: { pool: "a" },
          spread: [spread(RACK, 1, { app: "s" })],
        }),
        x,
      ),
    ),
    want: undefined,
  },
  {
    name: "spread: minDomains above the domains seen makes the global minimum 0",
    nodes: [n("n1", "r1"), n("n2", "r2")],
    placed: [at(p({ name: "x", labels: { app: "s" } }), "n2")],
    bind: [
      at(
        p({ name: "s", labels: { app: "s" }, spread: [spread(RACK, 1, { app: "s" }, { minDomains: 3 })] }),
        "n2",
      ),
    ],
    want: "global minimum of 0 (skew 2)",
  },
  {
    name: "spread: a node without the key is refused",
    nodes: [n("n1", "r1"), n("n9")],
    bind: [at(p({ name: "s", labels: { app: "s" }, spread: [spread(RACK, 1, { app: "s" })] }), "n9")],
    want: "the node has no label example.com/rack",
  },
  {
    name: "ScheduleAnyway is a preference, never a refusal",
    bind: ["n1", "n1", "n1"].map((x, i) =>
      at(
        p({
          name: `s${i}`,
          labels: { app: "s" },
          spread: [{ ...spread(HOST, 1, { app: "s" }), whenUnsatisfiable: "ScheduleAnyway" }],
        }),
        x,
      ),
    ),
    want: undefined,
  },
  {
    name: "matchLabelKeys narrows anti-affinity to the pod's own value",
    placed: [at(p({ name: "x", labels: { app: "w", rev: "1" } }), "n1")],
    bind: [
      at(
        p({
          name: "a",
          labels: { app: "w", rev: "2" },
          anti: [term(HOST, { app: "w" }, { matchLabelKeys: ["rev"] })],
        }),
        "n1",
      ),
    ],
    want: undefined,
  },
];

describe("pod constraint filter (kube-scheduler's InterPodAffinity and PodTopologySpread Filter)", () => {
  it.each(cases)("$name", (c) => {
    const got = checkBindings(c.bind, world(c.nodes ?? nodes4, c.placed ?? [], c.ns));
    if (c.want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(c.want);
  });
});
