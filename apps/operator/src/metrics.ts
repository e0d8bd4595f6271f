// grove-operator's Prometheus metrics: the hooks of @grove-ts/runtime, @grove-ts/kube and
// @grove-ts/scheduler mapped onto one prom-client Registry under the names, labels and buckets
// controller-runtime, client-go and kube-scheduler use, so existing dashboards and alerts apply:
// - controller-runtime (pkg/internal/controller/metrics): controller_runtime_reconcile_total
//   {controller,result}, _reconcile_errors_total, _reconcile_time_seconds, _active_workers,
//   _max_concurrent_reconciles;
// - controller-runtime's workqueue provider (pkg/metrics/workqueue.go): workqueue_* {name,controller};
// - client-go's request result (pkg/metrics/client_go_adapter.go): rest_client_requests_total
//   {code,method,host};
// - the gang scheduler, kube-scheduler's shapes under grove_scheduler_.
// One Registry per operator (not prom-client's global one): several operators in one process
// (tests, grove-sim) do not share series.
import type { RequestResultMetric } from "@grove-ts/kube";
import type { ControllerMetrics, ControllerMetricsProvider } from "@grove-ts/runtime";
import { type GangSchedulerMetrics, PENDING_REASONS } from "@grove-ts/scheduler";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** controller-runtime's ReconcileTime buckets (also client-go's request latency buckets). */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** Prometheus's ExponentialBuckets(start, factor, count). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(12)));
}

/** controller-runtime's workqueue duration buckets: ExponentialBuckets(10e-9, 10, 12), 10 ns to 1000 s. */
export const WORKQUEUE_BUCKETS = exponentialBuckets(10e-9, 10, 12);
/** kube-scheduler's scheduling_algorithm_duration_seconds: ExponentialBuckets(0.001, 2, 15). */
export const SOLVER_BUCKETS = exponentialBuckets(0.001, 2, 15);
/** kube-scheduler's pod_scheduling_sli_duration_seconds: ExponentialBuckets(0.01, 2, 20). */
export const GANG_LATENCY_BUCKETS = exponentialBuckets(0.01, 2, 20);

export interface OperatorMetrics {
  readonly registry: Registry;
  /** For createGroveControllers({ metrics }) (and any other runtime Controller). */
  readonly controllers: ControllerMetricsProvider;
  /** For createKubeClient({ requestMetrics }); every client of the process shares it. */
  readonly requests: RequestResultMetric;
  /** For createGangScheduler({ metrics }). */
  readonly scheduler: GangSchedulerMetrics;
  /** The exposition in Prometheus text format, and its Content-Type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface OperatorMetricsOptions {
  /** prom-client's default process and Node.js metrics (process_*, nodejs_*). Default true. */
  defaultMetrics?: boolean;
}

export function createOperatorMetrics(options: OperatorMetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  // ---- controller-runtime ----
  const reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"] as const,
    registers,
  });
  const reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers,
  });
  const reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"] as const,
    buckets: RECONCILE_TIME_BUCKETS,
    registers,
  });
  const maxConcurrent = new Gauge({
    name: "controller_runtime_max_concurrent_reconciles",
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: ["controller"] as const,
    registers,
  });
  const activeWorkers = new Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"] as const,
    registers,
  });

  // ---- workqueue (controller-runtime labels each queue with name and controller, both the
  // controller's name) ----
  const queueLabels = ["name", "controller"] as const;
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: queueLabels,
    registers,
  });
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: queueLabels,
    registers,
  });
  const queueDuration = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: queueLabels,
    buckets: WORKQUEUE_BUCKETS,
    registers,
  });
  const workDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes.",
    labelNames: queueLabels,
    buckets: WORKQUEUE_BUCKETS,
    registers,
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: queueLabels,
    registers,
  });

  // ---- client-go ----
  const requestsTotal = new Counter({
    name: "rest_client_requests_total",
    help: "Number of HTTP requests, partitioned by status code, method, and host.",
    labelNames: ["code", "method", "host"] as const,
    registers,
  });

  // ---- gang scheduler ----
  const attempts = new Counter({
    name: "grove_scheduler_schedule_attempts_total",
    help: "Number of attempts to place a gang (or a pod in no PodGang), by result: scheduled, unschedulable (does not fit now), error (cannot be built, or the solver failed).",
    labelNames: ["result"] as const,
    registers,
  });
  const gangLatency = new Histogram({
    name: "grove_scheduler_podgang_scheduling_latency_seconds",
    help: "Time from a PodGang's creation (creationTimestamp, whole seconds) until every PodGroup has its minReplicas pods bound.",
    buckets: GANG_LATENCY_BUCKETS,
    registers,
  });
  const pending = new Gauge({
    name: "grove_scheduler_pending_podgangs",
    help: "PodGangs of this scheduler not holding their minimum, by reason: unschedulable, invalid, waiting_for_base, waiting_for_pods.",
    labelNames: ["reason"] as const,
    registers,
  });
  const solver = new Histogram({
    name: "grove_scheduler_solver_duration_seconds",
    help: "Time of one placement solver call (one batch of gangs sharing a topology).",
    buckets: SOLVER_BUCKETS,
    registers,
  });
  for (const result of ["scheduled", "unschedulable", "error"]) attempts.inc({ result }, 0);
  for (const reason of PENDING_REASONS) pending.set({ reason }, 0);

  const controllers: ControllerMetricsProvider = {
    newDepthMetric: (name) => depth.labels(name, name),
    newAddsMetric: (name) => adds.labels(name, name),
    newLatencyMetric: (name) => queueDuration.labels(name, name),
    newWorkDurationMetric: (name) => workDuration.labels(name, name),
    newRetriesMetric: (name) => retries.labels(name, name),
    newControllerMetrics: (controller): ControllerMetrics => {
      // Series exist from the start at 0, as controller-runtime initialises them.
      for (const result of ["success", "error", "requeue", "requeue_after"])
        reconcileTotal.inc({ controller, result }, 0);
      reconcileErrors.inc({ controller }, 0);
      activeWorkers.set({ controller }, 0);
      const time = reconcileTime.labels(controller);
      const errors = reconcileErrors.labels(controller);
      const totals = {
        success: reconcileTotal.labels(controller, "success"),
        error: reconcileTotal.labels(controller, "error"),
        requeue: reconcileTotal.labels(controller, "requeue"),
        requeue_after: reconcileTotal.labels(controller, "requeue_after"),
      };
      return {
        maxConcurrentReconciles: maxConcurrent.labels(controller),
        activeWorkers: activeWorkers.labels(controller),
        reconciled: (outcome, seconds) => {
          totals[outcome].inc();
          if (outcome === "error") errors.inc();
          time.observe(seconds);
        },
      };
    },
  };

  return {
    registry,
    controllers,
    requests: {
      increment: (code, method, host) => requestsTotal.inc({ code, method, host }),
    },
    scheduler: {
      scheduleAttempt: (result) => attempts.inc({ result }),
      podGangSchedulingLatency: (s) => gangLatency.observe(s),
      pendingPodGangs: (byReason) => {
        for (const reason of PENDING_REASONS) pending.set({ reason }, byReason[reason]);
      },
      solverDuration: (s) => solver.observe(s),
    },
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
