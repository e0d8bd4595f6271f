// HTTP failures become runtime's ApiError carrying the server's Status, so callers branch on
// reason and code exactly as with the in-process client.
import { ApiError, type Status, type StatusReason } from "@grove-ts/runtime";

const reasonByCode: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

function isStatus(v: unknown): v is Status {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "Status";
}

/** The ApiError for an HTTP response with `code` and raw `body`; `what` names the request. */
export function toApiError(code: number, body: string, what: string): ApiError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) {
    return new ApiError({
      ...parsed,
      apiVersion: "v1",
      metadata: parsed.metadata ?? {},
      status: "Failure",
      code: typeof parsed.code === "number" ? parsed.code : code,
      ...(parsed.reason ? {} : { reason: reasonByCode[code] ?? "Unknown" }),
    });
  }
  const text = body.trim().slice(0, 500);
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    code,
    reason: reasonByCode[code] ?? "Unknown",
    message: `${what}: HTTP ${code}${text ? `: ${text}` : ""}`,
  });
}

/** A watch that went quiet for client-node's inactivity limit (30 s) and was aborted by it. */
export class WatchTimeoutError extends Error {
  readonly code = "WatchTimeout";
  constructor(path: string) {
    super(`watch ${path}: no data within client-node's inactivity timeout`);
    this.name = "WatchTimeoutError";
  }
}
