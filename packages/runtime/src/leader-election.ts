// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics
// (k8s.io/client-go/tools/leaderelection): one elector per replica; the one that holds the Lease
// leads, renews every retryPeriod and gives up when no renewal succeeded within renewDeadline; the
// others retry every retryPeriod (jittered) and take the Lease once it has expired.
//
// Expiry is judged only with this process's clock: the time this elector last SAW the record change
// plus the record's leaseDurationSeconds (client-go's observedTime). The renewTime written by the
// holder is never compared with the local clock, so clock skew between hosts cannot shorten a lease.
//
// Where this differs from client-go, on purpose:
// - A leader that reads a record naming another holder stops leading at once instead of polling on
//   until its renewDeadline: it knows it is not the holder, and reconciling on would be split brain.
// - A renewal that hangs counts against renewDeadline (a timer, not the request, ends leadership).
// - onStoppedLeading fires only when leadership ends (lost, or released by stop()), not also when an
//   elector that never led is stopped.
// - After leadership is lost the elector is finished (client-go's Run returns): make a new one to
//   stand again. Controllers stop and the process restarts as a standby, as controller-runtime does.
//
// Its options and their rules are in leader-election-options.ts, the Lease record in lease-record.ts.
import type { Client } from "./client.js";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.js";
import {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  defaultLeaderIdentity,
  LEADER_ELECTION_JITTER_FACTOR,
  type LeaderElectorOptions,
  validateLeaderElectionOptions,
} from "./leader-election-options.js";
import {
  formatMicroTime,
  type LeaderElectionRecord,
  type Lease,
  type LeaseSpec,
  leaseRecord,
} from "./lease-record.js";
import { type Logger, noopLogger } from "./logger.js";
import { LeaseType } from "./resources.js";

function recordToSpec(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime !== undefined ? { acquireTime: r.acquireTime } : {}),
    ...(r.renewTime !== undefined ? { renewTime: r.renewTime } : {}),
    leaseTransitions: r.leaseTransitions,
  };
}

const STOPPED = Symbol("stopped");

/**
 * One replica's side of the election. start() runs it in the background; stop() ends it (releasing
 * the Lease if leading); `done` settles when it has finished, by stop() or by losing leadership.
 */
export class LeaderElector {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly client: Client;
  private readonly log: Logger;
  private readonly releaseOnCancel: boolean;
  /** The Lease as last read or written: its resourceVersion makes the next update optimistic. */
  private lease: Lease | undefined;
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = "";
  /** Local clock (ms) when the observed record last changed. */
  private observedTime = 0;
  private reportedLeader = "";
  private leading = false;
  private leadAbort: AbortController | undefined;
  private readonly stopAbort = new AbortController();
  private state: "new" | "running" | "finished" = "new";
  private loop: Promise<void> = Promise.resolve();
  /** The attempt last started (it may outlive a stop()). */
  private inflight: Promise<boolean> | undefined;
  private resolveDone: () => void = () => {};
  /** Settles when the elector has finished (stopped, or leadership lost). */
  readonly done: Promise<void>;

  constructor(private readonly options: LeaderElectorOptions) {
    validateLeaderElectionOptions(options);
    this.client = options.client;
    this.identity = options.identity ?? defaultLeaderIdentity();
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.log = (options.logger ?? noopLogger).with({
      lease: `${options.namespace}/${options.name}`,
      identity: this.identity,
    });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** True while this elector leads (between onStartedLeading and the abort of its signal). */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed on the Lease ("" when none or not read yet). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? "";
  }

  start(): void {
    if (this.state !== "new") throw new Error(`leader elector: start() called twice`);
    this.state = "running";
    this.loop = this.run().then(
      () => this.finish(),
      (err) => {
        // run() catches what the API throws; this is a bug, and it must not leave a leader running.
        this.log.error("leader election failed", { error: err });
        this.loseLeadership("leader election failed");
        this.finish();
      },
    );
  }

  /**
   * Ends the election. While leading: the signal aborts, the Lease is released (releaseOnCancel)
   * and onStoppedLeading is called. Stop the code the Lease protects BEFORE calling this, or a
   * standby may start while it still runs.
   */
  async stop(): Promise<void> {
    if (this.state === "new") {
      this.finish();
      return;
    }
    this.stopAbort.abort();
    await this.loop;
  }

  private finish(): void {
    this.state = "finished";
    this.resolveDone();
  }

