// Polling waits: a condition is probed until it holds or the deadline passes; the timeout error
// carries the last observed state, so a failing scenario says what the cluster looked like.
import { setTimeout as sleep } from "node:timers/promises";

export class WaitTimeoutError extends Error {
  readonly code = "WaitTimeout";
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastState: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last state: ${lastState}`);
    this.name = "WaitTimeoutError";
  }
}

export interface Probe {
  ok: boolean;
  /** What the cluster looked like, for the timeout message. */
  state: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export const DEFAULT_TIMEOUT_MS = Number(process.env.GROVE_E2E_TIMEOUT_MS ?? 45_000);

export async function waitFor(
  what: string,
  probe: () => Promise<Probe>,
  { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = 50 }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "(not probed)";
  for (;;) {
    try {
      const p = await probe();
      if (p.ok) return;
      last = p.state;
    } catch (err) {
      last = `probe failed: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, last);
    await sleep(intervalMs);
  }
}
