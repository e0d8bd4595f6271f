// grove-operator's plain-HTTP endpoints, as controller-runtime's manager serves them:
// - probes (OperatorConfiguration server.healthProbes): /healthz and /readyz run named checks and
//   answer 200 "ok", or 500 listing every check ("[+]name ok", "[-]name failed: reason withheld",
//   then "healthz check failed"); `?verbose` lists them on success too, `?exclude=name` skips one;
//   /healthz/<name> and /readyz/<name> run one check. Reasons stay out of the public answer (as
//   controller-runtime does) and go to the log.
// - metrics (server.metrics): /metrics in Prometheus text format.
// Anything else is 404; a method other than GET or HEAD is 405.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, noopLogger } from "@grove-ts/runtime";

/** Passes by returning; fails by throwing (or rejecting). Runs on every probe request. */
export type Check = () => void | Promise<void>;

/** Named checks in registration order, as a healthz.Handler. */
export class CheckSet {
  private readonly checks = new Map<string, Check>();

  constructor(readonly kind: "healthz" | "readyz") {}

  /** Throws when the name is empty, has a "/", or is taken. */
  add(name: string, check: Check): void {
    if (name === "" || name.includes("/"))
      throw new RangeError(
        `${this.kind} check name: must be non-empty without "/", got ${JSON.stringify(name)}`,
      );
    if (this.checks.has(name))
      throw new RangeError(`${this.kind} check name: ${JSON.stringify(name)} is already registered`);
    this.checks.set(name, check);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  get(name: string): Check | undefined {
    return this.checks.get(name);
  }

  /** Runs every check not excluded; a failure's reason is returned for the log only. */
  async run(exclude: ReadonlySet<string> = new Set()): Promise<{ name: string; error?: unknown }[]> {
    return Promise.all(
      [...this.checks].map(async ([name, check]) => {
        if (exclude.has(name)) return { name };
        try {
          await check();
          return { name };
        } catch (error) {
          return { name, error: error ?? new Error("failed") };
        }
      }),
    );
  }
}

/** One listening endpoint: its URL (a loopback host when bound to every interface), to close. */
export interface HttpEndpoint {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Bind address; "" (Grove's default) means every interface. */
  host?: string;
  /** 0 = any free port (the chosen one is in the returned URL). */
  port: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

/** Listens; `what` names the endpoint in errors ("health probes: cannot listen on ..."). */
async function listen(what: string, options: ListenOptions, handle: Handler): Promise<HttpEndpoint> {
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`${what} port: must be an integer from 0 to 65535, got ${String(port)}`);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      text(res, 405, "method not allowed\n");
      return;
    }
    Promise.resolve(handle(req, res, url)).catch((err) => {
      if (!res.headersSent) text(res, 500, `internal server error: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  const host = options.host ?? "";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`${what}: cannot listen on ${host || "*"}:${port}: ${err.code ?? err.message}`)),
    );
    if (host) server.listen(port, host, resolve);
    else server.listen(port, resolve);
  });
  const addr = server.address() as AddressInfo;
  const any = host === "" || host === "0.0.0.0" || host === "::";
  const shown = any ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${addr.port}`,
    host: host || "*",
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ProbeServerOptions extends ListenOptions {
  /** /healthz checks; "ping" (always passes) is added first when the set has none. */
  health: CheckSet;
  /** /readyz checks; "ping" is added first when the set has none. */
  ready: CheckSet;
  logger?: Logger;
}

/** Serves /healthz and /readyz (and /<kind>/<check>) on their own port. */
export function startProbeServer(options: ProbeServerOptions): Promise<HttpEndpoint> {
  const log = options.logger ?? noopLogger;
  for (const set of [options.health, options.ready]) if (set.names().length === 0) set.add("ping", () => {});
  const sets: Record<string, CheckSet> = { "/healthz": options.health, "/readyz": options.ready };
  return listen("health probes", options, async (_req, res, url) => {
    const [, root = "", one, ...more] = url.pathname.split("/");
    const set = sets[`/${root}`];
    if (!set || more.length > 0 || one === "") return text(res, 404, "404 page not found\n");
    if (one !== undefined) {
      const check = set.get(one);
      if (!check) return text(res, 404, "404 page not found\n");
      try {
        await check();
        return text(res, 200, "ok");
      } catch (err) {
        return text(res, 500, `internal server error: ${(err as Error)?.message ?? String(err)}\n`);
      }
    }
    const exclude = new Set(url.searchParams.getAll("exclude"));
    const results = await set.run(exclude);
    let out = "";
    let failed = false;
    for (const r of results) {
      if (exclude.has(r.name)) out += `[+]${r.name} excluded: ok\n`;
      else if (r.error !== undefined) {
        failed = true;
        log.info(`${set.kind} check failed`, {
          check: r.name,
          error: (r.error as Error)?.message ?? r.error,
        });
        out += `[-]${r.name} failed: reason withheld\n`;
      } else out += `[+]${r.name} ok\n`;
    }
    const unknown = [...exclude].filter((n) => !set.get(n));
    if (unknown.length > 0)
      out += `warn: some health checks cannot be excluded: no matches for ${unknown.map((n) => JSON.stringify(n)).join(",")}\n`;
    // controller-runtime's words on both paths (one handler serves both there).
    if (failed) return text(res, 500, `${out}healthz check failed\n`);
    if (!url.searchParams.has("verbose")) return text(res, 200, "ok");
    return text(res, 200, `${out}healthz check passed\n`);
  });
}

export interface MetricsServerOptions extends ListenOptions {
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Serves /metrics on its own port. */
export function startMetricsServer(options: MetricsServerOptions): Promise<HttpEndpoint> {
  return listen("metrics", options, async (_req, res, url) => {
    if (url.pathname !== "/metrics") return text(res, 404, "404 page not found\n");
    const { contentType, body } = await options.scrape();
    res.writeHead(200, { "Content-Type": contentType });
    res.end(body);
  });
}
