// DELETE of one object: DeleteOptions from body and query; 200 with the object (still there while
// finalizers or a grace period hold it) or its final state
// (k8s.io/apiserver/pkg/endpoints/handlers/delete.go, DeleteResource).
import { type ResourceCall, sendDurable } from "./call.js";
import { deleteOpts } from "./request.js";

export function deleteItem(c: ResourceCall): Promise<void> {
  const opts = deleteOpts(c);
  return sendDurable(c, 200, c.api.delete(c.def, c.namespace, c.name as string, opts));
}
