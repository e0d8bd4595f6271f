// DELETE of a collection: every object the selectors match, 200 with the list of what was deleted
// (k8s.io/apiserver/pkg/endpoints/handlers/delete.go, DeleteCollection).
import { type ResourceCall, sendDurable } from "./call.js";
import { listDocument } from "./list.js";
import { deleteOpts, selection } from "./request.js";

export function deleteCollection(c: ResourceCall): Promise<void> {
  const opts = deleteOpts(c);
  const result = c.api.deleteCollection(c.def, selection(c), opts);
  return sendDurable(c, 200, listDocument(c.def, { resourceVersion: result.resourceVersion }, result.items));
}
