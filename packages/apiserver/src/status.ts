// Every failure the server reports is an ApiError carrying a metav1.Status, the same document the
// HTTP layer sends and kubectl prints ("Error from server (NotFound): …").
import { ApiError, type Cause, causeText, invalid, type Status, status } from "@grove-ts/runtime";

export { type Cause, causeText, invalid, status };

export interface ResourceRef {
  group: string;
  plural: string;
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

export const methodNotAllowed = (
  message = "the server does not allow this method on the requested resource",
) => fail(405, "MethodNotAllowed", message);

/** A delete, update or binding whose UID precondition names another object than the stored one. */
export const uidConflict = (r: ResourceRef, name: string, want: unknown, stored: unknown): ApiError =>
  conflict(
    r,
    name,
    `Precondition failed: UID in precondition: ${String(want)}, UID in object meta: ${String(stored)}`,
  );
