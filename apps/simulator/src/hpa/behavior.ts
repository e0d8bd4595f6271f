// From the metrics' recommendation to the replica count written to the target, as Kubernetes' HPA
// controller does it (pkg/controller/podautoscaler/horizontal.go):
// - without spec.behavior: the highest recommendation of the downscale stabilisation window
//   (--horizontal-pod-autoscaler-downscale-stabilization, 5 min), then min/max and a scale-up
//   limit of max(2 x current, 4) per sync;
// - with spec.behavior (defaults filled as autoscaling/v2 does): recommendations stabilised within
//   each direction's stabilizationWindowSeconds, then the rate its policies allow (Pods/Percent per
//   periodSeconds, selectPolicy Max/Min/Disabled) given the scale events of those periods.
// Both record which limit bit in the AbleToScale and ScalingLimited conditions.

export interface ScalingPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: ScalingPolicy[];
  tolerance?: string | number;
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** autoscaling/v2 GenerateHPAScaleUpRules' defaults: no window, max(100%, 4 pods) per 15 s. */
export function scaleUpRules(r: ScalingRules | undefined): Required<Omit<ScalingRules, "tolerance">> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies ?? [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  };
}

/** GenerateHPAScaleDownRules' defaults: 100% per 15 s; the window defaults to the controller's. */
export function scaleDownRules(
  r: ScalingRules | undefined,
  downscaleWindowSeconds: number,
): Required<Omit<ScalingRules, "tolerance">> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? downscaleWindowSeconds,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies ?? [{ type: "Percent", value: 100, periodSeconds: 15 }],
  };
}

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

export interface Condition {
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  ableToScale: Condition;
  scalingLimited: Condition;
}

/** One HPA's memory between syncs (kcm keeps it per HPA key, in memory). */
export class ScaleHistory {
  private recommendations: Recommendation[] = [];
  private ups: ScaleEvent[] = [];
  private downs: ScaleEvent[] = [];

  /** recordInitialRecommendation: the current count is the first recommendation. */
  initial(current: number, nowMs: number): void {
    if (this.recommendations.length === 0) this.recommendations.push({ replicas: current, atMs: nowMs });
  }

  private record(replicas: number, nowMs: number, oldIndex: number): void {
    if (oldIndex >= 0) this.recommendations[oldIndex] = { replicas, atMs: nowMs };
    else this.recommendations.push({ replicas, atMs: nowMs });
  }

