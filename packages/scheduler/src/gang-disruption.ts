// A victim PodGang's own DisruptionTarget condition (a condition type Grove's PodGang declares),
// written once per eviction through the status subresource, as the RFC 6902 patch the other
// writers of PodGang status use (runtime's statusPatchOps: the Scheduled and Initialized
// conditions are left alone). True, PreemptionByScheduler, the same message as its pods'.
// Set back to False (reason Rescheduled) once, by the status writer, when the PodGang holds its
// minimum again with pods that were not its victims: as kube's disruption controller resets a
// pod's stale DisruptionTarget to False rather than removing it, so the time it ended stays readable.
import { LabelPodGang, type PodGang, PodGangConditionDisruptionTarget, PodGangType } from "@grove-ts/api";
import {
  type Client,
  type Condition,
  findCondition,
  isConflict,
  isInvalid,
  isNotFound,
  type JsonPatchOp,
  type KubeObject,
  type Logger,
  rfc3339,
  statusPatchOps,
} from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";

/** DisruptionTarget=False's reason once the PodGang is scheduled again. */
export const ReasonRescheduled = "Rescheduled";
export const MessageRescheduled =
  "every PodGroup has at least minReplicas pods bound again, none of them a victim of the disruption";

/**
 * The victim pods (uids) of each PodGang this process marked. They never count toward the PodGang
 * being scheduled again, whatever the caches show of them yet (a watch may deliver the PodGang's
 * condition before its pods' deletion); nor does any pod carrying DisruptionTarget=True itself
 * (victims marked before a restart).
 */
export class DisruptedGangs {
  private readonly victims = new Map<string, Set<string>>();

  /** `pods` (any PodGang's) are being evicted: each joins the victims of its PodGang in `gangs`. */
  add(gangs: readonly [string, string][], pods: readonly Pod[]): void {
    for (const [ns, name] of gangs) {
      const key = `${ns}/${name}`;
      const set = this.victims.get(key) ?? this.victims.set(key, new Set()).get(key);
      for (const p of pods)
        if (p.metadata?.namespace === ns && p.metadata?.labels?.[LabelPodGang] === name && p.metadata.uid)
          set?.add(p.metadata.uid);
    }
  }

  forget(key: string): void {
    this.victims.delete(key);
  }

  /** `pod` may count toward PodGang `key` being scheduled again. */
  fresh(key: string, pod: Pod): boolean {
    if (pod.metadata?.uid && this.victims.get(key)?.has(pod.metadata.uid)) return false;
    return !pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True");
  }
}

/**
 * The ops (appended to the status writer's JSON patch of `base`) that set a True DisruptionTarget
 * to False, Rescheduled, when `holdsAnew()`; none otherwise (no such condition, already False).
 */
export function clearDisruptionOps(
  base: KubeObject & { status?: { conditions?: Condition[] } },
  holdsAnew: () => boolean,
): JsonPatchOp[] {
  const list = base.status?.conditions ?? [];
  const i = list.findIndex((c) => c.type === PodGangConditionDisruptionTarget);
  if (list[i]?.status !== "True" || !holdsAnew()) return [];
  const condition: Condition = {
    type: PodGangConditionDisruptionTarget,
    status: "False",
    reason: ReasonRescheduled,
    message: MessageRescheduled,
    lastTransitionTime: rfc3339(new Date()),
  };
  return [
    { op: "test", path: `/status/conditions/${i}/type`, value: PodGangConditionDisruptionTarget },
    { op: "replace", path: `/status/conditions/${i}`, value: condition },
  ];
}

/** Tries of one write when another writer got there first (a failed test or a stale version). */
const ATTEMPTS = 3;

/**
 * Sets DisruptionTarget=True (`reason`, `message`) on PodGang `ns/name`, read afresh from the API.
 * Written once: a PodGang whose condition already says so is left alone. A PodGang that is gone
 * is fine; other failures are logged (the pods' own conditions and deletes carry the eviction).
 */
export async function markPodGangDisrupted(
  client: Client,
  ns: string,
  name: string,
  reason: string,
  message: string,
  log: Logger,
): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const pg = await client.get<PodGang & KubeObject>(PodGangType, name, ns);
      if (!pg) return;
      const conditions = pg.status?.conditions as Condition[] | undefined;
      const had = findCondition(conditions, PodGangConditionDisruptionTarget);
      if (had?.status === "True" && had.reason === reason && had.message === message) return;
      const condition: Condition = {
        type: PodGangConditionDisruptionTarget,
        status: "True",
        reason,
        message,
        lastTransitionTime: rfc3339(new Date()),
      };
      const ops = statusPatchOps(pg as KubeObject & { status?: { conditions?: Condition[] } }, {
        condition,
      });
      if (ops.length === 0) return;
      await client.patch(PodGangType, name, ns, { type: "json", body: ops }, { subresource: "status" });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      // Another writer changed the status between our read and our patch: read again.
      if ((isConflict(err) || isInvalid(err)) && attempt < ATTEMPTS) continue;
      log.warn("PodGang DisruptionTarget not written", { podGang: `${ns}/${name}`, error: err });
      return;
    }
  }
}
