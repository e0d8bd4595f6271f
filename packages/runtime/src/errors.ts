// API errors carry the Kubernetes Status they came from, so callers branch on a stable reason
// (house habit 4), never on a message.

import { type FieldError, fieldErrorBody, formatFieldError, formatFieldErrors } from "@grove-ts/api";

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "InternalError"
  | "Timeout"
  | "ServiceUnavailable"
  | "Expired"
  | "Unknown";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** metav1.Status as JSON. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: StatusReason | string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? `${status.reason ?? "Unknown"} (${status.code})`);
    this.name = "ApiError";
    this.code = status.code;
    this.reason = status.reason ?? "Unknown";
    this.status = status;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
export const isNotFound = (err: unknown): boolean => isApiError(err) && err.code === 404;
export const isConflict = (err: unknown): boolean =>
  isApiError(err) && err.code === 409 && err.reason === "Conflict";
export const isAlreadyExists = (err: unknown): boolean => isApiError(err) && err.reason === "AlreadyExists";
export const isGone = (err: unknown): boolean =>
  isApiError(err) && (err.code === 410 || err.reason === "Expired");
export const isInvalid = (err: unknown): boolean => isApiError(err) && err.code === 422;

/** A metav1.Status of a failure. */
export function status(code: number, reason: string, message: string, details?: Status["details"]): Status {
  const s: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return s;
}

/**
 * A field error (apimachinery's field.Error): @grove-ts/api's FieldError, the one shape every
 * validator, the API server and the webhooks use. `message` is the detail, "" for none.
 */
export type Cause = FieldError;

/** field.Error.Error() (one implementation, in @grove-ts/api). */
export const causeText = formatFieldError;

/**
 * apimachinery's errors.NewInvalid: 422 Invalid, message `<Kind.group> "<name>" is invalid: <errors>`,
 * one cause per field error whose message is the error's body (ErrorBody) and whose reason is its type.
 */
export function invalid(kind: string, group: string, name: string, causes: readonly Cause[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const statusCauses: StatusCause[] = causes.map((c) => ({
    reason: c.type,
    message: fieldErrorBody(c),
    field: c.field,
  }));
  const message = causes.length
    ? `${qualifiedKind} "${name}" is invalid: ${formatFieldErrors(causes)}`
    : `${qualifiedKind} "${name}" is invalid`;
  return new ApiError(status(422, "Invalid", message, { name, group, kind, causes: statusCauses }));
}
