// OpenAPI v3: the index of group versions, each pointing at its document by content hash, and the
// documents themselves with that hash as ETag. A document is built once per registry generation
// (a CRD change makes a new one).
import { contentHash, openApiIndex as indexDocument, openApiDocument } from "../discovery.js";
import type { ApiServer } from "../server.js";
import type { Obj } from "../util.js";
import { type Call, notFoundPath, send } from "./call.js";

interface Built {
  gen: number;
  doc: Obj;
  hash: string;
}

const built = new WeakMap<ApiServer, Map<string, Built>>();

function document(api: ApiServer, group: string, version: string): Built | undefined {
  let docs = built.get(api);
  if (!docs) {
    docs = new Map();
    built.set(api, docs);
  }
  const key = `${group}/${version}`;
  const hit = docs.get(key);
  if (hit && hit.gen === api.registry.generation) return hit;
  const doc = openApiDocument(api.registry, group, version);
  if (!doc) return undefined;
  const entry = { gen: api.registry.generation, doc, hash: contentHash(doc) };
  docs.set(key, entry);
  return entry;
}

/** GET /openapi/v3 */
export function openApiIndex(c: Call): void {
  send(
    c.res,
    200,
    indexDocument(c.api.registry, (g, v) => document(c.api, g, v)?.hash ?? ""),
  );
}

/** GET /openapi/v3/api/{version} and GET /openapi/v3/apis/{group}/{version} */
export function openApiGroupVersion(c: Call): void {
  const hit = document(c.api, c.params.group ?? "", c.params.version as string);
  if (!hit) throw notFoundPath();
  send(c.res, 200, hit.doc, { ETag: `"${hit.hash}"` });
}
