// grove-operator as a library: Grove's controllers and the gang scheduler over a real API server
// through @grove-ts/kube's client (client-node), with client-side rate limits as client-go has.

import { COMPUTE_DOMAIN_CRD_NAME } from "@grove-ts/api";
import { createGroveControllers, type GroveControllersConcurrency } from "@grove-ts/controllers";
import { createKubeClient, type KubeClientOptions } from "@grove-ts/kube";
import { type Client, CustomResourceDefinitionType, type Logger, noopLogger } from "@grove-ts/runtime";
import { createGangScheduler, DEFAULT_SCHEDULER_NAME, type PolicyOptions } from "@grove-ts/scheduler";
import {
  type Check,
  CheckSet,
  type HttpEndpoint,
  startMetricsServer,
  startProbeServer,
} from "./http-servers.js";
import { type OperatorLeaderElection, startLeaderGate } from "./leader.js";
import { createOperatorMetrics } from "./metrics.js";
import { type RunningWebhooks, startWebhooks, type WebhookServingOptions } from "./webhooks/index.js";

/**
 * `placementPolicies` / `defaultPlacementPolicy`: the gang scheduler's BinPack or Spread per
 * scheduler name (OperatorConfiguration `scheduler.profiles[].config.placement`, profiles.ts).
 */
