// The PodCliqueSet controller's share of a PodGang's status: the Initialized condition (and the
// first `phase: Pending`). The gang scheduler owns `phase` afterwards and the Scheduled condition
// (packages/scheduler/src/gang-status.ts), so this writes an RFC 6902 JSON patch that touches only
// its own entry: replaced in place behind a `test` of that index's type, or appended behind a `test`
// of the whole list; a resourceVersion `test` only when there is no status or no list yet. A JSON
// merge patch would replace `conditions` whole and drop the scheduler's condition whenever our cache
// lags its write.
import type { Condition, KubeObject } from "@grove-ts/runtime";

export interface JsonPatchOp {
  op: "test" | "add" | "replace";
  path: string;
  value: unknown;
}

/** Ops that put `cond` into `base`'s status conditions; `phase` is set only with a new status. */
export function initializedOps(
  base: KubeObject & { status?: { conditions?: Condition[] } },
  cond: Condition,
  phase: string,
): JsonPatchOp[] {
  const lock: JsonPatchOp = {
    op: "test",
    path: "/metadata/resourceVersion",
    value: base.metadata.resourceVersion,
  };
  const list = base.status?.conditions;
  if (!base.status) return [lock, { op: "add", path: "/status", value: { phase, conditions: [cond] } }];
  if (!list) return [lock, { op: "add", path: "/status/conditions", value: [cond] }];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0)
    return [
      { op: "test", path: "/status/conditions", value: list },
      { op: "add", path: "/status/conditions/-", value: cond },
    ];
  return [
    { op: "test", path: `/status/conditions/${i}/type`, value: cond.type },
    { op: "replace", path: `/status/conditions/${i}`, value: cond },
  ];
}
