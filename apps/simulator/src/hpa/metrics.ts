// Where the HPA controller reads pod metrics: the resource metrics API (metrics.k8s.io/v1beta1
// PodMetrics, as metrics-server serves it) and the custom metrics API
// (custom.metrics.k8s.io/v1beta2, metrics of `pods`), over HTTP as kube-controller-manager's REST
// metrics client reads them (pkg/controller/podautoscaler/metrics/client.go). Values in thousandths.
import type { PodMetric, PodMetrics } from "./replica-calc.js";

export class MetricsError extends Error {
  readonly code = "MetricsUnavailable";
  constructor(message: string) {
    super(message);
    this.name = "MetricsError";
  }
}

export interface MetricsSource {
  /** Per pod, the sum over containers (or one container's) of `resource`; pods missing it are left out. */
  resource(namespace: string, selector: string, resource: string, container?: string): Promise<PodMetrics>;
  /** Per pod, the custom metric `metric` (optionally filtered by a metric label selector). */
  pods(namespace: string, selector: string, metric: string, metricSelector?: string): Promise<PodMetrics>;
}

/** GET `path` relative to the API server; resolves status and body. */
export type RawGet = (path: string) => Promise<{ status: number; body: string }>;

/** Decimal suffixes as powers of ten, binary ones as powers of two. */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/**
 * A quantity in thousandths, rounded up as resource.Quantity.MilliValue does; undefined when
 * malformed. Powers of ten divide or multiply exactly ("180000000n" is 180, not 181).
 */
export function milli(q: unknown): number | undefined {
  if (typeof q === "number") return Math.ceil(q * 1000);
  if (typeof q !== "string") return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[3] ?? "";
  if (suffix in BINARY) return Math.ceil(num * 2 ** (BINARY[suffix] ?? 0) * 1000);
  const k = (m[2] !== undefined ? Number(m[2]) : (DECIMAL[suffix] ?? 0)) + 3;
  return Math.ceil(k >= 0 ? num * 10 ** k : num / 10 ** -k);
}

/** A thousandths value as Kubernetes prints a DecimalSI milli quantity ("750m", "2", "1500m"). */
export function milliQuantity(v: number): string {
  return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
}

function parseDurationMs(d: unknown, fallbackMs: number): number {
  if (typeof d !== "string") return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) return fallbackMs;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

interface PodMetricsItem {
  metadata: { name: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

interface MetricValue {
  describedObject?: { kind?: string; name?: string };
  timestamp?: string;
  windowSeconds?: number;
  value?: string;
}

async function getJson<T>(get: RawGet, path: string, api: string): Promise<T> {
  const res = await get(path);
  if (res.status !== 200) {
    let message = res.body.trim();
    try {
      message = (JSON.parse(res.body) as { message?: string }).message ?? message;
    } catch {
      // not a Status
    }
    throw new MetricsError(`unable to fetch metrics from ${api} API: ${message || `HTTP ${res.status}`}`);
  }
  return JSON.parse(res.body) as T;
}

/** The two metrics APIs read through the API server (aggregated, or mounted in our API server). */
export function restMetrics(get: RawGet): MetricsSource {
  return {
    async resource(namespace, selector, resource, container) {
      const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : "";
      const list = await getJson<{ items?: PodMetricsItem[] }>(
        get,
        `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${q}`,
        "resource metrics",
      );
      const items = list.items ?? [];
      if (items.length === 0) throw new MetricsError("no metrics returned from resource metrics API");
      const out: PodMetrics = new Map();
      for (const item of items) {
        const containers = (item.containers ?? []).filter(
          (c) => container === undefined || c.name === container,
        );
        // A pod with a container lacking the resource has no metric (getPodMetrics).
        if (containers.length === 0) {
          if (container !== undefined)
            throw new MetricsError(
              `failed to get container metrics: container ${container} not present in metrics for pod ${namespace}/${item.metadata.name}`,
            );
          continue;
        }
        let sum = 0;
        let missing = false;
        for (const c of containers) {
          const v = milli(c.usage?.[resource]);
          if (v === undefined) {
            missing = true;
            break;
          }
          sum += v;
        }
        if (missing) continue;
        out.set(item.metadata.name, metric(item.timestamp, parseDurationMs(item.window, 30_000), sum));
      }
      return out;
    },
    async pods(namespace, selector, name, metricSelector) {
      const params = new URLSearchParams();
      if (selector) params.set("labelSelector", selector);
      if (metricSelector) params.set("metricLabelSelector", metricSelector);
      const q = params.size ? `?${params}` : "";
      const list = await getJson<{ items?: MetricValue[] }>(
        get,
        `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${encodeURIComponent(namespace)}/pods/*/${encodeURIComponent(name)}${q}`,
        "custom metrics",
      );
      const items = list.items ?? [];
      if (items.length === 0) throw new MetricsError("no metrics returned from custom metrics API");
      const out: PodMetrics = new Map();
      for (const item of items) {
        const v = milli(item.value);
        const pod = item.describedObject?.name;
        if (v === undefined || !pod) continue;
        out.set(pod, metric(item.timestamp, (item.windowSeconds ?? 60) * 1000, v));
      }
      return out;
    },
  };
}

function metric(timestamp: string | undefined, windowMs: number, value: number): PodMetric {
  const t = timestamp ? Date.parse(timestamp) : Number.NaN;
  return { timestampMs: Number.isNaN(t) ? Date.now() : t, windowMs, value };
}
