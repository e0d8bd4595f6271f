// API request accounting for the scale suite (issue 6, item 5): every request the operator
// (controllers + gang scheduler) makes, by verb and resource, and the writes among them that
// changed nothing on the server (the server answers a no-op write with the unchanged object, so
// its resourceVersion is the one the object had before) or repeated an identical body to the same
// object. Two sources feed one RequestLog: a wrapper around the in-process Client, and an HTTP
// proxy in front of the API server for the external operator (grove-sim's API server exposes no
// request counters, and kube-apiserver's count every client's requests alike, so external requests
// are counted on the operator's side of the wire). In front of kube-apiserver the proxy speaks
// HTTPS upstream with the admin client certificate; the operator talks plain HTTP to it.
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { Client, KubeObject, Patch, PatchOptions, ResourceType } from "@grove-ts/runtime";

export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "updateStatus"
  | "patch"
  | "patchStatus"
  | "delete"
  | "bind"
  | "getScale"
  | "updateScale";

export const WRITE_VERBS: ReadonlySet<Verb> = new Set<Verb>([
  "create",
  "update",
  "updateStatus",
  "patch",
  "patchStatus",
  "delete",
  "bind",
  "updateScale",
]);

export interface WriteRecord {
  verb: Verb;
  /** Plural resource name (pods, podcliques, ...). */
  resource: string;
  /** namespace/name of the object written. */
  object: string;
  /** Hash of the request body: equal hashes to one object are repeated writes. */
  bodyHash?: string;
  /** The server kept the object as it was. Undefined when it could not be told. */
  noop?: boolean;
  /** The request body, cut short: shown as an example of a needless write. */
  sample?: string;
}

export interface RequestCounts {
  /** verb -> resource -> count */
  byVerb: Record<string, Record<string, number>>;
  requests: number;
  writes: number;
  podsCreated: number;
  podsDeleted: number;
  /** Writes that changed nothing, by "verb resource". */
  noopWrites: Record<string, number>;
  /** Writes whose body repeated an earlier write's body to the same object, by "verb resource". */
  repeatedWrites: Record<string, number>;
  /**
   * Up to 3 request bodies per "verb resource" of the no-op or repeated writes, and up to 3 server
   * messages per "verb resource reason" of the refused ones, for whoever fixes them.
   */
  needlessExamples: Record<string, string[]>;
  /** Writes the server refused, by "verb resource reason" (e.g. Invalid, AlreadyExists, Conflict). */
  failedWrites: Record<string, number>;
  /** Writes (refused ones included) by writer (Writer) and "verb resource". */
  writesByWriter: Record<string, Record<string, number>>;
  /** Each writer's writes / pods created (null with no pod created). */
  writesPerPodByWriter: Record<string, number | null>;
}

/**
 * Who wrote: the controllers (and their Events), the gang scheduler (binding, its Events, its part
 * of PodGang status), or another client of the operator process (leader election). External
 * requests are told apart by User-Agent (grove-operator / grove-scheduler), in-process ones by the
 * counting client each was given. The kubelets' writes are not the operator's and not counted.
 */
export type Writer = "controllers" | "scheduler" | "other";

/** The writer behind an operator request's User-Agent. */
export function writerOfUserAgent(ua: string | undefined): Writer {
  const name = (ua ?? "").split("/")[0];
  return name === "grove-scheduler" ? "scheduler" : name === "grove-operator" ? "controllers" : "other";
}

/** A resettable tally of requests. */
export class RequestLog {
  private byVerb = new Map<string, Map<string, number>>();
  private writes: WriteRecord[] = [];
  private failures = new Map<string, number>();
  private failureMessages = new Map<string, string[]>();
  private byWriter = new Map<string, Map<string, number>>();

  recordFailure(verb: Verb, resource: string, reason: string, message?: string): void {
    const k = `${verb} ${resource} ${reason}`;
    this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
    const xs = this.failureMessages.get(k) ?? [];
    this.failureMessages.set(k, xs);
    if (message && xs.length < 3) xs.push(message.length > 400 ? `${message.slice(0, 400)}…` : message);
  }

