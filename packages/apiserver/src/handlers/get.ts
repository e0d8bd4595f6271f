// GET of one object, or of its status subresource (the same object): as JSON, or as a one-row
// Table for kubectl (k8s.io/apiserver/pkg/endpoints/handlers/get.go).
import { buildTable } from "../tables.js";
import type { Obj } from "../util.js";
import { type ResourceCall, send } from "./call.js";
import { rendering } from "./request.js";

export function get(c: ResourceCall): void {
  const obj = c.api.get(c.def, c.namespace, c.name as string);
  const { table, include } = rendering(c);
  const rv = String((obj.metadata as Obj).resourceVersion);
  send(c.res, 200, table ? buildTable(c.def, [obj], rv, include) : obj);
}
