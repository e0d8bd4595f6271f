// The replica count one metric asks for, as Kubernetes' HPA controller computes it
// (pkg/controller/podautoscaler/replica_calculator.go): usage over target as a ratio, a tolerance
// band around 1.0 inside which nothing changes, and the pods that give no honest sample handled
// conservatively:
// - deleted and Failed pods are ignored; Pending pods are "unready";
// - for CPU, a pod is unready while Ready=False or while its first metric window since turning
//   Ready is not complete (within the CPU initialisation period after start), or when it has never
//   been Ready (after that period);
// - a pod without a metric is "missing".
// Unready pods count as using 0 on a scale-up (and are left out otherwise); missing pods count as
// 0 on a scale-up and as the target (at least 100% of request) on a scale-down; if the ratio
// recomputed that way flips direction or falls inside the tolerance, the count stays.
// All quantities are in thousandths (Kubernetes' MilliValue).

/** The parts of a pod the calculation reads. */
export interface CalcPod {
  name: string;
  phase?: string;
  deleted: boolean;
  /** status.startTime in ms since the epoch. */
  startTimeMs?: number;
  /** The Ready condition, if any: its status and lastTransitionTime (ms). */
  ready?: { status: string; lastTransitionMs: number };
  /** Per container (app containers and restartable init containers): its request of the resource, milli. */
  containers: { name: string; requestMilli?: number }[];
}

