// Requests to mounted group versions (../mounted.ts): on our API server, GETs under
// /apis/<group>/<version>/ go to the mounted handler (discovery is handlers/discovery.ts's); and
// mountedApiHandler serves mounted group versions on an HTTP server of their own, the way an
// extension API server (metrics-server) answers kube-apiserver's aggregator: its discovery
// (/apis legacy or aggregated, /apis/<group>, /apis/<group>/<version>), the GETs, and health.
import { ApiError } from "@grove-ts/runtime";
import { aggregatedContentType } from "../discovery.js";
import {
  type MountedApi,
  MountedApis,
  mountedAggregatedGroup,
  mountedGroup,
  mountedResourceList,
} from "../mounted.js";
import { methodNotAllowed, status } from "../status.js";
import { type Call, notFoundPath, type Req, type Res, send, sendStatus } from "./call.js";

/** The mounted group version a path is under, when it goes past /apis/<group>/<version>. */
export function mountedTarget(c: Call): MountedApi | undefined {
  const s = c.segs;
  if (s[0] !== "apis" || s.length < 4 || c.api.mounted.size === 0) return undefined;
  return c.api.mounted.get(s[1] as string, s[2] as string);
}

/** A request under a mounted group version: GET only (the groups are read-only). */
export async function serveMounted(c: Call, api: MountedApi): Promise<void> {
  if (c.method !== "GET") throw methodNotAllowed();
  send(c.res, 200, await api.get(c.segs.slice(3), c.url.searchParams));
}

/**
 * An HTTP handler that serves `apis` alone, as an extension API server does behind kube-apiserver's
 * aggregator. `authorize` runs first (e.g. the front-proxy client certificate check); a string it
 * returns is the reason of a 401.
 */
export function mountedApiHandler(
  apis: readonly MountedApi[],
  authorize: (req: Req) => string | undefined = () => undefined,
): (req: Req, res: Res) => void {
  const mounted = new MountedApis();
  for (const a of apis) mounted.mount(a, () => false);
  const answer = async (req: Req, res: Res): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const segs = url.pathname
      .split("/")
      .filter((x) => x !== "")
      .map(decodeURIComponent);
    const path = `/${segs.join("/")}`;
    if (path === "/healthz" || path === "/livez" || path === "/readyz")
      return send(res, 200, "ok", {}, "text/plain; charset=utf-8");
    const denied = authorize(req);
    if (denied !== undefined) return sendStatus(res, status(401, "Unauthorized", denied));
    if (req.method !== "GET") throw methodNotAllowed();
    if (path === "/apis") {
      const groups = mounted.groups();
      if (String(req.headers.accept ?? "").includes("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"))
        return send(
          res,
          200,
          {
            kind: "APIGroupDiscoveryList",
            apiVersion: "apidiscovery.k8s.io/v2",
            metadata: {},
            items: groups.map(([g, as]) => mountedAggregatedGroup(g, as)),
          },
          { Vary: "Accept" },
          aggregatedContentType,
        );
      return send(res, 200, {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: groups.map(([g, as]) => mountedGroup(g, as)),
      });
    }
    if (segs[0] !== "apis" || segs.length < 2) throw notFoundPath();
    if (segs.length === 2) {
      const g = mounted.groups().find(([name]) => name === segs[1]);
      if (!g) throw notFoundPath();
      return send(res, 200, { kind: "APIGroup", apiVersion: "v1", ...mountedGroup(g[0], g[1]) });
    }
    const api = mounted.get(segs[1] as string, segs[2] as string);
    if (!api) throw notFoundPath();
    if (segs.length === 3) return send(res, 200, mountedResourceList(api));
    send(res, 200, await api.get(segs.slice(3), url.searchParams));
  };
  return (req, res) => {
    answer(req, res).catch((err: unknown) => {
      if (res.headersSent) res.end();
      else if (err instanceof ApiError) sendStatus(res, err.status);
      else sendStatus(res, status(500, "InternalError", `Internal error occurred: ${String(err)}`));
    });
  };
}
