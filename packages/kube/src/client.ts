// The Client contract (@grove-ts/runtime) over @kubernetes/client-node. Requests are built here
// from ResourceType (any kind, any group, subresources) and sent through client-node's own
// transport, so its kubeconfig handling (tokens, exec plugins, TLS, skip-verify) applies; watches
// use client-node's Watch. Every request, watches included, first takes a token from a
// client-side bucket (qps/burst) as client-go does.

import {
  ApiError,
  type Client,
  type DeleteOptions,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type Patch,
  type PatchOptions,
  type ResourceType,
  type Scale,
  TokenBucket,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WriteOptions,
} from "@grove-ts/runtime";
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  RequestContext,
  Watch,
} from "@kubernetes/client-node";
import { toApiError, WatchTimeoutError } from "./errors.js";
import {
  deleteBody,
  listQuery,
  patchContentType,
  RequestError,
  resourcePath,
  watchParams,
  writeQuery,
} from "./paths.js";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path and query, relative to the cluster's server URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Sends one request. The default goes through client-node with the KubeConfig's credentials. */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * client-go's RequestResult hook (rest_client_requests_total{code,method,host}): one call per HTTP
 * request, watch opens included. `code` is the status as text, "<error>" when no answer came;
 * `host` is the server URL's host:port.
 */
export interface RequestResultMetric {
  increment(code: string, method: string, host: string): void;
}

export interface KubeClientOptions {
  /**
   * Client-side rate limit, requests per second (client-go's --qps). Default 5; a negative value
   * turns rate limiting off.
   */
  qps?: number;
  /** Bucket size (client-go's --burst). Default 10. */
  burst?: number;
  /**
   * What one qps/burst bucket covers. "client" (default): every request of this client, as a
   * client-go Clientset shares one limiter across its groups. "resource": one bucket per API
   * group, version and resource, as controller-runtime's client has (it builds a REST client, and
   * with it a token bucket, per GroupVersionKind; Grove's operator sets only QPS and Burst on its
   * rest.Config, so `--qps 100` there means 100 per second for pods, 100 for PodCliques, ...).
   * Subresources (status, binding) share their resource's bucket.
   */
  rateLimitPer?: "client" | "resource";
  /** Sent as User-Agent on regular requests (client-node's Watch always sends "undici"). */
  userAgent?: string;
  /** fieldManager for server-side apply when a patch names none. Default "grove-ts". */
  fieldManager?: string;
  /**
   * client-node's Watch aborts a stream that sends no bytes for this long (its default 30 000 ms);
   * done() then rejects with WatchTimeoutError. Servers keep streams alive with heartbeats.
   */
  watchIdleTimeoutMs?: number;
  /** Replaces the HTTP layer (tests); the default uses the KubeConfig. */
  transport?: Transport;
  /** Told of every request's outcome; none by default. */
  requestMetrics?: RequestResultMetric;
}

/** The HTTP layer client-node itself uses: its fetch, dispatcher (TLS) and auth headers. */
export function clientNodeTransport(kc: KubeConfig): Transport {
  const http = new IsomorphicFetchHttpLibrary();
  // client-node makes a new dispatcher (connection pool) per request; keeping the first one lets
  // connections be reused (about half the latency per call on loopback). Credentials (headers) are
  // still applied per request, so rotating tokens keep working; TLS material is read once.
  let dispatcher: ReturnType<RequestContext["getDispatcher"]>;
  return async (req) => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new RequestError("kubeconfig: no current cluster (check current-context)");
    const ctx = new RequestContext(cluster.server.replace(/\/+$/, "") + req.path, HttpMethod[req.method]);
    for (const [k, v] of Object.entries(req.headers)) ctx.setHeaderParam(k, v);
    if (req.body !== undefined) ctx.setBody(req.body);
    await kc.applySecurityAuthentication(ctx);
    if (dispatcher === undefined) dispatcher = ctx.getDispatcher();
    else ctx.setDispatcher(dispatcher);
    const res = await http.send(ctx).toPromise();
    return { status: res.httpStatusCode, body: await res.body.text() };
  };
}

