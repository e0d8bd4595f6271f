// API errors carry the Kubernetes Status they came from, so callers branch on a stable reason
// (house habit 4), never on a message.

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

export interface Cause {
  field: string;
  type: string;
  message: string;
  value?: unknown;
}

/** Renders a field error the way apimachinery's field.Error.Error() does. */
export function causeText(c: Cause): string {
  const typeText: Record<string, string> = {
    FieldValueRequired: "Required value",
    FieldValueInvalid: "Invalid value",
    FieldValueDuplicate: "Duplicate value",
    FieldValueNotFound: "Not found",
    FieldValueNotSupported: "Unsupported value",
    FieldValueForbidden: "Forbidden",
    FieldValueTooLong: "Too long",
    FieldValueTooMany: "Too many",
    FieldValueTypeInvalid: "Invalid value",
    InternalError: "Internal error",
  };
  const t = typeText[c.type] ?? c.type;
  const shown =
    c.value !== undefined && (t === "Invalid value" || t === "Unsupported value" || t === "Duplicate value")
      ? `${t}: ${JSON.stringify(c.value)}`
      : t;
  // A detail that only repeats the type (field.Duplicate's and field.Required's defaults) is
  // dropped, as apimachinery's field.Error has no detail then: `x: Duplicate value: "a"`.
  const detail = c.message === t ? "" : c.message;
  return detail ? `${c.field}: ${shown}: ${detail}` : `${c.field}: ${shown}`;
}

/** 422 Invalid with one cause per field error (reason = the error type, as kube-apiserver sends). */
export function invalid(kind: string, group: string, name: string, causes: Cause[]): ApiError {
  const list = causes.map(causeText);
  const summary = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const statusCauses: StatusCause[] = causes.map((c) => ({
    reason: c.type,
    message: causeText(c).slice(c.field.length + 2),
    field: c.field,
  }));
  return new ApiError(
    status(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${summary}`, {
      name,
      group,
      kind,
      causes: statusCauses,
    }),
  );
}
