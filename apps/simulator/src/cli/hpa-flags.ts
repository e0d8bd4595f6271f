// `grove-sim up --hpa-sync-period 2s --hpa-downscale-stabilization 10s ...`: the HPA controller's
// timing (README "Autoscaling"), kube-controller-manager's --horizontal-pod-autoscaler-* flags by
// another name: grove-sim's own controller on our API server, kcm's flags on the real control plane.
import type { HpaSettings } from "../hpa/settings.js";
import { UsageError } from "./args.js";

export const HPA_USAGE = `  --hpa-sync-period D        how often every HPA is reconciled (default 15s)
  --hpa-downscale-stabilization D
                             a scale-down applies the highest recommendation of this window
                             (default 5m)
  --hpa-cpu-initialization-period D
                             a pod's CPU sample counts only after a whole metric window of
                             readiness while the pod is younger than this (default 5m)
  --hpa-initial-readiness-delay D
                             after that, a not-Ready pod turned so within D of its start is taken
                             as never Ready (default 30s)
  --hpa-tolerance F          no scaling while usage/target is within 1 +- F (default 0.1)
                             (durations D: 500ms, 2s, 5m, 1h)
`;

export type HpaFlagValues = Partial<
  Record<
    | "hpa-sync-period"
    | "hpa-downscale-stabilization"
    | "hpa-cpu-initialization-period"
    | "hpa-initial-readiness-delay"
    | "hpa-tolerance",
    string
  >
>;

export const HPA_FLAG_NAMES = [
  "hpa-sync-period",
  "hpa-downscale-stabilization",
  "hpa-cpu-initialization-period",
  "hpa-initial-readiness-delay",
  "hpa-tolerance",
] as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as 500ms, 2s, 1.5m or 1h, in ms; `min` is the least accepted. */
export function durationFlag(v: string | undefined, name: string, minMs: number): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m)
    throw new UsageError(`--${name}: must be a duration such as 500ms, 15s or 5m, got ${JSON.stringify(v)}`);
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? "ms"] ?? 1);
  if (ms < minMs || ms > 86_400_000)
    throw new UsageError(`--${name}: must be between ${minMs}ms and 24h, got ${JSON.stringify(v)}`);
  return Math.round(ms);
}

/** The flags' values (undefined: not given), checked. */
export function hpaFlags(values: HpaFlagValues): { hpa?: HpaSettings } {
  const sync = durationFlag(values["hpa-sync-period"], "hpa-sync-period", 100);
  const down = durationFlag(values["hpa-downscale-stabilization"], "hpa-downscale-stabilization", 0);
  const cpu = durationFlag(values["hpa-cpu-initialization-period"], "hpa-cpu-initialization-period", 0);
  const ready = durationFlag(values["hpa-initial-readiness-delay"], "hpa-initial-readiness-delay", 0);
  const tol = values["hpa-tolerance"];
  let tolerance: number | undefined;
  if (tol !== undefined) {
    tolerance = Number(tol);
    if (!/^\d+(\.\d+)?$/.test(tol) || tolerance >= 1)
      throw new UsageError(`--hpa-tolerance: must be a number from 0 to below 1, got ${JSON.stringify(tol)}`);
  }
  const hpa: HpaSettings = {
    ...(sync !== undefined ? { syncPeriodMs: sync } : {}),
    ...(down !== undefined ? { downscaleStabilizationMs: down } : {}),
    ...(cpu !== undefined ? { cpuInitializationPeriodMs: cpu } : {}),
    ...(ready !== undefined ? { initialReadinessDelayMs: ready } : {}),
    ...(tolerance !== undefined ? { tolerance } : {}),
  };
  return Object.keys(hpa).length ? { hpa } : {};
}
