// A victim PodGang's own DisruptionTarget condition (a condition type Grove's PodGang declares),
// written once per eviction through the status subresource, as the RFC 6902 patch the other
// writers of PodGang status use (runtime's statusPatchOps: the Scheduled and Initialized
// conditions are left alone). True, PreemptionByScheduler, the same message as its pods'.
import { type PodGang, PodGangConditionDisruptionTarget, PodGangType } from "@grove-ts/api";
import {
  type Client,
  type Condition,
  findCondition,
  isConflict,
  isInvalid,
  isNotFound,
  type KubeObject,
  type Logger,
  rfc3339,
  statusPatchOps,
} from "@grove-ts/runtime";

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
