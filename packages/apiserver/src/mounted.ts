// Read-only API group versions served by a handler rather than by the registry, the way
// kube-apiserver's aggregator serves an APIService: requests under /apis/<group>/<version>/ go to
// the handler, and the group is listed by discovery (legacy and aggregated) with the resources the
// handler names. metrics-server (metrics.k8s.io) and a custom metrics adapter
// (custom.metrics.k8s.io) are what this stands in for; grove-sim mounts both. The same handler can
// also be served by its own HTTP server (mountedApiHandler), as an extension API server behind a
// real kube-apiserver is.
import type { Obj } from "./util.js";

/** One resource of a mounted group version, as its server lists it (metav1.APIResource). */
export interface MountedResource {
  /** `pods`, or `pods/<subresource>` (custom metrics list `pods/<metric>`). */
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  singularName?: string;
}

/** A read-only group version served by a handler. */
export interface MountedApi {
  group: string;
  version: string;
  /** The group version's resources, read on each discovery request (they may change). */
  resources(): MountedResource[];
  /**
   * Answers a GET under /apis/<group>/<version>/: `path` is the rest of the path, its segments
   * decoded. Returns the document to send with 200, or throws an ApiError (its Status is sent).
   */
  get(path: readonly string[], query: URLSearchParams): unknown | Promise<unknown>;
}

/** The mounted group versions of one server. */
export class MountedApis {
  private readonly byKey = new Map<string, MountedApi>();

  /**
   * Mounts `api`; returns the unmount function. `served` says whether the registry already serves
   * the group (a local group cannot be mounted over, as an APIService cannot take a built-in one).
   */
  mount(api: MountedApi, served: (group: string) => boolean): () => void {
    const key = `${api.group}/${api.version}`;
    if (!api.group) throw new Error("mountApi: group must be non-empty (the core group cannot be mounted)");
    if (this.byKey.has(key)) throw new Error(`mountApi: ${key} is mounted already`);
    if (served(api.group)) throw new Error(`mountApi: group ${api.group} is served by the registry`);
    this.byKey.set(key, api);
    return () => {
      if (this.byKey.get(key) === api) this.byKey.delete(key);
    };
  }

  get(group: string, version: string): MountedApi | undefined {
    return this.byKey.get(`${group}/${version}`);
  }

  /** Mounted versions by group, groups sorted by name. */
  groups(): [string, MountedApi[]][] {
    const m = new Map<string, MountedApi[]>();
    for (const a of this.byKey.values()) m.set(a.group, [...(m.get(a.group) ?? []), a]);
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** A mounted group in /apis (APIGroup): its versions, the first mounted preferred. */
export function mountedGroup(group: string, apis: readonly MountedApi[]): Obj {
  const versions = apis.map((a) => ({ groupVersion: `${group}/${a.version}`, version: a.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** GET /apis/<group>/<version> of a mounted group version (APIResourceList). */
export function mountedResourceList(api: MountedApi): Obj {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${api.group}/${api.version}`,
    resources: api.resources().map((r) => ({ singularName: "", ...r })),
  };
}

/**
 * A mounted group in aggregated discovery (APIGroupDiscovery), converted from its resource list
 * as kube-apiserver converts an APIService's legacy discovery (apiserver/pkg/endpoints/discovery/
 * aggregated ConvertGroupVersionIntoToDiscovery): `parent/sub` becomes a subresource of `parent`,
 * and a parent the list lacks is made up with an empty responseKind.
 */
export function mountedAggregatedGroup(group: string, apis: readonly MountedApi[]): Obj {
  const versions = apis.map((api) => {
    const out: Obj[] = [];
    const parents = new Map<string, Obj>();
    const scope = (r: MountedResource) => (r.namespaced ? "Namespaced" : "Cluster");
    const rs = api.resources();
    for (const r of rs.filter((x) => !x.name.includes("/"))) {
      const d: Obj = {
        resource: r.name,
        responseKind: { group, version: api.version, kind: r.kind },
        scope: scope(r),
        singularResource: r.singularName ?? "",
        verbs: r.verbs,
      };
      parents.set(r.name, d);
      out.push(d);
    }
    for (const r of rs.filter((x) => x.name.includes("/"))) {
      const [parent = "", sub = ""] = r.name.split(/\/(.*)/s);
      let p = parents.get(parent);
      if (!p) {
        p = { resource: parent, responseKind: {}, scope: scope(r), singularResource: "", verbs: [] };
        parents.set(parent, p);
        out.push(p);
      }
      const subs = (p.subresources as Obj[] | undefined) ?? [];
      subs.push({
        subresource: sub,
        responseKind: { group, version: api.version, kind: r.kind },
        verbs: r.verbs,
      });
      p.subresources = subs;
    }
    return { version: api.version, resources: out, freshness: "Current" };
  });
  return { metadata: { name: group, creationTimestamp: null }, versions };
}
