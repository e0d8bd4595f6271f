// Node preferences of a gang's pods for the solver (README "Pod constraints"): preferred node
// affinity and, when some node carries a PreferNoSchedule taint, the wish to avoid the ones a pod
// does not tolerate, as each group's `preferences` (placement README "Node preferences": inside
// the domain its constraints chose, a group's pods take the best-scoring nodes first).
import type { Gang, NodePreferences, PodGroup } from "@grove-ts/placement";
import type { Node, Pod } from "kubernetes-types/core/v1.js";

/** True when some node has a PreferNoSchedule taint (only then is avoiding them worth a shape). */
export function anyPreferNoSchedule(nodes: readonly Node[]): boolean {
  return nodes.some((n) => (n.spec?.taints ?? []).some((t) => t.effect === "PreferNoSchedule"));
}

/** The preferences of a group whose pods share `pod`'s template; undefined when it prefers nothing. */
export function preferencesOf(pod: Pod, preferNoSchedule: boolean): NodePreferences | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const nodeAffinity = terms.map((t) => ({
    weight: t.weight,
    preference: t.preference as NonNullable<NodePreferences["nodeAffinity"]>[number]["preference"],
  }));
  if (nodeAffinity.length === 0 && !preferNoSchedule) return undefined;
  return {
    ...(nodeAffinity.length > 0 ? { nodeAffinity } : {}),
    ...(preferNoSchedule ? { preferNoSchedule } : {}),
  };
}

/**
 * `gang` with each group replaced by `change(group, its first pending pod)` where that gives one;
 * the same object when no group changes.
 */
export function changeGroups(
  gang: Gang,
  first: (group: string) => Pod | undefined,
  change: (g: PodGroup, pod: Pod) => PodGroup | undefined,
): Gang {
  let out: PodGroup[] | undefined;
  gang.groups.forEach((g, i) => {
    const pod = first(g.name);
    const next = pod ? change(g, pod) : undefined;
    if (!next) return;
    out ??= [...gang.groups];
    out[i] = next;
  });
  return out ? { ...gang, groups: out } : gang;
}

/** `gang` with each group's preferences from its first pending pod (`first`); the same object when none. */
export function withPreferences(
  gang: Gang,
  first: (group: string) => Pod | undefined,
  preferNoSchedule: boolean,
): Gang {
  return changeGroups(gang, first, (g, pod) => {
    const prefs = preferencesOf(pod, preferNoSchedule);
    return prefs ? { ...g, preferences: prefs } : undefined;
  });
}
