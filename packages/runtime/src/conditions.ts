// metav1.Condition helpers with apimachinery's meta.SetStatusCondition semantics:
// lastTransitionTime moves only when status changes, so a controller that sets the same condition
// every reconcile does not produce a write (compare with conditionsEqual, which ignores timestamps).
// All functions return new arrays: lists read from an informer's cache are frozen.

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339, second precision, as the API server stores it. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** What a caller sets; lastTransitionTime is filled in. */
export type ConditionInput = Omit<Condition, "lastTransitionTime" | "reason" | "message"> & {
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
};

/** RFC 3339 at second precision (metav1.Time serialises without fractions). */
export function rfc3339(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/**
 * Adds or replaces the condition of `cond.type`. lastTransitionTime is kept when the status did not
 * change, else set to `cond.lastTransitionTime` or `now`. Order of the others is kept.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  cond: ConditionInput,
  now: Date = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === cond.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    ...(cond.observedGeneration !== undefined ? { observedGeneration: cond.observedGeneration } : {}),
    lastTransitionTime:
      prev !== undefined && prev.status === cond.status
        ? prev.lastTransitionTime
        : (cond.lastTransitionTime ?? rfc3339(now)),
    reason: cond.reason ?? "",
    message: cond.message ?? "",
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** Same conditions (by type, in any order), ignoring lastTransitionTime. */
export function conditionsEqual(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (const c of x) {
    const d = findCondition(y, c.type);
    if (
      d === undefined ||
      d.status !== c.status ||
      d.reason !== c.reason ||
      d.message !== c.message ||
      d.observedGeneration !== c.observedGeneration
    )
      return false;
  }
  return true;
}
