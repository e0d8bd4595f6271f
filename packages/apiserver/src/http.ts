// The REST surface over HTTP/1.1 (and HTTP/2 under TLS): authentication, body limits, routing to
// ApiServer, Tables, watch streaming, discovery and OpenAPI. Every error is a Status document.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { ApiError, type Status } from "@grove-ts/runtime";
import { authenticate } from "./authn.js";
import { checkBodyMediaType, parseBody } from "./body.js";
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedV2beta1ContentType,
  contentHash,
  legacyApiVersions,
  legacyGroup1,
  legacyGroupList,
  openApiDocument,
  openApiIndex,
  resourceList,
} from "./discovery.js";
import { patchKindOf } from "./patch.js";
import { apiVersionOf, type ResourceDef } from "./registry.js";
import type { ApiServer, DeleteOpts, FieldValidation, Propagation, WriteOpts } from "./server.js";
import { isLoopbackHost } from "./serving.js";
import { badRequest, type Cause, fail, invalid, status as makeStatus, methodNotAllowed } from "./status.js";
import { buildTable, type IncludeObject } from "./tables.js";
import { isObj, type Obj, parseBool } from "./util.js";
import { warningHeaderValues } from "./warnings.js";

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

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

export const versionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-grove",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

class TooLarge extends Error {}

/** Bytes a watch response may have queued for a slow reader before it is closed. */
const maxWatchBacklog = 16 * 1024 * 1024;

function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}

function send(
  res: Res,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
  contentType = "application/json",
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  (res as ServerResponse).writeHead(code, {
    "Content-Type": contentType,
    "Cache-Control": "no-cache, private",
    ...headers,
  });
  res.end(text);
}

function sendStatus(res: Res, s: Status): void {
  send(res, s.code, s);
}

const q = (u: URL, k: string): string | undefined => u.searchParams.get(k) ?? undefined;

/**
 * An integer query parameter (limit, timeoutSeconds, gracePeriodSeconds) as kube-apiserver decodes
 * it, with strconv.ParseInt(s, 10, 64): a 400 naming the text for anything else, an empty value
 * included; undefined only when the parameter is absent.
 */
function intParam(u: URL, k: string): number | undefined {
  const text = q(u, k);
  if (text === undefined) return undefined;
  const parsing = `strconv.ParseInt: parsing ${JSON.stringify(text)}`;
  if (!/^[+-]?\d+$/.test(text)) throw badRequest(`${parsing}: invalid syntax`);
  const n = BigInt(text.replace(/^\+/, ""));
  if (n > 9223372036854775807n || n < -9223372036854775808n)
    throw badRequest(`${parsing}: value out of range`);
  return Number(n);
}

/** setTimeout's longest delay; a watch asked to last longer has no timer at all (kube's lasts centuries). */
const maxTimerMs = 2 ** 31 - 1;

function writeOpts(u: URL): WriteOpts {
  const dry = q(u, "dryRun");
  if (dry !== undefined && dry !== "All" && dry !== "")
    throw fail(400, "BadRequest", `dryRun: Unsupported value: "${dry}": supported values: "All"`);
  const fv = q(u, "fieldValidation");
  if (fv !== undefined && !["Strict", "Warn", "Ignore"].includes(fv))
    throw badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
    );
  const o: WriteOpts = { warnings: [] };
  if (dry === "All") o.dryRun = true;
  if (fv) o.fieldValidation = fv as FieldValidation;
  const fm = q(u, "fieldManager");
  if (fm) o.fieldManager = fm;
  return o;
}

function warningHeaders(o: WriteOpts): Record<string, string[]> {
  const values = warningHeaderValues(o.warnings ?? []);
  return values.length === 0 ? {} : { Warning: values };
}

function wantsTable(req: Req): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ""));
}

interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

