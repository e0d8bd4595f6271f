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
