// grove-operator as a library: Grove's controllers and the gang scheduler over a real API server
// through @grove-ts/kube's client (client-node), with client-side rate limits as client-go has.
import { createGroveControllers, type GroveControllersConcurrency } from "@grove-ts/controllers";
import { createKubeClient } from "@grove-ts/kube";
import { type Client, type Logger, noopLogger } from "@grove-ts/runtime";
import { createGangScheduler, DEFAULT_SCHEDULER_NAME } from "@grove-ts/scheduler";

export interface OperatorOptions {
  kubeconfigPath: string;
  /** Client-side requests per second (client-go --qps). Default 100, as Grove's scale runs use. */
  qps?: number;
  /** Client-side burst. Default 150. */
  burst?: number;
  /**
   * The gang scheduler's own client-side limits, as a separately deployed scheduler has its own
   * client (kube-scheduler's clientConnection defaults: 50 / 100): binds and events do not queue
   * behind the controllers' writes. Default 50 and 100.
   */
  schedulerQps?: number;
  schedulerBurst?: number;
  /** Scheduler names the gang scheduler answers to. Default ["grove-scheduler"]. */
  schedulerNames?: string[];
  /** Run the gang scheduler too. Default true. */
  scheduler?: boolean;
  /**
   * Workers per controller (Grove's `controllers.*.concurrentSyncs`). Default: the controllers'
   * package defaults (pcs 10, pcsg 5, pclq 10, podgang 5); Grove's scale preset runs 20.
   */
  concurrency?: Partial<GroveControllersConcurrency>;
  /** Translate topology constraints into PodGangs (grove-behaviour.md §14.1). Default true. */
  topologyAwareScheduling?: boolean;
  logger?: Logger;
}

export interface RunningOperator {
  client: Client;
  /** Lets current reconciles and bindings finish, then stops. */
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const logger = options.logger ?? noopLogger;
  const client = createKubeClient({
    kubeconfigPath: options.kubeconfigPath,
    qps: options.qps ?? 100,
    burst: options.burst ?? 150,
    userAgent: "grove-operator",
  });
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        logger.warn("shutdown step failed", { error: err });
      }
    }
  };
  const names = options.schedulerNames ?? [DEFAULT_SCHEDULER_NAME];
  const withScheduler = options.scheduler ?? true;
  try {
    if (withScheduler) {
      const schedulerClient = createKubeClient({
        kubeconfigPath: options.kubeconfigPath,
        qps: options.schedulerQps ?? 50,
        burst: options.schedulerBurst ?? 100,
        userAgent: "grove-scheduler",
      });
      const scheduler = createGangScheduler(schedulerClient, { schedulerNames: names, logger });
      await scheduler.start();
      stops.push(() => scheduler.stop());
    }
    // A PodCliqueSet that names no scheduler is gang-scheduled by ours (its first name); without
    // our scheduler, Grove's own default backend (default-scheduler) applies.
    const controllers = createGroveControllers(client, {
      logger,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.topologyAwareScheduling !== undefined
        ? { topologyAwareScheduling: options.topologyAwareScheduling }
        : {}),
      ...(withScheduler && names[0] ? { defaultSchedulerName: names[0] } : {}),
    });
    await controllers.start();
    stops.push(() => controllers.stop());
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, stop };
}
