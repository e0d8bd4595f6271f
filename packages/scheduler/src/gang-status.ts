// How the gang scheduler writes PodGang status without clobbering the operator's part of it.
//
// Two writers share a PodGang's status: the PodCliqueSet controller owns the `Initialized` condition
// (and the first `phase: Pending`), the scheduler owns `phase` afterwards and the `Scheduled`
// condition. A full-status update would conflict with every spec or status write the operator makes
// (it carries a resourceVersion), and a JSON merge patch replaces `conditions` whole, so whichever
// writer's cache lags drops the other's condition. An RFC 6902 JSON patch (which kube-apiserver
// accepts for custom resources; strategic merge is for built-ins only) can touch one list entry:
// replace it in place, guarded by a `test` that the index still holds that type, or append it,
// guarded by a `test` that the list is still the one we saw (so a lagging cache never appends a
// second copy). Only when there is no status or no list yet does the patch fall back to a
// resourceVersion test. A failed test (422) or stale resourceVersion (409) means a newer PodGang is
// on its way; its watch event brings the writer back.
import type { Condition, KubeObject } from "@grove-ts/runtime";

export interface JsonPatchOp {
  op: "test" | "add" | "replace";
  path: string;
  value: unknown;
}

export interface GangStatusLike {
  phase?: string;
  conditions?: Condition[];
}

/**
 * The ops that make `base`'s status carry `phase` (when given) and `condition` (when given; the
 * other entries are left alone). Empty when `base` already has both.
 */
export function gangStatusOps(
  base: KubeObject & { status?: GangStatusLike },
  want: { phase?: string; condition?: Condition },
): JsonPatchOp[] {
  const status = base.status;
  const cond = want.condition;
  const lock: JsonPatchOp = {
    op: "test",
    path: "/metadata/resourceVersion",
    value: base.metadata.resourceVersion,
  };
  if (!status) {
    // No status is Pending: the operator writes the first status (with Initialized); racing it
    // with a lone `phase: Pending` would only fail its resourceVersion test or ours.
    if (!cond && (want.phase === undefined || want.phase === "Pending")) return [];
    return [
      lock,
      {
        op: "add",
        path: "/status",
        value: {
          ...(want.phase !== undefined ? { phase: want.phase } : {}),
          ...(cond ? { conditions: [cond] } : {}),
        },
      },
    ];
  }
  const ops: JsonPatchOp[] = [];
  if (want.phase !== undefined && status.phase !== want.phase)
    ops.push({ op: "add", path: "/status/phase", value: want.phase });
  if (cond) {
    const list = status.conditions;
    const i = list ? list.findIndex((c) => c.type === cond.type) : -1;
    if (!list) {
      ops.unshift(lock);
      ops.push({ op: "add", path: "/status/conditions", value: [cond] });
    } else if (i < 0)
      ops.push(
        { op: "test", path: "/status/conditions", value: list },
        { op: "add", path: "/status/conditions/-", value: cond },
      );
    else if (!sameCondition(list[i], cond))
      ops.push(
        { op: "test", path: `/status/conditions/${i}/type`, value: cond.type },
        { op: "replace", path: `/status/conditions/${i}`, value: cond },
      );
  }
  return ops;
}

function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}

/** Orders two resourceVersions when both are decimal integers (as kube-apiserver's etcd issues). */
export function newerRv(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}
