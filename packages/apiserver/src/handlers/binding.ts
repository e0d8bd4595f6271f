// Binding a pod to a node: POST pods/<name>/binding, and the legacy bindings collection
// (client-node's createNamespacedBinding) where the pod is the Binding's metadata.name. Both answer
// 201 with a bare Success Status, as kube-apiserver does.
import { badRequest, methodNotAllowed } from "../status.js";
import { isObj } from "../util.js";
import { type Call, type ResourceCall, sendDurable } from "./call.js";
import { decodeBody, writeOpts } from "./request.js";

const bound = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

/** POST /api/v1/namespaces/{namespace}/pods/{name}/binding */
export function createPodBinding(c: ResourceCall): Promise<void> {
  if (!c.namespace) throw methodNotAllowed();
  return bind(c, c.namespace, () => c.name as string);
}

/** POST /api/v1/namespaces/{namespace}/bindings */
export function createBinding(c: Call): Promise<void> {
  return bind(c, c.params.namespace as string, (b) => {
    const pod = isObj(b) && isObj(b.metadata) && typeof b.metadata.name === "string" ? b.metadata.name : "";
    if (!pod) throw badRequest("Binding: metadata.name (the pod's name) is required");
    return pod;
  });
}

function bind(c: Call, namespace: string, podOf: (body: unknown) => string): Promise<void> {
  const o = writeOpts(c.url);
  const body = decodeBody(c);
  c.api.bind(namespace, podOf(body), body, o);
  return sendDurable(c, 201, bound);
}
