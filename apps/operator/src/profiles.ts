// OperatorConfiguration `scheduler.profiles[].config.placement`: the placement policy of a scheduler
// profile, a grove-ts extension inside Grove's free-form profile `config` (Grove's own keys there,
// e.g. default-scheduler's `gangScheduling`, stay valid and are reported as not acted on). A
// profile's name is the scheduler name its pods carry; the default profile's policy also covers the
// gang scheduler's own names (a PodCliqueSet that names no scheduler is gang-scheduled by ours).
import { PLACEMENT_POLICIES, type PlacementPolicy } from "@grove-ts/scheduler";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface ProfilePolicies {
  /** Policy per profile (scheduler) name, for the profiles that set one. */
  placementPolicies?: Record<string, PlacementPolicy>;
  /** The default profile's policy, when it sets one. */
  defaultPlacementPolicy?: PlacementPolicy;
}

/**
 * Reads each profile's `config` (absent, or a mapping) and its `placement`; `bad` records a problem
 * by field path, `ignored` gets the profile config keys grove-operator does not act on.
 */
export function profilePolicies(
  profiles: unknown,
  defaultProfileName: string,
  bad: (field: string, rule: string) => void,
  ignored: string[],
): ProfilePolicies {
  if (!Array.isArray(profiles)) return {};
  const byName: Record<string, PlacementPolicy> = {};
  profiles.forEach((p, i) => {
    const config = isObj(p) ? p.config : undefined;
    if (config === undefined || config === null) return;
    const field = `scheduler.profiles[${i}].config`;
    if (!isObj(config)) {
      bad(field, "must be a mapping");
      return;
    }
    for (const k of Object.keys(config)) if (k !== "placement") ignored.push(`${field}.${k}`);
    const placement = config.placement;
    if (placement === undefined) return;
    if (!PLACEMENT_POLICIES.includes(placement as PlacementPolicy)) {
      bad(
        `${field}.placement`,
        `must be one of ${PLACEMENT_POLICIES.join(", ")}, got ${JSON.stringify(placement)}`,
      );
      return;
    }
    const name = isObj(p) ? p.name : undefined;
    if (typeof name === "string") byName[name] = placement as PlacementPolicy;
  });
  const out: ProfilePolicies = {};
  if (Object.keys(byName).length > 0) out.placementPolicies = byName;
  const dflt = byName[defaultProfileName];
  if (dflt) out.defaultPlacementPolicy = dflt;
  return out;
}
