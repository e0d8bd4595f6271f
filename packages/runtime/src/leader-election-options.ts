// The leader elector's options with client-go's defaults and its NewLeaderElector rules
// (k8s.io/client-go/tools/leaderelection), checked before an elector starts (leader-election.ts).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Client } from "./client.js";
import type { Logger } from "./logger.js";

/** client-go's defaults (and controller-runtime's): 15 s / 10 s / 2 s. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** client-go's JitterFactor: a standby waits retryPeriod * (1 + random * 1.2) between attempts. */
export const LEADER_ELECTION_JITTER_FACTOR = 1.2;

export interface LeaderElectorOptions {
  client: Client;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** Unique per replica. Default `<hostname>_<uuid>`, as controller-runtime makes it. */
  identity?: string;
  /** How long a standby waits from its last sight of a changed record before taking the Lease. Default 15000; at least 1000 (the Lease stores whole seconds). */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal. Default 10000; below leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Time between attempts. Default 2000; renewDeadlineMs must exceed 1.2 times it. */
  retryPeriodMs?: number;
  /** stop() while leading writes an empty holder and a 1 s duration, so a standby takes over at once. Default true. */
  releaseOnCancel?: boolean;
  logger?: Logger;
  /**
   * Called once when this elector becomes the leader. `signal` aborts when leadership ends (lost, or
   * stop()). Code protected by the Lease must stop when it aborts.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when leadership ends, right after the signal aborted. */
  onStoppedLeading(): void;
  /** Called when the observed holder changes to a non-empty identity (this elector's own included). */
  onNewLeader?(identity: string): void;
}

/** Options that break client-go's rules; names each field and the rule. */
export class LeaderElectionConfigError extends Error {
  readonly code = "InvalidLeaderElectionConfig";
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`leader election: ${field}: ${rule}`);
    this.name = "LeaderElectionConfigError";
  }
}

/** `<hostname>_<uuid>`: unique per process even when two replicas share a host name. */
export function defaultLeaderIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** Checks the options against client-go's NewLeaderElector rules. Throws LeaderElectionConfigError. */
export function validateLeaderElectionOptions(o: LeaderElectorOptions): void {
  const lease = o.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
  const renew = o.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
  const retry = o.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
  const positive = (v: number, f: string) => {
    if (!Number.isFinite(v) || v <= 0) throw new LeaderElectionConfigError(f, `must be > 0, got ${v}`);
  };
  positive(lease, "leaseDurationMs");
  positive(renew, "renewDeadlineMs");
  positive(retry, "retryPeriodMs");
  if (lease < 1000)
    throw new LeaderElectionConfigError(
      "leaseDurationMs",
      `must be at least 1000 (the Lease stores whole seconds), got ${lease}`,
    );
  if (lease <= renew)
    throw new LeaderElectionConfigError(
      "leaseDurationMs",
      `must be greater than renewDeadlineMs (${lease} <= ${renew})`,
    );
  if (renew <= LEADER_ELECTION_JITTER_FACTOR * retry)
    throw new LeaderElectionConfigError(
      "renewDeadlineMs",
      `must be greater than retryPeriodMs * ${LEADER_ELECTION_JITTER_FACTOR} (${renew} <= ${LEADER_ELECTION_JITTER_FACTOR * retry})`,
    );
  if (o.identity !== undefined && o.identity === "")
    throw new LeaderElectionConfigError("identity", "must not be empty");
  if (!o.namespace) throw new LeaderElectionConfigError("namespace", "required");
  if (!o.name) throw new LeaderElectionConfigError("name", "required");
}
