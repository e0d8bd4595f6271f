// The route table, as kube-apiserver's installer registers it (k8s.io/apiserver/pkg/endpoints/
// installer.go): first the non-resource paths (discovery, OpenAPI, the legacy bindings collection),
// then every resource path /api/v1/... or /apis/<group>/<version>/..., namespaced or not, as a
// (verb, target) pair where the target is the collection, one object, or one of its subresources.
// A path no route serves is 404; a served path asked with another method is 405, as there.
import type { Registry, ResourceDef } from "../registry.js";
import { methodNotAllowed } from "../status.js";
import { parseBool } from "../util.js";
import { createBinding, createPodBinding } from "./binding.js";
import { type Call, type Handler, notFoundPath, type ResourceCall } from "./call.js";
import { create } from "./create.js";
import { deleteItem } from "./delete.js";
import { deleteCollection } from "./deletecollection.js";
import { groupDiscovery, resourceDiscovery, rootDiscovery } from "./discovery.js";
import { createEviction } from "./eviction.js";
import { get } from "./get.js";
import { list } from "./list.js";
import { mountedTarget, serveMounted } from "./mounted.js";
import { openApiGroupVersion, openApiIndex, openApiV2 } from "./openapi.js";
import { patch } from "./patch.js";
import { podLog, podStream } from "./pod-proxy.js";
import { q } from "./request.js";
import { getScale, patchScale, updateScale } from "./scale.js";
import { update } from "./update.js";
import { watch } from "./watch.js";

interface PathRoute {
  method: string;
  /** The path's segments; `{name}` binds one segment to `params.name`. */
  parts: string[];
  handler: Handler;
}

const at = (method: string, path: string, handler: Handler): PathRoute => ({
  method,
  parts: path.split("/").slice(1),
  handler,
});

const pathRoutes: PathRoute[] = [
  at("GET", "/api", rootDiscovery),
  at("GET", "/apis", rootDiscovery),
  at("GET", "/api/{version}", resourceDiscovery),
  at("GET", "/apis/{group}", groupDiscovery),
  at("GET", "/apis/{group}/{version}", resourceDiscovery),
  at("GET", "/openapi/v2", openApiV2),
  at("GET", "/openapi/v3", openApiIndex),
  at("GET", "/openapi/v3/api/{version}", openApiGroupVersion),
  at("GET", "/openapi/v3/apis/{group}/{version}", openApiGroupVersion),
  // The legacy bindings resource (client-node's createNamespacedBinding): same as pods/binding.
  at("POST", "/api/v1/namespaces/{namespace}/bindings", createBinding),
];

/** What a request does to a resource, in kube-apiserver's names for the actions. */
type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

/** The verbs served on one target of a resource, and which resources have that target. */
interface TargetRoutes {
  /** Whether a resource has this target (a status subresource, a scale); all have by default. */
  has?: (def: ResourceDef) => boolean;
  verbs: Partial<Record<Verb, Handler<ResourceCall>>>;
}

const isPods = (def: ResourceDef): boolean => def.group === "" && def.plural === "pods";

/** By target: the collection, one object, or the name of one of its subresources. */
const resourceRoutes = new Map<string, TargetRoutes>([
  ["collection", { verbs: { list, watch, create, deletecollection: deleteCollection } }],
  ["object", { verbs: { get, update, patch, delete: deleteItem } }],
  ["status", { has: (def) => def.status, verbs: { get, update, patch } }],
  [
    "scale",
    {
      has: (def) => def.scale !== undefined,
      verbs: { get: getScale, update: updateScale, patch: patchScale },
    },
  ],
  [
    "binding",
    { has: (def) => def.group === "" && def.plural === "pods", verbs: { create: createPodBinding } },
  ],
  [
    "eviction",
    { has: (def) => def.group === "" && def.plural === "pods", verbs: { create: createEviction } },
  ],
  ["log", { has: isPods, verbs: { get: podLog } }],
  // WebSocket clients GET these with an upgrade; SPDY clients POST.
  ...(["exec", "attach", "portforward"] as const).map((s): [string, TargetRoutes] => [
    s,
    { has: isPods, verbs: { get: podStream, create: podStream } },
  ]),
]);

/** Runs the handler of the route that serves the request, or throws its 404 or 405 Status. */
export function dispatch(c: Call): void | Promise<void> {
  for (const route of pathRoutes) {
    const params = route.method === c.method ? matchPath(route.parts, c.segs) : undefined;
    if (params) {
      c.params = params;
      return route.handler(c);
    }
  }
  const mounted = mountedTarget(c);
  if (mounted) return serveMounted(c, mounted);
  const target = resourceTarget(c.api.registry, c.segs);
  if (!target) throw notFoundPath();
  // The call becomes a ResourceCall in place: copying it with a spread doubled a GET's cost.
  const rc: ResourceCall = Object.assign(c, target);
  const verb = verbOf(rc);
  // A create needs the namespace of a namespaced kind in its path.
  if (verb === "create" && rc.name === undefined && rc.namespace === undefined && rc.def.namespaced)
    throw methodNotAllowed();
  const routes = resourceRoutes.get(rc.subresource ?? (rc.name === undefined ? "collection" : "object"));
  if (!routes || !(routes.has?.(rc.def) ?? true)) throw notFoundPath();
  const handler = verb && routes.verbs[verb];
  if (!handler) throw methodNotAllowed();
  return handler(rc);
}

function matchPath(parts: string[], segs: string[]): Record<string, string> | undefined {
  if (parts.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const seg = segs[i] as string;
    if (part.startsWith("{")) params[part.slice(1, -1)] = seg;
    else if (part !== seg) return undefined;
  }
  return params;
}

function verbOf(c: ResourceCall): Verb | undefined {
  const collection = c.name === undefined;
  switch (c.method) {
    case "GET":
      if (!collection) return "get";
      return c.watchPath || parseBool(q(c.url, "watch")) ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return collection ? undefined : "update";
    case "PATCH":
      return collection ? undefined : "patch";
    case "DELETE":
      return collection ? "deletecollection" : "delete";
    default:
      return undefined;
  }
}

type Target = Pick<ResourceCall, "def" | "namespace" | "name" | "subresource" | "watchPath">;

/**
 * The resource a path names: /api/v1/... or /apis/<group>/<version>/..., then optionally `watch`,
 * then optionally `namespaces/<ns>`, then the resource and optionally a name and a subresource.
 * `namespaces/<name>/status` and `/finalize` are the Namespace's own subresources.
 */
function resourceTarget(registry: Registry, segs: string[]): Target | undefined {
  if (segs[0] !== "api" && segs[0] !== "apis") return undefined;
  const core = segs[0] === "api";
  const group = core ? "" : (segs[1] ?? "");
  const version = (core ? segs[1] : segs[2]) ?? "";
  let rest = segs.slice(core ? 2 : 3);
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (
    rest[0] === "namespaces" &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  const def = registry.lookup(group, version, rest[0] as string);
  if (!def) return undefined;
  if (namespace !== undefined && !def.namespaced) return undefined;
  const t: Target = { def, watchPath };
  if (namespace !== undefined) t.namespace = namespace;
  if (rest[1] !== undefined) t.name = rest[1];
  if (rest[2] !== undefined) t.subresource = rest[2];
  return t;
}
