// The vocabulary the PCS webhook's rules (grove-api.md §9.2) share: Grove's error messages, limits
// and the two checks several rules apply (duplicate values, positive integers). Used by spec-rules.ts,
// clique-rules.ts and resource-sharing-rules.ts.
import { type FieldError, type FieldPath, fieldDuplicate, fieldInvalid } from "../field-errors.js";

export const MaxCombinedResourceNameLength = 45;
export const ResourceSharingScopes = ["AllReplicas", "PerReplica"] as const;

export const MsgAtLeastOneClique = "at least one PodClique must be defined";
export const MsgCliqueNameDNS = "invalid PodCliqueTemplateSpec name, must be a valid DNS subdomain";
export const MsgGroupNameDNS = "invalid PodCliqueScalingGroupConfig name, must be a valid DNS subdomain";
export const MsgGreaterThanZero = "must be greater than 0";
export const MsgMinAvailableGtReplicas = "minAvailable must not be greater than replicas";
export const MsgFieldRequired = "field is required";
export const MsgDepEmpty = "clique dependency must not be empty";
export const MsgDepSelf = "clique dependency cannot refer to itself";
export const MsgDepUnknown = "unknown clique names found, all clique dependencies must be defined as cliques";
export const MsgDepCycle = "clique must not have circular dependencies";
export const MsgSameScheduler = "the schedulerName for all pods have to be the same";
export const MsgMustNotBeSet = "must not be set";
export const MsgUnidentifiedCliques = "unidentified PodClique names found";
export const MsgAutoScalingInGroup =
  "AutoScalingConfig is not allowed to be defined for PodClique that is part of scaling group";
export const MsgTerminationDelay = "terminationDelay must be greater than 0";
export const MsgRestartPolicyWarning = "restartPolicy will be ignored, it will be set to Always";
export const MsgDeviceRequest = "at least one device request is required";

export function combinedNameMessage(n: number, pcs: string, clique: string, group?: string): string {
  return group === undefined
    ? `combined resource name length ${n} exceeds 45-character limit required for pod naming. Consider shortening: PodCliqueSet '${pcs}' or PodClique '${clique}'`
    : `combined resource name length ${n} exceeds 45-character limit required for pod naming. Consider shortening: PodCliqueSet '${pcs}', PodCliqueScalingGroup '${group}', or PodClique '${clique}'`;
}

/** Reports every later occurrence of a value already seen, at that entry's own path. */
export function duplicates<T>(items: { value: T | undefined; path: FieldPath }[]): FieldError[] {
  const seen = new Set<T>();
  const errs: FieldError[] = [];
  for (const it of items) {
    if (it.value === undefined || it.value === "") continue;
    if (seen.has(it.value)) errs.push(fieldDuplicate(it.path, it.value));
    else seen.add(it.value);
  }
  return errs;
}

/** An optional integer field: must be an integer and pass `check`, else `message`. */
export function validateInt(
  value: unknown,
  path: FieldPath,
  check: (n: number) => boolean,
  message: string,
): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value))
    return [fieldInvalid(path, "must be an integer", value)];
  return check(value) ? [] : [fieldInvalid(path, message, value)];
}
