// Discovery: /api and /apis (aggregated v2 or v2beta1 when the Accept header asks for it, the
// legacy version and group lists otherwise), a group's versions, and a group version's resources.
// The documents are ../discovery.ts's; this file picks one per request.
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedV2beta1ContentType,
  legacyApiVersions,
  legacyGroup1,
  legacyGroupList,
  resourceList,
} from "../discovery.js";
import { type Call, notFoundPath, send } from "./call.js";

/** GET /api and GET /apis. */
export function rootDiscovery(c: Call): void {
  const core = c.segs[0] === "api";
  const accept = String(c.req.headers.accept ?? "");
  const registry = c.api.registry;
  if (accept.includes("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"))
    send(c.res, 200, aggregatedDiscovery(registry, core), { Vary: "Accept" }, aggregatedContentType);
  else if (accept.includes("g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")) {
    const doc = aggregatedDiscovery(registry, core, "apidiscovery.k8s.io/v2beta1");
    send(c.res, 200, doc, { Vary: "Accept" }, aggregatedV2beta1ContentType);
  } else {
    const host = String(c.req.headers.host ?? "127.0.0.1");
    send(c.res, 200, core ? legacyApiVersions(host) : legacyGroupList(registry));
  }
}

/** GET /apis/{group}: the group's versions. */
export function groupDiscovery(c: Call): void {
  const g = legacyGroup1(c.api.registry, c.params.group as string);
  if (!g) throw notFoundPath();
  send(c.res, 200, g);
}

/** GET /api/v1 and GET /apis/{group}/{version}: the resources a group version serves. */
export function resourceDiscovery(c: Call): void {
  const l = resourceList(c.api.registry, c.params.group ?? "", c.params.version as string);
  if (!l) throw notFoundPath();
  send(c.res, 200, l);
}