  record(verb: Verb, resource: string, writer: Writer = "controllers"): void {
    const m = this.byVerb.get(verb) ?? new Map<string, number>();
    this.byVerb.set(verb, m);
    m.set(resource, (m.get(resource) ?? 0) + 1);
    if (!WRITE_VERBS.has(verb)) return;
    const w = this.byWriter.get(writer) ?? new Map<string, number>();
    this.byWriter.set(writer, w);
    const k = `${verb} ${resource}`;
    w.set(k, (w.get(k) ?? 0) + 1);
  }

  recordWrite(w: WriteRecord): void {
    this.writes.push(w);
  }

  reset(): void {
    this.byVerb.clear();
    this.writes = [];
    this.failures.clear();
    this.failureMessages.clear();
    this.byWriter.clear();
  }

  snapshot(): RequestCounts {
    const byVerb: Record<string, Record<string, number>> = {};
    let requests = 0;
    let writes = 0;
    for (const [verb, m] of [...this.byVerb].sort((a, b) => a[0].localeCompare(b[0]))) {
      const row: Record<string, number> = {};
      for (const [res, n] of [...m].sort((a, b) => a[0].localeCompare(b[0]))) {
        row[res] = n;
        requests += n;
        if (WRITE_VERBS.has(verb as Verb)) writes += n;
      }
      byVerb[verb] = row;
    }
    const noopWrites: Record<string, number> = {};
    const repeatedWrites: Record<string, number> = {};
    const needlessExamples: Record<string, string[]> = {};
    const seen = new Set<string>();
    const example = (k: string, w: WriteRecord) => {
      const xs = needlessExamples[k] ?? [];
      needlessExamples[k] = xs;
      if (w.sample && xs.length < 3) xs.push(`${w.object}: ${w.sample}`);
    };
    for (const w of this.writes) {
      const k = `${w.verb} ${w.resource}`;
      if (w.noop) {
        noopWrites[k] = (noopWrites[k] ?? 0) + 1;
        example(k, w);
      }
      if (w.bodyHash && w.verb !== "create" && w.verb !== "delete") {
        const sig = `${w.verb}|${w.resource}|${w.object}|${w.bodyHash}`;
        if (seen.has(sig)) {
          repeatedWrites[k] = (repeatedWrites[k] ?? 0) + 1;
          if (!w.noop) example(k, w);
        } else seen.add(sig);
      }
    }
    for (const [k, xs] of this.failureMessages) if (xs.length) needlessExamples[k] = [...xs];
    const podsCreated = byVerb.create?.pods ?? 0;
    const writesByWriter: Record<string, Record<string, number>> = {};
    for (const [w, m] of [...this.byWriter].sort((a, b) => a[0].localeCompare(b[0])))
      writesByWriter[w] = Object.fromEntries([...m].sort((a, b) => a[0].localeCompare(b[0])));
    return {
      byVerb,
      requests,
      writes,
      podsCreated,
      podsDeleted: byVerb.delete?.pods ?? 0,
      noopWrites,
      repeatedWrites,
      needlessExamples,
      failedWrites: Object.fromEntries([...this.failures].sort((a, b) => a[0].localeCompare(b[0]))),
      writesByWriter,
      writesPerPodByWriter: writesPerPod(writesByWriter, podsCreated),
    };
  }
}

/** Each writer's writes / pods created, to two decimals (null with no pod created). */
export function writesPerPod(
  byWriter: Record<string, Record<string, number>>,
  podsCreated: number,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [w, row] of Object.entries(byWriter)) {
    const n = Object.values(row).reduce((a, b) => a + b, 0);
    out[w] = podsCreated > 0 ? Math.round((n / podsCreated) * 100) / 100 : null;
  }
  return out;
}

export function hashBody(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(stripVolatile(body));
  return createHash("sha1").update(text).digest("hex").slice(0, 16);
}

