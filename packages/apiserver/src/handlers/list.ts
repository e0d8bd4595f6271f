// GET of a collection: one page of a list (limit/continue, selectors), as the kind's List document
// or as a Table (k8s.io/apiserver/pkg/endpoints/handlers/get.go, ListResource).
import type { ResourceDef } from "../registry.js";
import { apiVersionOf } from "../registry.js";
import { buildTable } from "../tables.js";
import type { Obj } from "../util.js";
import { type ResourceCall, send } from "./call.js";
import { intParam, q, rendering, selection } from "./request.js";

/** A `<Kind>List` document. */
export const listDocument = (def: ResourceDef, metadata: Obj, items: unknown[]): Obj => ({
  kind: def.listKind,
  apiVersion: apiVersionOf(def),
  metadata,
  items,
});

export function list(c: ResourceCall): void {
  // Checked as kube-apiserver does although a list has no use for it.
  intParam(c.url, "timeoutSeconds");
  const result = c.api.list(c.def, {
    ...selection(c),
    limit: intParam(c.url, "limit"),
    continue: q(c.url, "continue"),
  });
  const lm: Obj = { resourceVersion: result.resourceVersion };
  if (result.continue) lm.continue = result.continue;
  if (result.remainingItemCount !== undefined) lm.remainingItemCount = result.remainingItemCount;
  const { table, include } = rendering(c);
  const tableMeta = lm.continue ? { continue: lm.continue } : {};
  send(
    c.res,
    200,
    table
      ? buildTable(c.def, result.items, result.resourceVersion, include, tableMeta)
      : listDocument(c.def, lm, result.items),
  );
}
