// The dashboard's server: informers on Nodes, Pods, PodGangs and ClusterTopologyBindings (any
// runtime Client: our in-process API server or a real one through @grove-ts/kube), the model
// rebuilt on change and pushed to every open page over Server-Sent Events, and the built page from
// dist/web. Read-only: GET and HEAD only, but for POST /api/what-if, which writes nothing (what-if.ts). Bound to 127.0.0.1 by default; bound anywhere else, every
// request must carry the API's bearer token (Authorization header, `?token=` once, then a cookie).
import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ClusterTopologyBindingType,
  PodCliqueSetType,
  PodGangType,
  type ValidationOptions,
} from "@grove-ts/api";
import {
  type Client,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  SharedInformer,
} from "@grove-ts/runtime";
import {
  buildModel,
  type DashboardModel,
  type NodeLike,
  type PodGangLike,
  type PodLike,
  type TopologyLike,
} from "./model.js";
import { parseBody, WHAT_IF_MAX_BYTES, WhatIfInputError, whatIfProblem } from "./what-if.js";

export interface DashboardOptions {
  client: Client;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The API's bearer token: required of every request when `host` is not a loopback address. */
  token?: string;
  /** Instead of `token`: asks whether a bearer token is valid (e.g. a TokenReview). */
  authenticate?: (token: string) => Promise<boolean>;
  /** Coalesces changes: at most one model per this many ms. Default 200. */
  throttleMs?: number;
  /** Where the built page is; default this package's dist/web. */
  webRoot?: string;
  logger?: Logger;
  /** Admission's options for the what-if's validation (enabled schedulers, auto-MNNVL, ...). */
  validation?: ValidationOptions;
  /** The operator's topology-aware scheduling switch, for the what-if's gangs. Default true. */
  topologyAwareScheduling?: boolean;
}

export interface Dashboard {
  /** The page's URL (with the host it was bound to, 127.0.0.1 for a wildcard address). */
  url: string;
  /** The current model (what the page shows); starts watching the API on first use. */
  model(): Promise<DashboardModel>;
  close(): Promise<void>;
}

export class DashboardError extends Error {
  readonly code = "DashboardError";
  constructor(message: string) {
    super(message);
    this.name = "DashboardError";
  }
}

