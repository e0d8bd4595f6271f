// The Swagger 2.0 (OpenAPI v2) document at GET /openapi/v2, derived from the per-group-version v3
// documents (discovery.ts) the way kube-apiserver publishes a CRD in v2. kubectl reads it (as
// protobuf, openapi-v2-proto.ts) in two places: apply of a `kind: List`, whose GVK no v3 document
// has, falls back to it to learn that List takes no fieldValidation and then validates each item
// client-side against the item kind's definition; and apply over an existing object of a built-in
// kind looks the kind's definition up for strategic-merge-patch metadata.
//
// So the document holds a definition, with its `x-kubernetes-group-version-kind`, only for kinds
// served with a schema (CRDs). Built-in kinds are served schema-less: a definition for them would
// make kubectl reject their real fields as unknown and merge their lists (containers, ports) as
// plain values; without one kubectl uses its compiled-in types, the same metadata kube-apiserver
// publishes for them.
import type { Registry, ResourceDef } from "./registry.js";
import { isObj, type Obj } from "./util.js";

/** The media type kubectl asks for, and the one the answer carries (kube-openapi's spelling). */
export const OPENAPI_V2_PROTO_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
export const OPENAPI_V2_PROTO_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/** A v3 document of one group version, as openApiDocument builds it. */
export type V3Document = Obj;

const fromV3Ref = (ref: string): string => ref.replace("#/components/schemas/", "#/definitions/");

/**
 * One schema in v2's dialect, as apiextensions-apiserver converts a structural schema for v2:
 * defaults and allOf/anyOf/oneOf/not dropped; a nullable value, and one that preserves unknown
 * fields, left untyped (kubectl's v2 parser takes an untyped schema as any value); `$ref`s point
 * into `definitions`. An array without items is left untyped too: kubectl's parser refuses it.
 */
export function toV2Schema(s: unknown): unknown {
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "default" || k === "anyOf" || k === "oneOf" || k === "not" || k === "nullable") continue;
    if (k === "allOf") continue;
    if (k === "$ref") out.$ref = fromV3Ref(String(v));
    else if (k === "properties" && isObj(v)) {
      const props: Obj = {};
      for (const [name, p] of Object.entries(v)) props[name] = toV2Schema(p);
      out.properties = props;
    } else if ((k === "items" || k === "additionalProperties") && isObj(v)) out[k] = toV2Schema(v);
    else out[k] = v;
  }
  // A metadata property is `allOf: [{$ref}]` in v3 (so it can carry a description); v2 takes the
  // `$ref` beside the description, as kube-apiserver writes it.
  const allOf = s.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObj(allOf[0]) && typeof allOf[0].$ref === "string") {
    const ref: Obj = { $ref: fromV3Ref(allOf[0].$ref) };
    if (typeof s.description === "string") ref.description = s.description;
    return ref;
  }
  if (s.nullable === true || s["x-kubernetes-preserve-unknown-fields"] === true) {
    delete out.type;
    delete out.properties;
    delete out.items;
    delete out.additionalProperties;
  }
  if (out.type === "array" && !isObj(out.items)) delete out.type;
  return out;
}

const stringParam = (name: string, where: "query" | "path", description?: string): Obj => {
  const p: Obj = { uniqueItems: true, type: "string", name, in: where };
  if (description) p.description = description;
  if (where === "path") p.required = true;
  return p;
};

/** The patch types the server takes for a kind (handlers/patch.ts): strategic merge for built-ins. */
function patchTypes(def: ResourceDef | undefined): string[] {
  const types = ["application/json-patch+json", "application/merge-patch+json"];
  if (def?.builtin) types.push("application/strategic-merge-patch+json");
  types.push("application/apply-patch+yaml");
  return types;
}

function v2Operation(method: string, op: Obj, def: ResourceDef | undefined, defined: Set<string>): Obj {
  const out: Obj = {};
  if (method === "patch") out.consumes = patchTypes(def);
  else if (method === "put" || method === "post") out.consumes = ["*/*"];
  out.produces = ["application/json"];
  out.schemes = ["https"];
  out.operationId = op.operationId;
  const params = Array.isArray(op.parameters) ? op.parameters : [];
  if (params.length > 0) {
    out.parameters = params.filter(isObj).map((p) => stringParam(String(p.name), "query"));
  }
  const responses: Obj = {};
  for (const [code, r] of Object.entries(isObj(op.responses) ? op.responses : {})) {
    if (!isObj(r)) continue;
    const resp: Obj = { description: r.description ?? "" };
    const ref = (r.content as { "application/json"?: { schema?: { $ref?: string } } } | undefined)?.[
      "application/json"
    ]?.schema?.$ref;
    const name = ref?.replace("#/components/schemas/", "");
    if (name && defined.has(name)) resp.schema = { $ref: `#/definitions/${name}` };
    responses[code] = resp;
  }
  out.responses = responses;
  for (const [k, v] of Object.entries(op)) if (k.startsWith("x-")) out[k] = v;
  return out;
}

function pathParameters(path: string): Obj[] {
  const params: Obj[] = [];
  if (path.includes("{name}")) params.push(stringParam("name", "path", "name of the object"));
  if (path.includes("{namespace}")) {
    params.push(
      stringParam("namespace", "path", "object name and auth scope, such as for teams and projects"),
    );
  }
  return params;
}

/**
 * The v2 document: every path and operation of the v3 documents, each operation's patch media types,
 * and the definitions of the kinds served with a schema plus ObjectMeta (see the top of this file).
 */
export function openApiV2Document(
  registry: Registry,
  v3: (group: string, version: string) => V3Document | undefined,
  infoVersion: string,
): Obj {
  const paths: Obj = {};
  const definitions: Obj = {};
  for (const [group, defs] of registry.groups()) {
    for (const version of new Set(defs.map((d) => d.version))) {
      const doc = v3(group, version);
      if (!doc) continue;
      const byKind = new Map(defs.filter((d) => d.version === version).map((d) => [d.kind, d]));
      const schemas = (doc.components as { schemas?: Obj } | undefined)?.schemas ?? {};
      const defined = new Set<string>();
      for (const [name, schema] of Object.entries(schemas)) {
        const gvk = isObj(schema) ? schema["x-kubernetes-group-version-kind"] : undefined;
        const kind = Array.isArray(gvk) && isObj(gvk[0]) ? String(gvk[0].kind) : undefined;
        // Schema-less built-ins stay out (see the top of this file); ObjectMeta and CRD kinds go in.
        if (kind !== undefined && !byKind.get(kind)?.schema) continue;
        definitions[name] = toV2Schema(schema);
        defined.add(name);
      }
      for (const [path, item] of Object.entries(isObj(doc.paths) ? doc.paths : {})) {
        if (!isObj(item)) continue;
        const v2item: Obj = {};
        for (const [method, op] of Object.entries(item)) {
          if (!isObj(op)) continue;
          const gvk = op["x-kubernetes-group-version-kind"];
          const def = isObj(gvk) ? byKind.get(String(gvk.kind)) : undefined;
          v2item[method] = v2Operation(method, op, def, defined);
        }
        const params = pathParameters(path);
        if (params.length > 0) v2item.parameters = params;
        paths[path] = v2item;
      }
    }
  }
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: infoVersion },
    paths: sortKeys(paths),
    definitions: sortKeys(definitions),
    securityDefinitions: {
      BearerToken: {
        description: "Bearer Token authentication",
        type: "apiKey",
        name: "authorization",
        in: "header",
      },
    },
    security: [{ BearerToken: [] }],
  };
}

const sortKeys = (o: Obj): Obj => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
