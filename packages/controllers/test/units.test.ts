// Pure parts, table-driven: scale-in order, PodClique status, startsAfter resolution, PodGang
// composition with topology translation, the TopologyLevelsUnavailable condition.

import { describe, expect, it } from "vitest";
import {
  compareForDeletion,
  computePclqStatus,
  desiredPodGangs,
  resolveStartsAfter,
  selectVictims,
  topologyCondition,
  topologyTranslator,
} from "../src/index.js";
import type { Pod } from "../src/kube-types.js";
import type { ClusterTopologyBinding, PodClique, PodCliqueSet } from "../src/types.js";
import { pcsOf } from "./fixtures.js";

// ---- builders ----
interface PodOpts {
  name?: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  scheduled?: boolean;
  gated?: boolean;
  hash?: string;
  created?: string;
  terminating?: boolean;
  exitCode?: number;
  startedNotReady?: boolean;
}
function pod(o: PodOpts = {}): Pod {
  const conditions = [];
  if (o.scheduled ?? o.node !== undefined) conditions.push({ type: "PodScheduled", status: "True" });
  else if (o.gated) conditions.push({ type: "PodScheduled", status: "False", reason: "SchedulingGated" });
  if (o.ready) conditions.push({ type: "Ready", status: "True" });
  return {
    metadata: {
      name: o.name ?? "p",
      labels: { "grove.io/pod-template-hash": o.hash ?? "h1" },
      ...(o.created ? { creationTimestamp: o.created } : {}),
      ...(o.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? "Running",
      conditions,
      containerStatuses: [
        {
          name: "c",
          image: "i",
          imageID: "",
          restartCount: 0,
          ready: o.ready ?? false,
          started: o.startedNotReady ? true : (o.ready ?? false),
          ...(o.exitCode !== undefined ? { lastState: { terminated: { exitCode: o.exitCode } } } : {}),
        },
      ],
    },
  } as Pod;
}

describe("scale-in victim order (grove-behaviour.md §12.3)", () => {
  const base: PodOpts = {
    node: "n",
    phase: "Running",
    ready: true,
    hash: "h1",
    created: "2026-01-01T00:00:00Z",
  };
  it.each([
    ["terminating first", { ...base, terminating: true }, base],
    ["unassigned before assigned", { ...base, node: undefined, scheduled: false }, base],
    ["Pending before Running", { ...base, phase: "Pending" }, base],
    ["Unknown before Running", { ...base, phase: "Unknown" }, base],
    ["not ready before ready", { ...base, ready: false }, base],
    ["outdated template hash first", { ...base, hash: "old" }, base],
    ["no creationTimestamp first", { ...base, created: undefined }, base],
    ["newer before older", { ...base, created: "2026-01-02T00:00:00Z" }, base],
    [
      "unassigned beats every later criterion",
      { ...base, node: undefined, scheduled: false, ready: true, created: "2025-01-01T00:00:00Z" },
      { ...base, ready: false, hash: "old", phase: "Pending" },
    ],
  ] as [string, PodOpts, PodOpts][])("%s", (_name, first, second) => {
    expect(compareForDeletion(pod(first), pod(second), "h1")).toBeLessThan(0);
    expect(compareForDeletion(pod(second), pod(first), "h1")).toBeGreaterThan(0);
  });

  it("selects the first N", () => {
    const pods = [
      pod({ ...base, name: "old-ready" }),
      pod({ ...base, name: "unbound", node: undefined, scheduled: false }),
      pod({ ...base, name: "new-ready", created: "2026-02-01T00:00:00Z" }),
    ];
    expect(selectVictims(pods, 2, "h1").map((p) => p.metadata.name)).toEqual(["unbound", "new-ready"]);
  });
});

describe("PodClique status (grove-behaviour.md §4.5)", () => {
  const pclq = (
    replicas: number,
    minAvailable: number,
    status: Record<string, unknown> = { observedGeneration: 1 },
  ): PodClique =>
    ({
      metadata: {
        name: "x-0-a",
        generation: 1,
        labels: { "grove.io/pod-template-hash": "h1", "app.kubernetes.io/part-of": "x" },
      },
      spec: { roleName: "a", replicas, minAvailable, podSpec: { containers: [] } },
      status,
    }) as unknown as PodClique;
  const now = new Date("2026-01-01T00:00:00Z");
  const cond = (s: ReturnType<typeof computePclqStatus>, t: string) =>
    s.conditions?.find((c) => c.type === t);

  it.each([
    [
      "all ready",
      [pod({ node: "n", ready: true }), pod({ node: "n", ready: true })],
      2,
      "False",
      "SufficientReadyPods",
      "True",
    ],
    [
      "one unscheduled",
      [pod({ node: "n", ready: true }), pod({ gated: true })],
      2,
      "True",
      "ScheduledReplicasBelowMinAvailable",
      "False",
    ],
    [
      "one crash-looping",
      [pod({ node: "n", ready: true }), pod({ node: "n", exitCode: 1 })],
      2,
      "True",
      "InsufficientReadyPods",
      "True",
    ],
    [
      "one started, not ready",
      [pod({ node: "n", ready: true }), pod({ node: "n", startedNotReady: true })],
      2,
      "True",
      "InsufficientReadyPods",
      "True",
    ],
    [
      "scheduled but still starting counts as available",
      [pod({ node: "n", ready: true }), pod({ node: "n" })],
      2,
      "False",
      "SufficientReadyPods",
      "True",
    ],
    [
      "below replicas but at minAvailable",
      [pod({ node: "n", ready: true }), pod({ gated: true })],
      1,
      "False",
      "SufficientReadyPods",
      "True",
    ],
  ] as [string, Pod[], number, string, string, string][])(
    "%s",
    (_n, pods, min, breached, reason, scheduledCond) => {
      const s = computePclqStatus({ pclq: pclq(2, min), pods, pcsHash: "ph", specCompleted: true, now });
      expect(cond(s, "MinAvailableBreached")).toMatchObject({ status: breached, reason });
      expect(cond(s, "PodCliqueScheduled")?.status).toBe(scheduledCond);
    },
  );

  it("counts and selectors", () => {
    const pods = [
      pod({ node: "n", ready: true }),
      pod({ gated: true }),
      pod({ node: "n", ready: true, terminating: true }),
      pod({ gated: true, hash: "old" }),
    ];
    const s = computePclqStatus({ pclq: pclq(3, 1), pods, pcsHash: "ph", specCompleted: false, now });
    expect(s).toMatchObject({
      replicas: 3,
      readyReplicas: 2,
      scheduledReplicas: 2,
      scheduleGatedReplicas: 2,
      updatedReplicas: 2,
      hpaPodSelector:
        "app.kubernetes.io/managed-by=grove-operator,app.kubernetes.io/part-of=x,grove.io/podclique=x-0-a",
    });
    expect(s.currentPodTemplateHash).toBeUndefined();
  });

  it("writes no conditions before observedGeneration, keeps lastTransitionTime while status holds", () => {
    const pods = [pod({ node: "n", ready: true })];
    expect(
      computePclqStatus({ pclq: pclq(1, 1, {}), pods, pcsHash: "ph", specCompleted: false, now }).conditions,
    ).toBeUndefined();
    const first = computePclqStatus({ pclq: pclq(1, 1), pods, pcsHash: "ph", specCompleted: true, now });
    const later = computePclqStatus({
      pclq: pclq(1, 1, first as unknown as Record<string, unknown>),
      pods,
      pcsHash: "ph",
      specCompleted: true,
      now: new Date("2026-02-01T00:00:00Z"),
    });
    expect(later).toEqual(first);
  });
});

describe("startsAfter resolution (grove-behaviour.md §11.1)", () => {
  const shape = (type: string, extra: Record<string, { startsAfter?: string[] }> = {}) =>
    pcsOf(
      "w",
      ["pca", "pcb", "pcc"].map((n) => ({ name: n, replicas: 1, extra: extra[n] ?? {} })),
      [{ name: "sg", cliqueNames: ["pcb", "pcc"], replicas: 3, minAvailable: 2 }],
      1,
      { cliqueStartupType: type },
    );
  const clique = (pcs: PodCliqueSet, n: string) =>
    pcs.spec.template.cliques.find(
      (c) => c.name === n,
    ) as PodCliqueSet["spec"]["template"]["cliques"][number];
  const cfg = (pcs: PodCliqueSet) =>
    (pcs.spec.template.podCliqueScalingGroups ?? [])[0] as NonNullable<
      PodCliqueSet["spec"]["template"]["podCliqueScalingGroups"]
    >[number];

  it.each([
    ["AnyOrder: none", "CliqueStartupTypeAnyOrder", "pcb", 0, []],
    ["InOrder: first clique has none", "CliqueStartupTypeInOrder", "pca", undefined, []],
    [
      "InOrder: base-gang member after a standalone parent",
      "CliqueStartupTypeInOrder",
      "pcb",
      1,
      ["w-0-pca"],
    ],
    ["InOrder: scaled-gang member drops parents outside its PCSG", "CliqueStartupTypeInOrder", "pcb", 2, []],
    [
      "InOrder: scaled-gang member keeps its own PCSG replica's parent",
      "CliqueStartupTypeInOrder",
      "pcc",
      2,
      ["w-0-sg-2-pcb"],
    ],
    [
      "InOrder: base-gang member after a PCSG parent maps to replicas < minAvailable",
      "CliqueStartupTypeInOrder",
      "pcc",
      0,
      ["w-0-sg-0-pcb", "w-0-sg-1-pcb"],
    ],
  ] as [string, string, string, number | undefined, string[]][])("%s", (_n, type, name, replica, want) => {
    const pcs = shape(type);
    const member = replica === undefined ? undefined : { cfg: cfg(pcs), replica };
    expect(resolveStartsAfter(pcs, 0, clique(pcs, name), member)).toEqual(want);
  });

  it("Explicit: standalone child of PCSG parents", () => {
    const pcs = shape("CliqueStartupTypeExplicit", { pca: { startsAfter: ["pcb", "pcc"] } });
    expect(resolveStartsAfter(pcs, 0, clique(pcs, "pca"))).toEqual([
      "w-0-sg-0-pcb",
      "w-0-sg-1-pcb",
      "w-0-sg-0-pcc",
      "w-0-sg-1-pcc",
    ]);
  });
});

describe("PodGang composition and topology (grove-behaviour.md §9, §14.1)", () => {
  const ctb = {
    metadata: { name: "fabric" },
    spec: {
      levels: [
        { domain: "zone", key: "topology.kubernetes.io/zone" },
        { domain: "rack", key: "topology.kubernetes.io/rack" },
        { domain: "host", key: "kubernetes.io/hostname" },
      ],
    },
  } as unknown as ClusterTopologyBinding;
  const pcs = () => {
    const p = pcsOf(
      "t",
      [
        { name: "fe", replicas: 2 },
        { name: "prefill", replicas: 1 },
        { name: "decode", replicas: 2, minAvailable: 1 },
      ],
      [{ name: "ig", cliqueNames: ["prefill", "decode"], replicas: 3, minAvailable: 2 }],
      1,
      { topologyConstraint: { topologyName: "fabric", pack: { required: "zone" } } },
    );
    const t = p.spec.template;
    (t.podCliqueScalingGroups?.[0] as { topologyConstraint?: unknown }).topologyConstraint = {
      pack: { required: "rack" },
    };
    (t.cliques[2] as { topologyConstraint?: unknown }).topologyConstraint = {
      pack: { preferred: "host", required: "gone" },
    };
    return p;
  };

  it("base gang with group configs, scaled gangs from the live PCSG replicas, keys not domains", () => {
    const gangs = desiredPodGangs(
      pcs(),
      (n) => (n === "t-0-ig" ? 4 : undefined),
      topologyTranslator(ctb, true),
    );
    expect(gangs.map((g) => g.name)).toEqual(["t-0", "t-0-ig-0", "t-0-ig-1"]);
    const [base, scaled] = gangs;
    expect(base?.topologyConstraint).toEqual({ packConstraint: { required: "topology.kubernetes.io/zone" } });
    expect(base?.groups.map((g) => [g.name, g.minReplicas])).toEqual([
      ["t-0-fe", 2],
      ["t-0-ig-0-prefill", 1],
      ["t-0-ig-0-decode", 1],
      ["t-0-ig-1-prefill", 1],
      ["t-0-ig-1-decode", 1],
    ]);
    expect(base?.groupConfigs?.map((c) => [c.name, c.podGroupNames])).toEqual([
      ["t-0-ig-0", ["t-0-ig-0-prefill", "t-0-ig-0-decode"]],
      ["t-0-ig-1", ["t-0-ig-1-prefill", "t-0-ig-1-decode"]],
    ]);
    expect(base?.groupConfigs?.[0]?.topologyConstraint).toEqual({
      packConstraint: { required: "topology.kubernetes.io/rack" },
    });
    // An unknown domain is dropped, the known one kept.
    expect(base?.groups[2]?.topologyConstraint).toEqual({
      packConstraint: { preferred: "kubernetes.io/hostname" },
    });
    expect(scaled?.groups.map((g) => g.name)).toEqual(["t-0-ig-2-prefill", "t-0-ig-2-decode"]);
    expect(scaled?.topologyConstraint).toEqual({
      packConstraint: { required: "topology.kubernetes.io/rack" },
    });
  });

  it.each([
    ["TAS disabled", false, ctb],
    ["CT missing", true, undefined],
  ] as [string, boolean, ClusterTopologyBinding | undefined][])(
    "%s: no constraint anywhere",
    (_n, tas, c) => {
      const gangs = desiredPodGangs(pcs(), () => undefined, topologyTranslator(c, tas));
      expect(gangs.map((g) => g.name)).toEqual(["t-0", "t-0-ig-0"]);
      for (const g of gangs) {
        expect(g.topologyConstraint).toBeUndefined();
        expect(g.groupConfigs).toBeUndefined();
        expect(g.groups.every((x) => x.topologyConstraint === undefined)).toBe(true);
      }
    },
  );

  it.each([
    ["TAS off, constraints", false, ctb, "Unknown", "TopologyAwareSchedulingDisabled"],
    ["CT not found", true, undefined, "Unknown", "ClusterTopologyNotFound"],
    ["a domain missing from the CT", true, ctb, "True", "ClusterTopologyLevelsUnavailable"],
  ] as [string, boolean, ClusterTopologyBinding | undefined, string, string][])(
    "TopologyLevelsUnavailable: %s",
    (_n, tas, c, status, reason) => {
      expect(topologyCondition(pcs(), () => c, tas)).toMatchObject({ status, reason });
    },
  );

  it("TopologyLevelsUnavailable without constraints", () => {
    const plain = pcsOf("p", [{ name: "a", replicas: 1 }]);
    expect(topologyCondition(plain, () => undefined, false)).toBeUndefined();
    expect(topologyCondition(plain, () => undefined, true)).toMatchObject({
      status: "False",
      reason: "AllClusterTopologyLevelsAvailable",
    });
  });
});

describe("pod expectations", () => {
  it("hide pods this process created or deleted until the cache shows them, and expire", async () => {
    const { PodExpectations } = await import("../src/context.js");
    let now = 0;
    const e = new PodExpectations(1000, () => now);
    e.expectCreate("ns/q", "q-abcde", "q-3");
    e.expectDelete("ns/q", "q-old");
    let r = e.reconcile("ns/q", new Set(["q-old"]));
    expect([...r.creates]).toEqual([["q-abcde", "q-3"]]);
    expect([...r.deletes]).toEqual(["q-old"]);
    r = e.reconcile("ns/q", new Set(["q-abcde"]));
    expect(r.creates.size).toBe(0);
    expect(r.deletes.size).toBe(0);
    e.expectCreate("ns/q", "q-never-seen", "q-4");
    now = 2000;
    expect(e.reconcile("ns/q", new Set()).creates.size).toBe(0);
    e.expectDelete("ns/q", "q-x");
    e.cancelDelete("ns/q", "q-x");
    expect(e.reconcile("ns/q", new Set(["q-x"])).deletes.size).toBe(0);
  });
});

describe("createGroveControllers options", () => {
  it.each([
    [{ concurrency: { pcs: 0 } }, "options.concurrency.pcs: must be an integer >= 1, got 0"],
    [{ concurrency: { pclq: 1.5 } }, "options.concurrency.pclq: must be an integer >= 1, got 1.5"],
    [{ requeueAfterMs: 0 }, "options.requeueAfterMs: must be a positive number of milliseconds, got 0"],
    [
      { podGangEmptyReplicasPerPass: 1.5 },
      "options.podGangEmptyReplicasPerPass: must be an integer >= 0, got 1.5",
    ],
    [{ defaultSchedulerName: "" }, "options.defaultSchedulerName: must not be empty"],
  ])("rejects %j", async (opts, message) => {
    const { createGroveControllers } = await import("../src/index.js");
    expect(() => createGroveControllers({} as never, opts)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_OPTION", message }),
    );
  });
});
