// PUT of one object or of its status subresource: replace it, 200 with the stored object and the
// write's Warning headers (k8s.io/apiserver/pkg/endpoints/handlers/update.go).
import { type ResourceCall, sendDurable } from "./call.js";
import { decodeBody, warningHeaders, writeOpts } from "./request.js";

export function update(c: ResourceCall): Promise<void> {
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  const name = c.name as string;
  const out = c.api.update(c.def, c.namespace, name, body, o, c.subresource as "status" | undefined);
  return sendDurable(c, 200, out, warningHeaders(o));
}
