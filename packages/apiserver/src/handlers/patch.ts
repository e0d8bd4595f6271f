// PATCH of one object or of its status subresource: JSON patch, merge patch, strategic merge patch
// (built-in kinds) or server-side apply, chosen by the Content-Type; 201 when an apply created the
// object (k8s.io/apiserver/pkg/endpoints/handlers/patch.go).
import { type PatchKind, patchKindOf } from "../patch.js";
import { fail } from "../status.js";
import { type ResourceCall, sendDurable } from "./call.js";
import { decodeBody, warningHeaders, writeOpts } from "./request.js";

/** The patch type of the Content-Type, or 415 in kube-apiserver's words for the resource. */
export function patchKind(c: ResourceCall): PatchKind {
  const kind = patchKindOf(c.req.headers["content-type"]);
  if (kind) return kind;
  // kube-apiserver's words (v1.37.2): a bare "415: Unsupported Media Type" for built-in kinds,
  // the patch types for custom resources.
  throw c.def.builtin
    ? fail(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
    : fail(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      );
}

export function patch(c: ResourceCall): Promise<void> {
  const kind = patchKind(c);
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  const sub = c.subresource as "status" | undefined;
  const { object, created } = c.api.patch(c.def, c.namespace, c.name as string, kind, body, o, sub);
  return sendDurable(c, created ? 201 : 200, object, warningHeaders(o));
}
