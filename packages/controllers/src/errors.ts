// Reconcile errors with stable codes (house habit 4). They end up in status.lastErrors of the object
// whose reconcile failed; RequeueAfterError (from runtime) is Grove's ERR_REQUEUE_AFTER.
import { ReconcileError, RequeueAfterError } from "@grove-ts/runtime";

export { ReconcileError, RequeueAfterError };

/** The SA token Secret `<pcs>-ic-sat` exists but another controller owns it (grove-behaviour.md §3.5). */
export class SecretConflictError extends ReconcileError {
  constructor(name: string) {
    super("ERR_SECRET_CONFLICT", `secret ${name} exists and is not controlled by the PodCliqueSet`);
    this.name = "SecretConflictError";
  }
}

/**
 * A component's sync failed (Grove's GroveError from an operator's Sync): the code names the
 * component (ERR_SYNC_PODGANG, as grove-api.md's ERR_SYNC_COMPUTEDOMAIN), the cause is kept.
 */
export class ComponentSyncError extends ReconcileError {
  readonly operation = "Sync";
  constructor(
    readonly kind: string,
    cause: unknown,
  ) {
    super(
      `ERR_SYNC_${kind.toUpperCase()}`,
      `sync ${kind}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = "ComponentSyncError";
  }
}

/** A PodClique lacks the `grove.io/podgang` label, so its pods cannot be put into a gang. */
export class MissingPodGangLabelError extends ReconcileError {
  constructor(pclq: string) {
    super("ERR_MISSING_PODGANG_LABEL", `PodClique ${pclq} has no grove.io/podgang label`);
    this.name = "MissingPodGangLabelError";
  }
}

/**
 * A scaled gang's base PodGang (or one of its PodCliques) is missing, so the base-gang-scheduled rule
 * of grove-behaviour.md §4.3 step 5 cannot be decided; retried with back-off.
 */
export class BaseGangNotFoundError extends ReconcileError {
  constructor(what: string) {
    super("ERR_BASE_PODGANG_NOT_FOUND", `base gang check: ${what} not found`);
    this.name = "BaseGangNotFoundError";
  }
}

/** The owning PodCliqueSet of a child could not be found (being deleted, or not yet cached). */
export class OwnerNotFoundError extends ReconcileError {
  constructor(kind: string, name: string) {
    super("ERR_GET_PODCLIQUESET", `${kind} ${name}: owning PodCliqueSet not found`);
    this.name = "OwnerNotFoundError";
  }
}

/** Several errors of one pass (e.g. many pod creates), reported under the first one's code. */
export class AggregateSyncError extends ReconcileError {
  constructor(
    code: string,
    readonly errors: readonly unknown[],
  ) {
    super(
      code,
      `${errors.length} error(s): ${errors
        .slice(0, 3)
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .join("; ")}`,
    );
    this.name = "AggregateSyncError";
  }
}

/** A createGroveControllers option is out of range; the message names the option and the rule. */
export class InvalidOptionError extends Error {
  readonly code = "ERR_INVALID_OPTION";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "InvalidOptionError";
  }
}
