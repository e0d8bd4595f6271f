// `grove-sim up --nomination-margin MS --eviction-backoff MS`: the gang scheduler's preemption
// timings (packages/scheduler README "Preemption"; grove-operator's OperatorConfiguration
// scheduler.nominationMargin / scheduler.evictionBackoff).
import { intFlag } from "./args.js";

export interface PreemptionTimings {
  /** A nomination whose victims are not gone within their longest grace period plus this is dropped. */
  nominationMarginMs?: number;
  /** First retry delay of a victim's eviction the API server refused (doubling up to 30 s). */
  evictionBackoffMs?: number;
}

export const PREEMPTION_TIMING_USAGE = `  --nomination-margin MS      a preemptor's nomination is dropped when its victims are not gone
                             within their longest grace period plus MS (default 30000)
  --eviction-backoff MS      first retry delay of a victim's eviction the API server refused,
                             doubling up to 30 s (default 1000; at least 1)
`;

/** The flags' values (undefined: not given), checked: integers, the backoff at least 1 ms. */
export function preemptionTimings(values: {
  "nomination-margin"?: string | undefined;
  "eviction-backoff"?: string | undefined;
}): PreemptionTimings {
  const margin = intFlag(values["nomination-margin"], "nomination-margin", 0, 86_400_000);
  const backoff = intFlag(values["eviction-backoff"], "eviction-backoff", 1, 3_600_000);
  return {
    ...(margin !== undefined ? { nominationMarginMs: margin } : {}),
    ...(backoff !== undefined ? { evictionBackoffMs: backoff } : {}),
  };
}
