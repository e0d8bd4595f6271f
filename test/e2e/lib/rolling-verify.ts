// The "one at a time" checks of Grove's RollingRecreate suite (grove-behaviour.md §18.4) over the
// pod watcher's ADDED/DELETED events. A pod's identity is its spec.hostname (`<pclq>-<index>`),
// which its replacement keeps. A hostname is in flight while it has more DELETED than ADDED events,
// so a replacement whose ADDED arrives before its predecessor's DELETED (watch events of two pods
// are not ordered) never counts as in flight. A unit (a pod, a PCSG replica, a PCS replica) is in
// flight while any of its hostnames is; each check takes the most units of one scope in flight at
// once over the whole event sequence.
import {
  LabelPodClique,
  LabelPodCliqueScalingGroup,
  LabelPodCliqueScalingGroupReplicaIndex,
  LabelPodCliqueSetReplicaIndex,
} from "@grove-ts/api";
import type { PodEvent } from "./pod-watch.js";

export interface InFlight {
  /** Most units of one scope in flight at once. */
  max: number;
  /** The scope and its units at that moment, for the failure message. */
  witness: string;
}

/** Unit and scope of an event's pod; undefined: the pod is not counted by this check. */
type Key = (e: PodEvent) => { scope: string; unit: string } | undefined;

export function maxInFlight(events: readonly PodEvent[], key: Key): InFlight {
  const deleted = new Map<string, number>();
  const added = new Map<string, number>();
  const unitOf = new Map<string, { scope: string; unit: string }>();
  let best: InFlight = { max: 0, witness: "none" };
  for (const e of events) {
    if (e.type === "MODIFIED") continue;
    if (!e.hostname) throw new Error(`pod ${e.name} has no spec.hostname (its identity across replacements)`);
    const k = key(e);
    if (!k) continue;
    const id = `${k.scope}\u0000${e.hostname}`;
    unitOf.set(id, k);
    const counts = e.type === "DELETED" ? deleted : added;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    const byScope = new Map<string, Set<string>>();
    for (const [h, d] of deleted) {
      if (d <= (added.get(h) ?? 0)) continue;
      const u = unitOf.get(h);
      if (!u) continue;
      const units = byScope.get(u.scope) ?? new Set<string>();
      units.add(u.unit);
      byScope.set(u.scope, units);
    }
    for (const [scope, units] of byScope)
      if (units.size > best.max)
        best = {
          max: units.size,
          witness: `${scope}: [${[...units].sort().join(", ")}] after ${e.type} ${e.name}`,
        };
  }
  return best;
}

const label = (e: PodEvent, l: string) => e.labels[l];

/** Pods in flight across the whole PodCliqueSet (RU7: one pod deleted at a time, globally). */
export const podsGlobally = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) => ({ scope: "all pods", unit: e.hostname }));

/** Pods in flight per PodClique (RU9: one pod per PCLQ at a time). */
export const podsPerPodClique = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) => ({ scope: label(e, LabelPodClique) ?? "?", unit: e.hostname }));

const pcsgReplica = (e: PodEvent) => {
  const g = label(e, LabelPodCliqueScalingGroup);
  const j = label(e, LabelPodCliqueScalingGroupReplicaIndex);
  return g === undefined || j === undefined ? undefined : { g, unit: `${g}-${j}` };
};

/** PCSG replicas in flight across all scaling groups (RU8: one PCSG replica at a time, globally). */
export const pcsgReplicasGlobally = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) => {
    const r = pcsgReplica(e);
    return r && { scope: "all PCSG replicas", unit: r.unit };
  });

/** PCSG replicas in flight per scaling group (RU9: one replica per PCSG at a time). */
export const pcsgReplicasPerPcsg = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) => {
    const r = pcsgReplica(e);
    return r && { scope: r.g, unit: r.unit };
  });

/** PCS replicas in flight (RU7-RU9: one PCS replica updated before the next starts). */
export const pcsReplicas = (events: readonly PodEvent[]) =>
  maxInFlight(events, (e) => ({
    scope: "PCS replicas",
    unit: label(e, LabelPodCliqueSetReplicaIndex) ?? "?",
  }));
