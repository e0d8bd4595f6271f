// Request building, pure: where a ResourceType lives over REST and how options become a query.
// Core group kinds live under /api/v1, every other group under /apis/<group>/<version>.
import type {
  DeleteOptions,
  ListOptions,
  PatchType,
  ResourceType,
  WatchOptions,
  WriteOptions,
} from "@grove-ts/runtime";

export class RequestError extends Error {
  readonly code = "InvalidRequest";
  constructor(message: string) {
    super(message);
    this.name = "RequestError";
  }
}

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

const seg = (s: string): string => encodeURIComponent(s);

/** The group/version prefix: "/api/v1" or "/apis/group/version". */
export function groupVersionPath(apiVersion: string): string {
  if (apiVersion === "v1") return "/api/v1";
  if (!/^[a-z0-9.-]+\/[a-z0-9]+$/.test(apiVersion))
    throw new RequestError(`apiVersion: ${JSON.stringify(apiVersion)} is neither "v1" nor "group/version"`);
  return `/apis/${apiVersion}`;
}

/**
 * The path of a collection, an object, or an object's subresource. A namespaced kind without a
 * namespace addresses all namespaces (lists and watches only); a cluster-scoped kind ignores one.
 */
export function resourcePath(type: ResourceType, parts: PathParts = {}): string {
  let p = groupVersionPath(type.apiVersion);
  if (type.namespaced && parts.namespace) p += `/namespaces/${seg(parts.namespace)}`;
  else if (type.namespaced && parts.name !== undefined)
    throw new RequestError(`namespace: required for namespaced ${type.kind} ${JSON.stringify(parts.name)}`);
  p += `/${type.plural}`;
  if (parts.name !== undefined) {
    if (parts.name === "") throw new RequestError(`name: required to address one ${type.kind}`);
    p += `/${seg(parts.name)}`;
  }
  if (parts.subresource) {
    if (parts.name === undefined)
      throw new RequestError(`subresource ${parts.subresource}: needs an object name`);
    p += `/${parts.subresource}`;
  }
  return p;
}

/** Query string (with its "?") of the defined, non-empty parameters, in the given order. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function listQuery(o: ListOptions = {}): string {
  return query({
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
  });
}

/** Watch parameters as client-node's Watch takes them (it adds watch=true itself). */
export function watchParams(o: WatchOptions): Record<string, string> {
  const p: Record<string, string> = {};
  if (o.labelSelector) p.labelSelector = o.labelSelector;
  if (o.fieldSelector) p.fieldSelector = o.fieldSelector;
  if (o.resourceVersion) p.resourceVersion = o.resourceVersion;
  if (o.allowWatchBookmarks) p.allowWatchBookmarks = "true";
  if (o.timeoutSeconds !== undefined) p.timeoutSeconds = String(o.timeoutSeconds);
  return p;
}

export function writeQuery(
  o: WriteOptions = {},
  patchType?: PatchType,
  defaultFieldManager?: string,
): string {
  // Server-side apply requires a field manager (kube-apiserver answers 400 without one).
  const fieldManager = o.fieldManager ?? (patchType === "apply" ? defaultFieldManager : undefined);
  return query({
    dryRun: o.dryRun ? "All" : undefined,
    fieldManager,
    force: patchType === "apply" && o.force ? true : undefined,
  });
}

/**
 * The Content-Type of each patch type (TOOLCHAIN.md §6: client-node defaults to json-patch, so the
 * type must always be explicit).
 */
export const patchContentType: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** metav1.DeleteOptions as the DELETE body. */
export function deleteBody(o: DeleteOptions = {}): Record<string, unknown> {
  return {
    kind: "DeleteOptions",
    apiVersion: "v1",
    ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
    ...(o.dryRun ? { dryRun: ["All"] } : {}),
  };
}
