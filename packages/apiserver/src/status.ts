// Every failure the server reports is an ApiError carrying a metav1.Status, the same document the
// HTTP layer sends and kubectl prints ("Error from server (NotFound): …").
import { ApiError, type Status, type StatusCause } from "@grove-ts/runtime";

export interface ResourceRef {
  group: string;
  plural: string;
}

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

export const fail = (code: number, reason: string, message: string, details?: Status["details"]): ApiError =>
  new ApiError(status(code, reason, message, details));

/** `podcliquesets.grove.io` / `pods`: how Kubernetes names a resource in messages. */
export const qualified = (r: ResourceRef): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export const notFound = (r: ResourceRef, name: string): ApiError =>
  fail(404, "NotFound", `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });

export const alreadyExists = (r: ResourceRef, name: string): ApiError =>
  fail(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const conflict = (r: ResourceRef, name: string, why?: string): ApiError =>
  fail(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why ?? "the object has been modified; please apply your changes to the latest version and try again"}`,
    { name, group: r.group, kind: r.plural },
  );

export const badRequest = (message: string): ApiError => fail(400, "BadRequest", message);

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
  return `${c.field}: ${shown}: ${c.message}`.replace(/: $/, "");
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
  return fail(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: statusCauses,
  });
}

export const methodNotAllowed = (
  message = "the server does not allow this method on the requested resource",
) => fail(405, "MethodNotAllowed", message);
