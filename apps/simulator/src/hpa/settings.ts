// The HPA controller's settings, one set for both control planes: grove-sim's own controller on
// our API server (./controller.ts) and kube-controller-manager's on the real one (its
// --horizontal-pod-autoscaler-* flags), so a suite sees the same timing on either.

export interface HpaSettings {
  /** --horizontal-pod-autoscaler-sync-period: default 15 s. */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization: default 5 min. */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period: default 5 min. */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay: default 30 s. */
  initialReadinessDelayMs?: number;
  /** --horizontal-pod-autoscaler-tolerance: default 0.1. */
  tolerance?: number;
}

/** kube-controller-manager's flags for the settings given (none for the defaults). */
export function kcmHpaFlags(s: HpaSettings = {}): string[] {
  const ms = (flag: string, v: number | undefined) =>
    v === undefined ? [] : [`--horizontal-pod-autoscaler-${flag}=${Math.round(v)}ms`];
  return [
    ...ms("sync-period", s.syncPeriodMs),
    ...ms("downscale-stabilization", s.downscaleStabilizationMs),
    ...ms("cpu-initialization-period", s.cpuInitializationPeriodMs),
    ...ms("initial-readiness-delay", s.initialReadinessDelayMs),
    ...(s.tolerance === undefined ? [] : [`--horizontal-pod-autoscaler-tolerance=${s.tolerance}`]),
  ];
}
