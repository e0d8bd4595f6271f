// Kubernetes' replica_calculator_test.go cases (pkg/controller/podautoscaler), written out as
// facts: pods of two containers each requesting `requests[i]` CPU, each container using `level`
// (so a pod uses 2 x level), metric timestamps at the zero time with a one-minute window, pods
// started at the zero time ("cool") unless "hot" (started two minutes ago, inside the five-minute
// CPU initialisation period).
import type { CalcPod, PodMetrics } from "../src/hpa/replica-calc.js";

export const NOW = Date.parse("2026-01-01T00:00:00Z");
export const HOT = NOW - 2 * 60_000;
export const OPTS = { nowMs: NOW, cpuInitializationPeriodMs: 5 * 60_000, initialReadinessDelayMs: 30_000 };

export interface Case {
  name: string;
  current: number;
  want: number;
  /** CPU request of each container (milli), per pod; missing = no request. */
  requests?: number[];
  /** Per container usage (milli) of pods 0..n-1 that have a metric. */
  levels: number[];
  /** Metric pod names when they differ from the pods'. */
  metricNames?: string[];
  ready?: ("True" | "False")[];
  phase?: string[];
  deleted?: boolean[];
  hot?: boolean[];
  target: number;
  utilization?: number;
  value?: number;
}

export function pods(c: Case): CalcPod[] {
  const n = Math.max(c.current, c.phase?.length ?? 0);
  return Array.from({ length: n }, (_, i) => {
    const req = c.requests?.[i];
    return {
      name: `test-pod-${i}`,
      phase: c.phase?.[i] ?? "Running",
      deleted: c.deleted?.[i] ?? false,
      startTimeMs: c.hot?.[i] ? HOT : 0,
      ready: { status: c.ready?.[i] ?? "True", lastTransitionMs: 0 },
      containers: [0, 1].map((k) => ({ name: `c${k}`, ...(req !== undefined ? { requestMilli: req } : {}) })),
    };
  });
}

export function metrics(c: Case, perPod: (level: number) => number): PodMetrics {
  return new Map(
    c.levels.map((l, i) => [
      c.metricNames?.[i] ?? `test-pod-${i}`,
      { timestampMs: 0, windowMs: 60_000, value: perPod(l) },
    ]),
  );
}

export const ones = (n: number) => Array.from({ length: n }, () => 1000);