export interface PodMetric {
  timestampMs: number;
  windowMs: number;
  /** milli */
  value: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface Tolerances {
  scaleDown: number;
  scaleUp: number;
}

/** Kubernetes' default: --horizontal-pod-autoscaler-tolerance 0.1 both ways. */
export const DEFAULT_TOLERANCES: Tolerances = { scaleDown: 0.1, scaleUp: 0.1 };

export interface CalcOptions {
  tolerances?: Tolerances;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (default 5 min). */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (default 30 s). */
  initialReadinessDelayMs?: number;
  nowMs?: number;
}

export class ReplicaCalcError extends Error {
  readonly code = "ReplicaCalcFailed";
  constructor(message: string) {
    super(message);
    this.name = "ReplicaCalcError";
  }
}

const within = (t: Tolerances, ratio: number): boolean => 1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp;

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** replica_calculator.go groupPods: `cpu` applies CPU's readiness rules. */
export function groupPods(
  pods: readonly CalcPod[],
  metrics: PodMetrics,
  cpu: boolean,
  o: CalcOptions,
): Groups {
  const now = o.nowMs ?? Date.now();
  const initPeriod = o.cpuInitializationPeriodMs ?? 5 * 60_000;
  const readinessDelay = o.initialReadinessDelayMs ?? 30_000;
  const g: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleted || pod.phase === "Failed") {
      g.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === "Pending") {
      g.unready.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      g.missing.add(pod.name);
      continue;
    }
    if (cpu) {
      let unready: boolean;
      const c = pod.ready;
      if (!c || pod.startTimeMs === undefined) unready = true;
      else if (pod.startTimeMs + initPeriod > now)
        // Still initialising: unready, or not one whole metric window since the last transition.
        unready = c.status === "False" || metric.timestampMs < c.lastTransitionMs + metric.windowMs;
      // Unready and never been Ready.
      else unready = c.status === "False" && pod.startTimeMs + readinessDelay > c.lastTransitionMs;
      if (unready) {
        g.unready.add(pod.name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** calculatePodRequests: the sum of the containers' requests (one container's with `container`). */
export function podRequests(
  pods: readonly CalcPod[],
  resource: string,
  container?: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.containers) {
      if (container !== undefined && c.name !== container) continue;
      if (c.requestMilli === undefined)
        throw new ReplicaCalcError(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.name}`,
        );
      sum += c.requestMilli;
    }
    out.set(pod.name, sum);
  }
  return out;
}

/** GetResourceUtilizationRatio: ratio, utilization (whole percent) and the average raw usage (milli). */
export function utilizationRatio(
  metrics: PodMetrics,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let used = 0;
  let requested = 0;
  let counted = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    // A pod whose metric came in but which the selector no longer lists.
    if (r === undefined) continue;
    used += m.value;
    requested += r;
    counted++;
  }
  // kcm fails when no metric matched a known pod (Kubernetes #79365).
  if (requested === 0) throw new ReplicaCalcError("no metrics returned matched known pods");
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(used / counted) };
}

export interface ResourceReplicas {
  replicas: number;
  /** Whole percent of the request (Utilization targets). */
  utilization: number;
  /** Average usage per pod, milli. */
  rawAverage: number;
}

function without(metrics: PodMetrics, names: Set<string>): PodMetrics {
  const out = new Map(metrics);
  for (const n of names) out.delete(n);
  return out;
}

/** GetResourceReplicas: a Utilization target (percent of request) of `resource`. */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: readonly CalcPod[],
  allMetrics: PodMetrics,
  o: CalcOptions = {},
  container?: string,
): ResourceReplicas {
  if (pods.length === 0)
    throw new ReplicaCalcError("no pods returned by selector while calculating replica count");
  const t = o.tolerances ?? DEFAULT_TOLERANCES;
  const g = groupPods(pods, allMetrics, resource === "cpu", o);
  const metrics = without(without(allMetrics, g.ignored), g.unready);
  if (metrics.size === 0)
    throw new ReplicaCalcError("did not receive metrics for targeted pods (pods might be unready)");
  const requests = podRequests(pods, resource, container);
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization);
  const keep = { replicas: currentReplicas, utilization, rawAverage };
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(t, ratio)) return keep;
    return { ...keep, replicas: Math.ceil(ratio * g.readyCount) };
  }
  if (g.missing.size > 0) {
    // Scale-down: a missing pod uses the target (at least its whole request); scale-up: nothing.
    const fallback = Math.max(100, targetUtilization);
    for (const name of g.missing)
      if (ratio < 1)
        metrics.set(name, { ...zero, value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100) });
      else if (ratio > 1) metrics.set(name, zero);
  }
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, zero);
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  if (within(t, next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return keep;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return keep;
  return { ...keep, replicas };
}

const zero: PodMetric = { timestampMs: 0, windowMs: 0, value: 0 };

/**
 * calcPlainMetricReplicas: an AverageValue target (milli per pod) of a resource (`cpu` applies
 * CPU's readiness rules) or of a pods metric (resource "").
 */
export function plainReplicas(
  currentReplicas: number,
  targetAverage: number,
  resource: string,
  pods: readonly CalcPod[],
  allMetrics: PodMetrics,
  o: CalcOptions = {},
): { replicas: number; average: number } {
  if (pods.length === 0)
    throw new ReplicaCalcError("no pods returned by selector while calculating replica count");
  const t = o.tolerances ?? DEFAULT_TOLERANCES;
  const g = groupPods(pods, allMetrics, resource === "cpu", o);
  const metrics = without(without(allMetrics, g.ignored), g.unready);
  if (metrics.size === 0)
    throw new ReplicaCalcError("did not receive metrics for targeted pods (pods might be unready)");
  const usage = (m: PodMetrics) => {
    let sum = 0;
    for (const v of m.values()) sum += v.value;
    const average = Math.trunc(sum / m.size);
    return { ratio: average / targetAverage, average };
  };
  const { ratio, average } = usage(metrics);
  const keep = { replicas: currentReplicas, average };
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(t, ratio)) return keep;
    return { ...keep, replicas: Math.ceil(ratio * g.readyCount) };
  }
  if (g.missing.size > 0)
    for (const name of g.missing)
      if (ratio < 1) metrics.set(name, { ...zero, value: targetAverage });
      else metrics.set(name, zero);
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, zero);
  const next = usage(metrics).ratio;
  if (within(t, next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return keep;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return keep;
  return { ...keep, replicas };
}
