// grove-sim's metrics APIs, served from its own view of the cluster (an informer on pods and one on
// nodes, started on the first request) and the pods' load annotations (load.ts):
//   metrics.k8s.io/v1beta1          PodMetrics and NodeMetrics, as metrics-server serves them
//   custom.metrics.k8s.io/v1beta2   per-pod custom metrics (MetricValueList), as an adapter serves them
// Only Running pods on Ready nodes have metrics (metrics-server reads the kubelets of Ready nodes);
// the timestamp is now and the window 30 s. Mounted on our API server (ApiServer.mountApi) and, on
// the real control plane, served over HTTPS behind kube-apiserver's aggregator (aggregation.ts).
import type { MountedApi, MountedResource } from "@grove-ts/apiserver";
import {
  ApiError,
  type Client,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  parseFieldSelector,
  parseLabelSelector,
  rfc3339,
  SelectorError,
  SharedInformer,
  status,
} from "@grove-ts/runtime";
import { nodeDown } from "../node-faults.js";
import { formatBytes, formatNano, type LoadPod, podLoad } from "./load.js";

/** The window every sample reports, as metrics-server's --metric-resolution default gives. */
export const WINDOW_SECONDS = 30;

interface NodeLike extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

export interface MetricsApis {
  /** metrics.k8s.io/v1beta1 and custom.metrics.k8s.io/v1beta2. */
  apis: MountedApi[];
  stop(): Promise<void>;
}

const notFound = (message: string) => new ApiError(status(404, "NotFound", message));
const badRequest = (message: string) => new ApiError(status(400, "BadRequest", message));

