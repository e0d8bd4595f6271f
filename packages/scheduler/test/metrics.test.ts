import { NodeType } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import type { GangSchedulerMetrics, PendingReason, ScheduleResult } from "../src/index.js";
import { createAll, eventually, type Harness, harness, node, nodesOf, pod, podGang } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function recorder() {
  const r = {
    attempts: { scheduled: 0, unschedulable: 0, error: 0 } as Record<ScheduleResult, number>,
    latencies: [] as number[],
    pending: undefined as Readonly<Record<PendingReason, number>> | undefined,
    solverCalls: [] as number[],
  };
  const metrics: GangSchedulerMetrics = {
    scheduleAttempt: (result) => {
      r.attempts[result]++;
    },
    podGangSchedulingLatency: (s) => r.latencies.push(s),
    pendingPodGangs: (byReason) => {
      r.pending = { ...byReason };
    },
    solverDuration: (s) => r.solverCalls.push(s),
  };
  return { r, metrics };
}

describe("gang scheduler metrics hooks", () => {
  it("reports attempts by result, pending gangs by reason, solver time and creation-to-bound latency", async () => {
    const { r, metrics } = recorder();
    h = await harness({ metrics });
    await createAll(h.client, {
      // Room for one 2-cpu pod: the base gang (minimum 2) does not fit.
      nodes: [node({ name: "n1" })],
      gangs: [
        podGang("base", [{ name: "base-a", pods: ["b-0", "b-1"], min: 2 }]),
        podGang("base-sg-0", [{ name: "sg-a", pods: ["s-0"], min: 1 }], {
          labels: { "grove.io/base-podgang": "base" },
        }),
        podGang("gated", [{ name: "gated-a", pods: ["g-0"], min: 1 }]),
      ],
      pods: [
        pod({ name: "b-0", gang: "base", cpu: "2" }),
        pod({ name: "b-1", gang: "base", cpu: "2" }),
        pod({ name: "s-0", gang: "base-sg-0", basePodGang: "base", cpu: "2" }),
        pod({ name: "g-0", gang: "gated", gated: true }),
      ],
    });
    await eventually(async () =>
      expect(r.pending).toEqual({ unschedulable: 1, invalid: 0, waiting_for_base: 1, waiting_for_pods: 1 }),
    );
    expect(r.attempts.unschedulable).toBeGreaterThanOrEqual(1);
    expect(r.attempts.scheduled).toBe(0);
    expect(r.latencies).toEqual([]);
    expect(r.solverCalls.length).toBeGreaterThanOrEqual(1);
    expect(r.solverCalls.every((s) => s >= 0 && Number.isFinite(s))).toBe(true);

    await h.client.create(NodeType, node({ name: "n2" }));
    await h.client.create(NodeType, node({ name: "n3" }));
    await eventually(async () =>
      expect((await nodesOf(h?.client as Harness["client"], ["b-0", "b-1", "s-0"])).includes(undefined)).toBe(
        false,
      ),
    );
    await eventually(async () => {
      expect(r.pending).toEqual({ unschedulable: 0, invalid: 0, waiting_for_base: 0, waiting_for_pods: 1 });
      // One observation per PodGang that reached its minimum: base and its scaled gang.
      expect(r.latencies).toHaveLength(2);
    });
    expect(r.attempts.scheduled).toBeGreaterThanOrEqual(2);
    expect(r.attempts.error).toBe(0);
    for (const s of r.latencies) expect(s).toBeGreaterThanOrEqual(0);
  });
});