export interface OperatorOptions extends PolicyOptions {
  /** A kubeconfig file; absent: the pod's service account (in-cluster mode). */
  kubeconfigPath?: string;
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
   * The gang scheduler's preemption: running pods of this priority or higher are never preempted
   * (OperatorConfiguration scheduler.nonPreemptiblePriority). Default 100 (KAI's rule); null: no limit.
   */
  nonPreemptiblePriority?: number | null;
  /** The gang scheduler's nomination margin (OperatorConfiguration scheduler.nominationMargin). Default 30 s. */
  nominationMarginMs?: number;
  /** First retry delay of a refused eviction (OperatorConfiguration scheduler.evictionBackoff). Default 1 s. */
  evictionBackoffMs?: number;
  /**
   * Workers per controller (Grove's `controllers.*.concurrentSyncs`). Default: the controllers'
   * package defaults (pcs 10, pcsg 5, pclq 10, podgang 5); Grove's scale preset runs 20.
   */
  concurrency?: Partial<GroveControllersConcurrency>;
  /** Translate topology constraints into PodGangs (grove-behaviour.md §14.1). Default true. */
  topologyAwareScheduling?: boolean;
  /**
   * network.autoMNNVLEnabled (grove-api.md §15.9): ComputeDomains and MNNVL claims, and admission of
   * grove.io/mnnvl-group groups. Start-up fails with an MNNVLPreflightError (grove-operator: exit 7)
   * when the ComputeDomain CRD is not installed. Default false.
   */
  autoMNNVLEnabled?: boolean;
  /** Image of the grove-initc init container (a repository gets ":<operator version>"). Default: the controllers'. */
  initContainerImage?: string;
  /**
   * Serve Grove's admission webhooks (every replica, before and regardless of leadership). Absent:
   * none (an API server that admits in process, as grove-sim's own, needs none).
   */
  webhooks?: WebhookServingOptions;
  /**
   * Run the controllers and the gang scheduler only while this replica holds the Lease (client-go's
   * leader election). Absent or disabled: always.
   */
  leaderElection?: OperatorLeaderElection;
  /**
   * Leadership was lost (not given up by stop()): the controllers and the scheduler are already
   * stopping. grove-operator exits 1 here, as controller-runtime does, to restart as a standby.
   */
  onLeadershipLost?: (reason: string) => void;
  /**
   * Serve /healthz and /readyz here (OperatorConfiguration server.healthProbes; host "" = every
   * interface, port 0 = any free port). Absent: no probe server (grove-sim runs the operator as a
   * library).
   */
  health?: { host?: string; port: number };
  /** Serve /metrics here (server.metrics). Absent: no server, and no metrics are kept. */
  metrics?: { host?: string; port: number };
  logger?: Logger;
}

export interface RunningOperator {
  client: Client;
  /** The admission webhooks, when served. */
  webhooks?: RunningWebhooks;
  /** True while this replica reconciles: always without leader election, else while it holds the Lease. */
  isLeader(): boolean;
  /** http://host:port of the probe server (/healthz, /readyz), when serving. */
  healthUrl?: string;
  /** http://host:port of the metrics server (/metrics), when serving. */
  metricsUrl?: string;
  /**
   * Adds a named /readyz check (it passes by returning, fails by throwing); "informers" is there
   * from the start. Throws if the name is taken.
   */
  addReadyCheck(name: string, check: Check): void;
  /** Adds a named /healthz check ("ping" is there from the start). */
  addHealthCheck(name: string, check: Check): void;
  /** Lets current reconciles and bindings finish, then (leader election) releases the Lease, then stops. */
  stop(): Promise<void>;
}

/** network.autoMNNVLEnabled without the ComputeDomain CRD (Grove's start-up preflight, exit code 7). */
export class MNNVLPreflightError extends Error {
  readonly code = "MNNVLPreflight";
  readonly exitCode = 7;
  constructor(detail: string) {
    super(
      `network.autoMNNVLEnabled is true but the ComputeDomain CRD ${COMPUTE_DOMAIN_CRD_NAME} ${detail}: install NVIDIA's DRA driver for GPUs (it serves ComputeDomains) or set network.autoMNNVLEnabled: false`,
    );
    this.name = "MNNVLPreflightError";
  }
}

/** Grove's MNNVL preflight: with autoMNNVLEnabled the ComputeDomain CRD must exist. */
export async function mnnvlPreflight(client: Client): Promise<void> {
  let crd: unknown;
  try {
    crd = await client.get(CustomResourceDefinitionType, COMPUTE_DOMAIN_CRD_NAME);
  } catch (err) {
    throw new MNNVLPreflightError(`could not be read (${(err as Error).message})`);
  }
  if (!crd) throw new MNNVLPreflightError("is not installed");
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const logger = options.logger ?? noopLogger;
  const source = options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : { inCluster: true };
  const metrics = options.metrics ? createOperatorMetrics() : undefined;
  /** Every client of the process reports its requests (rest_client_requests_total). */
  const clientHooks = metrics ? { requestMetrics: metrics.requests } : {};
  const health = new CheckSet("healthz");
  const ready = new CheckSet("readyz");
  health.add("ping", () => {});
  // Grove's controllers run on controller-runtime, whose client keeps one REST client, and with it
  // one qps/burst token bucket, per GroupVersionKind: the limit applies per resource.
  /** A client of the process's own: its own rate limit, its requests reported with the others. */
  const newClient = (userAgent: string, qps: number, burst: number, extra: Partial<KubeClientOptions> = {}) =>
    createKubeClient({ ...source, ...clientHooks, qps, burst, userAgent, ...extra });
  const qps = options.qps ?? 100;
  const burst = options.burst ?? 150;
  const schedulerQps = options.schedulerQps ?? 50;
  const schedulerBurst = options.schedulerBurst ?? 100;
  const client = newClient("grove-operator", qps, burst, { rateLimitPer: "resource" });
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
  let webhooks: RunningWebhooks | undefined;
  let isLeader = (): boolean => true;
  /** Set once this replica's controllers exist; a standby (leader election, not leading) is ready. */
  let controllersSynced: (() => boolean) | undefined;
  ready.add("informers", () => {
    const ok = controllersSynced
      ? controllersSynced()
      : options.leaderElection?.enabled === true && !isLeader();
    if (!ok) throw new Error("the controllers' informers have not synced");
  });
  let healthServer: HttpEndpoint | undefined;
  let metricsServer: HttpEndpoint | undefined;
  /** The gang scheduler and the controllers: what only the leader runs. Returns their stop. */
  const startReconcilers = async (): Promise<() => Promise<void>> => {
    const own: (() => Promise<void>)[] = [];
    const stopOwn = async (): Promise<void> => {
      for (const s of own.reverse()) await s();
    };
    try {
      if (withScheduler) {
        const schedulerClient = newClient("grove-scheduler", schedulerQps, schedulerBurst);
        // kube-scheduler's separate event client: Events do not spend the bindings' rate limit.
        const schedulerEvents = newClient("grove-scheduler", schedulerQps, schedulerBurst);
        const scheduler = createGangScheduler(schedulerClient, {
          schedulerNames: names,
          eventClient: schedulerEvents,
          ...(options.placementPolicies ? { placementPolicies: options.placementPolicies } : {}),
          ...(options.nonPreemptiblePriority !== undefined
            ? { nonPreemptiblePriority: options.nonPreemptiblePriority }
            : {}),
          ...(options.nominationMarginMs !== undefined
            ? { nominationMarginMs: options.nominationMarginMs }
            : {}),
          ...(options.evictionBackoffMs !== undefined
            ? { evictionBackoffMs: options.evictionBackoffMs }
            : {}),
          ...(options.defaultPlacementPolicy
            ? { defaultPlacementPolicy: options.defaultPlacementPolicy }
            : {}),
          logger,
          ...(metrics ? { metrics: metrics.scheduler } : {}),
        });
        await scheduler.start();
        own.push(() => scheduler.stop());
      }
      // A PodCliqueSet that names no scheduler is gang-scheduled by ours (its first name); without
      // our scheduler, Grove's own default backend (default-scheduler) applies.
      const controllers = createGroveControllers(client, {
        logger,
        // Events on a client of their own, as controller-runtime's recorder has: its own rate
        // limit, so Events do not delay the controllers' writes.
        eventClient: newClient("grove-operator", qps, burst),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.topologyAwareScheduling !== undefined
          ? { topologyAwareScheduling: options.topologyAwareScheduling }
          : {}),
        ...(withScheduler && names[0] ? { defaultSchedulerName: names[0] } : {}),
        ...(options.initContainerImage !== undefined
          ? { initContainerImage: options.initContainerImage }
          : {}),
        ...(options.autoMNNVLEnabled ? { autoMNNVLEnabled: true } : {}),
        ...(metrics ? { metrics: metrics.controllers } : {}),
      });
      controllersSynced = () => controllers.hasSynced();
      await controllers.start();
      own.push(() => controllers.stop());
    } catch (err) {
      await stopOwn();
      throw err;
    }
    return stopOwn;
  };
  // Grove's order: the configuration, then the MNNVL preflight, before anything serves or runs.
  if (options.autoMNNVLEnabled) await mnnvlPreflight(client);
  try {
    // Probes and metrics first: /readyz answers (not ready) while the rest starts.
    if (options.health) {
      const e = await startProbeServer({ ...options.health, health, ready, logger });
      healthServer = e;
      stops.push(() => e.close());
      logger.info("serving health probes", { url: e.url, paths: ["/healthz", "/readyz"] });
    }
    if (options.metrics && metrics) {
      const e = await startMetricsServer({ ...options.metrics, scrape: metrics.scrape });
      metricsServer = e;
      stops.push(() => e.close());
      logger.info("serving metrics", { url: `${e.url}/metrics` });
    }
    // Grove's order: certificates and webhooks first, then the controllers.
    if (options.webhooks) {
      const hooks = await startWebhooks(client, {
        logger,
        ...options.webhooks,
        validation: {
          ...(options.topologyAwareScheduling !== undefined
            ? { topologyAwareScheduling: options.topologyAwareScheduling }
            : {}),
          ...(options.autoMNNVLEnabled ? { autoMNNVLEnabled: true } : {}),
          ...options.webhooks.validation,
        },
      });
      webhooks = hooks;
      stops.push(() => hooks.stop());
      ready.add("webhooks", () => {
        if (!hooks.ready())
          throw new Error("the webhook certificate is not loaded or the server not serving");
      });
    }
    if (options.leaderElection?.enabled) {
      const gate = startLeaderGate({
        config: options.leaderElection,
        client: newClient("grove-operator-leader-election", 5, 10),
        logger,
        start: startReconcilers,
        onLost: (reason) => options.onLeadershipLost?.(reason),
      });
      isLeader = () => gate.isLeader();
      stops.push(() => gate.stop());
    } else {
      const stopReconcilers = await startReconcilers();
      stops.push(stopReconcilers);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    client,
    ...(webhooks ? { webhooks } : {}),
    isLeader: () => isLeader(),
    ...(healthServer ? { healthUrl: healthServer.url } : {}),
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    addReadyCheck: (name, check) => ready.add(name, check),
    addHealthCheck: (name, check) => health.add(name, check),
    stop,
  };
}
