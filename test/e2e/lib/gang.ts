// Grove's gang-scheduling suite GS1-GS12 (grove-behaviour.md §18.1) as data: each scenario is its
// setup (PrepareTest(n), cordon k, workload) and a list of steps, each step an action through
// kubectl followed by the pod counts §18.1 asserts. `running` maps name the pods that must be the
// running ones where §18.1 names them (keys are PCLQ FQNs without the leading "<pcs>-").
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { expectedObjects, type Sizes, shapeOf } from "./expected.js";
import type { E2E } from "./harness.js";
import { countByPclq, distinctNodes, type PodView } from "./pods.js";
import { checkPod } from "./verify.js";
import { waitFor } from "./wait.js";

export type Action =
  | { apply: true }
  | { uncordon: number }
  | { scalePcs: number }
  /** Scale PCSG `<pcs>-<pcsIndex>-sg-x`. */
  | { scalePcsg: { pcsIndex: number; replicas: number } };

export interface Expect {
  total: number;
  running?: number;
  ready?: number;
  pending?: number;
  /** Exact map PCLQ (without "<pcs>-") -> running pods. */
  runningByPclq?: Record<string, number>;
  /** Every pending pod carries Unschedulable (condition and a Warning event from its scheduler). */
  unschedulableEvents?: boolean;
  distinctNodes?: boolean;
}

export interface Step {
  do: Action;
  expect: Expect;
}

export interface GangScenario {
  id: string;
  title: string;
  workload: "wl1" | "wl2";
  nodes: number;
  cordon: number;
  steps: Step[];
}

/** All pods Ready: `n` of `n`. */
const ready = (n: number, extra: Partial<Expect> = {}): Expect => ({
  total: n,
  running: n,
  ready: n,
  pending: 0,
  ...extra,
});
/** `total` pods of which `running` run and are Ready and the rest are Pending. */
const split = (total: number, running: number, extra: Partial<Expect> = {}): Expect => ({
  total,
  running,
  ready: running,
  pending: total - running,
  ...extra,
});
const allPending = (n: number, extra: Partial<Expect> = {}): Expect => split(n, 0, extra);

const base0 = { "0-pc-a": 1, "0-sg-x-0-pc-b": 1, "0-sg-x-0-pc-c": 1 };
const base1 = { "1-pc-a": 1, "1-sg-x-0-pc-b": 1, "1-sg-x-0-pc-c": 1 };
const full0 = { "0-pc-a": 2, "0-sg-x-0-pc-b": 1, "0-sg-x-0-pc-c": 3, "0-sg-x-1-pc-b": 1, "0-sg-x-1-pc-c": 3 };

