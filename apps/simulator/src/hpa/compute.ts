// computeReplicasForMetrics of Kubernetes' HPA controller (horizontal.go): each metric of
// spec.metrics proposes a replica count and a status; the largest proposal wins; a metric that
// fails is reported (its Event and the ScalingActive reason) and, while another one works, skipped.
import type { KubeObject } from "@grove-ts/runtime";
import { type MetricsSource, milli, milliQuantity } from "./metrics.js";
import {
  type CalcOptions,
  type CalcPod,
  plainReplicas,
  ReplicaCalcError,
  resourceReplicas,
} from "./replica-calc.js";

export interface MetricTarget {
  type: "Utilization" | "AverageValue" | "Value";
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricSpec {
  type: "Resource" | "Pods" | "ContainerResource" | "Object" | "External";
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: { name: string; selector?: LabelSelectorJson }; target: MetricTarget };
}

interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
}

/** One entry of status.currentMetrics (autoscaling/v2 MetricStatus). */
export type MetricStatus = Record<string, unknown> & { type: string };

export interface MetricFailure {
  /** The Event and ScalingActive reason, as kcm's (FailedGetResourceMetric, ...). */
  reason: string;
  message: string;
}

export interface Proposal {
  /** -1 when every metric failed. */
  replicas: number;
  /** The metric that proposed the count ("cpu resource utilization (percentage of request)"). */
  metricName: string;
  statuses: MetricStatus[];
  failures: MetricFailure[];
  /** The first failure's error, when every metric failed. */
  invalid?: string;
}