/** resourceVersion differs between two otherwise identical writes; it must not defeat the hash. */
function stripVolatile(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const o = body as { metadata?: Record<string, unknown> };
  if (!o.metadata) return body;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}

/** Runs a write, tallying a refusal by the error's reason before passing it on. */
async function tracked<R>(
  log: RequestLog,
  verb: Verb,
  resource: string,
  write: () => Promise<R>,
): Promise<R> {
  try {
    return await write();
  } catch (err) {
    const e = err as { reason?: string; code?: string | number; statusCode?: number; message?: string };
    log.recordFailure(verb, resource, String(e.reason ?? e.code ?? e.statusCode ?? "error"), e.message);
    throw err;
  }
}

const cut = (body: unknown): string => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
};

const objKey = (ns: string | undefined, name: string | undefined) => `${ns ?? ""}/${name ?? ""}`;

/**
 * A write that removed the last finalizer of an object being deleted: kube-apiserver deletes the
 * object and answers with the request's object, resourceVersion unchanged (registry Store.Update:
 * deleteWithoutFinalizers). Not a no-op, though its resourceVersion says so.
 */
function deletedByWrite(o: KubeObject | undefined): boolean {
  return !!o?.metadata?.deletionTimestamp && (o.metadata.finalizers?.length ?? 0) === 0;
}

/** The write left the object as it was: same resourceVersion before and after, and not deleted. */
function unchanged(before: string | undefined, out: KubeObject | undefined): boolean {
  return before !== undefined && out?.metadata?.resourceVersion === before && !deletedByWrite(out);
}

/**
 * The Client the in-process operator uses: forwards to `inner`, recording every call. `raw` reads
 * the object before a patch (uncounted) so a patch that changes nothing is seen as one.
 */
export function countingClient(inner: Client, log: RequestLog, writer: Writer = "controllers"): Client {
  const rvOf = (o: KubeObject | undefined) => o?.metadata.resourceVersion;
  return {
    // Counting copies nothing: what the inner client hands out is as fresh as it was.
    ...(inner.freshObjects ? { freshObjects: true } : {}),
    get: (type, name, ns) => {
      log.record("get", type.plural, writer);
      return inner.get(type, name, ns);
    },
    list: (type, options) => {
      log.record("list", type.plural, writer);
      return inner.list(type, options);
    },
    watch: (type, options, onEvent) => {
      log.record("watch", type.plural, writer);
      return inner.watch(type, options, onEvent);
    },
    create: async (type, obj, options) => {
      log.record("create", type.plural, writer);
      log.recordWrite({
        verb: "create",
        resource: type.plural,
        object: objKey(obj.metadata.namespace, obj.metadata.name),
      });
      return tracked(log, "create", type.plural, () => inner.create(type, obj, options));
    },
    update: async (type, obj, options) => {
      log.record("update", type.plural, writer);
      const out = await tracked(log, "update", type.plural, () => inner.update(type, obj, options));
      log.recordWrite({
        verb: "update",
        resource: type.plural,
        object: objKey(obj.metadata.namespace, obj.metadata.name),
        bodyHash: hashBody(obj),
        noop: unchanged(obj.metadata.resourceVersion, out),
      });
      return out;
    },
    updateStatus: async (type, obj, options) => {
      log.record("updateStatus", type.plural, writer);
      const out = await tracked(log, "updateStatus", type.plural, () =>
        inner.updateStatus(type, obj, options),
      );
      log.recordWrite({
        verb: "updateStatus",
        resource: type.plural,
        object: objKey(obj.metadata.namespace, obj.metadata.name),
        bodyHash: hashBody((obj as { status?: unknown }).status ?? null),
        sample: cut((obj as { status?: unknown }).status ?? null),
        noop: unchanged(obj.metadata.resourceVersion, out),
      });
      return out;
    },
    patch: async <T extends KubeObject>(
      type: ResourceType,
      name: string,
      ns: string | undefined,
      patch: Patch,
      options?: PatchOptions,
    ): Promise<T> => {
      const verb: Verb = options?.subresource === "status" ? "patchStatus" : "patch";
      log.record(verb, type.plural, writer);
      const before = rvOf(await inner.get(type, name, ns ?? (type.namespaced ? "default" : undefined)));
      const out = await tracked(log, verb, type.plural, () => inner.patch<T>(type, name, ns, patch, options));
      log.recordWrite({
        verb,
        resource: type.plural,
        object: objKey(ns, name),
        bodyHash: hashBody(patch.body),
        noop: unchanged(before, out),
        sample: cut(patch.body),
      });
      return out;
    },
    getScale: (type, name, ns) => {
      log.record("getScale", type.plural, writer);
      return inner.getScale(type, name, ns);
    },
    updateScale: (type, name, ns, replicas) => {
      log.record("updateScale", type.plural, writer);
      log.recordWrite({ verb: "updateScale", resource: type.plural, object: objKey(ns, name) });
      return tracked(log, "updateScale", type.plural, () => inner.updateScale(type, name, ns, replicas));
    },
    delete: (type, name, ns, options) => {
      log.record("delete", type.plural, writer);
      log.recordWrite({ verb: "delete", resource: type.plural, object: objKey(ns, name) });
      return tracked(log, "delete", type.plural, () => inner.delete(type, name, ns, options));
    },
    bind: (ns, pod, node, uid) => {
      log.record("bind", "pods", writer);
      log.recordWrite({ verb: "bind", resource: "pods", object: objKey(ns, pod) });
      return tracked(log, "bind", "pods", () => inner.bind(ns, pod, node, uid));
    },
  };
}