  private get stopping(): boolean {
    return this.stopAbort.signal.aborted;
  }

  private async run(): Promise<void> {
    this.log.info("attempting to acquire leader lease");
    // Acquire: client-go's wait.JitterUntil(tryAcquireOrRenew, retryPeriod, 1.2, sliding).
    for (;;) {
      const ok = await this.attempt();
      if (ok === STOPPED) {
        // stop() came while an attempt was in flight: had it taken the Lease, give it back.
        if (this.releaseOnCancel && (await this.settled()) === true) await this.release();
        return;
      }
      this.maybeReportTransition();
      if (ok) break;
      const wait = this.retryPeriodMs * (1 + Math.random() * LEADER_ELECTION_JITTER_FACTOR);
      if ((await this.sleep(wait)) === STOPPED) return;
    }
    this.log.info("successfully acquired lease");
    this.leading = true;
    const lead = new AbortController();
    this.leadAbort = lead;
    try {
      void Promise.resolve(this.options.onStartedLeading(lead.signal)).catch((err) =>
        this.log.error("onStartedLeading failed", { error: err }),
      );
    } catch (err) {
      this.log.error("onStartedLeading failed", { error: err });
    }
    await this.renewLoop();
    if (this.stopping && this.leading) {
      // stop() while leading: the signal aborts first, then the Lease is given up.
      this.leadAbort.abort(new Error("leader election stopped"));
      this.leading = false;
      if (this.releaseOnCancel) {
        // A renewal still in flight would make the release's update conflict: let it land first.
        await this.settled();
        await this.release();
      }
      this.log.info("stopped leading", { reason: "stopped" });
      this.callStopped();
    }
  }

  /** Renews every retryPeriod until a renewal misses renewDeadline, the Lease is lost or stop(). */
  private async renewLoop(): Promise<void> {
    let deadline: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(
        () => this.loseLeadership("no successful renewal within renewDeadline"),
        this.renewDeadlineMs,
      );
    };
    arm();
    try {
      while (this.leading) {
        if ((await this.sleep(this.retryPeriodMs)) === STOPPED) return;
        if (!this.leading) return;
        const ok = await this.attempt();
        if (ok === STOPPED || !this.leading) return;
        this.maybeReportTransition();
        if (ok) {
          arm();
          this.log.debug("successfully renewed lease");
        } else if (this.observed && this.observed.holderIdentity !== this.identity) {
          this.loseLeadership(`lease taken by ${JSON.stringify(this.observed.holderIdentity)}`);
          return;
        }
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Leadership ends now: the signal aborts and onStoppedLeading runs, whatever is still in flight. */
  private loseLeadership(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.leadAbort?.abort(new Error(`leader election lost: ${reason}`));
    this.log.warn("leader election lost", { reason });
    this.callStopped();
    // The election is over for this elector (client-go's Run returns); wake the loop if it sleeps.
    this.stopAbort.abort();
  }

  private callStopped(): void {
    try {
      this.options.onStoppedLeading();
    } catch (err) {
      this.log.error("onStoppedLeading failed", { error: err });
    }
  }

  /** One tryAcquireOrRenew, or STOPPED as soon as stop() is called (the request goes on: settled()). */
  private attempt(): Promise<boolean | typeof STOPPED> {
    const p = this.tryAcquireOrRenew().catch((err) => {
      this.log.warn("leader election attempt failed", { error: err });
      return false;
    });
    this.inflight = p;
    return this.untilStopped(p);
  }

  /** The last attempt's result once it settles, or undefined after renewDeadline. */
  private async settled(): Promise<boolean | undefined> {
    const p = this.inflight;
    if (!p) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), this.renewDeadlineMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** client-go's tryAcquireOrRenew: true when this elector holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const stamp = formatMicroTime(now);
    const desired: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };

    // 1. Fast path: the leader updates optimistically on the version it wrote last.
    if (this.observedIsMine() && this.leaseValid(now) && this.lease && this.observed) {
      const r = { ...desired, leaseTransitions: this.observed.leaseTransitions };
      if (this.observed.acquireTime !== undefined) r.acquireTime = this.observed.acquireTime;
      if (await this.write(r)) return true;
      this.log.debug("optimistic renewal failed, reading the lease");
    }

    // 2. Read, or create when absent.
    let current: Lease | undefined;
    try {
      current = await this.client.get<Lease>(LeaseType, this.options.name, this.options.namespace);
    } catch (err) {
      this.log.warn("error retrieving lease", { error: err });
      return false;
    }
    if (!current) {
      try {
        const created = await this.client.create<Lease>(LeaseType, {
          apiVersion: LeaseType.apiVersion,
          kind: LeaseType.kind,
          metadata: { name: this.options.name, namespace: this.options.namespace },
          spec: recordToSpec(desired),
        });
        this.lease = created;
        this.setObserved(desired, JSON.stringify(created.spec ?? null));
        return true;
      } catch (err) {
        if (!isAlreadyExists(err)) this.log.warn("error creating lease", { error: err });
        return false;
      }
    }

    // 3. Judge the holder and expiry on the local clock.
    this.lease = current;
    const raw = JSON.stringify(current.spec ?? null);
    const { record, malformed } = leaseRecord(current);
    if (raw !== this.observedRaw) {
      if (malformed.length > 0)
        this.log.warn("lease has malformed fields; read as absent", { fields: malformed });
      this.setObserved(record, raw);
    }
    if (record.holderIdentity !== "" && this.leaseValid(now) && !this.observedIsMine()) {
      this.log.debug("lease is held by another and has not expired", { holder: record.holderIdentity });
      return false;
    }

    // 4. Take or renew it: transitions count only a change of holder.
    const next = { ...desired };
    if (this.observedIsMine()) {
      next.leaseTransitions = record.leaseTransitions;
      if (record.acquireTime !== undefined) next.acquireTime = record.acquireTime;
    } else next.leaseTransitions = record.leaseTransitions + 1;
    return this.write(next);
  }