export class KubeClient implements Client {
  /** Every listed item and watch event object is parsed from the response, owned by no one else. */
  readonly freshObjects = true;
  private readonly transport: Transport;
  /** The token bucket a request to `path` waits on; none without a rate limit. */
  private readonly bucketFor: (path: string) => TokenBucket | undefined;
  private readonly userAgent: string;
  private readonly fieldManager: string;
  private readonly watchIdleTimeoutMs: number | undefined;
  private readonly requestMetrics: RequestResultMetric | undefined;
  /** The server's host:port, the `host` of request metrics. */
  private readonly host: string;
  /** Where single-object calls on namespaced kinds go without a namespace (as kubectl does). */
  readonly defaultNamespace: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    const qps = options.qps === undefined || options.qps === 0 ? 5 : options.qps;
    const burst = options.burst === undefined || options.burst === 0 ? 10 : options.burst;
    if (qps < 0) this.bucketFor = () => undefined;
    else if (options.rateLimitPer === "resource") {
      // One bucket per group/version/resource, made on first use.
      const buckets = new Map<string, TokenBucket>();
      this.bucketFor = (path) => {
        const key = rateLimitKey(path);
        let b = buckets.get(key);
        if (!b) {
          b = new TokenBucket(qps, burst);
          buckets.set(key, b);
        }
        return b;
      };
    } else {
      const bucket = new TokenBucket(qps, burst);
      this.bucketFor = () => bucket;
    }
    this.transport = options.transport ?? clientNodeTransport(kubeConfig);
    this.userAgent = options.userAgent ?? "grove-ts/0.1.0 (kubernetes-client-javascript/2.0.1)";
    this.fieldManager = options.fieldManager ?? "grove-ts";
    this.watchIdleTimeoutMs = options.watchIdleTimeoutMs;
    this.requestMetrics = options.requestMetrics;
    this.host = serverHost(kubeConfig.getCurrentCluster()?.server);
    this.defaultNamespace =
      kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || "default";
  }

  private ns(type: ResourceType, namespace: string | undefined): string | undefined {
    return type.namespaced ? namespace || this.defaultNamespace : undefined;
  }

  private async send(
    method: HttpRequest["method"],
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<HttpResponse> {
    await this.bucketFor(path)?.take();
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": this.userAgent };
    if (body !== undefined) headers["Content-Type"] = contentType;
    const req: HttpRequest = {
      method,
      path,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    const m = this.requestMetrics;
    if (!m) return this.transport(req);
    let res: HttpResponse;
    try {
      res = await this.transport(req);
    } catch (err) {
      m.increment("<error>", method, this.host);
      throw err;
    }
    m.increment(String(res.status), method, this.host);
    return res;
  }

  /** Sends and parses; a non-2xx answer throws ApiError with the server's Status. */
  private async call<R>(
    method: HttpRequest["method"],
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<R> {
    const res = await this.send(method, path, body, contentType);
    if (res.status < 200 || res.status > 299) throw toApiError(res.status, res.body, `${method} ${path}`);
    return parseBody<R>(res, `${method} ${path}`);
  }

  /** Like call, but a 404 resolves undefined. */
  private async callOptional<R>(path: string): Promise<R | undefined> {
    const res = await this.send("GET", path);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw toApiError(res.status, res.body, `GET ${path}`);
    return parseBody<R>(res, `GET ${path}`);
  }

  private objectPath(type: ResourceType, obj: KubeObject, subresource?: string): string {
    const name = obj.metadata?.name;
    if (!name) throw new RequestError(`metadata.name: required to update a ${type.kind}`);
    return resourcePath(type, { namespace: this.ns(type, obj.metadata.namespace), name, subresource });
  }

  /** Lists leave kind/apiVersion off items (as kube-apiserver does); put them back. */
  private typed<T extends KubeObject>(type: ResourceType, obj: T): T {
    if (obj.apiVersion && obj.kind) return obj;
    return { ...obj, apiVersion: obj.apiVersion ?? type.apiVersion, kind: obj.kind ?? type.kind };
  }

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    return this.callOptional<T>(resourcePath(type, { namespace: this.ns(type, namespace), name }));
  }

  async list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const path = resourcePath(type, { namespace: options.namespace }) + listQuery(options);
    const res = await this.call<{
      items?: T[] | null;
      metadata?: { resourceVersion?: string; continue?: string };
    }>("GET", path);
    return {
      items: (res.items ?? []).map((o) => this.typed(type, o)),
      resourceVersion: res.metadata?.resourceVersion ?? "",
      ...(res.metadata?.continue ? { continue: res.metadata.continue } : {}),
    };
  }

  create<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T> {
    const namespace = this.ns(type, obj.metadata?.namespace);
    const path = resourcePath(type, { namespace }) + writeQuery(options);
    const body =
      namespace && !obj.metadata?.namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
    return this.call<T>("POST", path, this.typed(type, body));
  }

  update<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T> {
    return this.call<T>("PUT", this.objectPath(type, obj) + writeQuery(options), this.typed(type, obj));
  }

  updateStatus<T extends KubeObject>(type: ResourceType, obj: T, options?: WriteOptions): Promise<T> {
    return this.call<T>(
      "PUT",
      this.objectPath(type, obj, "status") + writeQuery(options),
      this.typed(type, obj),
    );
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: Patch,
    options: PatchOptions = {},
  ): Promise<T> {
    const contentType = patchContentType[patch.type];
    if (!contentType)
      throw new RequestError(
        `patch.type: ${JSON.stringify(patch.type)} is not json, merge, strategic or apply`,
      );
    const path =
      resourcePath(type, { namespace: this.ns(type, namespace), name, subresource: options.subresource }) +
      writeQuery(options, patch.type, this.fieldManager);
    return this.call<T>("PATCH", path, patch.body, contentType);
  }

  getScale(type: ResourceType, name: string, namespace?: string): Promise<Scale | undefined> {
    return this.callOptional<Scale>(
      resourcePath(type, { namespace: this.ns(type, namespace), name, subresource: "scale" }),
    );
  }

  updateScale(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    replicas: number,
  ): Promise<Scale> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new RequestError(`replicas: must be a non-negative integer, got ${replicas}`);
    // As kubectl scale does without preconditions: a merge patch of /scale.
    return this.call<Scale>(
      "PATCH",
      resourcePath(type, { namespace: this.ns(type, namespace), name, subresource: "scale" }),
      { spec: { replicas } },
      patchContentType.merge,
    );
  }

  async delete(type: ResourceType, name: string, namespace?: string, options?: DeleteOptions): Promise<void> {
    await this.call<unknown>(
      "DELETE",
      resourcePath(type, { namespace: this.ns(type, namespace), name }),
      deleteBody(options),
    );
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/binding`;
    await this.call<unknown>("POST", path, {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    });
  }

  /**
   * Resolves once the server has answered the watch request. Without options.resourceVersion it
   * first lists (limit 1) for the current version, so only later changes arrive. `done` resolves when the stream ends
   * or stop() is called, and rejects with ApiError (e.g. 410 Gone refused at once) or
   * WatchTimeoutError (client-node's 30 s inactivity abort). Reconnecting is the informer's job.
   */
  async watch<T extends KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    const path = resourcePath(type, { namespace: options.namespace });
    // The contract's "no resourceVersion" means from now on; kube-apiserver would first replay
    // every existing object as ADDED. Start from the collection's current version instead.
    if (!options.resourceVersion) {
      const now = await this.list(type, {
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
        limit: 1,
      });
      options = { ...options, resourceVersion: now.resourceVersion };
    }
    await this.bucketFor(path)?.take();
    let stopped = false;
    let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Swallow here; the caller observes `done` if it wants the outcome.
    done.catch(() => {});
    const w = new Watch(this.kubeConfig);
    // The field is TypeScript-private but plain at run time (TOOLCHAIN.md §6 set it to 150 ms).
    // A watch that asked the server to end it (timeoutSeconds, as client-go's reflector does) may
    // be quiet longer than client-node's 30 s: kube-apiserver sends bookmarks about once a minute.
    const idleMs =
      this.watchIdleTimeoutMs ??
      (options.timeoutSeconds !== undefined ? (options.timeoutSeconds + 30) * 1000 : undefined);
    if (idleMs !== undefined) (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = idleMs;
    // client-node's watch() returns once the server answered; a refusal (non-200, no connection)
    // has reached `done` by then.
    let opening = true;
    let openError: unknown;
    let controller: AbortController;
    try {
      controller = await w.watch(
        path,
        watchParams(options),
        (eventType: string, object: unknown) => {
          if (stopped) return;
          onEvent({ type: eventType as WatchEvent["type"], object: object as T });
        },
        (err: unknown) => {
          if (opening && err !== null && err !== undefined) openError = err;
          if (stopped || err === null || err === undefined) {
            settle?.resolve();
            return;
          }
          settle?.reject(mapWatchError(err, path));
        },
      );
    } catch (err) {
      this.requestMetrics?.increment("<error>", "GET", this.host);
      throw err;
    }
    opening = false;
    this.requestMetrics?.increment(
      openError === undefined ? "200" : watchErrorCode(openError),
      "GET",
      this.host,
    );
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        controller.abort();
        settle?.resolve();
      },
      done,
    };
  }
}

/** A 2xx body as JSON; an empty body (some DELETEs) is undefined; anything else is an error. */
function parseBody<R>(res: HttpResponse, what: string): R {
  if (res.body.trim() === "") return undefined as R;
  try {
    return JSON.parse(res.body) as R;
  } catch {
    throw toApiError(500, res.body, `${what}: the response is not JSON`);
  }
}

/** The server's host:port as client-go's `host` label has it ("" when the URL does not parse). */
function serverHost(server: string | undefined): string {
  try {
    return server ? new URL(server).host : "";
  } catch {
    return "";
  }
}

/** client-node puts a refused watch's HTTP status on the error as statusCode. */
function watchErrorCode(err: unknown): string {
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === "number" ? String(code) : "<error>";
}

function mapWatchError(err: unknown, path: string): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && err.name === "TimeoutError") return new WatchTimeoutError(path);
  const code = (err as { statusCode?: unknown }).statusCode;
  if (typeof code === "number") return toApiError(code, "", `watch ${path}`);
  return err;
}

/**
 * The bucket of a request path with rateLimitPer "resource": "<group>/<version>/<resource>" (core
 * group ""), the namespace and the object's name and subresource left out; "" for paths outside
 * /api and /apis (discovery, /version).
 */
export function rateLimitKey(path: string): string {
  const q = path.indexOf("?");
  const parts = (q < 0 ? path : path.slice(0, q)).split("/");
  // parts[0] is "" (the path starts with "/").
  let gv: string;
  let rest: number;
  if (parts[1] === "api" && parts.length > 2) {
    gv = `/${parts[2]}`;
    rest = 3;
  } else if (parts[1] === "apis" && parts.length > 3) {
    gv = `${parts[2]}/${parts[3]}`;
    rest = 4;
  } else return "";
  const resource = parts[rest] === "namespaces" && parts.length > rest + 2 ? parts[rest + 2] : parts[rest];
  return `${gv}/${resource ?? ""}`;
}