/** The parts of a Kubernetes REST path the tally needs. */
export interface ParsedPath {
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

/** /api/v1/... and /apis/<group>/<version>/...; undefined for discovery and other paths. */
export function parseApiPath(pathname: string): ParsedPath | undefined {
  const segs = pathname.split("/").filter((s) => s.length > 0);
  let rest: string[];
  if (segs[0] === "api" && segs.length >= 3) rest = segs.slice(2);
  else if (segs[0] === "apis" && segs.length >= 4) rest = segs.slice(3);
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

export function verbOf(method: string, p: ParsedPath, query: URLSearchParams): Verb | undefined {
  switch (method) {
    case "GET":
      if (p.subresource === "scale") return "getScale";
      if (p.name !== undefined) return "get";
      return query.get("watch") === "true" || query.get("watch") === "1" ? "watch" : "list";
    case "POST":
      return p.subresource === "binding" || p.resource === "bindings" ? "bind" : "create";
    case "PUT":
      if (p.subresource === "status") return "updateStatus";
      if (p.subresource === "scale") return "updateScale";
      return "update";
    case "PATCH":
      return p.subresource === "status" ? "patchStatus" : "patch";
    case "DELETE":
      return "delete";
    default:
      return undefined;
  }
}

export interface CountingProxy {
  url: string;
  close(): Promise<void>;
}

/** TLS material for an https:// target (PEM): the server's CA and the client certificate it wants. */
export interface UpstreamTls {
  ca: string;
  cert?: string;
  key?: string;
}

/**
 * A loopback HTTP proxy to `target` that tallies each request into `log`. Patches are told apart as
 * no-ops by the object's resourceVersion before and after; a PUT carries its own "before".
 * `resourceVersionOf` reads the current one before each patch (from the in-process server,
 * uncounted and exact). Without it, "before" is the resourceVersion of the proxy's last successful
 * write of that object (a lower bound: a no-op patch right after another writer's change is missed).
 * On kube-apiserver the read would be one more HTTPS GET per patch, on the same two cores as the
 * system under test, and added to the patch's latency (~5% of kube-apiserver's CPU at 1,000 pods).
 */
export async function startCountingProxy(
  target: string,
  log: RequestLog,
  resourceVersionOf: ((p: ParsedPath) => Promise<string | undefined>) | undefined,
  tls?: UpstreamTls,
): Promise<CountingProxy> {
  /** The resourceVersion each object had after the proxy's last successful write of it. */
  const seen = new Map<string, string>();
  const seenKey = (p: ParsedPath, name: string | undefined) =>
    `${p.resource}/${p.namespace ?? ""}/${name ?? ""}`;
  const upstream = new URL(target);
  const secure = upstream.protocol === "https:";
  if (secure && !tls) throw new Error(`counting proxy: ${target} is https and no TLS material was given`);
  // One pool for the operator's connections (watches hold one each), kept alive as client-go does.
  const agent = secure ? new HttpsAgent({ keepAlive: true, ...tls }) : undefined;
  const send = secure ? httpsRequest : httpRequest;
  const readAll = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://proxy");
      const parsed = parseApiPath(url.pathname);
      const verb = parsed ? verbOf(req.method ?? "GET", parsed, url.searchParams) : undefined;
      if (parsed && verb) log.record(verb, parsed.resource, writerOfUserAgent(req.headers["user-agent"]));
      const body = await readAll(req);
      let before: string | undefined;
      const isWrite = verb !== undefined && WRITE_VERBS.has(verb);
      if (parsed && (verb === "patch" || verb === "patchStatus"))
        before = resourceVersionOf ? await resourceVersionOf(parsed) : seen.get(seenKey(parsed, parsed.name));
      if (parsed && (verb === "update" || verb === "updateStatus")) {
        try {
          before = (JSON.parse(body.toString("utf8")) as KubeObject).metadata?.resourceVersion;
        } catch {
          before = undefined;
        }
      }
      const headers = { ...req.headers, host: upstream.host };
      const up = send(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
          ...(agent ? { agent } : {}),
        },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          if (!isWrite || !parsed || !verb) {
            ur.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          ur.on("data", (c: Buffer) => {
            chunks.push(c);
            res.write(c);
          });
          ur.on("end", () => {
            res.end();
            const status = ur.statusCode ?? 0;
            if (status >= 400) {
              const st = safeJson(Buffer.concat(chunks)) as { reason?: string; message?: string } | undefined;
              log.recordFailure(
                verb,
                parsed.subresource === "binding" ? "pods" : parsed.resource,
                st?.reason ?? String(status),
                `${parsed.namespace ?? ""}/${parsed.name ?? ""}: ${st?.message ?? ""} (request: ${cut(body.toString("utf8"))})`,
              );
              return;
            }
            let after: KubeObject | undefined;
            try {
              after = JSON.parse(Buffer.concat(chunks).toString("utf8")) as KubeObject;
            } catch {
              after = undefined;
            }
            if (!resourceVersionOf && verb !== "bind") {
              const key = seenKey(parsed, parsed.name ?? after?.metadata?.name);
              const rv = after?.metadata?.resourceVersion;
              if (verb === "delete" || rv === undefined) seen.delete(key);
              else seen.set(key, rv);
            }
            const bodyHash =
              verb === "updateStatus"
                ? hashBody(safeJson(body)?.status ?? body.toString("utf8"))
                : verb === "update"
                  ? hashBody(safeJson(body) ?? body.toString("utf8"))
                  : hashBody(body.toString("utf8"));
            log.recordWrite({
              verb,
              resource: parsed.subresource === "binding" ? "pods" : parsed.resource,
              object: `${parsed.namespace ?? ""}/${parsed.name ?? ""}`,
              bodyHash,
              sample: cut(verb === "updateStatus" ? (safeJson(body)?.status ?? null) : body.toString("utf8")),
              ...(before !== undefined && (ur.statusCode ?? 0) < 300
                ? { noop: unchanged(before, after) }
                : {}),
            });
          });
        },
      );
      up.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(err));
      });
      req.on("close", () => {
        if (!res.writableEnded) up.destroy();
      });
      up.end(body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent?.destroy();
      }),
  };
}

function safeJson(buf: Buffer): { status?: unknown } | undefined {
  try {
    return JSON.parse(buf.toString("utf8")) as { status?: unknown };
  } catch {
    return undefined;
  }
}

export type { ResourceType };
