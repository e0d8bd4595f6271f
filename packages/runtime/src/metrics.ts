// Instrumentation hooks of the controller kit, shaped after client-go's workqueue.MetricsProvider:
// the runtime calls these small interfaces and knows nothing of Prometheus; the operator plugs in
// prom-client (apps/operator/src/metrics.ts) under controller-runtime's names. Without a provider
// the queue and the controller keep no timestamps and call nothing.

export interface CounterMetric {
  inc(): void;
}

export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

export interface SettableGaugeMetric {
  set(value: number): void;
}

/** Observations are in seconds. */
export interface HistogramMetric {
  observe(seconds: number): void;
}

/**
 * One metric set per named queue, as client-go's MetricsProvider (unfinished-work and
 * longest-running-processor gauges are not kept: they need a ticker per queue).
 */
export interface WorkQueueMetricsProvider {
  /** Keys added and not yet handed out (workqueue_depth). */
  newDepthMetric(name: string): GaugeMetric;
  /** Adds that were not deduplicated away (workqueue_adds_total). */
  newAddsMetric(name: string): CounterMetric;
  /** From add to get (workqueue_queue_duration_seconds). */
  newLatencyMetric(name: string): HistogramMetric;
  /** From get to done (workqueue_work_duration_seconds). */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** Every delayed or rate-limited add, as client-go's AddAfter counts (workqueue_retries_total). */
  newRetriesMetric(name: string): CounterMetric;
}

/** controller-runtime's `result` label of controller_runtime_reconcile_total. */
export type ReconcileOutcome = "success" | "error" | "requeue" | "requeue_after";

/** What one controller reports about its reconciles. */
export interface ControllerMetrics {
  /** Workers configured (controller_runtime_max_concurrent_reconciles); called once at start. */
  maxConcurrentReconciles: SettableGaugeMetric;
  /** Workers inside a reconcile now (controller_runtime_active_workers). */
  activeWorkers: GaugeMetric;
  /** One reconcile finished with `outcome` after `seconds`. */
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
}

/** Everything a Controller reports: its reconciles and its queue (named after the controller). */
export interface ControllerMetricsProvider extends WorkQueueMetricsProvider {
  newControllerMetrics(controller: string): ControllerMetrics;
}

/** Seconds since `start` (a performance.now() reading). */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;
