// A managed child kind (house habit 2, Grove's component.Operator) and the runner of Grove's
// component groups. Only sync is part of the contract: a PodCliqueSet's or scaling group's children
// go through garbage collection of their owner references when it is deleted (grove-behaviour.md
// §3.7, §5.2), so no component deletes all its children.
import { ReconcileError } from "@grove-ts/runtime";
import { ComponentSyncError } from "./errors.js";
import { minHint, type SyncHint } from "./util.js";

export interface Component<P> {
  /** The child kind, as in Grove's component names; a failure is recorded as ERR_SYNC_<KIND>. */
  readonly kind: string;
  /** Converges the children of this kind; throws RequeueAfterError to hold later groups back. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a step or component that returns nothing is the common case
  sync(parent: P): Promise<void | SyncHint>;
  /**
   * A non-blocking kind's failure is recorded (status.lastErrors) but does not hold back later groups
   * (Grove's ERR_CONTINUE_RECONCILE_AND_REQUEUE without the requeue).
   */
  readonly nonBlocking?: boolean;
}

/**
 * One component's sync. A failure without a code of its own (an API refusal, a plain error) is
 * wrapped in a ComponentSyncError naming the component, as Grove wraps each operator's error in a
 * GroveError with its ERR_SYNC_<KIND> code; coded errors (a requeue, ERR_SECRET_CONFLICT, a
 * slow-start batch's ERR_SYNC_/ERR_DELETE_ aggregate) keep theirs.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: as Component.sync
export async function syncComponent<P>(c: Component<P>, parent: P): Promise<void | SyncHint> {
  try {
    return await c.sync(parent);
  } catch (err) {
    throw err instanceof ReconcileError ? err : new ComponentSyncError(c.kind, err);
  }
}

/**
 * Runs the components of one group concurrently (Grove's component groups, grove-behaviour.md §3.4):
 * every kind runs to its end; a requeue or an error is rethrown afterwards (errors first).
 */
export async function syncGroup<P>(
  components: readonly Component<P>[],
  parent: P,
  softErrors: unknown[] = [],
): Promise<SyncHint | undefined> {
  const results = await Promise.allSettled(components.map((c) => syncComponent(c, parent)));
  const failures: unknown[] = [];
  let hint: SyncHint | undefined;
  results.forEach((r, i) => {
    if (r.status === "fulfilled") {
      hint = minHint(hint, r.value);
      return;
    }
    if (components[i]?.nonBlocking) softErrors.push(r.reason);
    else failures.push(r.reason);
  });
  if (failures.length === 0) return hint;
  const hard = failures.find((e) => !(e instanceof Error && e.name === "RequeueAfterError"));
  throw hard ?? failures[0];
}
