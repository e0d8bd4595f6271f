// OpenAPI v3: the index of group versions, each pointing at its document by content hash, and the
// documents themselves with that hash as ETag. OpenAPI v2: one document derived from them, in JSON
// or in protobuf by the Accept header, with kube-apiserver's ETag (the SHA-512 of the JSON),
// Last-Modified and 304 on If-None-Match. Documents are built once per registry generation (a CRD
// change makes new ones).
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { contentHash, openApiIndex as indexDocument, openApiDocument } from "../discovery.js";
import { OPENAPI_V2_PROTO_TYPE, openApiV2Document } from "../openapi-v2.js";
import { encodeOpenApiV2 } from "../openapi-v2-proto.js";
import type { ApiServer } from "../server.js";
import { fail } from "../status.js";
import type { Obj } from "../util.js";
import { type Call, notFoundPath, send } from "./call.js";
import { versionInfo } from "./version.js";

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

interface BuiltV2 {
  gen: number;
  doc: Obj;
  json: string;
  etag: string;
  modified: string;
  proto?: Buffer;
}

const builtV2 = new WeakMap<ApiServer, BuiltV2>();

function documentV2(api: ApiServer): BuiltV2 {
  const hit = builtV2.get(api);
  if (hit && hit.gen === api.registry.generation) return hit;
  const doc = openApiV2Document(
    api.registry,
    (g, v) => document(api, g, v)?.doc,
    `${versionInfo.major}.${versionInfo.minor}`,
  );
  const json = JSON.stringify(doc);
  const etag = `"${createHash("sha512").update(json).digest("hex").toUpperCase()}"`;
  const entry: BuiltV2 = {
    gen: api.registry.generation,
    doc,
    json,
    etag,
    modified: new Date().toUTCString(),
  };
  builtV2.set(api, entry);
  return entry;
}

const V2_JSON = "application/json";
/** Accepted spellings of the protobuf type: kubectl's (`@v1.0`) and the answer's own (`.v1.0`). */
const V2_PROTO = ["application/com.github.proto-openapi.spec.v2@v1.0+protobuf", OPENAPI_V2_PROTO_TYPE];

/**
 * The representation an Accept header picks, as kube-openapi negotiates it: media ranges by
 * quality (q=0 refused), in header order among equals; a wildcard or no header means JSON.
 */
export function negotiateV2(accept: string | undefined): "json" | "proto" | undefined {
  if (!accept?.trim()) return "json";
  const ranges = accept
    .split(",")
    .map((part, i) => {
      const [type = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return { type, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type !== "" && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === V2_JSON || r.type === "*/*" || r.type === "application/*") return "json";
    if (V2_PROTO.includes(r.type)) return "proto";
  }
  return undefined;
}

/** GET /openapi/v2 */
export function openApiV2(c: Call): void {
  const kind = negotiateV2(c.req.headers.accept);
  if (!kind) {
    throw fail(
      406,
      "NotAcceptable",
      `the server was unable to respond with a content type that the client supports: /openapi/v2 is served as ${V2_JSON} or ${V2_PROTO[0]}`,
    );
  }
  const v2 = documentV2(c.api);
  const headers = { ETag: v2.etag, "Last-Modified": v2.modified, Vary: "Accept" };
  if (c.req.headers["if-none-match"] === v2.etag) {
    (c.res as ServerResponse).writeHead(304, {
      "Cache-Control": "no-cache, private",
      ...headers,
    });
    c.res.end();
    return;
  }
  if (kind === "json") {
    send(c.res, 200, v2.json, headers);
    return;
  }
  v2.proto ??= encodeOpenApiV2(v2.doc);
  send(c.res, 200, v2.proto, headers, OPENAPI_V2_PROTO_TYPE);
}