  /** normalizeDesiredReplicas: spec.behavior absent. */
  normalize(
    current: number,
    desired: number,
    min: number,
    max: number,
    downscaleWindowMs: number,
    nowMs: number,
  ): Normalized {
    let stabilized = desired;
    let old = -1;
    const cutoff = nowMs - downscaleWindowMs;
    this.recommendations.forEach((r, i) => {
      // kcm's cutoff is read after the sync's first record: a zero window excludes it too.
      if (r.atMs <= cutoff) old = i;
      else if (r.replicas > stabilized) stabilized = r.replicas;
    });
    this.record(desired, nowMs, old);
    const ableToScale: Condition =
      stabilized !== desired
        ? {
            status: "True",
            reason: "ScaleDownStabilized",
            message:
              "recent recommendations were higher than current one, applying the highest recent recommendation",
          }
        : { status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" };
    const { replicas, reason, message } = withRules(current, stabilized, min, max);
    return {
      replicas,
      ableToScale,
      scalingLimited: { status: replicas === stabilized ? "False" : "True", reason, message },
    };
  }

  /** normalizeDesiredReplicasWithBehaviors. */
  normalizeWithBehavior(
    behavior: Behavior,
    current: number,
    desired: number,
    min: number,
    max: number,
    downscaleWindowMs: number,
    nowMs: number,
  ): Normalized {
    const up = scaleUpRules(behavior.scaleUp);
    const down = scaleDownRules(behavior.scaleDown, Math.trunc(downscaleWindowMs / 1000));
    const upCutoff = nowMs - up.stabilizationWindowSeconds * 1000;
    const downCutoff = nowMs - down.stabilizationWindowSeconds * 1000;
    let upRec = desired;
    let downRec = desired;
    let old = -1;
    this.recommendations.forEach((r, i) => {
      if (r.atMs > upCutoff) upRec = Math.min(r.replicas, upRec);
      if (r.atMs > downCutoff) downRec = Math.max(r.replicas, downRec);
      if (r.atMs < upCutoff && r.atMs < downCutoff) old = i;
    });
    let stabilized = Math.max(current, upRec);
    stabilized = Math.min(stabilized, downRec);
    this.record(desired, nowMs, old);
    const ableToScale: Condition =
      stabilized === desired
        ? { status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" }
        : desired >= current
          ? {
              status: "True",
              reason: "ScaleUpStabilized",
              message:
                "recent recommendations were lower than current one, applying the lowest recent recommendation",
            }
          : {
              status: "True",
              reason: "ScaleDownStabilized",
              message:
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            };
    const { replicas, reason, message } = this.withRate(up, down, current, stabilized, min, max, nowMs);
    return {
      replicas,
      ableToScale,
      scalingLimited: { status: replicas === stabilized ? "False" : "True", reason, message },
    };
  }

  private withRate(
    up: Required<Omit<ScalingRules, "tolerance">>,
    down: Required<Omit<ScalingRules, "tolerance">>,
    current: number,
    desired: number,
    min: number,
    max: number,
    nowMs: number,
  ): { replicas: number; reason: string; message: string } {
    if (desired > current) {
      const limit = Math.max(current, scaleUpLimit(current, this.ups, up, nowMs));
      const [allowed, reason, message] =
        max > limit
          ? [
              limit,
              "ScaleUpLimit",
              "the desired replica count is increasing faster than the maximum scale rate",
            ]
          : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
      if (desired > allowed) return { replicas: allowed, reason, message };
    } else if (desired < current) {
      const limit = Math.min(current, scaleDownLimit(current, this.downs, down, nowMs));
      const [allowed, reason, message] =
        min < limit
          ? [
              limit,
              "ScaleDownLimit",
              "the desired replica count is decreasing faster than the maximum scale rate",
            ]
          : [min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"];
      if (desired < allowed) return { replicas: allowed, reason, message };
    }
    return {
      replicas: desired,
      reason: "DesiredWithinRange",
      message: "the desired count is within the acceptable range",
    };
  }

  /** storeScaleEvent: only with spec.behavior (the rate limits read them). */
  scaled(
    behavior: Behavior | undefined,
    prev: number,
    next: number,
    downscaleWindowMs: number,
    nowMs: number,
  ): void {
    if (!behavior) return;
    const upward = next > prev;
    const rules = upward
      ? scaleUpRules(behavior.scaleUp)
      : scaleDownRules(behavior.scaleDown, Math.trunc(downscaleWindowMs / 1000));
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    const events = upward ? this.ups : this.downs;
    let old = -1;
    events.forEach((e, i) => {
      if (e.atMs + longest < nowMs) e.outdated = true;
      if (e.outdated) old = i;
    });
    const event = { change: Math.abs(next - prev), atMs: nowMs, outdated: false };
    if (old >= 0) events[old] = event;
    else events.push(event);
  }
}

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(
  current: number,
  events: ScaleEvent[],
  rules: Required<Omit<ScalingRules, "tolerance">>,
  nowMs: number,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, events, nowMs);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(
  current: number,
  events: ScaleEvent[],
  rules: Required<Omit<ScalingRules, "tolerance">>,
  nowMs: number,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current + changeInPeriod(p.periodSeconds, events, nowMs);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithRules: min/max and, without behavior, max(2 x current, 4) per sync. */
export function withRules(
  current: number,
  desired: number,
  min: number,
  max: number,
): { replicas: number; reason: string; message: string } {
  const upLimit = Math.max(2 * current, 4);
  const [allowedMax, reason, message] =
    max > upLimit
      ? [
          upLimit,
          "ScaleUpLimit",
          "the desired replica count is increasing faster than the maximum scale rate",
        ]
      : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  if (desired < min)
    return {
      replicas: min,
      reason: "TooFewReplicas",
      message: "the desired replica count is less than the minimum replica count",
    };
  if (desired > allowedMax) return { replicas: allowedMax, reason, message };
  return {
    replicas: desired,
    reason: "DesiredWithinRange",
    message: "the desired count is within the acceptable range",
  };
}
