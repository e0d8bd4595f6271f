// POST to a collection: create one object, 201 with the stored object and the write's Warning
// headers, acknowledged once durable (k8s.io/apiserver/pkg/endpoints/handlers/create.go).
import { type ResourceCall, sendDurable } from "./call.js";
import { decodeBody, warningHeaders, writeOpts } from "./request.js";

export function create(c: ResourceCall): Promise<void> {
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  const created = c.api.create(c.def, c.namespace, body, o);
  return sendDurable(c, 201, created, warningHeaders(o));
}
