// Rate limiting as client-go does it: a token bucket (qps and burst) for overall throughput and a
// per-item exponential backoff for retries of one failing key. Time comes from Date.now and
// setTimeout only, so fake timers drive every test.

/** A token bucket refilled at `qps` per second up to `burst`. Reservations may go into debt. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
  ) {
    if (!(qps > 0)) throw new RangeError(`qps: must be > 0, got ${qps}`);
    if (!(burst >= 1) || !Number.isInteger(burst))
      throw new RangeError(`burst: must be an integer >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = Date.now();
  }

  private refill(): void {
    const now = Date.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
  }

  /** Takes a token now if one is there. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token, possibly borrowed from the future; returns how many ms until it is really yours. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  /** Waits for a token. An aborted wait keeps its reservation (as x/time/rate's Wait does not). */
  take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    return wait === 0 ? Promise.resolve() : sleep(wait, signal);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** How long to wait before retrying an item. */
export interface RateLimiter<K = string> {
  /** Records a retry of `item` and returns the delay in ms before it. */
  when(item: K): number;
  /** The item succeeded: forget its failures. */
  forget(item: K): void;
  numRequeues(item: K): number;
}

/** base * 2^failures, capped at max (client-go ItemExponentialFailureRateLimiter). */
export class ExponentialBackoffRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  constructor(
    readonly baseMs = 5,
    readonly maxMs = 1000_000,
  ) {
    if (!(baseMs > 0) || !(maxMs >= baseMs))
      throw new RangeError(`backoff: need 0 < baseMs <= maxMs, got ${baseMs}, ${maxMs}`);
  }
  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity past n ≈ 1023; the cap handles it.
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }
  forget(item: K): void {
    this.failures.delete(item);
  }
  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall limit on retries of all items together. */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  readonly bucket: TokenBucket;
  constructor(qps = 10, burst = 100) {
    this.bucket = new TokenBucket(qps, burst);
  }
  when(): number {
    return this.bucket.reserve();
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

/** The longest delay of several limiters. */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];
  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }
  when(item: K): number {
    let d = 0;
    for (const l of this.limiters) d = Math.max(d, l.when(item));
    return d;
  }
  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: K): number {
    let n = 0;
    for (const l of this.limiters) n = Math.max(n, l.numRequeues(item));
    return n;
  }
}

export interface ControllerRateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
}

/** client-go's DefaultControllerRateLimiter: 5 ms doubling to 1000 s per item, 10 qps / burst 100 overall. */
export function defaultControllerRateLimiter<K = string>(
  options: ControllerRateLimiterOptions = {},
): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ExponentialBackoffRateLimiter<K>(options.baseDelayMs ?? 5, options.maxDelayMs ?? 1000_000),
    new BucketRateLimiter<K>(options.qps ?? 10, options.burst ?? 100),
  );
}
