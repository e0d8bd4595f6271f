// Errors a reconcile can throw (house habit 4): classes with a stable code, recorded into
// status.lastErrors as Grove does (grove-behaviour.md §2).
import { isApiError } from "./errors.js";

export class ReconcileError extends Error {
  constructor(
    /** Stable, machine-readable, e.g. "ERR_SYNC_PODS". */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ReconcileError";
  }
}

/**
 * Stop this reconcile and try again after `afterMs` without counting it as a failure (Grove's
 * ERR_REQUEUE_AFTER, 5 s by default: ComponentSyncRetryInterval).
 */
export class RequeueAfterError extends ReconcileError {
  constructor(
    message: string,
    readonly afterMs = 5000,
    code = "ERR_REQUEUE_AFTER",
  ) {
    super(code, message);
    this.name = "RequeueAfterError";
  }
}

/** Grove's status.lastErrors[] entry. */
export interface LastError {
  code: string;
  description: string;
  observedAt: string;
}

/** A stable code for any thrown value: its own code, an API reason, or "ERR_UNKNOWN". */
export function errorCode(err: unknown): string {
  if (isApiError(err)) return `ERR_API_${err.reason.toUpperCase()}`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
  }
  return "ERR_UNKNOWN";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** status.lastErrors for these errors, observed at `now` (second precision, RFC 3339). */
export function toLastErrors(errors: readonly unknown[], now: Date = new Date()): LastError[] {
  const observedAt = `${now.toISOString().slice(0, 19)}Z`;
  return errors.map((e) => ({ code: errorCode(e), description: errorMessage(e), observedAt }));
}

/** Same errors (code and description), ignoring when they were observed. */
export function lastErrorsEqual(
  a: readonly LastError[] | undefined,
  b: readonly LastError[] | undefined,
): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return (
    x.length === y.length && x.every((e, i) => e.code === y[i]?.code && e.description === y[i]?.description)
  );
}