export function createHandler(api: ApiServer, opts: HttpOptions): (req: Req, res: Res) => void {
  const limit = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const bookmarkMs = opts.bookmarkMs ?? 30_000;
  const docCache = new Map<string, { gen: number; doc: Obj; hash: string }>();
  const openApiDoc = (group: string, version: string): { doc: Obj; hash: string } | undefined => {
    const key = `${group}/${version}`;
    const hit = docCache.get(key);
    if (hit && hit.gen === api.registry.generation) return hit;
    const doc = openApiDocument(api.registry, group, version);
    if (!doc) return undefined;
    const entry = { gen: api.registry.generation, doc, hash: contentHash(doc) };
    docCache.set(key, entry);
    return entry;
  };

  /** Acknowledges a write only once it is durable (group-committed fsync with --data-dir). */
  const sendDurable = async (...args: Parameters<typeof send>): Promise<void> => {
    await api.durable();
    send(...args);
  };

  const route = (segs: string[]): Route | undefined => {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === "api") {
      group = "";
      version = segs[1] ?? "";
      rest = segs.slice(2);
    } else {
      group = segs[1] ?? "";
      version = segs[2] ?? "";
      rest = segs.slice(3);
    }
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
    const def = api.registry.lookup(group, version, rest[0] as string);
    if (!def) return undefined;
    if (namespace !== undefined && !def.namespaced) return undefined;
    const r: Route = { def, watchPath };
    if (namespace !== undefined) r.namespace = namespace;
    if (rest[1] !== undefined) r.name = rest[1];
    if (rest[2] !== undefined) r.subresource = rest[2];
    return r;
  };

  async function handle(req: Req, res: Res, u: URL): Promise<void> {
    const path = u.pathname.replace(/\/+$/, "") || "/";
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
    if (path === "/healthz" || path === "/livez" || path === "/readyz")
      return send(res, 200, "ok", {}, "text/plain; charset=utf-8");
    if (path === "/version") return send(res, 200, versionInfo);
    const authn = authenticate(req.headers.authorization, opts.token);
    if (authn === "invalid" || (authn === "anonymous" && !opts.anonymous))
      return sendStatus(res, makeStatus(401, "Unauthorized", "Unauthorized"));
    let body: unknown;
    let rawBody: Buffer | undefined;
    if (method === "POST" || method === "PUT" || method === "PATCH" || method === "DELETE") {
      try {
        rawBody = await readBody(req, limit);
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
      if (method === "POST" || method === "PUT" || (method === "DELETE" && rawBody.length > 0))
        checkBodyMediaType(req.headers["content-type"]);
    }
    const segs = path
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const accept = String(req.headers.accept ?? "");
    if (method === "GET") {
      if (path === "/api" || path === "/apis") {
        const core = path === "/api";
        if (accept.includes("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"))
          return send(
            res,
            200,
            aggregatedDiscovery(api.registry, core),
            { Vary: "Accept" },
            aggregatedContentType,
          );
        if (accept.includes("g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"))
          return send(
            res,
            200,
            aggregatedDiscovery(api.registry, core, "apidiscovery.k8s.io/v2beta1"),
            { Vary: "Accept" },
            aggregatedV2beta1ContentType,
          );
        return send(
          res,
          200,
          core ? legacyApiVersions(String(req.headers.host ?? "127.0.0.1")) : legacyGroupList(api.registry),
        );
      }
      if (segs[0] === "openapi") {
        if (segs[1] === "v3" && segs.length === 2)
          return send(
            res,
            200,
            openApiIndex(api.registry, (g, v) => openApiDoc(g, v)?.hash ?? ""),
          );
        if (segs[1] === "v3") {
          const [g, v] = segs[2] === "api" ? ["", segs[3] ?? ""] : [segs[3] ?? "", segs[4] ?? ""];
          const hit =
            (segs[2] === "api" && segs.length === 4) || (segs[2] === "apis" && segs.length === 5)
              ? openApiDoc(g, v)
              : undefined;
          if (hit) return send(res, 200, hit.doc, { ETag: `"${hit.hash}"` });
        }
        return sendStatus(
          res,
          makeStatus(404, "NotFound", "the server could not find the requested resource"),
        );
      }
      if (segs[0] === "api" && segs.length === 2 && segs[1] === "v1") {
        return send(res, 200, resourceList(api.registry, "", "v1"));
      }
      if (segs[0] === "apis" && segs.length === 2) {
        const g = legacyGroup1(api.registry, segs[1] as string);
        if (g) return send(res, 200, g);
      }
      if (segs[0] === "apis" && segs.length === 3) {
        const l = resourceList(api.registry, segs[1] as string, segs[2] as string);
        if (l) return send(res, 200, l);
      }
    }
    // The legacy bindings resource (client-node's createNamespacedBinding): same as pods/binding.
    if (
      method === "POST" &&
      segs.length === 5 &&
      segs[0] === "api" &&
      segs[1] === "v1" &&
      segs[2] === "namespaces" &&
      segs[4] === "bindings"
    ) {
      const o = writeOpts(u);
      const b = parseBody(rawBody as Buffer, req.headers["content-type"]);
      const podName =
        isObj(b) && isObj(b.metadata) && typeof b.metadata.name === "string" ? b.metadata.name : "";
      if (!podName) throw badRequest("Binding: metadata.name (the pod's name) is required");
      api.bind(segs[3] as string, podName, b, o);
      return sendDurable(res, 201, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        code: 201,
      });
    }
    const r = segs[0] === "api" || segs[0] === "apis" ? route(segs) : undefined;
    if (!r)
      return sendStatus(res, makeStatus(404, "NotFound", "the server could not find the requested resource"));
    const { def, namespace, name, subresource } = r;
    if (
      name === undefined &&
      namespace === undefined &&
      def.namespaced &&
      (method === "POST" || method === "PUT" || method === "PATCH")
    )
      throw methodNotAllowed();
    const table = wantsTable(req);
    const include = (q(u, "includeObject") as IncludeObject | undefined) ?? "Metadata";

    if (method === "GET" && name === undefined) {
      const listOpts = {
        labelSelector: q(u, "labelSelector"),
        fieldSelector: q(u, "fieldSelector"),
        namespace,
      };
      if (r.watchPath || parseBool(q(u, "watch"))) return watch(req, res, u, def, listOpts, table, include);
      intParam(u, "timeoutSeconds");
      const result = api.list(def, {
        ...listOpts,
        limit: intParam(u, "limit"),
        continue: q(u, "continue"),
      });
      const lm: Obj = { resourceVersion: result.resourceVersion };
      if (result.continue) lm.continue = result.continue;
      if (result.remainingItemCount !== undefined) lm.remainingItemCount = result.remainingItemCount;
      if (table)
        return send(
          res,
          200,
          buildTable(
            def,
            result.items,
            result.resourceVersion,
            include,
            lm.continue ? { continue: lm.continue } : {},
          ),
        );
      return send(res, 200, {
        kind: def.listKind,
        apiVersion: apiVersionOf(def),
        metadata: lm,
        items: result.items,
      });
    }
    if (method === "GET" && name !== undefined) {
      if (subresource === "scale") return send(res, 200, api.getScale(def, namespace, name));
      if (subresource !== undefined && subresource !== "status") throw notFoundPath();
      if (subresource === "status" && !def.status) throw notFoundPath();
      const obj = api.get(def, namespace, name);
      if (table)
        return send(res, 200, buildTable(def, [obj], String((obj.metadata as Obj).resourceVersion), include));
      return send(res, 200, obj);
    }
    if (method === "POST") {
      const o = writeOpts(u);
      body = parseBody(rawBody as Buffer, req.headers["content-type"]);
      if (name !== undefined) {
        if (def.group === "" && def.plural === "pods" && subresource === "binding" && namespace) {
          api.bind(namespace, name, body, o);
          return sendDurable(res, 201, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            code: 201,
          });
        }
        throw methodNotAllowed();
      }
      const created = api.create(def, namespace, body, o);
      return sendDurable(res, 201, created, warningHeaders(o));
    }
    if (method === "PUT" && name !== undefined) {
      const o = writeOpts(u);
      body = parseBody(rawBody as Buffer, req.headers["content-type"]);
      if (subresource === "scale")
        return sendDurable(res, 200, api.updateScale(def, namespace, name, body, o), warningHeaders(o));
      if (subresource !== undefined && (subresource !== "status" || !def.status)) throw notFoundPath();
      const out = api.update(def, namespace, name, body, o, subresource as "status" | undefined);
      return sendDurable(res, 200, out, warningHeaders(o));
    }
    if (method === "PATCH" && name !== undefined) {
      const kind = patchKindOf(req.headers["content-type"]);
      // kube-apiserver's words (v1.37.2): a bare "415: Unsupported Media Type" for built-in kinds,
      // the patch types for custom resources.
      if (!kind)
        throw def.builtin
          ? fail(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
          : fail(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            );
      const o = writeOpts(u);
      body = parseBody(rawBody as Buffer, req.headers["content-type"]);
      if (subresource === "scale")
        return sendDurable(res, 200, api.patchScale(def, namespace, name, kind, body, o), warningHeaders(o));
      if (subresource !== undefined && (subresource !== "status" || !def.status)) throw notFoundPath();
      const { object, created } = api.patch(
        def,
        namespace,
        name,
        kind,
        body,
        o,
        subresource as "status" | undefined,
      );
      return sendDurable(res, created ? 201 : 200, object, warningHeaders(o));
    }
    if (method === "DELETE") {
      const dopts: DeleteOpts = {};
      const text = rawBody?.toString("utf8").trim() ?? "";
      const b = text ? parseBody(rawBody as Buffer, req.headers["content-type"]) : {};
      if (isObj(b)) {
        if (typeof b.propagationPolicy === "string")
          dopts.propagationPolicy = b.propagationPolicy as Propagation;
        if (b.orphanDependents === true) dopts.propagationPolicy = "Orphan";
        if (isObj(b.preconditions))
          dopts.preconditions = b.preconditions as DeleteOpts["preconditions"] & object;
        if (Array.isArray(b.dryRun) && b.dryRun.includes("All")) dopts.dryRun = true;
        if (typeof b.gracePeriodSeconds === "number") dopts.gracePeriodSeconds = b.gracePeriodSeconds;
      }
      const gp = intParam(u, "gracePeriodSeconds");
      if (gp !== undefined) dopts.gracePeriodSeconds = gp;
      const pp = q(u, "propagationPolicy");
      if (pp) dopts.propagationPolicy = pp as Propagation;
      if (q(u, "orphanDependents") === "true") dopts.propagationPolicy = "Orphan";
      if (q(u, "dryRun") === "All") dopts.dryRun = true;
      if (name === undefined) {
        const result = api.deleteCollection(
          def,
          { namespace, labelSelector: q(u, "labelSelector"), fieldSelector: q(u, "fieldSelector") },
          dopts,
        );
        return sendDurable(res, 200, {
          kind: def.listKind,
          apiVersion: apiVersionOf(def),
          metadata: { resourceVersion: result.resourceVersion },
          items: result.items,
        });
      }
      if (subresource !== undefined) throw methodNotAllowed();
      return sendDurable(res, 200, api.delete(def, namespace, name, dopts));
    }
    throw methodNotAllowed();
  }

  function watch(
    req: Req,
    res: Res,
    u: URL,
    def: ResourceDef,
    listOpts: {
      labelSelector?: string | undefined;
      fieldSelector?: string | undefined;
      namespace?: string | undefined;
    },
    table: boolean,
    include: IncludeObject,
  ): void {
    const timeoutSeconds = intParam(u, "timeoutSeconds");
    const bookmarks = parseBool(q(u, "allowWatchBookmarks"));
    const rv = q(u, "resourceVersion");
    const initial = watchListOptions(u);
    // The current state as synthetic ADDED events: asked for (sendInitialEvents=true, client-go's
    // watch-list), or what a watch from no version or "0" starts with.
    const sendsState = initial ?? sendsStateFrom(rv);
    // The 200 goes out with the first event, or once the watch is open: a watch the server refuses
    // (a bad selector or resourceVersion) is an error response, as kube-apiserver's, not an ERROR
    // event in a 200 stream. Only "too old" (410) comes as an event, there as here.
    let headSent = false;
    const head = () => {
      if (headSent) return;
      headSent = true;
      (res as ServerResponse).writeHead(200, {
        "Content-Type": "application/json",
        "Cache-Control": "no-cache, private",
      });
      (res as ServerResponse).flushHeaders();
    };
    let open = true;
    let sentColumns = false;
    const timers: NodeJS.Timeout[] = [];
    const write = (type: string, object: unknown) => {
      if (!open) return;
      head();
      (res as ServerResponse).write(`${JSON.stringify({ type, object })}\n`);
      // A watcher that stopped reading is cut off (it will relist), as kube-apiserver drops
      // watchers that fall behind, instead of buffering without bound.
      if ((res as ServerResponse).writableLength > maxWatchBacklog) finish();
    };
    const finish = () => {
      if (!open) return;
      open = false;
      stop();
      for (const t of timers) clearTimeout(t);
      head();
      res.end();
    };
    let stop: () => void = () => {};
    const sink = {
      event: (type: string, obj: Obj) => {
        if (table) {
          write(
            type,
            buildTable(def, [obj], String((obj.metadata as Obj).resourceVersion), include, {}, !sentColumns),
          );
          sentColumns = true;
        } else write(type, obj);
      },
      end: (s?: Status) => {
        if (s) write("ERROR", s);
        finish();
      },
    };
    const watchOpts: {
      namespace?: string;
      labelSelector?: string;
      fieldSelector?: string;
      resourceVersion?: string;
    } = {};
    if (listOpts.namespace) watchOpts.namespace = listOpts.namespace;
    if (listOpts.labelSelector) watchOpts.labelSelector = listOpts.labelSelector;
    if (listOpts.fieldSelector) watchOpts.fieldSelector = listOpts.fieldSelector;
    // sendInitialEvents=true: the state, the version being only its lower bound (NotOlderThan),
    // which ours, always current, meets. sendInitialEvents=false: no state, from the version given
    // or, without one, from now on.
    if (initial === undefined) {
      if (rv !== undefined) watchOpts.resourceVersion = rv;
    } else if (!initial) watchOpts.resourceVersion = sendsStateFrom(rv) ? "now" : (rv as string);
    try {
      stop = api.watch(def, watchOpts, sink);
    } catch (err) {
      if (!headSent) {
        open = false;
        throw err;
      }
      if (err instanceof ApiError) write("ERROR", err.status);
      finish();
      return;
    }
    if (!open) return;
    head();
    // kube-apiserver ends the initial state with a bookmark so marked when bookmarks were asked for;
    // client-go's reflector (watch-list, on by default since 1.35) waits for it to finish syncing.
    if (bookmarks && sendsState)
      write("BOOKMARK", {
        kind: def.kind,
        apiVersion: apiVersionOf(def),
        metadata: {
          resourceVersion: api.resourceVersion,
          annotations: { "k8s.io/initial-events-end": "true" },
        },
      });
    timers.push(setInterval(() => open && (res as ServerResponse).write("\n"), heartbeatMs));
    if (bookmarks)
      timers.push(
        setInterval(
          () =>
            write("BOOKMARK", {
              kind: def.kind,
              apiVersion: apiVersionOf(def),
              metadata: { resourceVersion: api.resourceVersion },
            }),
          bookmarkMs,
        ),
      );
    if (timeoutSeconds !== undefined && timeoutSeconds > 0 && timeoutSeconds * 1000 <= maxTimerMs)
      timers.push(setTimeout(finish, timeoutSeconds * 1000));
    req.on("close", finish);
    res.on("close", finish);
  }

  return (req, res) => {
    const started = Date.now();
    let u: URL;
    try {
      u = new URL(req.url ?? "/", "http://localhost");
    } catch {
      sendStatus(res, makeStatus(400, "BadRequest", "malformed request URL"));
      return;
    }
    handle(req, res, u)
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (err instanceof ApiError) sendStatus(res, err.status);
        else if (err instanceof URIError)
          sendStatus(res, makeStatus(400, "BadRequest", `malformed request path: ${err.message}`));
        else {
          opts.error?.(
            JSON.stringify({
              level: "error",
              msg: "request failed",
              method: req.method,
              path: u.pathname,
              error: String((err as Error)?.stack ?? err),
            }),
          );
          sendStatus(
            res,
            makeStatus(
              500,
              "InternalError",
              `Internal error occurred: ${String((err as Error)?.message ?? err)}`,
            ),
          );
        }
      })
      .finally(() => {
        opts.debug?.(
          JSON.stringify({
            level: "debug",
            msg: "request",
            method: req.method,
            path: u.pathname,
            query: u.search,
            code: res.statusCode,
            ms: Date.now() - started,
          }),
        );
      });
  };
}

