import { minHint, type SyncHint } from "./util.js";

// A managed child kind (house habit 2, Grove's component.Operator): what exists, converge it, remove it.
export interface Component<P> {
  readonly kind: string;
  /** Names of the existing children of this kind (from the cache). */
  existingNames(parent: P): string[];
  /** Converges the children of this kind; throws RequeueAfterError to hold later groups back. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a step or component that returns nothing is the common case
  sync(parent: P): Promise<void | SyncHint>;
  /** Deletes every child of this kind. */
  delete(parent: P): Promise<void>;
  /**
   * A non-blocking kind's failure is recorded (status.lastErrors) but does not hold back later groups
   * (Grove's ERR_CONTINUE_RECONCILE_AND_REQUEUE without the requeue).
   */
  readonly nonBlocking?: boolean;
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
  const results = await Promise.allSettled(components.map((c) => c.sync(parent)));
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
