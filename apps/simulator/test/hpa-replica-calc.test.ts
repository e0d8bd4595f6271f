// The HPA's replica calculation against the cases of Kubernetes' own replica_calculator_test.go
// (./hpa-cases.ts).
import { describe, expect, it } from "vitest";
import { type CalcPod, type PodMetrics, plainReplicas, resourceReplicas } from "../src/hpa/replica-calc.js";
import { type Case, metrics, NOW, OPTS, ones, PODS, pods, RESOURCE } from "./hpa-cases.js";

describe("resource Utilization (GetResourceReplicas)", () => {
  for (const c of RESOURCE)
    it(c.name, () => {
      const r = resourceReplicas(
        c.current,
        c.target,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      );
      expect(r).toEqual({ replicas: c.want, utilization: c.utilization, rawAverage: c.value });
    });

  it("fails when no metric matches a known pod", () => {
    const c: Case = {
      name: "",
      current: 1,
      want: 0,
      requests: ones(1),
      levels: [100],
      metricNames: ["an-older-pod-name"],
      target: 100,
    };
    expect(() =>
      resourceReplicas(
        1,
        100,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      ),
    ).toThrow("no metrics returned matched known pods");
  });

  it("fails naming the container without a request", () => {
    const c: Case = { name: "", current: 1, want: 0, levels: [200], target: 100 };
    expect(() =>
      resourceReplicas(
        1,
        100,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      ),
    ).toThrow("missing request for cpu in container c0 of Pod test-pod-0");
  });

  it("fails when every pod is unready", () => {
    const c: Case = {
      name: "",
      current: 2,
      want: 0,
      requests: ones(2),
      levels: [500, 500],
      ready: ["False", "False"],
      target: 50,
    };
    expect(() =>
      resourceReplicas(
        2,
        50,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      ),
    ).toThrow("did not receive metrics for targeted pods (pods might be unready)");
  });

  it("the computed tolerance: a minimal scale-down just outside 0.1, none just inside", () => {
    // 10 pods using 2 x 150m each, requesting 2 x 300m each give or take (50% used).
    const deltas = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
    const c: Case = {
      name: "",
      current: 10,
      want: 0,
      requests: deltas.map((d) => 300 + d),
      levels: deltas.map(() => 150),
      target: 0,
    };
    // target = 1 / (2 x 0.9) + .01 = 0.5656 -> 56%: used/requested relative to it is 0.893 -> ceil(8.93) = 9
    expect(
      resourceReplicas(
        10,
        56,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      ).replicas,
    ).toBe(9);
    // + .004 -> 55%: 0.909, inside the tolerance
    expect(
      resourceReplicas(
        10,
        55,
        "cpu",
        pods(c),
        metrics(c, (l) => 2 * l),
        OPTS,
      ).replicas,
    ).toBe(10);
  });
});

describe("pods metric AverageValue (GetMetricReplicas)", () => {
  for (const c of PODS)
    it(c.name, () => {
      const r = plainReplicas(
        c.current,
        c.target,
        "",
        pods(c),
        metrics(c, (l) => l),
        OPTS,
      );
      expect(r).toEqual({ replicas: c.want, average: c.value });
    });
});

describe("CPU readiness", () => {
  const pod = (startAgoMs: number, readyAgoMs: number, status: "True" | "False" = "True"): CalcPod => ({
    name: "p",
    phase: "Running",
    deleted: false,
    startTimeMs: NOW - startAgoMs,
    ready: { status, lastTransitionMs: NOW - readyAgoMs },
    containers: [{ name: "c", requestMilli: 1000 }],
  });
  const m = (windowMs: number): PodMetrics => new Map([["p", { timestampMs: NOW, windowMs, value: 2000 }]]);

  it("counts a pod Ready for a whole metric window inside the initialisation period", () => {
    expect(resourceReplicas(1, 100, "cpu", [pod(60_000, 30_000)], m(30_000), OPTS).replicas).toBe(2);
  });
  it("leaves out a pod whose window since turning Ready is not complete", () => {
    expect(() => resourceReplicas(1, 100, "cpu", [pod(60_000, 30_000)], m(60_000), OPTS)).toThrow(
      "pods might be unready",
    );
  });
  it("after the initialisation period, leaves out only a pod never Ready", () => {
    expect(resourceReplicas(1, 100, "cpu", [pod(600_000, 500_000, "False")], m(30_000), OPTS).replicas).toBe(
      2,
    );
    expect(() => resourceReplicas(1, 100, "cpu", [pod(600_000, 590_000, "False")], m(30_000), OPTS)).toThrow(
      "pods might be unready",
    );
  });
  it("memory ignores readiness", () => {
    expect(plainReplicas(1, 1000, "memory", [pod(0, 0, "False")], m(30_000), OPTS).replicas).toBe(2);
  });
});
