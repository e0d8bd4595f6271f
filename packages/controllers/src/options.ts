// What createGroveControllers (factory.ts) takes and returns: its options with their defaults and
// rules, the handle on the running controllers, and the init container image reference.
import type { Client, ControllerMetricsProvider, Logger } from "@grove-ts/runtime";
import type { ClusterTopologyControllerOptions } from "./clustertopology/index.js";
import { InvalidOptionError } from "./errors.js";

export interface GroveControllersConcurrency {
  pcs: number;
  pcsg: number;
  pclq: number;
  podgang: number;
}

export interface GroveControllersOptions {
  logger?: Logger;
  /** Workers per controller (MaxConcurrentReconciles). Defaults: pcs 10, pcsg 5, pclq 10, podgang 5. */
  concurrency?: Partial<GroveControllersConcurrency>;
  /** Translate topology constraints into PodGangs (grove-behaviour.md §14.1). Default true. */
  topologyAwareScheduling?: boolean;
  /** Scheduler for pods whose clique names none. Default "default-scheduler". */
  defaultSchedulerName?: string;
  /**
   * Image of the startsAfter init container (apps/initc): a full reference, or a repository to which
   * `:<OPERATOR_VERSION>` is added. Default `$GROVE_INIT_CONTAINER_IMAGE:<version>` as Grove, else
   * `grove-ts/grove-initc:<version>`.
   */
  initContainerImage?: string;
  /**
   * network.autoMNNVLEnabled (grove-api.md §15.9): one ComputeDomain per PCS replica and MNNVL group
   * of GPU cliques, and the MNNVL claim in their pods. Needs the ComputeDomain CRD (the operator
   * checks it at start). Default false.
   */
  autoMNNVLEnabled?: boolean;
  /** Poll interval while waiting (Grove's 5 s ComponentSyncRetryInterval). Default 5000. */
  requeueAfterMs?: number;
  /**
   * How many replicas that have neither a gang nor all their pods a PodCliqueSet reconcile's
   * PodGang pass writes; the rest wait for later passes (pcs/podgangs.ts). 0: a replica's gangs are
   * created once all its pods exist. Default 64, or an eighth of the replicas when that is more.
   */
  podGangEmptyReplicasPerPass?: number;
  /**
   * The client the Events are written with (default: the controllers' client). controller-runtime's
   * event recorder has a client of its own, so its Events do not spend the controllers' client
   * rate limit; grove-operator does the same.
   */
  eventClient?: Client;
  /**
   * Status write coalescing (status-coalesce.ts): at most one status write per object per this many
   * milliseconds, the changes in between folded into one write at the window's end; 0 writes every
   * change at once. Default 0 (off): with a window, Grove's rolling-recreate suite on the real
   * control plane saw two PodCliqueScalingGroup replicas replaced at once (RU8).
   */
  statusCoalesceMs?: number;
  /**
   * The ClusterTopologyBinding controller (src/clustertopology), run with the others as upstream
   * does; `false` leaves it out. Default: on, with its own defaults and this logger.
   */
  clusterTopology?: false | ClusterTopologyControllerOptions;
  /**
   * Reports every controller's reconciles and work queue (controller-runtime's metrics, queue
   * named after the controller), the ClusterTopologyBinding controller's too. None by default.
   */
  metrics?: ControllerMetricsProvider;
}

export interface GroveControllers {
  /** Resolves once every informer has synced and the workers run. */
  start(): Promise<void>;
  /** Lets current reconciles finish, then stops workers and informers. */
  stop(): Promise<void>;
  /** Keys queued, in flight or waiting for a requeue, over all controllers (0 = quiescent). */
  pending(): number;
  /** Resolves once the Events recorded so far are written (they are written in the background). */
  flushEvents(): Promise<void>;
  /** Every informer has synced (a readiness check); false before start(). */
  hasSynced(): boolean;
}

export const DEFAULT_CONCURRENCY: GroveControllersConcurrency = { pcs: 10, pcsg: 5, pclq: 10, podgang: 5 };
/** Our own grove-initc (apps/initc), not upstream's image. */
export const DEFAULT_INIT_CONTAINER_IMAGE = "grove-ts/grove-initc";
export const OPERATOR_VERSION = "v0.1.0-dev";

/**
 * An image reference with a tag: `image` as given when it names a tag or digest, else
 * `image:<OPERATOR_VERSION>` (a `host:port/` registry prefix is not a tag).
 */
export function initContainerImageRef(image: string): string {
  const last = image.slice(image.lastIndexOf("/") + 1);
  return last.includes(":") || image.includes("@") ? image : `${image}:${OPERATOR_VERSION}`;
}

/** The image when no option names one: Grove's $GROVE_INIT_CONTAINER_IMAGE (a repository) or ours. */
export function defaultInitContainerImage(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.GROVE_INIT_CONTAINER_IMAGE || DEFAULT_INIT_CONTAINER_IMAGE}:${OPERATOR_VERSION}`;
}

/** Refuses options out of range; the InvalidOptionError names the option and the rule. */
export function checkOptions(options: GroveControllersOptions): void {
  for (const [k, v] of Object.entries(options.concurrency ?? {}))
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new InvalidOptionError(`options.concurrency.${k}`, `must be an integer >= 1, got ${String(v)}`);
  const r = options.requeueAfterMs;
  if (r !== undefined && !(Number.isFinite(r) && r > 0))
    throw new InvalidOptionError(
      "options.requeueAfterMs",
      `must be a positive number of milliseconds, got ${String(r)}`,
    );
  const g = options.podGangEmptyReplicasPerPass;
  if (g !== undefined && !(Number.isInteger(g) && g >= 0))
    throw new InvalidOptionError(
      "options.podGangEmptyReplicasPerPass",
      `must be an integer >= 0, got ${String(g)}`,
    );
  const w = options.statusCoalesceMs;
  if (w !== undefined && !(Number.isFinite(w) && w >= 0 && w <= 60_000))
    throw new InvalidOptionError(
      "options.statusCoalesceMs",
      `must be a number of milliseconds from 0 to 60000, got ${String(w)}`,
    );
  const img = options.initContainerImage;
  if (img !== undefined && (img === "" || /\s/.test(img)))
    throw new InvalidOptionError(
      "options.initContainerImage",
      `must be an image reference without spaces, got ${JSON.stringify(img)}`,
    );
  if (options.defaultSchedulerName !== undefined && options.defaultSchedulerName === "")
    throw new InvalidOptionError("options.defaultSchedulerName", "must not be empty");
}
