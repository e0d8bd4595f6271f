// Discovery: /api and /apis (aggregated v2 or v2beta1 when the Accept header asks for it, the
// legacy version and group lists otherwise), a group's versions, and a group version's resources.
// The documents are ../discovery.ts's for the registry's groups, and ../mounted.ts's for the
// groups mounted by handlers (listed after them, as kube-apiserver lists APIService groups after
// its own); this file picks one per request.
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedV2beta1ContentType,
  legacyApiVersions,
  legacyGroup1,
  legacyGroupList,
  resourceList,
} from "../discovery.js";
import { mountedAggregatedGroup, mountedGroup, mountedResourceList } from "../mounted.js";
import type { Obj } from "../util.js";
import { type Call, notFoundPath, send } from "./call.js";

/** GET /api and GET /apis. */
export function rootDiscovery(c: Call): void {
  const core = c.segs[0] === "api";
  const accept = String(c.req.headers.accept ?? "");
  const registry = c.api.registry;
  const mounted = core ? [] : c.api.mounted.groups();
  const withMounted = (doc: Obj): Obj => {
    (doc.items as Obj[]).push(...mounted.map(([g, apis]) => mountedAggregatedGroup(g, apis)));
    return doc;
  };
  if (accept.includes("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")) {
    const doc = withMounted(aggregatedDiscovery(registry, core));
    send(c.res, 200, doc, { Vary: "Accept" }, aggregatedContentType);
  } else if (accept.includes("g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")) {
    const doc = withMounted(aggregatedDiscovery(registry, core, "apidiscovery.k8s.io/v2beta1"));
    send(c.res, 200, doc, { Vary: "Accept" }, aggregatedV2beta1ContentType);
  } else if (core) {
    send(c.res, 200, legacyApiVersions(String(c.req.headers.host ?? "127.0.0.1")));
  } else {
    const doc = legacyGroupList(registry);
    (doc.groups as Obj[]).push(...mounted.map(([g, apis]) => mountedGroup(g, apis)));
    send(c.res, 200, doc);
  }
}

/** GET /apis/{group}: the group's versions. */
export function groupDiscovery(c: Call): void {
  const group = c.params.group as string;
  const mounted = c.api.mounted.groups().find(([g]) => g === group);
  const g = mounted
    ? { kind: "APIGroup", apiVersion: "v1", ...mountedGroup(group, mounted[1]) }
    : legacyGroup1(c.api.registry, group);
  if (!g) throw notFoundPath();
  send(c.res, 200, g);
}

/** GET /api/v1 and GET /apis/{group}/{version}: the resources a group version serves. */
export function resourceDiscovery(c: Call): void {
  const group = c.params.group ?? "";
  const version = c.params.version as string;
  const mounted = group ? c.api.mounted.get(group, version) : undefined;
  const l = mounted ? mountedResourceList(mounted) : resourceList(c.api.registry, group, version);
  if (!l) throw notFoundPath();
  send(c.res, 200, l);
}
