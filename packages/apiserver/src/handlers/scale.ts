// The scale subresource of kinds that have one (Deployments, ReplicaSets, StatefulSets, custom
// resources with a scale subresource): an autoscaling/v1 Scale read, replaced or patched.
import { type ResourceCall, send, sendDurable } from "./call.js";
import { patchKind } from "./patch.js";
import { decodeBody, warningHeaders, writeOpts } from "./request.js";

export function getScale(c: ResourceCall): void {
  send(c.res, 200, c.api.getScale(c.def, c.namespace, c.name as string));
}

export function updateScale(c: ResourceCall): Promise<void> {
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  const out = c.api.updateScale(c.def, c.namespace, c.name as string, body, o);
  return sendDurable(c, 200, out, warningHeaders(o));
}

export function patchScale(c: ResourceCall): Promise<void> {
  const kind = patchKind(c);
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  const out = c.api.patchScale(c.def, c.namespace, c.name as string, kind, body, o);
  return sendDurable(c, 200, out, warningHeaders(o));
}