// ../dist/web from dist/ and from src/ alike (tests run the sources against the built page).
const WEB_ROOT = fileURLToPath(new URL("../dist/web/", import.meta.url));
const COOKIE = "grove-dashboard-token";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** `HOST:PORT`, `:PORT` or `PORT` (host 127.0.0.1), `[v6]:PORT`; "off" is the caller's to handle. */
export function parseAddr(addr: string, flag = "--dashboard-addr"): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr) ?? /^()()(\d+)$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || port > 65535)
    throw new DashboardError(
      `${flag}: must be HOST:PORT (PORT 0 = any free port) or off, got ${JSON.stringify(addr)}`,
    );
  const host = m[1] || m[2] || "127.0.0.1";
  return { host, port };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presented(req: IncomingMessage, url: URL): { token: string; fromQuery: boolean } | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return { token: auth.slice(7).trim(), fromQuery: false };
  const q = url.searchParams.get("token");
  if (q) return { token: q, fromQuery: true };
  const cookie = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`));
  if (cookie) return { token: decodeURIComponent(cookie.slice(COOKIE.length + 1)), fromQuery: false };
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * The request body as text; undefined as soon as it passes `max` bytes (declared or sent), the rest
 * then read and dropped so the 413 reaches a client still sending.
 */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  if (Number(req.headers["content-length"] ?? 0) > max) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) resolve(undefined);
      else chunks.push(c);
    });
    req.on("end", () => resolve(size > max ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? "127.0.0.1";
  const log = (options.logger ?? noopLogger).with({ component: "dashboard" });
  const webRoot = options.webRoot ?? WEB_ROOT;
  const check =
    options.authenticate ?? (options.token ? async (t: string) => same(t, options.token ?? "") : undefined);
  const needAuth = !isLoopback(host);
  if (needAuth && !check)
    throw new DashboardError(
      `dashboard address ${host}: not a loopback address, so the dashboard needs the API's bearer token to check requests against, and none was given`,
    );
  if (!existsSync(join(webRoot, "index.html")))
    throw new DashboardError(
      `dashboard: the page is not built (no ${join(webRoot, "index.html")}): run the build`,
    );

  const client = options.client;
  const informers = {
    nodes: new SharedInformer<NodeLike>(client, NodeType, { logger: log }),
    pods: new SharedInformer<PodLike>(client, PodType, { logger: log }),
    podGangs: new SharedInformer<PodGangLike>(client, PodGangType, { logger: log }),
    topologies: new SharedInformer<TopologyLike>(client, ClusterTopologyBindingType, { logger: log }),
  };
  let model: DashboardModel | undefined;
  const current = (): DashboardModel => {
    model ??= buildModel({
      nodes: informers.nodes.cache.list(),
      pods: informers.pods.cache.list(),
      podGangs: informers.podGangs.cache.list(),
      topologies: informers.topologies.cache.list(),
    });
    return model;
  };
  const streams = new Set<ServerResponse>();
  const throttleMs = options.throttleMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const push = (): void => {
    timer = undefined;
    if (closed || streams.size === 0) return;
    const data = `event: model\ndata: ${JSON.stringify(current())}\n\n`;
    for (const s of streams) s.write(data);
  };
  const changed = (): void => {
    model = undefined;
    if (!timer && !closed) timer = setTimeout(push, throttleMs);
  };
  // The informers start with the first request for the model: a process whose dashboard nobody
  // opens (a test, a scale run) watches nothing more.
  let started: Promise<void> | undefined;
  const ensureStarted = (): Promise<void> => {
    started ??= (async () => {
      for (const inf of Object.values(informers) as SharedInformer<KubeObject>[]) {
        inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
        inf.start();
      }
      // The page works with what has synced; PodGangs and topologies are absent on a cluster
      // without Grove's CRDs, which must not hold the page back.
      await Promise.all([informers.nodes.waitForSync(), informers.pods.waitForSync()]);
    })();
    return started;
  };

  const heartbeat = setInterval(() => {
    for (const s of streams) s.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const whatIf = url.pathname === "/api/what-if";
    if (whatIf ? req.method !== "POST" : req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: whatIf ? "POST" : "GET, HEAD", "content-type": "text/plain" });
      res.end(
        whatIf
          ? "what-if: POST a PodCliqueSet (YAML or JSON)\n"
          : "the dashboard is read-only: GET and HEAD only (POST only to /api/what-if, which writes nothing)\n",
      );
      return;
    }
    if (needAuth) {
      const t = presented(req, url);
      if (!t || !(await check?.(t.token).catch(() => false))) {
        res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" });
        res.end("Unauthorized: send the API's bearer token (Authorization: Bearer, or ?token= once)\n");
        return;
      }
      if (t.fromQuery)
        res.setHeader(
          "set-cookie",
          `${COOKIE}=${encodeURIComponent(t.token)}; HttpOnly; SameSite=Strict; Path=/`,
        );
    }
    if (url.pathname === "/api/model") {
      await ensureStarted();
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(current()));
      return;
    }
    if (whatIf) {
      const text = await readBody(req, WHAT_IF_MAX_BYTES);
      if (text === undefined) {
        sendJson(res, 413, {
          errors: [{ field: "(body)", message: `larger than ${WHAT_IF_MAX_BYTES / 1024} KiB` }],
        });
        return;
      }
      await ensureStarted();
      try {
        const out = whatIfProblem(
          parseBody(text),
          {
            nodes: informers.nodes.cache.list(),
            pods: informers.pods.cache.list(),
            topologies: informers.topologies.cache.list(),
          },
          {
            ...(options.validation ? { validation: options.validation } : {}),
            tas: options.topologyAwareScheduling ?? true,
          },
        );
        sendJson(res, 200, out);
      } catch (err) {
        if (!(err instanceof WhatIfInputError)) throw err;
        sendJson(res, err.status, { errors: err.errors });
      }
      return;
    }
    if (url.pathname === "/api/pcs") {
      // One PodCliqueSet's manifest for the what-if's picker: what a user would apply (no status,
      // no server-set metadata).
      const ns = url.searchParams.get("namespace") || "default";
      const pcs = await client.get<KubeObject & { spec?: unknown }>(
        PodCliqueSetType,
        url.searchParams.get("name") ?? "",
        ns,
      );
      if (!pcs) return sendJson(res, 404, { errors: [{ field: "name", message: "no such PodCliqueSet" }] });
      const { labels, annotations } = pcs.metadata;
      const ann = Object.fromEntries(
        Object.entries(annotations ?? {}).filter(
          ([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration",
        ),
      );
      return sendJson(res, 200, {
        apiVersion: pcs.apiVersion,
        kind: pcs.kind,
        metadata: {
          name: pcs.metadata.name,
          namespace: ns,
          ...(labels ? { labels } : {}),
          ...(Object.keys(ann).length ? { annotations: ann } : {}),
        },
        spec: pcs.spec,
      });
    }
    if (url.pathname === "/api/events") {
      await ensureStarted();
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      res.write(`event: model\ndata: ${JSON.stringify(current())}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    const rel = normalize(url.pathname === "/" ? "/index.html" : decodeURIComponent(url.pathname));
    const file = join(webRoot, rel);
    if (!file.startsWith(webRoot) || !existsSync(file) || rel.endsWith("/")) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.warn("request failed", { path: req.url, error: err });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const stopInformers = () =>
    started ? Promise.all(Object.values(informers).map((i) => i.stop())) : Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    await stopInformers();
    throw new DashboardError(
      `dashboard: cannot listen on ${host}:${options.port ?? 0}: ${(err as Error).message}`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    model: async () => {
      await ensureStarted();
      return current();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(heartbeat);
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopInformers();
    },
  };
}
