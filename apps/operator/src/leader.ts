// grove-operator's replicas share one Lease: only the leader runs the controllers and the gang
// scheduler; every replica serves the webhooks. Losing the Lease stops reconciling at once (no
// split brain) and reports it, and the CLI then exits 1 so the pod restarts as a standby, as
// controller-runtime's manager does.
import { type Client, LeaderElector, type Logger } from "@grove-ts/runtime";

/** The Lease's name when none is given (Grove's leaderElection.resourceName default). */
export const DEFAULT_LEADER_ELECTION_ID = "grove-operator-leader-election";

export interface OperatorLeaderElection {
  enabled: boolean;
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease. Default grove-operator-leader-election. */
  name?: string;
  /** This replica's identity. Default `<hostname>_<uuid>`. */
  identity?: string;
  /** Defaults 15000 / 10000 / 2000 (client-go's). */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface LeaderGate {
  readonly identity: string;
  isLeader(): boolean;
  /** Stops what runs under the Lease, then releases the Lease. */
  stop(): Promise<void>;
}

export interface LeaderGateOptions {
  config: OperatorLeaderElection;
  /** A client of its own: renewals must not queue behind the controllers' writes. */
  client: Client;
  logger: Logger;
  /** Starts what only the leader runs; resolves with its stop. */
  start: () => Promise<() => Promise<void>>;
  /** Leadership ended without stop(): reconciling is already stopping. */
  onLost: (reason: string) => void;
}

/** Runs `start` when this replica becomes the leader and stops it the moment leadership ends. */
export function startLeaderGate(o: LeaderGateOptions): LeaderGate {
  const log = o.logger.with({ component: "leader-election" });
  let stopping = false;
  let lostReported = false;
  /** The leader's running work: its stop once started. */
  let running: Promise<(() => Promise<void>) | undefined> | undefined;
  const stopRunning = async (): Promise<void> => {
    const r = running;
    running = undefined;
    const stopFn = await r;
    await stopFn?.();
  };
  const lost = (reason: string): void => {
    if (stopping || lostReported) return;
    lostReported = true;
    stopRunning().catch((err) => log.error("stopping after leadership loss failed", { error: err }));
    o.onLost(reason);
  };
  const elector: LeaderElector = new LeaderElector({
    client: o.client,
    namespace: o.config.namespace,
    name: o.config.name ?? DEFAULT_LEADER_ELECTION_ID,
    ...(o.config.identity !== undefined ? { identity: o.config.identity } : {}),
    ...(o.config.leaseDurationMs !== undefined ? { leaseDurationMs: o.config.leaseDurationMs } : {}),
    ...(o.config.renewDeadlineMs !== undefined ? { renewDeadlineMs: o.config.renewDeadlineMs } : {}),
    ...(o.config.retryPeriodMs !== undefined ? { retryPeriodMs: o.config.retryPeriodMs } : {}),
    logger: o.logger,
    onStartedLeading: (signal) => {
      log.info("leading: starting the controllers and the gang scheduler");
      running = o.start().then(
        (stopFn) => stopFn,
        (err) => {
          // Leading without controllers helps nobody: give the Lease up and let a standby try.
          log.error("starting the controllers while leading failed", { error: err });
          lost(`start failed: ${(err as Error).message}`);
          void elector.stop();
          return undefined;
        },
      );
      signal.addEventListener(
        "abort",
        () => lost(String((signal.reason as Error)?.message ?? signal.reason)),
        {
          once: true,
        },
      );
    },
    onStoppedLeading: () => {
      if (!stopping) lost("stopped leading");
    },
    onNewLeader: (identity) => log.info("leader is", { leader: identity }),
  });
  elector.start();
  return {
    identity: elector.identity,
    isLeader: () => elector.isLeader() && !lostReported,
    stop: async () => {
      stopping = true;
      // The protected work ends before the release, so a standby never overlaps it.
      await stopRunning();
      await elector.stop();
    },
  };
}