/** Whether a watch from this version (sendInitialEvents not given) starts with the current state. */
const sendsStateFrom = (rv: string | undefined): boolean => rv === undefined || rv === "" || rv === "0";

/**
 * sendInitialEvents of a watch (undefined when not given), after apimachinery's validation of its
 * ListOptions: sendInitialEvents needs resourceVersionMatch=NotOlderThan, and that match is only
 * for watches with sendInitialEvents.
 */
function watchListOptions(u: URL): boolean | undefined {
  const sendText = q(u, "sendInitialEvents");
  const send = sendText === undefined ? undefined : parseBool(sendText);
  const match = q(u, "resourceVersionMatch");
  const causes: Cause[] = [];
  const forbidden = (message: string) =>
    causes.push({ field: "resourceVersionMatch", type: "FieldValueForbidden", message });
  if (send !== undefined && match !== "NotOlderThan")
    forbidden("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
  if (match) {
    if (send === undefined)
      forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
    if (match !== "NotOlderThan")
      causes.push({
        field: "resourceVersionMatch",
        type: "FieldValueNotSupported",
        value: match,
        message: 'supported values: "NotOlderThan"',
      });
    if (q(u, "continue")) forbidden("resourceVersionMatch is forbidden when continue is provided");
  }
  if (causes.length) {
    const err = invalid("ListOptions", "meta.k8s.io", "", causes);
    if (err.status.details) delete err.status.details.name;
    throw err;
  }
  return send;
}

const notFoundPath = (): ApiError =>
  fail(404, "NotFound", "the server could not find the requested resource");
