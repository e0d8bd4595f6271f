// The REST surface over HTTP/1.1 (and HTTP/2 under TLS): the request pipeline in front of the route
// table (handlers/routes.ts) and its per-verb handlers. In order: the URL, the Host check of an
// anonymous server, the health and version endpoints, authentication, the body (size limit, media
// type), then the route; every error is a Status document and every request a debug line.
import { ApiError } from "@grove-ts/runtime";
import { authenticate } from "./authn.js";
import { checkBodyMediaType } from "./body.js";
import { type Call, type Req, type Res, sendStatus } from "./handlers/call.js";
import { healthz } from "./handlers/healthz.js";
import { readBody, TooLarge } from "./handlers/request.js";
import { dispatch } from "./handlers/routes.js";
import { version } from "./handlers/version.js";
import type { ApiServer } from "./server.js";
import { isLoopbackHost } from "./serving.js";
import { status as makeStatus } from "./status.js";

export { versionInfo } from "./handlers/version.js";

export interface HttpOptions {
  /**
   * Bearer token every request except /version and health checks must carry (the scheme in any
   * case, as kube-apiserver takes it); without one a request gets 401 Unauthorized.
   */
  token: string;
  /**
   * Serve requests that carry no credentials (a wrong token is still 401). kubectl never sends a
   * bearer token over plain http://, so this is how kubectl reaches a non-TLS server.
   */
  anonymous?: boolean;
  /** Largest request body accepted, in bytes (kube-apiserver: 3 MiB). */
  maxBodyBytes?: number;
  /** Blank-line heartbeat on watches, in ms; keeps client-node's 30 s idle timer from firing. */
  heartbeatMs?: number;
  /** Interval between BOOKMARK events when a watch asks for them, in ms. */
  bookmarkMs?: number;
  /** One structured line per request (debug level). */
  debug?: (line: string) => void;
  /** Errors that are the server's fault. */
  error?: (line: string) => void;
}

/** Paths served to anyone, before authentication (kube-apiserver's system:public-info-viewer). */
const publicPaths = new Map<string, (res: Res) => void>([
  ["/healthz", healthz],
  ["/livez", healthz],
  ["/readyz", healthz],
  ["/version", version],
]);

/** Methods whose body is read (and its size limited) before routing. */
const bodyMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function createHandler(api: ApiServer, opts: HttpOptions): (req: Req, res: Res) => void {
  const limit = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const bookmarkMs = opts.bookmarkMs ?? 30_000;

  async function handle(req: Req, res: Res, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    // Anonymous access is for this machine: a web page that points a name of its own at 127.0.0.1
    // (DNS rebinding) sends that name as Host, and is refused.
    const host = String(req.headers.host ?? req.headers[":authority"] ?? "");
    if (opts.anonymous && !isLoopbackHost(host))
      return sendStatus(
        res,
        makeStatus(
          403,
          "Forbidden",
          `Host ${JSON.stringify(host)} is not a loopback name: a server that accepts anonymous requests answers only requests addressed to localhost, 127.0.0.1 or [::1]`,
        ),
      );
    const publicPath = publicPaths.get(path);
    if (publicPath) return publicPath(res);
    const authn = authenticate(req.headers.authorization, opts.token);
    if (authn === "invalid" || (authn === "anonymous" && !opts.anonymous))
      return sendStatus(res, makeStatus(401, "Unauthorized", "Unauthorized"));
    let body: Buffer | undefined;
    if (bodyMethods.has(method)) {
      try {
        body = await readBody(req, limit);
      } catch (err) {
        if (err instanceof TooLarge) {
          sendStatus(
            res,
            makeStatus(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`),
          );
          req.resume();
          return;
        }
        throw err;
      }
      // A patch's media type picks its patch type (handlers/patch.ts); a delete may have no body.
      if (method === "POST" || method === "PUT" || (method === "DELETE" && body.length > 0))
        checkBodyMediaType(req.headers["content-type"]);
    }
    const segs = path
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    // Built property by property: an object spread here cost more than all the routing (measured).
    const call: Call = { api, heartbeatMs, bookmarkMs, req, res, url, method, segs, params: {} };
    if (body !== undefined) call.body = body;
    return dispatch(call);
  }

  /** The Status of a failed request; a failure that is not an ApiError is the server's fault. */
  function fail(req: Req, res: Res, url: URL, err: unknown): void {
    if (res.headersSent) res.end();
    else if (err instanceof ApiError) sendStatus(res, err.status);
    else if (err instanceof URIError)
      sendStatus(res, makeStatus(400, "BadRequest", `malformed request path: ${err.message}`));
    else {
      opts.error?.(
        JSON.stringify({
          level: "error",
          msg: "request failed",
          method: req.method,
          path: url.pathname,
          error: String((err as Error)?.stack ?? err),
        }),
      );
      const message = `Internal error occurred: ${String((err as Error)?.message ?? err)}`;
      sendStatus(res, makeStatus(500, "InternalError", message));
    }
  }

  return (req, res) => {
    const started = Date.now();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      sendStatus(res, makeStatus(400, "BadRequest", "malformed request URL"));
      return;
    }
    handle(req, res, url)
      .catch((err: unknown) => fail(req, res, url, err))
      .finally(() => {
        opts.debug?.(
          JSON.stringify({
            level: "debug",
            msg: "request",
            method: req.method,
            path: url.pathname,
            query: url.search,
            code: res.statusCode,
            ms: Date.now() - started,
          }),
        );
      });
  };
}
