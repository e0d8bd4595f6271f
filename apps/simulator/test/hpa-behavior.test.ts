// The HPA's stabilisation and rate limits (horizontal.go's normalizeDesiredReplicas[WithBehaviors])
// with explicit clocks, and grove-sim's --hpa-* flags with kube-controller-manager's equivalents.
import { describe, expect, it } from "vitest";
import { parseUp } from "../src/cli/up.js";
import { ScaleHistory, scaleDownRules, scaleUpRules, withRules } from "../src/hpa/behavior.js";
import { kcmHpaFlags } from "../src/hpa/settings.js";

const T0 = 1_000_000;

describe("without spec.behavior", () => {
  it("min/max and a scale-up of at most max(2 x current, 4) per sync", () => {
    expect(withRules(1, 10, 1, 20)).toMatchObject({ replicas: 4, reason: "ScaleUpLimit" });
    expect(withRules(5, 30, 1, 20)).toMatchObject({ replicas: 10, reason: "ScaleUpLimit" });
    expect(withRules(5, 30, 1, 8)).toMatchObject({ replicas: 8, reason: "TooManyReplicas" });
    expect(withRules(5, 0, 2, 8)).toMatchObject({ replicas: 2, reason: "TooFewReplicas" });
    expect(withRules(5, 6, 2, 8)).toMatchObject({ replicas: 6, reason: "DesiredWithinRange" });
  });

  it("a scale-down takes the highest recommendation of the window", () => {
    const h = new ScaleHistory();
    h.initial(5, T0);
    expect(h.normalize(5, 5, 1, 10, 300_000, T0).replicas).toBe(5);
    const down = h.normalize(5, 2, 1, 10, 300_000, T0 + 60_000);
    expect(down.replicas).toBe(5);
    expect(down.ableToScale.reason).toBe("ScaleDownStabilized");
    expect(h.normalize(5, 2, 1, 10, 300_000, T0 + 301_000).replicas).toBe(2);
  });
});

describe("with spec.behavior", () => {
  it("fills autoscaling/v2's defaults", () => {
    expect(scaleUpRules(undefined)).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ],
    });
    expect(scaleDownRules({}, 300)).toEqual({
      stabilizationWindowSeconds: 300,
      selectPolicy: "Max",
      policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
    });
  });

  it("a scale-up stabilisation window takes the lowest recent recommendation", () => {
    const h = new ScaleHistory();
    const b = { scaleUp: { stabilizationWindowSeconds: 60 } };
    h.initial(2, T0);
    const n = h.normalizeWithBehavior(b, 2, 6, 1, 10, 0, T0 + 1000);
    expect(n.replicas).toBe(2);
    expect(n.ableToScale.reason).toBe("ScaleUpStabilized");
    expect(h.normalizeWithBehavior(b, 2, 6, 1, 10, 0, T0 + 62_000).replicas).toBe(6);
  });

  it("policies count the changes of their period; Min picks the smaller change, Disabled none", () => {
    const b = {
      scaleDown: {
        stabilizationWindowSeconds: 0,
        policies: [{ type: "Pods" as const, value: 2, periodSeconds: 60 }],
      },
    };
    const h = new ScaleHistory();
    h.initial(10, T0);
    const first = h.normalizeWithBehavior(b, 10, 1, 1, 20, 0, T0 + 1000);
    expect(first).toMatchObject({
      replicas: 8,
      scalingLimited: { status: "True", reason: "ScaleDownLimit" },
    });
    h.scaled(b, 10, 8, 0, T0 + 1000);
    // Within the minute the 2 pods are spent.
    expect(h.normalizeWithBehavior(b, 8, 1, 1, 20, 0, T0 + 30_000).replicas).toBe(8);
    expect(h.normalizeWithBehavior(b, 8, 1, 1, 20, 0, T0 + 62_000).replicas).toBe(6);
    const min = {
      scaleUp: {
        selectPolicy: "Min" as const,
        policies: [
          { type: "Pods" as const, value: 1, periodSeconds: 15 },
          { type: "Percent" as const, value: 100, periodSeconds: 15 },
        ],
      },
    };
    expect(new ScaleHistory().normalizeWithBehavior(min, 4, 10, 1, 20, 0, T0).replicas).toBe(5);
    const off = { scaleUp: { selectPolicy: "Disabled" as const } };
    expect(new ScaleHistory().normalizeWithBehavior(off, 4, 10, 1, 20, 0, T0).replicas).toBe(4);
  });
});

describe("--hpa-* flags", () => {
  it("parse durations and pass kube-controller-manager's flags", () => {
    const flags = parseUp([
      "up",
      "--hpa-sync-period",
      "2s",
      "--hpa-downscale-stabilization",
      "10s",
      "--hpa-tolerance",
      "0.05",
    ]);
    expect(flags).toMatchObject({
      hpa: { syncPeriodMs: 2000, downscaleStabilizationMs: 10_000, tolerance: 0.05 },
    });
    expect(
      kcmHpaFlags({ syncPeriodMs: 2000, downscaleStabilizationMs: 10_000, cpuInitializationPeriodMs: 1000 }),
    ).toEqual([
      "--horizontal-pod-autoscaler-sync-period=2000ms",
      "--horizontal-pod-autoscaler-downscale-stabilization=10000ms",
      "--horizontal-pod-autoscaler-cpu-initialization-period=1000ms",
    ]);
  });

  it("refuse bad values naming the flag and the rule", () => {
    expect(() => parseUp(["up", "--hpa-sync-period", "15"])).toThrow(
      '--hpa-sync-period: must be a duration such as 500ms, 15s or 5m, got "15"',
    );
    expect(() => parseUp(["up", "--hpa-sync-period", "10ms"])).toThrow(
      "--hpa-sync-period: must be between 100ms and 24h",
    );
    expect(() => parseUp(["up", "--hpa-tolerance", "1.5"])).toThrow(
      "--hpa-tolerance: must be a number from 0 to below 1",
    );
    expect(() => parseUp(["nodes", "--kubeconfig", "k", "--hpa-sync-period", "1s"])).toThrow(
      "nodes: --hpa-sync-period applies to up only",
    );
  });
});