export const GANG_SCENARIOS: GangScenario[] = [
  {
    id: "GS1",
    title: "WL1 on 9 of 10 needed nodes stays pending, all 10 run once a node is uncordoned",
    workload: "wl1",
    nodes: 10,
    cordon: 1,
    steps: [
      { do: { apply: true }, expect: allPending(10, { unschedulableEvents: true }) },
      { do: { uncordon: 1 }, expect: ready(10, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS2",
    title: "WL1 then PCSG scale-out to 3: the new scaled gang waits for capacity",
    workload: "wl1",
    nodes: 14,
    cordon: 5,
    steps: [
      { do: { apply: true }, expect: allPending(10) },
      { do: { uncordon: 1 }, expect: ready(10) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: split(14, 10) },
      { do: { uncordon: 4 }, expect: ready(14, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS3",
    title: "WL1 then PCS scale-out to 2: the second replica is an independent gang",
    workload: "wl1",
    nodes: 20,
    cordon: 11,
    steps: [
      { do: { apply: true }, expect: allPending(10) },
      { do: { uncordon: 1 }, expect: ready(10) },
      { do: { scalePcs: 2 }, expect: split(20, 10) },
      { do: { uncordon: 10 }, expect: ready(20, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS4",
    title: "WL1 with PCSG and PCS scale-outs interleaved with capacity",
    workload: "wl1",
    nodes: 28,
    cordon: 19,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { uncordon: 1 }, expect: ready(10) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: split(14, 10) },
      { do: { uncordon: 4 }, expect: ready(14) },
      { do: { scalePcs: 2 }, expect: split(24, 14) },
      { do: { uncordon: 10 }, expect: ready(24) },
      { do: { scalePcsg: { pcsIndex: 1, replicas: 3 } }, expect: split(28, 24) },
      { do: { uncordon: 4 }, expect: ready(28, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS5",
    title: "WL2: the base gang's minimum (3) runs first, the rest best-effort",
    workload: "wl2",
    nodes: 10,
    cordon: 8,
    steps: [
      { do: { apply: true }, expect: allPending(10) },
      { do: { uncordon: 1 }, expect: split(10, 3, { runningByPclq: base0 }) },
      { do: { uncordon: 7 }, expect: ready(10, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS6",
    title: "WL2: a scaled-out PCSG replica gets the next free nodes",
    workload: "wl2",
    nodes: 14,
    cordon: 12,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { uncordon: 1 }, expect: split(10, 3) },
      { do: { uncordon: 7 }, expect: ready(10) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: split(14, 10) },
      {
        do: { uncordon: 2 },
        expect: split(14, 12, { runningByPclq: { ...full0, "0-sg-x-2-pc-b": 1, "0-sg-x-2-pc-c": 1 } }),
      },
      { do: { uncordon: 2 }, expect: ready(14, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS7",
    title: "WL2: the scaled gang's minimum runs before the base gang's surplus",
    workload: "wl2",
    nodes: 14,
    cordon: 12,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { uncordon: 1 }, expect: split(10, 3) },
      {
        do: { uncordon: 2 },
        expect: split(10, 5, { runningByPclq: { ...base0, "0-sg-x-1-pc-b": 1, "0-sg-x-1-pc-c": 1 } }),
      },
      { do: { uncordon: 5 }, expect: ready(10) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: split(14, 10) },
      { do: { uncordon: 2 }, expect: split(14, 12) },
      { do: { uncordon: 2 }, expect: ready(14, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS8",
    title: "WL2 scaled to 3 PCSG replicas before any capacity: base minimum, then both scaled minimums",
    workload: "wl2",
    nodes: 14,
    cordon: 12,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: allPending(14) },
      { do: { uncordon: 1 }, expect: split(14, 3, { runningByPclq: base0 }) },
      {
        do: { uncordon: 4 },
        expect: split(14, 7, {
          runningByPclq: {
            ...base0,
            "0-sg-x-1-pc-b": 1,
            "0-sg-x-1-pc-c": 1,
            "0-sg-x-2-pc-b": 1,
            "0-sg-x-2-pc-c": 1,
          },
        }),
      },
      { do: { uncordon: 7 }, expect: ready(14, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS9",
    title: "WL2 then PCS scale-out: the second replica's base minimum runs on the next 3 nodes",
    workload: "wl2",
    nodes: 20,
    cordon: 18,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { uncordon: 1 }, expect: split(10, 3) },
      { do: { uncordon: 7 }, expect: ready(10) },
      { do: { scalePcs: 2 }, expect: split(20, 10) },
      { do: { uncordon: 3 }, expect: split(20, 13, { runningByPclq: { ...full0, ...base1 } }) },
      { do: { uncordon: 7 }, expect: ready(20, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS10",
    title: "WL2 with 2 PCS replicas before capacity: both base minimums, then both scaled minimums",
    workload: "wl2",
    nodes: 20,
    cordon: 18,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { scalePcs: 2 }, expect: allPending(20) },
      { do: { uncordon: 4 }, expect: split(20, 6, { runningByPclq: { ...base0, ...base1 } }) },
      {
        do: { uncordon: 4 },
        expect: split(20, 10, {
          runningByPclq: {
            ...base0,
            ...base1,
            "0-sg-x-1-pc-b": 1,
            "0-sg-x-1-pc-c": 1,
            "1-sg-x-1-pc-b": 1,
            "1-sg-x-1-pc-c": 1,
          },
        }),
      },
      { do: { uncordon: 10 }, expect: ready(20, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS11",
    title: "WL2 through PCSG and PCS scale-outs, capacity added in small steps",
    workload: "wl2",
    nodes: 28,
    cordon: 26,
    steps: [
      { do: { apply: true }, expect: { total: 10 } },
      { do: { uncordon: 1 }, expect: split(10, 3) },
      { do: { uncordon: 7 }, expect: ready(10) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: split(14, 10) },
      { do: { uncordon: 2 }, expect: split(14, 12) },
      { do: { uncordon: 2 }, expect: ready(14) },
      { do: { scalePcs: 2 }, expect: split(24, 14) },
      { do: { uncordon: 3 }, expect: split(24, 17) },
      { do: { uncordon: 7 }, expect: ready(24) },
      { do: { scalePcsg: { pcsIndex: 1, replicas: 3 } }, expect: split(28, 24) },
      { do: { uncordon: 2 }, expect: split(28, 26) },
      { do: { uncordon: 2 }, expect: ready(28, { distinctNodes: true }) },
    ],
  },
  {
    id: "GS12",
    title: "WL2 scaled at both levels before capacity: 28 pending, then gangs run as capacity comes",
    workload: "wl2",
    nodes: 28,
    cordon: 26,
    steps: [
      { do: { apply: true }, expect: allPending(10) },
      { do: { scalePcs: 2 }, expect: allPending(20) },
      { do: { scalePcsg: { pcsIndex: 0, replicas: 3 } }, expect: allPending(24) },
      { do: { scalePcsg: { pcsIndex: 1, replicas: 3 } }, expect: allPending(28) },
      { do: { uncordon: 4 }, expect: split(28, 6) },
      { do: { uncordon: 8 }, expect: split(28, 14) },
      { do: { uncordon: 14 }, expect: ready(28, { distinctNodes: true }) },
    ],
  },
];

export interface Workloads {
  /** Manifest path and PCS name of WL1 and WL2. */
  wl1: { path: string; pcs: string };
  wl2: { path: string; pcs: string };
}

/** Runs one scenario on a cluster with at least `nodes` worker nodes (cleanup is the caller's). */
export async function runGangScenario(e2e: E2E, s: GangScenario, workloads: Workloads): Promise<void> {
  const wl = workloads[s.workload];
  const pcs = wl.pcs;
  const trace = process.env.GROVE_E2E_TRACE ? (m: string) => console.log(`[${s.id}] ${m}`) : () => {};
  const tp = Date.now();
  await e2e.prepareTest(s.nodes, s.cordon);
  trace(`prepare: ${Date.now() - tp} ms`);
  for (const [i, step] of s.steps.entries()) {
    const a = step.do;
    const t0 = Date.now();
    if ("apply" in a) await e2e.apply(wl.path);
    else if ("uncordon" in a) await e2e.uncordon(a.uncordon);
    else if ("scalePcs" in a) await e2e.kubectl.ok(["scale", "pcs", pcs, `--replicas=${a.scalePcs}`]);
    else
      await e2e.kubectl.ok([
        "scale",
        "pcsg",
        `${pcs}-${a.scalePcsg.pcsIndex}-sg-x`,
        `--replicas=${a.scalePcsg.replicas}`,
      ]);
    const x = step.expect;
    const where = `${s.id} step ${i + 1} (${JSON.stringify(a)})`;
    const pods = await e2e.waitPods(pcs, {
      total: x.total,
      ...(x.running !== undefined ? { running: x.running } : {}),
      ...(x.ready !== undefined ? { ready: x.ready } : {}),
      ...(x.pending !== undefined ? { pending: x.pending } : {}),
    });
    trace(
      `step ${i + 1} ${JSON.stringify(a)}: ${Date.now() - t0} ms; running ${JSON.stringify(countByPclq(pods.filter((p) => p.phase === "Running")))}`,
    );
    if (x.runningByPclq) {
      const want = Object.fromEntries(Object.entries(x.runningByPclq).map(([k, v]) => [`${pcs}-${k}`, v]));
      expect(
        countByPclq(pods.filter((p) => p.phase === "Running")),
        `${where}: running pods per PodClique`,
      ).toEqual(want);
    }
    if (x.unschedulableEvents) await expectUnschedulableEvents(e2e, pcs, x.total);
    if (x.distinctNodes) expect(() => distinctNodes(pods), `${where}: distinct nodes`).not.toThrow();
    if (i === s.steps.length - 1) checkAllPods(s, pcs, wl.path, pods);
  }
}

/** Names, labels and env of every pod at the end of a scenario (grove-api.md §11.1, §12.1, §14). */
function checkAllPods(s: GangScenario, pcs: string, path: string, pods: readonly PodView[]): void {
  const sizes: Sizes = { pcsReplicas: 1, pcsg: {} };
  for (const { do: a } of s.steps) {
    if ("scalePcs" in a) sizes.pcsReplicas = a.scalePcs;
    if ("scalePcsg" in a) (sizes.pcsg ?? {})[`${pcs}-${a.scalePcsg.pcsIndex}-sg-x`] = a.scalePcsg.replicas;
  }
  const shape = shapeOf(readFileSync(path, "utf8"));
  const want = expectedObjects(shape, sizes);
  expect(pods.length, `${s.id}: pods at the end`).toBe(want.podCount);
  for (const p of want.pclqs) {
    const mine = pods.filter((x) => x.pclq === p.name);
    expect(mine.length, `${s.id}: pods of ${p.name}`).toBe(p.replicas);
    for (const pod of mine) checkPod(pod.raw, p, shape);
  }
}

/**
 * VerifyPodsArePendingWithUnschedulableEvents: every pod of the PCS is Pending, unbound, has
 * PodScheduled=False/Unschedulable, and has a Warning scheduling event from its own scheduler
 * (kai-scheduler for these workloads). Grove's harness wants reason `Unschedulable` (KAI's); the
 * kube-scheduler convention `FailedScheduling` is accepted as well, since the spec does not fix
 * which one a kai-compatible scheduler must use.
 */
export async function expectUnschedulableEvents(e2e: E2E, pcs: string, total: number): Promise<void> {
  // Grove's gate comes off once the PodGang lists the pod; the scheduler's verdict follows.
  let pods: PodView[] = [];
  await waitFor(
    `${pcs}: all ${total} pods Pending, unbound and PodScheduled=False/Unschedulable`,
    async () => {
      pods = await e2e.pods(pcs);
      const bad = pods.filter((p) => p.phase !== "Pending" || p.node || !p.unschedulable || p.gated);
      return {
        ok: pods.length === total && bad.length === 0,
        state: `${pods.length} pods; not yet: ${bad.map((p) => `${p.name}(${p.phase}${p.gated ? ",gated" : ""})`).join(", ")}`,
      };
    },
  );
  const names = new Set(pods.map((p) => p.name));
  let missing: string[] = [];
  await waitFor("an Unschedulable event on every pending pod", async () => {
    const events = await e2e.kubectl.json<{
      items: {
        type?: string;
        reason?: string;
        involvedObject?: { kind?: string; name?: string };
        source?: { component?: string };
        reportingComponent?: string;
      }[];
    }>(["get", "events"]);
    const have = new Set<string>();
    for (const ev of events.items) {
      const name = ev.involvedObject?.name ?? "";
      const pod = pods.find((p) => p.name === name);
      if (!pod || !names.has(name)) continue;
      const from = ev.source?.component || ev.reportingComponent;
      if (
        ev.type === "Warning" &&
        (ev.reason === "Unschedulable" || ev.reason === "FailedScheduling") &&
        from === pod.raw.spec?.schedulerName
      )
        have.add(name);
    }
    missing = [...names].filter((n) => !have.has(n));
    return { ok: missing.length === 0, state: `no event yet for ${missing.join(", ")}` };
  });
  expect(missing).toEqual([]);
}