export const RESOURCE: Case[] = [
  {
    name: "scale up",
    current: 3,
    want: 5,
    requests: ones(3),
    levels: [300, 500, 700],
    target: 30,
    utilization: 50,
    value: 1000,
  },
  {
    name: "scale up, an unready pod: less scale",
    current: 3,
    want: 4,
    requests: ones(3),
    levels: [300, 500, 700],
    ready: ["False", "True", "True"],
    target: 30,
    utilization: 60,
    value: 1200,
  },
  {
    name: "scale up, a hot CPU pod: less scale",
    current: 3,
    want: 4,
    requests: ones(3),
    levels: [300, 500, 700],
    hot: [true, false, false],
    target: 30,
    utilization: 60,
    value: 1200,
  },
  {
    name: "scale up, unready pods: no scale",
    current: 3,
    want: 3,
    requests: ones(3),
    levels: [400, 500, 700],
    ready: ["True", "False", "False"],
    target: 30,
    utilization: 40,
    value: 800,
  },
  {
    name: "hot unready pods: no scale",
    current: 3,
    want: 3,
    requests: ones(3),
    levels: [400, 500, 700],
    ready: ["True", "False", "False"],
    hot: [false, true, true],
    target: 30,
    utilization: 40,
    value: 800,
  },
  {
    name: "scale up ignores failed pods",
    current: 2,
    want: 4,
    requests: ones(4),
    levels: [500, 700],
    ready: ["True", "True", "False", "False"],
    phase: ["Running", "Running", "Failed", "Failed"],
    target: 30,
    utilization: 60,
    value: 1200,
  },
  {
    name: "scale up ignores deleted pods",
    current: 2,
    want: 4,
    requests: ones(4),
    levels: [500, 700],
    ready: ["True", "True", "False", "False"],
    phase: ["Running", "Running", "Running", "Running"],
    deleted: [false, false, true, true],
    target: 30,
    utilization: 60,
    value: 1200,
  },
  {
    name: "scale down",
    current: 5,
    want: 3,
    requests: ones(5),
    levels: [100, 300, 500, 250, 250],
    target: 50,
    utilization: 28,
    value: 560,
  },
  {
    name: "scale down includes unready pods",
    current: 5,
    want: 2,
    requests: ones(5),
    levels: [100, 300, 500, 250, 250],
    ready: ["True", "True", "True", "False", "False"],
    target: 50,
    utilization: 30,
    value: 600,
  },
  {
    name: "scale down excludes unscheduled pods",
    current: 5,
    want: 1,
    requests: ones(5),
    levels: [100],
    ready: ["True", "False", "False", "False", "False"],
    phase: ["Running", "Pending", "Pending", "Pending", "Pending"],
    target: 50,
    utilization: 10,
    value: 200,
  },
  {
    name: "scale down ignores hot CPU pods",
    current: 5,
    want: 2,
    requests: ones(5),
    levels: [100, 300, 500, 250, 250],
    hot: [false, false, false, true, true],
    target: 50,
    utilization: 30,
    value: 600,
  },
  {
    name: "scale down ignores failed pods",
    current: 5,
    want: 3,
    requests: ones(7),
    levels: [100, 300, 500, 250, 250],
    ready: ["True", "True", "True", "True", "True", "False", "False"],
    phase: ["Running", "Running", "Running", "Running", "Running", "Failed", "Failed"],
    target: 50,
    utilization: 28,
    value: 560,
  },
  {
    name: "tolerance",
    current: 3,
    want: 3,
    requests: [900, 1000, 1100],
    levels: [1010, 1030, 1020],
    target: 100,
    utilization: 102,
    value: 2040,
  },
  {
    name: "superfluous metrics",
    current: 4,
    want: 24,
    requests: ones(4),
    levels: [4000, 9500, 3000, 7000, 3200, 2000],
    target: 100,
    utilization: 587,
    value: 11750,
  },
  {
    name: "missing metrics",
    current: 4,
    want: 3,
    requests: ones(4),
    levels: [400, 95],
    target: 100,
    utilization: 24,
    value: 495,
  },
  {
    name: "missing metrics, no change (equal)",
    current: 2,
    want: 2,
    requests: ones(2),
    levels: [1000],
    target: 100,
    utilization: 100,
    value: 2000,
  },
  {
    name: "missing metrics, no change (greater)",
    current: 2,
    want: 2,
    requests: ones(2),
    levels: [1900],
    target: 100,
    utilization: 190,
    value: 3800,
  },
  {
    name: "missing metrics, no change (less)",
    current: 2,
    want: 2,
    requests: ones(2),
    levels: [600],
    target: 100,
    utilization: 60,
    value: 1200,
  },
  {
    name: "missing metrics and an unready pod: no change",
    current: 3,
    want: 3,
    requests: ones(3),
    levels: [100, 450],
    ready: ["False", "True", "True"],
    target: 50,
    utilization: 45,
    value: 900,
  },
  {
    name: "missing metrics and a hot CPU pod: no change",
    current: 3,
    want: 3,
    requests: ones(3),
    levels: [100, 450],
    hot: [true, false, false],
    target: 50,
    utilization: 45,
    value: 900,
  },
  {
    name: "missing metrics, unready: scale up",
    current: 3,
    want: 4,
    requests: ones(3),
    levels: [100, 2000],
    ready: ["False", "True", "True"],
    target: 50,
    utilization: 200,
    value: 4000,
  },
  {
    name: "missing metrics, unready: scale down",
    current: 4,
    want: 3,
    requests: ones(4),
    levels: [100, 100, 100],
    ready: ["False", "True", "True", "True"],
    target: 50,
    utilization: 10,
    value: 200,
  },
  {
    name: "rolling update with max surge",
    current: 2,
    want: 2,
    requests: ones(3),
    levels: [100, 100],
    phase: ["Running", "Running", "Running"],
    target: 50,
    utilization: 10,
    value: 200,
  },
];

export const PODS: Case[] = [
  { name: "scale up", current: 3, want: 4, levels: [20000, 10000, 30000], target: 15000, value: 20000 },
  {
    name: "scale up: readiness is not looked at for a pods metric",
    current: 3,
    want: 6,
    levels: [50000, 10000, 30000],
    ready: ["True", "True", "False"],
    hot: [false, false, true],
    target: 15000,
    value: 30000,
  },
  {
    name: "scale up, hot pods, would scale down otherwise",
    current: 3,
    want: 7,
    levels: [50000, 15000, 30000],
    ready: ["False", "True", "False"],
    hot: [true, false, true],
    target: 15000,
    value: 31666,
  },
  {
    name: "scale down",
    current: 5,
    want: 3,
    levels: [12000, 12000, 12000, 12000, 12000],
    target: 20000,
    value: 12000,
  },
  { name: "tolerance", current: 3, want: 3, levels: [20000, 21000, 21000], target: 20000, value: 20666 },
  { name: "no labels", current: 1, want: 2, levels: [8600], target: 4400, value: 8600 },
];