/** autoscaling/v2 defaulting: no metrics = CPU at 80% of request. */
export const DEFAULT_METRICS: MetricSpec[] = [
  { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
];

/** The pod as the calculation reads it, with each container's request of `resource`. */
export function calcPod(pod: KubeObject, resource: string): CalcPod {
  const p = pod as KubeObject & {
    spec?: {
      containers?: { name: string; resources?: { requests?: Record<string, string> } }[];
      initContainers?: {
        name: string;
        restartPolicy?: string;
        resources?: { requests?: Record<string, string> };
      }[];
    };
    status?: {
      phase?: string;
      startTime?: string;
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    };
  };
  const ready = p.status?.conditions?.find((c) => c.type === "Ready");
  const containers = [
    ...(p.spec?.containers ?? []),
    ...(p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ].map((c) => {
    const request = milli(c.resources?.requests?.[resource]);
    return { name: c.name, ...(request !== undefined ? { requestMilli: request } : {}) };
  });
  const start = p.status?.startTime ? Date.parse(p.status.startTime) : undefined;
  return {
    name: pod.metadata.name ?? "",
    ...(p.status?.phase ? { phase: p.status.phase } : {}),
    deleted: pod.metadata.deletionTimestamp !== undefined,
    ...(start !== undefined && !Number.isNaN(start) ? { startTimeMs: start } : {}),
    ...(ready
      ? { ready: { status: ready.status, lastTransitionMs: Date.parse(ready.lastTransitionTime ?? "") || 0 } }
      : {}),
    containers,
  };
}

const selectorString = (s: LabelSelectorJson | undefined): string | undefined =>
  s?.matchLabels
    ? Object.entries(s.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")
    : undefined;

async function one(
  spec: MetricSpec,
  current: number,
  namespace: string,
  selector: string,
  pods: readonly KubeObject[],
  source: MetricsSource,
  o: CalcOptions,
): Promise<{ replicas: number; name: string; status: MetricStatus }> {
  if (spec.type === "Resource" || spec.type === "ContainerResource") {
    const res = spec.type === "Resource" ? spec.resource : spec.containerResource;
    const container = spec.type === "ContainerResource" ? spec.containerResource?.container : undefined;
    if (!res)
      throw new ReplicaCalcError(
        `metric type ${spec.type} has no ${spec.type === "Resource" ? "resource" : "containerResource"}`,
      );
    const key = spec.type === "Resource" ? "resource" : "containerResource";
    const idFields = { name: res.name, ...(container ? { container } : {}) };
    const metrics = await source.resource(namespace, selector, res.name, container).catch((err: Error) => {
      throw new ReplicaCalcError(`unable to get metrics for resource ${res.name}: ${err.message}`);
    });
    const calcPods = pods.map((p) => calcPod(p, res.name));
    const kind = container ? "container resource" : "resource";
    if (res.target.type === "Utilization" && res.target.averageUtilization !== undefined) {
      const r = resourceReplicas(
        current,
        res.target.averageUtilization,
        res.name,
        calcPods,
        metrics,
        o,
        container,
      );
      return {
        replicas: r.replicas,
        name: `${res.name} ${kind} utilization (percentage of request)`,
        status: {
          type: spec.type,
          [key]: {
            ...idFields,
            current: { averageValue: milliQuantity(r.rawAverage), averageUtilization: r.utilization },
          },
        },
      };
    }
    const target = milli(res.target.averageValue);
    if (target === undefined)
      throw new ReplicaCalcError(
        `invalid ${kind} metric source: neither a utilization target nor a value target was set`,
      );
    const r = plainReplicas(current, target, res.name, calcPods, metrics, o);
    return {
      replicas: r.replicas,
      name: `${res.name} ${kind}`,
      status: {
        type: spec.type,
        [key]: { ...idFields, current: { averageValue: milliQuantity(r.average) } },
      },
    };
  }
  if (spec.type === "Pods" && spec.pods) {
    const target = milli(spec.pods.target.averageValue);
    if (target === undefined) throw new ReplicaCalcError("pods metric target: averageValue is required");
    const metricSelector = selectorString(spec.pods.metric.selector);
    const name = spec.pods.metric.name;
    const metrics = await source.pods(namespace, selector, name, metricSelector).catch((err: Error) => {
      throw new ReplicaCalcError(`unable to get metric ${name}: ${err.message}`);
    });
    const r = plainReplicas(
      current,
      target,
      "",
      pods.map((p) => calcPod(p, "")),
      metrics,
      o,
    );
    return {
      replicas: r.replicas,
      name: `pods metric ${spec.pods.metric.name}`,
      status: {
        type: "Pods",
        pods: { metric: spec.pods.metric, current: { averageValue: milliQuantity(r.average) } },
      },
    };
  }
  throw new ReplicaCalcError(
    `unknown metric source type "${spec.type}" (grove-sim serves Resource, ContainerResource and Pods)`,
  );
}

const FAILURE_REASON: Record<string, string> = {
  Resource: "FailedGetResourceMetric",
  ContainerResource: "FailedGetContainerResourceMetric",
  Pods: "FailedGetPodsMetric",
  Object: "FailedGetObjectMetric",
  External: "FailedGetExternalMetric",
};

function failurePrefix(spec: MetricSpec): string {
  const res = spec.type === "Resource" ? spec.resource : spec.containerResource;
  if (res)
    return res.target.type === "Utilization"
      ? `failed to get ${res.name} utilization: `
      : `failed to get ${res.name} usage: `;
  if (spec.type === "Pods") return "failed to get pods metric value: ";
  return "";
}

/** Every metric's proposal; the largest wins (kcm: computeReplicasForMetrics). */
export async function computeReplicas(
  specs: readonly MetricSpec[],
  current: number,
  namespace: string,
  selector: string,
  pods: readonly KubeObject[],
  source: MetricsSource,
  o: CalcOptions,
): Promise<Proposal> {
  const out: Proposal = { replicas: -1, metricName: "", statuses: [], failures: [] };
  let firstError: string | undefined;
  for (const spec of specs) {
    try {
      const r = await one(spec, current, namespace, selector, pods, source, o);
      out.statuses.push(r.status);
      if (out.replicas === -1 || r.replicas > out.replicas) {
        out.replicas = r.replicas;
        out.metricName = r.name;
      }
    } catch (err) {
      const reason = FAILURE_REASON[spec.type] ?? "FailedGetMetric";
      const message = `${failurePrefix(spec)}${(err as Error).message}`;
      firstError ??= message;
      out.failures.push({ reason, message });
      out.statuses.push({ type: "" });
    }
  }
  // kcm: every metric failed, or one failed and the others would scale down.
  if (out.failures.length >= specs.length || (out.failures.length > 0 && out.replicas < current)) {
    out.invalid = `invalid metrics (${out.failures.length} invalid out of ${specs.length}), first error is: ${firstError}`;
    out.replicas = -1;
  }
  return out;
}