  /** Update with the resourceVersion last seen: a 409 means another writer got there first. */
  private async write(record: LeaderElectionRecord): Promise<boolean> {
    if (!this.lease) return false;
    try {
      const updated = await this.client.update<Lease>(LeaseType, {
        ...this.lease,
        spec: recordToSpec(record),
      });
      this.lease = updated;
      this.setObserved(record, JSON.stringify(updated.spec ?? null));
      return true;
    } catch (err) {
      if (isConflict(err)) this.log.debug("lease changed under us (conflict)");
      else if (isNotFound(err)) this.lease = undefined;
      else this.log.warn("error updating lease", { error: err });
      return false;
    }
  }

  /** ReleaseOnCancel: a Lease this elector still holds gets no holder and a 1 s duration. */
  private async release(): Promise<void> {
    const attempt = async (): Promise<void> => {
      const current = await this.client.get<Lease>(LeaseType, this.options.name, this.options.namespace);
      if (!current || leaseRecord(current).record.holderIdentity !== this.identity) return;
      const stamp = formatMicroTime(Date.now());
      const record: LeaderElectionRecord = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: leaseRecord(current).record.leaseTransitions,
      };
      const updated = await this.client.update<Lease>(LeaseType, { ...current, spec: recordToSpec(record) });
      this.lease = updated;
      this.setObserved(record, JSON.stringify(updated.spec ?? null));
      this.log.info("released lease");
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        attempt(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out after renewDeadline")), this.renewDeadlineMs);
        }),
      ]);
    } catch (err) {
      this.log.warn("failed to release lease", { error: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private setObserved(record: LeaderElectionRecord, raw: string): void {
    this.observed = record;
    this.observedRaw = raw;
    this.observedTime = Date.now();
  }

  private observedIsMine(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

  private leaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private maybeReportTransition(): void {
    const holder = this.observed?.holderIdentity ?? "";
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder === "") return;
    this.log.info("new leader observed", { leader: holder });
    try {
      this.options.onNewLeader?.(holder);
    } catch (err) {
      this.log.error("onNewLeader failed", { error: err });
    }
  }

  /** Resolves STOPPED as soon as stop() is called (or leadership is lost), else after `ms`. */
  private sleep(ms: number): Promise<typeof STOPPED | undefined> {
    const signal = this.stopAbort.signal;
    if (signal.aborted) return Promise.resolve(STOPPED);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(STOPPED);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(undefined);
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** `p`, or STOPPED as soon as the elector is stopped (an in-flight request is left to settle alone). */
  private untilStopped<T>(p: Promise<T>): Promise<T | typeof STOPPED> {
    const signal = this.stopAbort.signal;
    if (signal.aborted) {
      p.catch(() => {});
      return Promise.resolve(STOPPED);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => resolve(STOPPED);
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }
}
