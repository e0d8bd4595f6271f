// Placement policy per scheduler profile (README "Policies"): the scheduler name a gang's pods carry
// picks BinPack (the solver's default: most-allocated nodes first, fewest domains) or Spread (the
// solver's `spread` option: least-allocated nodes first inside the chosen domain).
import type { WorkGang } from "./gangs.js";

export type PlacementPolicy = "BinPack" | "Spread";

export const PLACEMENT_POLICIES: readonly PlacementPolicy[] = ["BinPack", "Spread"];

/** What a pod without spec.schedulerName is scheduled by (kube's default). */
const KUBE_DEFAULT_SCHEDULER = "default-scheduler";

export interface PolicyOptions {
  /** Policy per scheduler name; names not listed take `defaultPlacementPolicy`. */
  placementPolicies?: Readonly<Record<string, PlacementPolicy>> | undefined;
  /** Default "BinPack". */
  defaultPlacementPolicy?: PlacementPolicy | undefined;
}

/** Throws a RangeError naming the option when a policy is not BinPack or Spread. */
export function checkPolicies(o: PolicyOptions): void {
  const bad = (field: string, v: unknown) => {
    if (v !== undefined && !PLACEMENT_POLICIES.includes(v as PlacementPolicy))
      throw new RangeError(
        `${field}: must be one of ${PLACEMENT_POLICIES.join(", ")}, got ${JSON.stringify(v)}`,
      );
  };
  bad("defaultPlacementPolicy", o.defaultPlacementPolicy);
  for (const [name, v] of Object.entries(o.placementPolicies ?? {})) bad(`placementPolicies[${name}]`, v);
}

/** The policy of a gang: its first pod's scheduler name's, else the default. */
export function gangPolicy(w: WorkGang, o: PolicyOptions): PlacementPolicy {
  const first = w.groups.flatMap((g) => [...g.pending, ...g.bound])[0];
  const name = first?.spec?.schedulerName || KUBE_DEFAULT_SCHEDULER;
  return o.placementPolicies?.[name] ?? o.defaultPlacementPolicy ?? "BinPack";
}