function selector(query: URLSearchParams): (pod: KubeObject) => boolean {
  try {
    const labels = parseLabelSelector(query.get("labelSelector") ?? "");
    const fields = parseFieldSelector(query.get("fieldSelector") ?? "");
    return (o) => labels.matches(o.metadata.labels) && fields.matches(o);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

export function createMetricsApis(client: Client, options: { logger?: Logger } = {}): MetricsApis {
  const log = (options.logger ?? noopLogger).with({ component: "sim-metrics" });
  const pods = new SharedInformer<LoadPod>(client, PodType, { logger: log });
  const nodes = new SharedInformer<NodeLike>(client, NodeType, { logger: log });
  let started: Promise<void> | undefined;
  /** The informers, started by the first request (a cluster nobody reads metrics of pays nothing). */
  const ready = () => {
    started ??= (async () => {
      pods.start();
      nodes.start();
      await Promise.all([pods.waitForSync(), nodes.waitForSync()]);
    })();
    return started;
  };

  const nodeReady = (name: string | undefined): boolean => {
    const n = name ? nodes.cache.get(name) : undefined;
    if (!n || nodeDown(n)) return false;
    return n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  };
  const isMeasured = (p: LoadPod | undefined): p is LoadPod =>
    p?.status?.phase === "Running" && nodeReady(p.spec?.nodeName);
  /** The pods that have metrics (Running, on a Ready node) and `match`, by namespace and name. */
  const measured = (namespace?: string, match: (p: LoadPod) => boolean = () => true): LoadPod[] => {
    const key = (p: LoadPod) => `${p.metadata.namespace}/${p.metadata.name}`;
    return pods.cache
      .list(namespace)
      .filter((p) => match(p) && isMeasured(p))
      .sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  };

  const sample = () => ({ timestamp: rfc3339(new Date()), window: `${WINDOW_SECONDS}s` });

  const podMetrics = (p: LoadPod) => {
    const now = sample();
    return {
      metadata: {
        name: p.metadata.name,
        namespace: p.metadata.namespace,
        creationTimestamp: now.timestamp,
        ...(p.metadata.labels ? { labels: p.metadata.labels } : {}),
      },
      ...now,
      containers: podLoad(p).containers.map((c) => ({
        name: c.name,
        usage: { cpu: formatNano(c.cpuNano), memory: formatBytes(c.memoryBytes) },
      })),
    };
  };

  /** Each node's usage: the sum of its measured pods' (one pass over the pods per request). */
  const nodeUsage = (all: LoadPod[]): Map<string, { cpu: number; memory: number }> => {
    const out = new Map<string, { cpu: number; memory: number }>();
    for (const p of all) {
      const node = p.spec?.nodeName ?? "";
      const u = out.get(node) ?? { cpu: 0, memory: 0 };
      for (const c of podLoad(p).containers) {
        u.cpu += c.cpuNano;
        u.memory += c.memoryBytes;
      }
      out.set(node, u);
    }
    return out;
  };

  const nodeMetrics = (n: NodeLike, usage: Map<string, { cpu: number; memory: number }>) => {
    const u = usage.get(n.metadata.name ?? "") ?? { cpu: 0, memory: 0 };
    const now = sample();
    return {
      metadata: {
        name: n.metadata.name,
        creationTimestamp: now.timestamp,
        ...(n.metadata.labels ? { labels: n.metadata.labels } : {}),
      },
      ...now,
      usage: { cpu: formatNano(u.cpu), memory: formatBytes(u.memory) },
    };
  };

  const resourceMetrics: MountedApi = {
    group: "metrics.k8s.io",
    version: "v1beta1",
    resources: () => [
      { name: "nodes", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ],
    async get(path, query) {
      await ready();
      const av = { apiVersion: "metrics.k8s.io/v1beta1" };
      const [a, b, c, d] = path;
      if (a === "nodes" && path.length <= 2) {
        const usage = nodeUsage(measured());
        const readyNodes = nodes.cache.list().filter((n) => nodeReady(n.metadata.name));
        if (b !== undefined) {
          const n = readyNodes.find((x) => x.metadata.name === b);
          if (!n) throw notFound(`nodemetrics.metrics.k8s.io "${b}" not found`);
          return { kind: "NodeMetrics", ...av, ...nodeMetrics(n, usage) };
        }
        const match = selector(query);
        const items = readyNodes
          .filter(match)
          .sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)))
          .map((n) => nodeMetrics(n, usage));
        return { kind: "NodeMetricsList", ...av, metadata: {}, items };
      }
      const ns = a === "namespaces" && c === "pods" ? b : a === "pods" && path.length === 1 ? "" : undefined;
      const name = a === "namespaces" ? d : undefined;
      if (ns === undefined || path.length > 4)
        throw notFound("the server could not find the requested resource");
      if (name !== undefined) {
        const p = pods.cache.get(name, ns);
        if (!isMeasured(p)) throw notFound(`podmetrics.metrics.k8s.io "${ns}/${name}" not found`);
        return { kind: "PodMetrics", ...av, ...podMetrics(p) };
      }
      const items = measured(ns || undefined, selector(query)).map(podMetrics);
      return { kind: "PodMetricsList", ...av, metadata: {}, items };
    },
  };

  const customMetrics: MountedApi = {
    group: "custom.metrics.k8s.io",
    version: "v1beta2",
    // Discovery does not start the informers (kubectl and kube-apiserver's aggregator read it all the
    // time): the metrics are listed once a metrics request has started them.
    resources: (): MountedResource[] => {
      if (!started) return [];
      const names = new Set<string>();
      for (const p of measured()) for (const m of podLoad(p).metrics.keys()) names.add(m);
      return [...names]
        .sort()
        .map((m) => ({ name: `pods/${m}`, namespaced: true, kind: "MetricValueList", verbs: ["get"] }));
    },
    async get(path, query) {
      await ready();
      const [a, ns, kind, name, metric] = path;
      if (path.length !== 5 || a !== "namespaces" || kind !== "pods" || !metric)
        throw notFound(
          "the server could not find the requested resource (only pods/<name or *>/<metric> in a namespace is served)",
        );
      // Our metrics carry no labels: a metric selector that requires any matches none.
      const metricSelector = parseLabelSelectorOr400(query.get("metricLabelSelector") ?? "");
      const candidates =
        name === "*" ? measured(ns, selector(query)) : measured(ns, (p) => p.metadata.name === name);
      const now = sample();
      const items = metricSelector.matches({})
        ? candidates.flatMap((p) => {
            const v = podLoad(p).metrics.get(metric);
            if (v === undefined) return [];
            return [
              {
                describedObject: { kind: "Pod", namespace: ns, name: p.metadata.name, apiVersion: "v1" },
                metric: { name: metric },
                timestamp: now.timestamp,
                windowSeconds: WINDOW_SECONDS,
                value: formatNano(v),
              },
            ];
          })
        : [];
      if (name !== "*" && items.length === 0)
        throw notFound(`the server could not find the metric ${metric} for pods ${name}`);
      return { kind: "MetricValueList", apiVersion: "custom.metrics.k8s.io/v1beta2", metadata: {}, items };
    },
  };

  return {
    apis: [resourceMetrics, customMetrics],
    async stop() {
      if (started) await Promise.all([pods.stop(), nodes.stop()]);
    },
  };
}

function parseLabelSelectorOr400(s: string) {
  try {
    return parseLabelSelector(s);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}
